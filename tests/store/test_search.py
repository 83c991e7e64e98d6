"""Search: one behaviour on SQLite FTS5 and PostgreSQL tsvector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from dcc.errors import QueryError
from dcc.records import RawItem
from dcc.store.items import insert_new_items
from dcc.store.search import SearchQuery, parse_terms, search

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DOCS = [
    # (source, lang, country, hours ago, title, text)
    (
        "antara-id",
        "id",
        "ID",
        1,
        "Gempa Lombok",
        "Gempa bumi magnitudo 5,4 mengguncang Lombok, warga mengungsi",
    ),
    ("bbc-asia", "en", "GB", 2, "Lombok quake", "An earthquake hit Lombok, Indonesia, on Tuesday"),
    (
        "antara-id",
        "id",
        "ID",
        3,
        "Menlu bertemu",
        "Menteri Luar Negeri bertemu mitra ASEAN di Jakarta",
    ),
    ("cna-asia", "en", "SG", 4, "Covid", "COVID-19 cases rise again in Jakarta hospitals"),
    (
        "antara-id",
        "id",
        "ID",
        5,
        "Banjir",
        "Banjir Jakarta: ribuan warga terdampak, pengungsian dibuka",
    ),
    (
        "bbc-asia",
        "en",
        "GB",
        30,
        "Minister",
        "Indonesia's foreign minister meets ASEAN counterparts",
    ),
]


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    batch = [
        RawItem(
            source_id=src,
            external_id=str(i),
            title=title,
            text=text,
            lang=lang,
            country=country,
            published_at=NOW - timedelta(hours=hours),
        )
        for i, (src, lang, country, hours, title, text) in enumerate(DOCS)
    ]
    with engine.begin() as conn:
        insert_new_items(conn, batch)
    return engine


def titles(engine: Engine, query: SearchQuery) -> list[str]:
    with engine.connect() as conn:
        return [i.title for i in search(conn, query).items]


def test_words_must_all_match(stocked: Engine) -> None:
    assert sorted(titles(stocked, SearchQuery(text="lombok"))) == ["Gempa Lombok", "Lombok quake"]
    assert titles(stocked, SearchQuery(text="lombok indonesia")) == ["Lombok quake"]


def test_phrase_prefix_exclusion_and_hyphen(stocked: Engine) -> None:
    assert titles(stocked, SearchQuery(text='"foreign minister"')) == ["Minister"]
    assert titles(stocked, SearchQuery(text="gemp*")) == ["Gempa Lombok"]
    assert titles(stocked, SearchQuery(text="jakarta -banjir", sort="time")) == [
        "Menlu bertemu",
        "Covid",
    ]
    assert titles(stocked, SearchQuery(text="covid-19")) == ["Covid"]


def test_case_and_diacritics_do_not_matter(stocked: Engine) -> None:
    assert titles(stocked, SearchQuery(text="JAKARTA", sort="time"))[0] == "Menlu bertemu"


def test_filters_combine_with_text(stocked: Engine) -> None:
    assert titles(stocked, SearchQuery(text="lombok", langs=("en",))) == ["Lombok quake"]
    assert titles(stocked, SearchQuery(text="jakarta", countries=("sg",))) == ["Covid"]
    assert titles(stocked, SearchQuery(text="jakarta", sources=("antara-id",), sort="time")) == [
        "Menlu bertemu",
        "Banjir",
    ]


def test_browse_sorted_by_time_with_range(stocked: Engine) -> None:
    got = titles(stocked, SearchQuery(since=NOW - timedelta(hours=4, minutes=30)))
    assert got == ["Gempa Lombok", "Lombok quake", "Menlu bertemu", "Covid"]
    got = titles(stocked, SearchQuery(until=NOW - timedelta(hours=10)))
    assert got == ["Minister"]


def test_paging_and_totals(stocked: Engine) -> None:
    with stocked.connect() as conn:
        first = search(conn, SearchQuery(per_page=4))
        second = search(conn, SearchQuery(per_page=4, page=2))
    assert first.total == 6 and first.has_next and not first.is_total_capped
    assert [i.title for i in second.items] == ["Banjir", "Minister"]
    assert not second.has_next


def test_relevance_prefers_title_matches(engine: Engine) -> None:
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
    assert titles(engine, SearchQuery(text="banjir", sort="relevance"))[0] == "Banjir Bandang"


@pytest.mark.parametrize(
    "hostile",
    ["title:x", "a OR b NEAR(c d)", '"unterminated', "') OR 1=1 --", "x AND", "!!a & b:*", "*"],
)
def test_hostile_input_is_plain_text(stocked: Engine, hostile: str) -> None:
    with stocked.connect() as conn:
        try:
            result = search(conn, SearchQuery(text=hostile))
        except QueryError:
            return  # refused with a reason is fine; a database error is not
    assert result.total == 0


def test_query_errors_have_reasons() -> None:
    with pytest.raises(QueryError, match="no word"):
        parse_terms("-only -excluded")
    with pytest.raises(QueryError, match="limit"):
        parse_terms("x" * 600)


def test_invalid_paging_is_refused(stocked: Engine) -> None:
    with stocked.connect() as conn, pytest.raises(QueryError, match="per_page"):
        search(conn, SearchQuery(per_page=1000))
    with stocked.connect() as conn, pytest.raises(QueryError, match="empty"):
        search(conn, SearchQuery(since=NOW, until=NOW - timedelta(hours=1)))


def test_totals_are_exact_beyond_the_relevance_window(engine: Engine) -> None:
    from dcc.store.backends import sqlite as sqlite_backend

    count = sqlite_backend.RELEVANCE_WINDOW + 150
    batch = [
        RawItem(
            source_id="s",
            external_id=str(i),
            title="t",
            text=f"banjir nomor {i}",
            country="ID" if i % 2 else "MY",
            published_at=NOW - timedelta(minutes=i),
        )
        for i in range(count * 2)
    ]
    with engine.begin() as conn:
        insert_new_items(conn, batch)
    with engine.connect() as conn:
        for sort in ("relevance", "time"):
            plain = search(conn, SearchQuery(text="banjir", sort=sort))  # type: ignore[arg-type]
            assert plain.total == count * 2
            # A selective filter takes the filter-first plan on SQLite.
            filtered = search(conn, SearchQuery(text="banjir", countries=("ID",), sort=sort))  # type: ignore[arg-type]
            assert filtered.total == count
            assert all(i.country == "ID" for i in filtered.items)


def test_time_ranges_hold_for_backfilled_items(engine: Engine) -> None:
    """Items stored late with old dates (a backfill) are still found by their time."""
    recent = [
        RawItem(
            source_id="s",
            external_id=f"r{i}",
            text="gempa terkini",
            published_at=NOW - timedelta(minutes=i),
        )
        for i in range(50)
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
    old_window = SearchQuery(
        text="gempa", since=NOW - timedelta(days=500), until=NOW - timedelta(days=300), sort="time"
    )
    assert len(titles(engine, old_window)) == 5
    with engine.connect() as conn:
        found = search(conn, old_window)
        assert {i.text for i in found.items} == {"gempa arsip"}
        recent_only = search(conn, SearchQuery(text="gempa", since=NOW - timedelta(hours=2)))
        assert recent_only.total == 50
        nothing = search(conn, SearchQuery(text="gempa", since=NOW + timedelta(days=1)))
        assert nothing.total == 0
