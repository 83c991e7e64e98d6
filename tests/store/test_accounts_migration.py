"""Migration 0006 (accounts) goes down and up again cleanly, on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from dcc.store.migrate import alembic_config, migrate

ACCOUNT_TABLES = {"agencies", "users", "sessions", "api_tokens", "login_attempts", "object_shares"}


def test_accounts_migration_downgrades_and_upgrades(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert not ACCOUNT_TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
