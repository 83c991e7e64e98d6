"""Alert detection: activity buckets for bursts and stance shifts, campaign posts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_buckets",
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("resolution", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bucket", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("stance_count", sa.Integer, nullable=False),
        sa.Column("negative_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_activity_buckets_bucket", "activity_buckets", ["resolution", "bucket"])

    op.create_table(
        "activity_examples",
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("bucket", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("item_id", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    op.create_index("ix_activity_examples_bucket", "activity_examples", ["bucket"])

    op.create_table(
        "activity_counted",
        sa.Column("item_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("counted_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_activity_counted_at", "activity_counted", ["counted_at"])

    op.create_table(
        "campaign_posts",
        sa.Column("item_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_id", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_campaign_posts_root", "campaign_posts", ["root_id", "posted_at"])
    op.create_index("ix_campaign_posts_posted_at", "campaign_posts", ["posted_at"])


def downgrade() -> None:
    op.drop_table("campaign_posts")
    op.drop_table("activity_counted")
    op.drop_table("activity_examples")
    op.drop_table("activity_buckets")
