"""Dashboard aggregates on SQLite and PostgreSQL: volume with its label mix, countries,
rising stories; checked against counts made in Python from the same items."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dcc.enrich.labels import Enrichment, Label
from dcc.errors import QueryError
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment
from dcc.records import RawItem
from dcc.store import dashboard
from dcc.store.dashboard import country_mentions, rising_stories, volume_series
from dcc.store.records import DashboardFilters, LabelMix
from dcc.store.schema import items

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Doc:
    at: datetime
    source: str = "antara-id"
    lang: str = "id"
    country: str | None = "ID"
    about: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sentiment: str | None = "neutral"
    stance: str | None = None
    story: str | None = None
    title: str = "Berita"
    is_enriched: bool = True


def store_docs(engine: Engine, docs: list[Doc]) -> list[int]:
    """Ingest oldest first, enrich those marked so; the ids in the order of `docs`."""
    order = sorted(range(len(docs)), key=lambda i: docs[i].at)
    do_ingest_stream(
        engine,
        [
            RawItem(
                source_id=docs[i].source,
                external_id=f"d{i}",
                title=docs[i].title,
                text=f"{docs[i].title} teks",
                lang=docs[i].lang,
                country=docs[i].country,
                published_at=docs[i].at,
            )
            for i in order
        ],
        source_id="antara-id",
    )
    with engine.connect() as conn:
        by_key = {key: id_ for key, id_ in conn.execute(select(items.c.external_id, items.c.id))}
    ids = [by_key[f"d{i}"] for i in range(len(docs))]
    do_store_enrichment(
        engine,
        [
            (
                ids[i],
                Enrichment(
                    lang=docs[i].lang,
                    sentiment=Label(docs[i].sentiment, 0.9) if docs[i].sentiment else None,
                    stance_id=Label(docs[i].stance, 0.7) if docs[i].stance else None,
                    countries=docs[i].about,
                    topics=docs[i].topics,
                    story_id=docs[i].story,
                ),
            )
            for i in order
            if docs[i].is_enriched
        ],
    )
    return ids


# Around midnight UTC between Nov 19 and Nov 20, and a week back.
DOCS = [
    Doc(NOW - timedelta(minutes=10), about=("MY",), topics=("diplomacy",), stance="negative"),
    Doc(NOW - timedelta(minutes=50), lang="en", source="bbc", country="GB", about=("ID",)),
    Doc(NOW - timedelta(hours=11, minutes=55), sentiment="negative", topics=("disaster",)),
    Doc(NOW - timedelta(hours=12, minutes=5), sentiment="negative", stance="positive"),
    Doc(NOW - timedelta(hours=12, minutes=30), lang="ms", country="MY", about=("MY", "SG")),
    Doc(NOW - timedelta(hours=13), sentiment="positive", topics=("disaster", "health")),
    Doc(NOW - timedelta(hours=5), is_enriched=False, country="TL"),
    Doc(NOW - timedelta(hours=30), lang="en", source="bbc", country="GB", about=("AU",)),
    Doc(NOW - 3 * DAY, sentiment=None, about=("ID",)),
    Doc(NOW - 6 * DAY, sentiment="negative", stance="negative", about=("CN",)),
    Doc(NOW - 9 * DAY, about=("US",)),
    Doc(NOW + timedelta(minutes=5), about=("JP",)),  # after `until`: never counted
]


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    store_docs(engine, DOCS)
    return engine


def passes(doc: Doc, filters: DashboardFilters) -> bool:
    countries = set(doc.about if doc.is_enriched else ()) | (
        {doc.country} if doc.country else set()
    )
    topics = set(doc.topics if doc.is_enriched else ())
    return (
        (not filters.langs or doc.lang in filters.langs)
        and (not filters.sources or doc.source in filters.sources)
        and (not filters.countries or bool(countries & set(filters.countries)))
        and (not filters.topics or bool(topics & set(filters.topics)))
    )


def expected_volume(
    since: datetime, until: datetime, width: timedelta, filters: DashboardFilters
) -> dict[datetime, tuple[int, Counter[str], Counter[str]]]:
    found: dict[datetime, tuple[int, Counter[str], Counter[str]]] = {}
    for doc in DOCS:
        if not since <= doc.at < until or not passes(doc, filters):
            continue
        if width == DAY:
            start = doc.at.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            start = doc.at.replace(minute=0, second=0, microsecond=0)
        total, sentiment, stance = found.get(start, (0, Counter(), Counter()))
        if doc.is_enriched and doc.sentiment:
            sentiment[doc.sentiment] += 1
        if doc.is_enriched and doc.stance:
            stance[doc.stance] += 1
        found[start] = (total + 1, sentiment, stance)
    return found


def mix(counter: Counter[str]) -> LabelMix:
    return LabelMix(counter["positive"], counter["neutral"], counter["negative"])


FILTERS = [
    DashboardFilters(),
    DashboardFilters(langs=("en",)),
    DashboardFilters(countries=("MY",)),
    DashboardFilters(countries=("TL", "GB")),
    DashboardFilters(topics=("disaster",)),
    DashboardFilters(sources=("antara-id",), countries=("ID",)),
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(
    ("span", "bucket"),
    # 30 days of hours: more buckets than one statement counts (dashboard._BUCKETS_PER_READ).
    [(DAY, "hour"), (10 * DAY, "day"), (DAY, "day"), (30 * DAY, "hour")],
)
def test_volume_series_matches_python_counts(
    stocked: Engine, filters: DashboardFilters, span: timedelta, bucket: str
) -> None:
    since = NOW - span
    width = DAY if bucket == "day" else timedelta(hours=1)
    with stocked.connect() as conn:
        series = volume_series(
            conn,
            since=since,
            until=NOW,
            bucket="day" if bucket == "day" else "hour",
            filters=filters,
        )
    expected = expected_volume(since, NOW, width, filters)
    assert series.bucket == bucket
    got = {p.start: (p.total, p.sentiment, p.stance) for p in series.points if p.total}
    assert got == {
        start: (total, mix(sentiment), mix(stance))
        for start, (total, sentiment, stance) in expected.items()
    }
    starts = [p.start for p in series.points]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(b - a == width for a, b in itertools.pairwise(starts))


def test_volume_buckets_split_at_utc_midnight(stocked: Engine) -> None:
    with stocked.connect() as conn:
        series = volume_series(conn, since=NOW - DAY, until=NOW)
    assert series.bucket == "hour" and len(series.points) == 24
    by_start = {p.start: p for p in series.points}
    before = by_start[datetime(2026, 11, 19, 23, tzinfo=UTC)]
    after = by_start[datetime(2026, 11, 20, 0, tzinfo=UTC)]
    # 23:00, 23:30 and 23:55 on Nov 19; 00:05 on Nov 20.
    assert (before.total, before.sentiment, before.stance) == (
        3,
        LabelMix(positive=1, neutral=1, negative=1),
        LabelMix(positive=1, neutral=0, negative=0),
    )
    assert (after.total, after.sentiment) == (1, LabelMix(negative=1))
    with stocked.connect() as conn:
        daily = volume_series(conn, since=NOW - 2 * DAY, until=NOW, bucket="day")
    assert [p.start for p in daily.points] == [
        datetime(2026, 11, 18, tzinfo=UTC),
        datetime(2026, 11, 19, tzinfo=UTC),
        datetime(2026, 11, 20, tzinfo=UTC),
    ]
    assert [p.total for p in daily.points] == [0, 4, 4]


def test_automatic_bucket_is_hourly_up_to_a_week(stocked: Engine) -> None:
    with stocked.connect() as conn:
        assert volume_series(conn, since=NOW - 7 * DAY, until=NOW).bucket == "hour"
        assert volume_series(conn, since=NOW - 8 * DAY, until=NOW).bucket == "day"


@pytest.mark.parametrize("filters", FILTERS)
def test_country_mentions_match_python_counts(stocked: Engine, filters: DashboardFilters) -> None:
    since = NOW - 7 * DAY
    expected: Counter[str] = Counter()
    for doc in DOCS:
        if since <= doc.at < NOW and passes(doc, filters):
            expected.update(set(doc.about if doc.is_enriched else ()) | {doc.country or "ID"})
    with stocked.connect() as conn:
        counts = country_mentions(conn, since=since, until=NOW, filters=filters)
    assert counts == dict(expected)
    assert list(counts.values()) == sorted(counts.values(), reverse=True)


def test_country_mentions_count_values_outside_the_known_codes(engine: Engine) -> None:
    with engine.connect() as conn:
        assert country_mentions(conn, since=NOW - DAY, until=NOW) == {}  # no label at all
    # "QQ" is no ISO 3166 code, yet a label index row under it is counted like any other.
    store_docs(engine, [Doc(NOW - timedelta(hours=1), about=("QQ", "AA")), Doc(NOW - DAY)])
    with engine.connect() as conn:
        counts = country_mentions(conn, since=NOW - 2 * DAY, until=NOW)
        assert country_mentions(conn, since=NOW - 2 * DAY, until=NOW - 3 * DAY / 2) == {}
    assert counts == {"ID": 2, "AA": 1, "QQ": 1}


def test_country_mentions_of_an_unenriched_item(stocked: Engine) -> None:
    with stocked.connect() as conn:
        counts = country_mentions(conn, since=NOW - timedelta(hours=6), until=NOW)
    assert counts["TL"] == 1


def test_visible_condition(stocked: Engine) -> None:
    visible = items.c.source_id != "bbc"
    with stocked.connect() as conn:
        series = volume_series(conn, since=NOW - DAY, until=NOW, visible=visible)
        counts = country_mentions(conn, since=NOW - DAY, until=NOW, visible=visible)
    assert sum(p.total for p in series.points) == 6
    assert "GB" not in counts and counts["MY"] == 2


def test_bad_ranges_are_refused(stocked: Engine) -> None:
    with stocked.connect() as conn:
        with pytest.raises(QueryError, match="empty"):
            volume_series(conn, since=NOW, until=NOW)
        with pytest.raises(QueryError, match="366 days"):
            country_mentions(conn, since=NOW - 400 * DAY, until=NOW)
        with pytest.raises(QueryError, match="timezone"):
            volume_series(conn, since=datetime(2026, 11, 1), until=NOW)
        with pytest.raises(QueryError, match="limit"):
            rising_stories(conn, now=NOW, window=DAY, limit=0)


# --- rising stories ---------------------------------------------------------------------------


def story_docs() -> list[Doc]:
    """Previous day and last day per story: A 1 -> 5, B 0 -> 3, C 4 -> 2, D 0 -> 5, E 2 -> 4,
    F 0 -> 1, G 3 -> 3 (as in the window of 24 hours before NOW)."""
    plan = {"A": (1, 5), "B": (0, 3), "C": (4, 2), "D": (0, 5), "E": (2, 4), "F": (0, 1)}
    plan["G"] = (3, 3)
    docs: list[Doc] = []
    for story, (previous, recent) in plan.items():
        for n in range(previous):
            docs.append(Doc(NOW - DAY - timedelta(hours=n + 1), story=story, title=f"{story}{n}"))
        for n in range(recent):
            lang = "en" if n % 2 else "id"
            docs.append(
                Doc(NOW - timedelta(hours=n + 1), story=story, lang=lang, title=f"{story}-new{n}")
            )
    # Older items count in the size only; newer than `now`, in nothing.
    docs.append(Doc(NOW - 5 * DAY, story="A", title="A first", lang="ms"))
    docs.append(Doc(NOW + timedelta(hours=1), story="B", title="B later"))
    return docs


def test_rising_stories_order_and_details(engine: Engine) -> None:
    store_docs(engine, story_docs())
    with engine.connect() as conn:
        rising = rising_stories(conn, now=NOW, window=DAY, limit=10)
    # Growth: D +5, A +4, B +3, E +2, F +1; C shrank and G did not grow.
    assert [(s.story_id, s.growth, s.recent, s.previous) for s in rising] == [
        ("D", 5, 5, 0),
        ("A", 4, 5, 1),
        ("B", 3, 3, 0),
        ("E", 2, 4, 2),
        ("F", 1, 1, 0),
    ]
    a = rising[1]
    assert a.span.title == "A first" and a.span.size == 7
    assert a.span.languages == ("en", "id", "ms")
    assert a.span.first_seen == NOW - 5 * DAY
    assert a.span.last_seen == NOW - timedelta(hours=1)
    assert rising[2].span.size == 4  # B's item after `now` is part of the story


def test_rising_stories_ties_and_limit(engine: Engine) -> None:
    docs = story_docs() + [Doc(NOW - timedelta(hours=n + 1), story="H") for n in range(5)]
    store_docs(engine, docs)
    with engine.connect() as conn:
        top = rising_stories(conn, now=NOW, window=DAY, limit=3)
    # D and H both grew 5 from 0 with 5 recent: the story id decides.
    assert [s.story_id for s in top] == ["D", "H", "A"]


def test_rising_stories_reads_candidates_in_rounds(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_docs(engine, story_docs())
    with engine.connect() as conn:
        whole = rising_stories(conn, now=NOW, window=DAY, limit=4)
        monkeypatch.setattr(dashboard, "_CANDIDATES", 1)
        in_rounds = rising_stories(conn, now=NOW, window=DAY, limit=4)
    assert [s.story_id for s in in_rounds] == [s.story_id for s in whole] == ["D", "A", "B", "E"]


def test_rising_stories_with_a_longer_window_and_visibility(engine: Engine) -> None:
    store_docs(engine, story_docs())
    with engine.connect() as conn:
        week = rising_stories(conn, now=NOW, window=7 * DAY, limit=10)
        only_en = rising_stories(conn, now=NOW, window=DAY, limit=10, visible=items.c.lang == "en")
    # Over a week every story but C's shrink is growth from an empty week before.
    assert week[0].story_id == "A" and week[0].recent == 7 and week[0].previous == 0
    assert {s.story_id for s in only_en} == {"A", "B", "C", "D", "E", "G"}
    assert all(s.span.languages == ("en",) for s in only_en)


def test_no_stories(stocked: Engine) -> None:
    with stocked.connect() as conn:
        assert rising_stories(conn, now=NOW, window=DAY) == []
