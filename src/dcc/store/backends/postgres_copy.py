"""Bulk insert of raw items on PostgreSQL through COPY and a staging table.

SQLAlchemy's multi-row INSERT ... VALUES makes psycopg parse statements with thousands of
placeholders in Python, which capped ingest near 3,000 items/s. COPY streams rows instead;
keys already stored are dropped in the staging table, so a re-ingest never computes the
search vector of a row it will not insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

    Runs inside the caller's transaction on the same connection.
    """
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the PostgreSQL connection is closed")
    with driver.cursor() as cursor:
        cursor.execute(_CREATE_STAGING)
        cursor.execute("TRUNCATE items_staging")
        with cursor.copy(f"COPY items_staging ({_COLUMN_LIST}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Json(row[c]) if c == "extra" else row[c] for c in COLUMNS])
        cursor.execute(
            "DELETE FROM items_staging s USING items i "
            "WHERE i.source_id = s.source_id AND i.external_id = s.external_id"
        )
        cursor.execute(
            f"INSERT INTO items ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM items_staging "
            "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id, sort_at"
        )
        inserted = [(int(r[0]), r[1]) for r in cursor.fetchall()]
        cursor.execute("TRUNCATE items_staging")
    return inserted
