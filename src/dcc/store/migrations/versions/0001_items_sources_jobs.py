"""Sources, raw items with full-text search, the embedded jobs table, ingest problems.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lang", sa.String(10)),
        sa.Column("country", sa.String(2)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("is_private_allowed", sa.Boolean, nullable=False),
        sa.Column("is_enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_success_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("items_total", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("published_at", UTCDateTime),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.Column("sort_at", UTCDateTime, nullable=False),
        sa.Column("lang", sa.String(10)),
        sa.Column("country", sa.String(2)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("processed_at", UTCDateTime),
        sa.UniqueConstraint("source_id", "external_id", name="uq_items_source_external"),
    )
    op.create_index("ix_items_sort_at", "items", ["sort_at"])
    op.create_index("ix_items_source_sort_at", "items", ["source_id", "sort_at"])
    op.create_index("ix_items_lang_sort_at", "items", ["lang", "sort_at"])
    op.create_index("ix_items_country_sort_at", "items", ["country", "sort_at"])
    op.create_index("ix_items_stage", "items", ["stage", "id"])
    op.create_index("ix_items_source_ingested_at", "items", ["source_id", "ingested_at"])

    op.create_table(
        "item_time_bounds",
        sa.Column("hour", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("min_id", sa.BigInteger, nullable=False),
        sa.Column("max_id", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "jobs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("available_at", UTCDateTime, nullable=False),
        sa.Column("leased_until", UTCDateTime),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_jobs_claim", "jobs", ["topic", "status", "available_at"])

    op.create_table(
        "ingest_problems",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_ingest_problems_source", "ingest_problems", ["source_id", "id"])

    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_fts()
    else:
        _create_postgres_tsvector()


# Filter values as tokens, so that text plus filters is answered inside FTS5 alone (SQLite's
# planner would otherwise look up every match in `items` to check a filter). Prefixes keep the
# kinds apart; source ids are hex-encoded because they may hold '-' and '.', which the
# tokenizer splits on. store/backends/sqlite.py builds the same tokens.
FACETS_SQL = (
    "'s' || lower(hex(source_id)) || ' l' || lower(coalesce(lang, '')) || "
    "' c' || lower(coalesce(country, '')) || ' k' || lower(kind)"
)


def _create_sqlite_fts() -> None:
    op.execute(
        f"ALTER TABLE items ADD COLUMN facets TEXT GENERATED ALWAYS AS ({FACETS_SQL}) VIRTUAL"
    )
    # External-content FTS5 over title, text and facets, kept in step by triggers so that an
    # item is searchable in the same transaction that stores it. unicode61 with diacritics
    # removed matches Indonesian and European text without a language-specific stemmer.
    op.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5("
        "title, text, facets, content='items', content_rowid='id', "
        'tokenize="unicode61 remove_diacritics 2")'
    )
    op.execute(
        "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
        "INSERT INTO items_fts(rowid, title, text, facets) "
        "VALUES (new.id, new.title, new.text, new.facets); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, text, facets) "
        "VALUES ('delete', old.id, old.title, old.text, old.facets); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text, source_id, lang, country, "
        "kind ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, text, facets) "
        "VALUES ('delete', old.id, old.title, old.text, old.facets); "
        "INSERT INTO items_fts(rowid, title, text, facets) "
        "VALUES (new.id, new.title, new.text, new.facets); END"
    )


def _create_postgres_tsvector() -> None:
    # 'simple' keeps every language's words as they are (PostgreSQL has no Javanese or
    # Sundanese stemmer, and stemming Indonesian as English would be wrong). Title weighs more.
    op.execute(
        "ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('simple', coalesce(text, '')), 'B')) STORED"
    )
    # A larger pending list than the 4 MB default: news arrives in bulk, and fewer, larger
    # merges into the GIN index cost less per item (measured with bench/ingest.py).
    op.execute(
        "CREATE INDEX ix_items_search_vector ON items USING gin (search_vector) "
        "WITH (gin_pending_list_limit = 32768)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS items_fts")
    op.drop_table("ingest_problems")
    op.drop_table("item_time_bounds")
    op.drop_table("jobs")
    op.drop_table("items")
    op.drop_table("sources")
