"""What every entry point needs: settings and a migrated database engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from dcc.settings import Settings, get_settings
from dcc.store.database import create_db_engine
from dcc.store.migrate import migrate


@dataclass(frozen=True)
class Context:
    settings: Settings
    engine: Engine

    def close(self) -> None:
        self.engine.dispose()


def open_context(settings: Settings | None = None, *, ensure_schema: bool = True) -> Context:
    """Open the configured database; migrate it to the latest schema unless told not to.

    Migrating on open keeps a one-laptop install to a single command; Alembic makes it a no-op
    when the schema is current.
    """
    settings = settings or get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings=settings)
    if ensure_schema:
        migrate(engine)
    return Context(settings=settings, engine=engine)
