"""Bulk insert of raw items on PostgreSQL through COPY.

SQLAlchemy's multi-row INSERT ... VALUES makes psycopg parse statements with thousands of
placeholders in Python, which capped ingest near 3,000 items/s. COPY streams rows instead.
Keys already stored are looked up first, so a re-ingest never computes the search vector of
a row it will not insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Cursor
from psycopg.errors import UniqueViolation
from psycopg.types.json import Json
from sqlalchemy import Connection

COLUMNS = (
    "source_id",
    "external_id",
    "url",
    "title",
    "text",
    "author",
    "published_at",
    "ingested_at",
    "sort_at",
    "lang",
    "country",
    "lat",
    "lon",
    "kind",
    "extra",
    "stage",
)
_COLUMN_LIST = ", ".join(COLUMNS)
# ON COMMIT DELETE ROWS: the staging rows of one transaction never leak into the next.
_CREATE_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS items_staging ("
    "source_id varchar(100), external_id text, url text, title text, text text, author text, "
    "published_at timestamptz, ingested_at timestamptz, sort_at timestamptz, "
    "lang varchar(10), country varchar(2), lat float8, lon float8, kind varchar(20), "
    "extra json, stage varchar(20)) ON COMMIT DELETE ROWS"
)


def copy_new_items(conn: Connection, rows: list[dict[str, Any]]) -> list[tuple[int, datetime]]:
    """Insert rows whose (source_id, external_id) is new; return (id, sort_at) of each.

    Runs inside the caller's transaction on the same connection. Rows whose keys are not
    stored yet are copied straight into `items`; if another writer stored one of them in the
    meantime, the copy is rolled back to a savepoint and the batch goes through the staging
    table, whose INSERT ... ON CONFLICT settles the race.
    """
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the PostgreSQL connection is closed")
    with driver.cursor() as cursor:
        new_rows = _without_stored_keys(cursor, rows)
        if not new_rows:
            return []
        try:
            with driver.transaction():  # a savepoint inside the caller's transaction
                _copy(cursor, "items", new_rows)
        except UniqueViolation:
            return _insert_through_staging(cursor, new_rows)
        return _ids_of(cursor, new_rows)


def _without_stored_keys(cursor: Cursor[Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_source: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row["external_id"])
    stored: set[tuple[str, str]] = set()
    for source_id, keys in by_source.items():
        cursor.execute(
            "SELECT external_id FROM items WHERE source_id = %s AND external_id = ANY(%s)",
            (source_id, keys),
        )
        stored.update((source_id, key) for (key,) in cursor.fetchall())
    return [r for r in rows if (r["source_id"], r["external_id"]) not in stored]


def _copy(cursor: Cursor[Any], table: str, rows: list[dict[str, Any]]) -> None:
    with cursor.copy(f"COPY {table} ({_COLUMN_LIST}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c == "extra" else row[c] for c in COLUMNS])


def _ids_of(cursor: Cursor[Any], rows: list[dict[str, Any]]) -> list[tuple[int, datetime]]:
    found: list[tuple[int, datetime]] = []
    by_source: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row["external_id"])
    for source_id, keys in by_source.items():
        cursor.execute(
            "SELECT id, sort_at FROM items WHERE source_id = %s AND external_id = ANY(%s)",
            (source_id, keys),
        )
        found.extend((int(r[0]), r[1]) for r in cursor.fetchall())
    return found


def _insert_through_staging(
    cursor: Cursor[Any], rows: list[dict[str, Any]]
) -> list[tuple[int, datetime]]:
    cursor.execute(_CREATE_STAGING)
    cursor.execute("TRUNCATE items_staging")
    _copy(cursor, "items_staging", rows)
    cursor.execute(
        f"INSERT INTO items ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM items_staging "
        "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id, sort_at"
    )
    inserted = [(int(r[0]), r[1]) for r in cursor.fetchall()]
    cursor.execute("TRUNCATE items_staging")
    return inserted
