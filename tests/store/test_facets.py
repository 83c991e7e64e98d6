"""Search facets on SQLite and PostgreSQL: counts equal brute-force counts over the matches,
sampling says so, the histogram buckets are UTC hours or days."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dcc.enrich.labels import Enrichment, Label
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment
from dcc.query.errors import QuerySyntaxError
from dcc.query.search import search_items
from dcc.records import RawItem, StoredItem
from dcc.store import facets
from dcc.store.facets import facet_counts
from dcc.store.items import get_items
from dcc.store.records import FACET_NAMES, Facets
from dcc.store.schema import items

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Doc:
    source: str
    title: str
    hours_ago: float
    lang: str = "id"
    country: str | None = "ID"
    about: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sentiment: str | None = "neutral"
    stance: str | None = None
    is_enriched: bool = True


DOCS = [
    Doc("antara-id", "Gempa Lombok guncang NTB", 1, about=("ID",), topics=("disaster",)),
    Doc("antara-id", "Gempa susulan di Lombok", 2, sentiment="negative", stance="negative"),
    Doc("bbc-asia", "Lombok quake kills two", 3, "en", "GB", ("ID", "AU"), ("disaster",)),
    Doc("cna-asia", "Gempa felt in Singapore towers", 4, "en", "SG", ("SG", "ID"), ()),
    Doc("star-my", "Gempa di Sabah", 5, "ms", "MY", ("MY",), ("disaster",), "negative"),
    Doc("star-my", "Menlu Malaysia bertemu Menlu RI", 6, "ms", "MY", ("MY", "ID"), ("diplomacy",)),
    Doc("antara-id", "Banjir Jakarta", 26, sentiment="negative", topics=("disaster",)),
    Doc("antara-id", "Gempa kecil di Bali belum diproses", 0.5, is_enriched=False),
    Doc("bbc-asia", "Gempa quake survivors, not processed", 0.2, "en", "GB", is_enriched=False),
    Doc("abc-au", "Gempa aftershocks felt in Darwin", 30, "en", "AU", ("AU",), stance="positive"),
    Doc("antara-id", "Pemilu damai", 50, topics=("politics",), sentiment="positive"),
    Doc("x-posts", "gempa lagi", 7, "jv", None, (), ("disaster",), "negative", "negative"),
]


def store_docs(engine: Engine, docs: list[Doc]) -> dict[str, int]:
    """Ingest `docs` oldest first (as a stream would) and enrich those marked so."""
    ordered = sorted(enumerate(docs), key=lambda pair: -pair[1].hours_ago)
    raw = [
        RawItem(
            source_id=doc.source,
            external_id=f"d{index}",
            title=doc.title,
            text=doc.title,
            lang=doc.lang,
            country=doc.country,
            published_at=NOW - timedelta(hours=doc.hours_ago),
        )
        for index, doc in ordered
    ]
    do_ingest_stream(engine, raw, source_id="antara-id")
    with engine.connect() as conn:
        ids = {e: i for e, i in conn.execute(select(items.c.external_id, items.c.id))}
    do_store_enrichment(
        engine,
        [
            (
                ids[f"d{index}"],
                Enrichment(
                    lang=doc.lang,
                    sentiment=Label(doc.sentiment, 0.9) if doc.sentiment else None,
                    stance_id=Label(doc.stance, 0.8) if doc.stance else None,
                    countries=doc.about,
                    topics=doc.topics,
                    story_id=f"story-{index % 3}",
                ),
            )
            for index, doc in ordered
            if doc.is_enriched
        ],
    )
    return ids


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    store_docs(engine, DOCS)
    return engine


def brute_force(matched: list[StoredItem], limit: int = 10) -> dict[str, list[tuple[str, int]]]:
    """Facet counts computed in Python from the matching items themselves."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_NAMES}
    for item in matched:
        labels = item.enrichment or {}
        if item.lang:
            counts["lang"][item.lang] += 1
        counts["source"][item.source_id] += 1
        countries = set(labels.get("countries") or ()) | ({item.country} if item.country else set())
        counts["country"].update(countries)
        counts["topic"].update(set(labels.get("topics") or ()))
        for name, key in (("sentiment", "sentiment"), ("stance", "stance_id")):
            if labels.get(key):
                counts[name][labels[key]["label"]] += 1
    return {
        name: sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        for name, counter in counts.items()
    }


