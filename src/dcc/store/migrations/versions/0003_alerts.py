"""Alerts: watchlists, alerts with the items they gathered, their events and deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("is_enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("last_matched_at", UTCDateTime),
        sa.Column("deleted_at", UTCDateTime),
    )
    state = op.create_table(
        "alert_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("watchlist_revision", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "watchlist_revision": 0}])

    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("watchlist_id", sa.BigInteger, sa.ForeignKey("watchlists.id")),
        sa.Column("story_key", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("first_item_id", sa.BigInteger),
        sa.Column("last_item_id", sa.BigInteger),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("window_ends_at", UTCDateTime, nullable=False),
        sa.Column("status_changed_at", UTCDateTime),
        sa.Column("status_changed_by", sa.String(100)),
    )
    op.create_index("ix_alerts_rule_story", "alerts", ["rule", "story_key", "window_ends_at"])
    op.create_index("ix_alerts_status", "alerts", ["status", "id"])
    op.create_index("ix_alerts_watchlist", "alerts", ["watchlist_id", "id"])

    op.create_table(
        "alert_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("item_id", sa.BigInteger, nullable=False),
        sa.Column("matched_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("rule", "item_id", name="uq_alert_items_rule_item"),
    )
    op.create_index("ix_alert_items_alert", "alert_items", ["alert_id", "id"])

    op.create_table(
        "alert_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("who", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert_id", "id"])

    op.create_table(
        "alert_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
    )
    op.create_index("ix_alert_deliveries_alert", "alert_deliveries", ["alert_id"])
    op.create_index("ix_alert_deliveries_status", "alert_deliveries", ["status", "channel"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_events")
    op.drop_table("alert_items")
    op.drop_table("alerts")
    op.drop_table("alert_state")
    op.drop_table("watchlists")
