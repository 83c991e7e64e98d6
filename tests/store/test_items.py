"""Raw items are stored once per (source, external id), whatever happens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from dcc.records import GeoPoint, RawItem
from dcc.store.items import count_items, get_item, get_items, insert_new_items, unprocessed_item_ids


def make(i: int, source: str = "s", **kw: object) -> RawItem:
    return RawItem(source_id=source, external_id=f"e{i}", text=f"text {i}", **kw)  # type: ignore[arg-type]


def test_insert_returns_only_new_ids(engine: Engine) -> None:
    with engine.begin() as conn:
        first = insert_new_items(conn, [make(i) for i in range(1200)])
    assert len(first) == 1200
    with engine.begin() as conn:
        again = insert_new_items(conn, [make(i) for i in range(1205)])
    assert len(again) == 5
    with engine.connect() as conn:
        assert count_items(conn) == 1205


def test_same_external_id_in_other_source_is_another_item(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = insert_new_items(conn, [make(1, "a"), make(1, "b"), make(1, "a")])
    assert len(ids) == 2


def test_fields_round_trip_with_utc_times(engine: Engine) -> None:
    wib = timezone(timedelta(hours=7))
    published = datetime(2026, 11, 1, 9, 30, tzinfo=wib)
    item = make(
        1,
        title="Gempa",
        url="https://example.org/a",
        author="BMKG",
        published_at=published,
        lang="id",
        country="ID",
        geo=GeoPoint(-8.65, 116.32),
        kind="quake",
        extra={"mag": 5.4, "tags": ["x"]},
    )
    with engine.begin() as conn:
        (item_id,) = insert_new_items(conn, [item])
    with engine.connect() as conn:
        stored = get_item(conn, item_id)
    assert stored is not None
    assert stored.published_at == published
    assert stored.published_at.tzinfo is not None
    assert stored.published_at.utcoffset() == timedelta(0)
    assert stored.geo == GeoPoint(-8.65, 116.32)
    assert stored.extra == {"mag": 5.4, "tags": ["x"]}
    assert (stored.title, stored.lang, stored.country, stored.kind, stored.stage) == (
        "Gempa",
        "id",
        "ID",
        "quake",
        "new",
    )


def test_naive_datetime_is_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(Exception, match="naive datetime"):
        insert_new_items(conn, [make(1, published_at=datetime(2026, 1, 1))])


def test_get_items_keeps_requested_order(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = sorted(insert_new_items(conn, [make(i) for i in range(5)]))
    with engine.connect() as conn:
        got = get_items(conn, [ids[3], ids[0], 999_999, ids[1]])
    assert [g.id for g in got] == [ids[3], ids[0], ids[1]]


def test_unprocessed_ids_page_through(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = sorted(insert_new_items(conn, [make(i) for i in range(7)]))
    with engine.connect() as conn:
        first = unprocessed_item_ids(conn, limit=4)
        rest = unprocessed_item_ids(conn, limit=4, after_id=first[-1])
    assert first + rest == ids


def test_sort_at_falls_back_to_ingest_time(engine: Engine) -> None:
    before = datetime.now(tz=UTC)
    with engine.begin() as conn:
        (item_id,) = insert_new_items(conn, [make(1)])
    with engine.connect() as conn:
        stored = get_item(conn, item_id)
    assert stored is not None and stored.published_at is None
    assert stored.ingested_at >= before - timedelta(seconds=1)


def test_concurrent_writers_never_double(engine: Engine) -> None:
    """Four writers storing overlapping batches at once: every key stored exactly once (on
    PostgreSQL this drives the COPY path into its unique-conflict fallback)."""
    from concurrent.futures import ThreadPoolExecutor

    def write(offset: int) -> int:
        stored = 0
        for start in range(0, 2000, 250):
            batch = [make(i) for i in range(start + offset, start + offset + 250)]
            with engine.begin() as conn:
                stored += len(insert_new_items(conn, batch))
        return stored

    with ThreadPoolExecutor(max_workers=4) as pool:
        stored = sum(pool.map(write, [0, 0, 100, 100]))
    with engine.connect() as conn:
        assert count_items(conn) == 2100
    assert stored == 2100