def as_pairs(facets: Facets) -> dict[str, list[tuple[str, int]]]:
    return {name: [(v.value, v.count) for v in facets.facet(name)] for name in FACET_NAMES}


def matching(engine: Engine, query: str) -> list[StoredItem]:
    with engine.connect() as conn:
        results = search_items(conn, query, per_page=200, now=NOW)
        return get_items(conn, [i.id for i in results.items])


@pytest.mark.parametrize(
    "query",
    [
        "",
        "gempa",
        "gempa lang:en",
        "gempa -lang:id source:bbc-asia",
        "gempa -topic:disaster",
        "gempa OR banjir",
        '"gempa di"',
        "country:ID",
        "country:MY -topic:diplomacy",
        "topic:disaster time:>now-24h",
        "sentiment:negative",
        "-lang:id",
        "lombok country:AU",
    ],
)
def test_counts_equal_brute_force(stocked: Engine, query: str) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, query, now=NOW)
    matched = matching(stocked, query)
    assert facets.counted == len(matched)
    assert facets.is_sampled is False and facets.sampled_since is None
    assert as_pairs(facets) == brute_force(matched)
    assert sum(bucket.count for bucket in facets.histogram.buckets) == len(matched)


def test_a_facet_count_is_what_adding_the_filter_finds(stocked: Engine) -> None:
    """Clicking "MY (3)" adds country:MY and finds 3 items: one meaning of country."""
    with stocked.connect() as conn:
        facets = facet_counts(conn, "gempa", now=NOW)
        for name in ("country", "lang", "topic", "source", "sentiment", "stance"):
            for entry in facets.facet(name):
                field = "source" if name == "source" else name
                found = search_items(conn, f"gempa {field}:{entry.value}", now=NOW)
                assert found.total == entry.count, (name, entry)


def test_unenriched_items_count_under_their_own_country(stocked: Engine) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, "diproses OR processed", now=NOW)
    assert facets.counted == 2
    assert as_pairs(facets)["country"] == [("GB", 1), ("ID", 1)]
    assert as_pairs(facets)["topic"] == [] and as_pairs(facets)["sentiment"] == []


def test_sample_counts_the_newest_matches_and_says_so(stocked: Engine) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, "gempa", now=NOW, sample=4)
        whole = facet_counts(conn, "gempa", now=NOW, sample=4 + 100)
    newest = sorted(matching(stocked, "gempa"), key=lambda i: (i.published_at, i.id), reverse=True)[
        :4
    ]
    assert facets.is_sampled is True and facets.counted == 4 and facets.sample_size == 4
    assert facets.sampled_since == newest[-1].published_at
    assert as_pairs(facets) == brute_force(newest)
    assert whole.is_sampled is False and whole.counted == len(matching(stocked, "gempa"))


