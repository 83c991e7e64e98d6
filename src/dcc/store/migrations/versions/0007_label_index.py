"""The label index (one row per item and country, topic or story) and a covering index of
the filter columns of `items` by id (issue 5: facets, dashboard, stories).

The label index is filled here for items enriched before it (the same rules as
store/labels.py, in SQL); from then on do_store_enrichment writes it with the enrichment.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per dialect and kind: SELECT (id, value) of every enriched item's values of that kind.
_SQLITE_VALUES = {
    "country": (
        "SELECT items.id AS id, j.value AS value "
        "FROM items, json_each(items.enrichment, '$.countries') AS j "
        "WHERE json_type(items.enrichment) = 'object' AND j.type = 'text' "
        "UNION SELECT id, country FROM items "
        "WHERE json_type(enrichment) = 'object' AND country IS NOT NULL"
    ),
    "topic": (
        "SELECT items.id AS id, j.value AS value "
        "FROM items, json_each(items.enrichment, '$.topics') AS j "
        "WHERE json_type(items.enrichment) = 'object' AND j.type = 'text'"
    ),
    "story": (
        "SELECT id, json_extract(enrichment, '$.story_id') AS value FROM items "
        "WHERE json_type(enrichment) = 'object' "
        "AND json_type(enrichment, '$.story_id') = 'text'"
    ),
}
# items.sort_at as microseconds since the epoch (SQLite keeps it as 'YYYY-MM-DD HH:MM:SS.ffffff').
_SQLITE_US = (
    # Whole seconds of the text without its fraction: strftime would round .9999995 up.
    "CAST(strftime('%s', substr(items.sort_at, 1, 19)) AS INTEGER) * 1000000 "
    "+ CAST(substr(items.sort_at, 21, 6) AS INTEGER)"
)
_POSTGRES_US = "CAST(extract(epoch FROM items.sort_at) * 1000000 AS BIGINT)"
_ENRICHED = "json_typeof(enrichment) = 'object'"
_POSTGRES_VALUES = {
    "country": (
        "SELECT id, j.value AS value FROM items "
        "CROSS JOIN LATERAL json_array_elements_text("
        "CASE WHEN json_typeof(enrichment -> 'countries') = 'array' "
        "THEN enrichment -> 'countries' ELSE '[]'::json END) AS j(value) "
        f"WHERE {_ENRICHED} "
        f"UNION SELECT id, country FROM items WHERE {_ENRICHED} AND country IS NOT NULL"
    ),
    "topic": (
        "SELECT id, j.value AS value FROM items "
        "CROSS JOIN LATERAL json_array_elements_text("
        "CASE WHEN json_typeof(enrichment -> 'topics') = 'array' "
        "THEN enrichment -> 'topics' ELSE '[]'::json END) AS j(value) "
        f"WHERE {_ENRICHED}"
    ),
    "story": (
        f"SELECT id, enrichment ->> 'story_id' AS value FROM items WHERE {_ENRICHED} "
        "AND json_typeof(enrichment -> 'story_id') = 'string'"
    ),
}


def upgrade() -> None:
    op.create_table(
        "item_labels",
        sa.Column(
            "item_id",
            sa.BigInteger,
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("sort_at_us", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    for kind, values in (_SQLITE_VALUES if is_sqlite else _POSTGRES_VALUES).items():
        # Before the indexes: building them once over the filled table is faster.
        op.execute(
            "INSERT INTO item_labels (item_id, kind, value, sort_at_us) "
            f"SELECT v.id, '{kind}', v.value, {_SQLITE_US if is_sqlite else _POSTGRES_US} "
            f"FROM ({values}) AS v JOIN items ON items.id = v.id "
            "WHERE length(v.value) BETWEEN 1 AND 200"
        )
    op.create_index(
        "ix_items_id_filters",
        "items",
        ["id", "sort_at", "lang", "source_id", "country", "sentiment", "stance"],
    )
    op.create_index("ix_item_labels_time", "item_labels", ["kind", "sort_at_us", "value"])
    op.create_index(
        "ix_item_labels_value", "item_labels", ["kind", "value", "sort_at_us", "item_id"]
    )


def downgrade() -> None:
    op.drop_table("item_labels")
    op.drop_index("ix_items_id_filters", "items")
