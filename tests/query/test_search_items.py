"""search_items: pages of stored items for a query, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from query_items import NOW, store_docs
from sqlalchemy import Engine

from dcc.errors import QueryError
from dcc.query.errors import QuerySyntaxError
from dcc.query.parser import parse_query
from dcc.query.search import positive_terms, search_items
from dcc.records import RawItem
from dcc.store.items import insert_new_items


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    store_docs(engine)
    return engine


def titles(engine: Engine, text: str, **options: object) -> list[str]:
    with engine.connect() as conn:
        found = search_items(conn, text, now=NOW, **options)  # type: ignore[arg-type]
    return [item.title for item in found.items]


def test_empty_query_lists_every_item_newest_first(stocked: Engine) -> None:
    with stocked.connect() as conn:
        found = search_items(conn, "  ", per_page=3, now=NOW)
    assert found.total == 18 and found.has_next
    assert [item.title for item in found.items] == [
        "Peringatan Dini Cuaca",
        "",
        "Gempa Lombok",
    ]


def test_time_order_and_paging(stocked: Engine) -> None:
    query = "topic:disaster OR banjir"
    first = titles(stocked, query, sort="time", per_page=4)
    second = titles(stocked, query, sort="time", per_page=4, page=2)
    assert first == ["Peringatan Dini Cuaca", "", "Gempa Lombok", "Lombok quake"]
    assert second[:2] == ["Presiden meninjau banjir bandang", "Banjir Jakarta"]
    with stocked.connect() as conn:
        found = search_items(conn, query, per_page=4, now=NOW)
    assert found.total == 10 and found.page == 1 and found.per_page == 4


def test_words_rank_by_relevance_by_default(engine: Engine) -> None:
    batch = [
        RawItem(
            source_id="s",
            external_id="body",
            title="Other",
            text="banjir banjir in text",
            published_at=NOW,
        ),
        RawItem(
            source_id="s",
            external_id="title",
            title="Banjir Bandang",
            text="hujan deras semalam",
            published_at=NOW - timedelta(hours=1),
        ),
    ]
    with engine.begin() as conn:
        insert_new_items(conn, batch)
    assert titles(engine, "banjir")[0] == "Banjir Bandang"
    assert titles(engine, "banjir", sort="time")[0] == "Other"
    assert titles(engine, "banjir -bandang") == ["Other"]


def test_time_filters_hold_for_backfilled_items(engine: Engine) -> None:
    """Items stored late with old dates are found by their time (rowid ranges are widened)."""
    recent = [
        RawItem(
            source_id="s",
            external_id=f"r{i}",
            text="gempa terkini",
            published_at=NOW - timedelta(minutes=i),
        )
        for i in range(30)
    ]
    backfill = [
        RawItem(
            source_id="s",
            external_id=f"b{i}",
            text="gempa arsip",
            published_at=NOW - timedelta(days=400 + i),
        )
        for i in range(5)
    ]
    with engine.begin() as conn:
        insert_new_items(conn, recent)
    with engine.begin() as conn:
        insert_new_items(conn, backfill)
    with engine.connect() as conn:
        old = search_items(conn, "gempa time:..2025-12-01", per_page=50, now=NOW)
        assert {item.text for item in old.items} == {"gempa arsip"} and old.total == 5
        assert search_items(conn, "gempa time:>now-2h", now=NOW).total == 30
        assert search_items(conn, "gempa time:>now", now=NOW).total == 0
        assert search_items(conn, "arsip OR time:-10m", per_page=50, now=NOW).total == 16


def test_bad_queries_are_query_errors(stocked: Engine) -> None:
    with stocked.connect() as conn:
        with pytest.raises(QuerySyntaxError) as caught:
            search_items(conn, "gempa lang:xx")
        assert caught.value.position == 11
        with pytest.raises(QueryError, match="per_page"):
            search_items(conn, "gempa", per_page=1000)


def test_positive_terms_are_given_for_highlighting(stocked: Engine) -> None:
    node = parse_query('(gempa OR "tsunami warning") -latihan NOT (banjir OR lang:id) gempa')
    assert [term.words for term in positive_terms(node)] == [("gempa",), ("tsunami", "warning")]
    with stocked.connect() as conn:
        found = search_items(conn, "gemp* -latihan", now=NOW)
    assert [(term.words, term.is_prefix) for term in found.terms] == [(("gemp",), True)]
