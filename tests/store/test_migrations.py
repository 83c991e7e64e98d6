"""The migrations create exactly the schema declared in store/schema.py, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from dcc.store.migrate import alembic_config, current_revision, migrate
from dcc.store.schema import metadata


def test_migrations_match_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # The search index objects are dialect-specific and live only in the migration.
    dialect_only = ("items_fts", "search_vector", "facets")
    relevant = [d for d in diff if not any(name in str(d) for name in dialect_only)]
    assert relevant == []


def test_migrate_is_idempotent(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None and head >= "0006"
    assert current_revision(engine) == head


def test_search_index_exists(engine: Engine) -> None:
    inspector = inspect(engine)
    if engine.dialect.name == "sqlite":
        assert "items_fts" in inspector.get_table_names()
    else:
        columns = {c["name"] for c in inspector.get_columns("items")}
        assert "search_vector" in columns