def test_checked_candidates_are_bounded_and_it_says_so(
    stocked: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where FTS5 drives and filters are checked one by one, only the newest MAX_CANDIDATES
    items holding the words are checked: every match since the oldest checked is counted."""
    if stocked.dialect.name != "sqlite":
        pytest.skip("FTS5 drives on SQLite only")
    monkeypatch.setattr(facets, "MAX_CANDIDATES", 3)
    with stocked.connect() as conn:
        bounded = facet_counts(conn, "gempa country:ID", now=NOW)
    checked = sorted(matching(stocked, "gempa"), key=lambda i: i.id, reverse=True)[:4]
    expected = [i for i in checked if i in matching(stocked, "gempa country:ID")]
    assert bounded.is_sampled is True and bounded.counted == len(expected) == 3
    assert bounded.sampled_since == checked[-1].published_at == NOW - timedelta(hours=2)
    assert as_pairs(bounded) == brute_force(expected)


def test_exactly_sample_matches_is_not_sampled(stocked: Engine) -> None:
    total = len(matching(stocked, "gempa"))
    with stocked.connect() as conn:
        facets = facet_counts(conn, "gempa", now=NOW, sample=total)
    assert facets.is_sampled is False and facets.counted == total


def test_limit_per_facet_keeps_the_largest(stocked: Engine) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, "", now=NOW, limit_per_facet=2)
    assert as_pairs(facets)["source"] == brute_force(matching(stocked, ""), limit=2)["source"]
    assert all(len(facets.facet(name)) <= 2 for name in FACET_NAMES)


def test_histogram_is_hourly_within_a_week_and_spans_the_query_range(stocked: Engine) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, "gempa time:>now-24h", now=NOW)
    histogram = facets.histogram
    assert histogram.bucket == "hour"
    starts = [b.start for b in histogram.buckets]
    assert starts[0] == datetime(2026, 11, 19, 12, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 11, 20, 11, tzinfo=UTC)
    assert len(starts) == 24
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(starts))
    by_start = {b.start: b.count for b in histogram.buckets}
    assert by_start[datetime(2026, 11, 20, 11, tzinfo=UTC)] == 3  # 11:00, 11:30, 11:48
    assert by_start[datetime(2026, 11, 20, 10, tzinfo=UTC)] == 1


def test_histogram_days_are_utc_days(engine: Engine) -> None:
    # 23:30 and 00:30 UTC fall on two days, whatever the server's zone.
    late = NOW.replace(hour=23, minute=30) - timedelta(days=1)  # Nov 19 23:30
    docs = [
        Doc("antara-id", "Banjir malam", (NOW - late).total_seconds() / 3600),
        Doc("antara-id", "Banjir pagi", (NOW - late - timedelta(hours=1)).total_seconds() / 3600),
        Doc("antara-id", "Banjir lama", 24 * 12),
    ]
    store_docs(engine, docs)
    with engine.connect() as conn:
        daily = facet_counts(conn, "banjir", now=NOW)
        hourly = facet_counts(conn, "banjir time:2026-11-19..2026-11-20", now=NOW)
    assert daily.histogram.bucket == "day"
    by_day = {b.start: b.count for b in daily.histogram.buckets}
    assert by_day[datetime(2026, 11, 19, tzinfo=UTC)] == 1
    assert by_day[datetime(2026, 11, 20, tzinfo=UTC)] == 1
    assert by_day[datetime(2026, 11, 8, tzinfo=UTC)] == 1
    assert daily.histogram.buckets[-1].start == datetime(2026, 11, 20, tzinfo=UTC)
    assert hourly.histogram.bucket == "hour" and len(hourly.histogram.buckets) == 48
    by_hour = {b.start: b.count for b in hourly.histogram.buckets}
    assert by_hour[datetime(2026, 11, 19, 23, tzinfo=UTC)] == 1
    assert by_hour[datetime(2026, 11, 20, 0, tzinfo=UTC)] == 1


def test_visible_condition_narrows_every_count(stocked: Engine) -> None:
    with stocked.connect() as conn:
        facets = facet_counts(conn, "gempa", now=NOW, visible=items.c.source_id != "star-my")
    expected = [i for i in matching(stocked, "gempa") if i.source_id != "star-my"]
    assert as_pairs(facets) == brute_force(expected)
    assert facets.counted == len(expected)


def test_parsed_query_and_no_match(stocked: Engine) -> None:
    from dcc.query import parse_query

    with stocked.connect() as conn:
        assert facet_counts(conn, parse_query("gempa"), now=NOW).counted == 8
        nothing = facet_counts(conn, "tidakada", now=NOW)
        assert nothing.counted == 0 and all(not nothing.facet(n) for n in FACET_NAMES)
        assert sum(b.count for b in nothing.histogram.buckets) == 0
        old = facet_counts(conn, "gempa time:<2020-01-01", now=NOW)
        assert old.counted == 0


def test_bad_query_raises_with_position(stocked: Engine) -> None:
    with stocked.connect() as conn, pytest.raises(QuerySyntaxError) as raised:
        facet_counts(conn, "gempa lang:xx", now=NOW)
    assert raised.value.position == 11
