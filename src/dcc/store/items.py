"""Queries over stored items: insert raw items idempotently, read them back, count them.

Writes here are called only from `do_*` actions (ingest/actions.py), which own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from dcc.records import GeoPoint, RawItem, StoredItem
from dcc.store.schema import item_time_bounds, items

# Rows per INSERT statement: large enough to amortise round trips, small enough to stay under
# SQLite's bound-parameter limit (32766) with ~17 columns a row.
INSERT_CHUNK = 500


def raw_item_row(item: RawItem, ingested_at: datetime) -> dict[str, Any]:
    if item.published_at is not None and item.published_at.tzinfo is None:
        # Checked here as well as in UTCDateTime: the PostgreSQL COPY path bypasses column types.
        raise ValueError(
            f"naive datetime {item.published_at!r} given for {item.external_id!r}; "
            "DCC stores timezone-aware UTC"
        )
    return {
        "source_id": item.source_id,
        "external_id": item.external_id,
        "url": item.url,
        "title": item.title or "",
        "text": item.text or "",
        "author": item.author,
        "published_at": item.published_at,
        "ingested_at": ingested_at,
        "sort_at": item.published_at or ingested_at,
        "lang": item.lang,
        "country": item.country,
        "lat": item.geo.lat if item.geo else None,
        "lon": item.geo.lon if item.geo else None,
        "kind": item.kind,
        "extra": dict(item.extra),
        "stage": "new",
        "processed_at": None,
    }


def insert_new_items(conn: Connection, batch: Sequence[RawItem]) -> list[int]:
    """Insert the items not stored yet; return the ids of those inserted (in no fixed order).

    Idempotent: an item whose (source_id, external_id) is already stored is skipped by the
    database itself (ON CONFLICT DO NOTHING), so concurrent or repeated ingests never double.
    """
    if not batch:
        return []
    now = datetime.now(tz=UTC)
    # Within one batch the same key may repeat (a feed listing an entry twice): keep the first.
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for item in batch:
        unique.setdefault((item.source_id, item.external_id), raw_item_row(item, now))
    rows = list(unique.values())
    if conn.dialect.name == "postgresql":
        from dcc.store.backends.postgres_copy import copy_new_items

        inserted = copy_new_items(conn, rows)
    else:
        inserted = []
        for start in range(0, len(rows), INSERT_CHUNK):
            statement = (
                sqlite.insert(items)
                .on_conflict_do_nothing(index_elements=["source_id", "external_id"])
                .returning(items.c.id, items.c.sort_at)
            )
            result = conn.execute(statement, rows[start : start + INSERT_CHUNK])
            inserted.extend((row[0], row[1]) for row in result)
    ids: list[int] = []
    hours: dict[int, tuple[int, int]] = {}
    for item_id, sort_at in inserted:
        ids.append(item_id)
        hour = int(sort_at.timestamp()) // 3600
        low, high = hours.get(hour, (item_id, item_id))
        hours[hour] = (min(low, item_id), max(high, item_id))
    if hours:
        widen_time_bounds(conn, hours)
    return ids


def widen_time_bounds(conn: Connection, hours: dict[int, tuple[int, int]]) -> None:
    """Widen each hour's id range to include the given (min_id, max_id)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(item_time_bounds)
    statement = statement.on_conflict_do_update(
        index_elements=["hour"],
        set_={
            "min_id": case(
                (statement.excluded.min_id < item_time_bounds.c.min_id, statement.excluded.min_id),
                else_=item_time_bounds.c.min_id,
            ),
            "max_id": case(
                (statement.excluded.max_id > item_time_bounds.c.max_id, statement.excluded.max_id),
                else_=item_time_bounds.c.max_id,
            ),
        },
    )
    conn.execute(
        statement,
        [
            {"hour": hour, "min_id": low, "max_id": high}
            for hour, (low, high) in sorted(hours.items())
        ],
    )


def id_range_for_time(
    conn: Connection, since: datetime | None, until: datetime | None
) -> tuple[int, int] | None:
    """The smallest id range holding every item with since <= sort_at < until (a superset),
    or None when no item falls in that time."""
    query = select(func.min(item_time_bounds.c.min_id), func.max(item_time_bounds.c.max_id))
    if since is not None:
        query = query.where(item_time_bounds.c.hour >= int(since.timestamp()) // 3600)
    if until is not None:
        query = query.where(item_time_bounds.c.hour <= int(until.timestamp()) // 3600)
    low, high = conn.execute(query).one()
    return None if low is None else (int(low), int(high))


def row_to_item(row: Row[Any]) -> StoredItem:
    m = row._mapping
    geo = GeoPoint(m["lat"], m["lon"]) if m["lat"] is not None and m["lon"] is not None else None
    return StoredItem(
        id=m["id"],
        source_id=m["source_id"],
        external_id=m["external_id"],
        title=m["title"],
        text=m["text"],
        url=m["url"],
        author=m["author"],
        published_at=m["published_at"],
        ingested_at=m["ingested_at"],
        lang=m["lang"],
        country=m["country"],
        geo=geo,
        kind=m["kind"],
        stage=m["stage"],
        extra=m["extra"] or {},
        enrichment=m["enrichment"],
    )


def get_items(conn: Connection, ids: Iterable[int]) -> list[StoredItem]:
    """Items by id, in the order of `ids` (missing ids are left out)."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = conn.execute(select(items).where(items.c.id.in_(wanted))).all()
    by_id = {row.id: row_to_item(row) for row in rows}
    return [by_id[i] for i in wanted if i in by_id]


def get_item(conn: Connection, item_id: int) -> StoredItem | None:
    found = get_items(conn, [item_id])
    return found[0] if found else None


def count_items(conn: Connection, *, source_id: str | None = None) -> int:
    query = select(func.count()).select_from(items)
    if source_id is not None:
        query = query.where(items.c.source_id == source_id)
    return int(conn.execute(query).scalar_one())


def unprocessed_item_ids(conn: Connection, *, limit: int, after_id: int = 0) -> list[int]:
    """Ids of items still at stage "new", oldest first (for re-queueing after a crash)."""
    query = (
        select(items.c.id)
        .where(items.c.stage == "new", items.c.id > after_id)
        .order_by(items.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
