"""Alert delivery: e-mail and webhook retries, dead letter, digests.

`alert_deliveries.next_attempt_at` is when the delivery worker sends a pending delivery (its
first attempt, or a retry after backoff; while a worker holds a claim, the end of its lease),
and when an awaiting_digest delivery may go into a digest. Statuses are text, so `dead` needs
no column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alert_deliveries", sa.Column("next_attempt_at", UTCDateTime))
    # Deliveries kept for a digest before this revision go into the first digest.
    op.execute(
        "UPDATE alert_deliveries SET next_attempt_at = created_at "
        "WHERE status IN ('awaiting_digest', 'pending')"
    )
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_deliveries_due", table_name="alert_deliveries")
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("next_attempt_at")
