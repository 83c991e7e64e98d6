"""Labels from the enrichment pipeline: the full result, and the ones search filters on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        # Every label with its evidence, as `dcc enrich` writes it (DESIGN §4.2).
        batch.add_column(sa.Column("enrichment", sa.JSON))
        batch.add_column(sa.Column("sentiment", sa.String(10)))
        batch.add_column(sa.Column("stance", sa.String(10)))
        batch.add_column(sa.Column("is_crisis", sa.Boolean))
    op.create_index("ix_items_sentiment_sort_at", "items", ["sentiment", "sort_at"])
    op.create_index("ix_items_stance_sort_at", "items", ["stance", "sort_at"])
    op.create_index("ix_items_is_crisis_sort_at", "items", ["is_crisis", "sort_at"])


def downgrade() -> None:
    op.drop_index("ix_items_is_crisis_sort_at", "items")
    op.drop_index("ix_items_stance_sort_at", "items")
    op.drop_index("ix_items_sentiment_sort_at", "items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("is_crisis")
        batch.drop_column("stance")
        batch.drop_column("sentiment")
        batch.drop_column("enrichment")
