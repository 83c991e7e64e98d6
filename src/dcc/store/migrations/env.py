"""Alembic environment: migrates the connection `dcc migrate` hands over, or the settings URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from dcc.store.database import create_db_engine
from dcc.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_db_engine(context.config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
