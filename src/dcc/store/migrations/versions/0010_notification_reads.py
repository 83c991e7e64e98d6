"""Per-user reads of an agency's notifications (issue 6): one user marking one read no longer
marks it read for everyone of the agency.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_reads",
        sa.Column(
            "notification_id",
            sa.BigInteger,
            sa.ForeignKey("notifications.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column(
            "user_id",
            sa.BigInteger,
            sa.ForeignKey("users.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("read_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_reads")
