"""Private sources (issue 2): how a source authenticates and which environment variable
holds its secret (dcc.ingest.source_auth); the secret itself is never stored.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: the sources defined so far are public.
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("auth", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("auth")
