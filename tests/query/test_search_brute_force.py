"""search_items against brute force: generated queries over a small generated database give
the items the in-memory matcher (dcc.query.matcher) picks from all of them, in time order
page by page, on SQLite and PostgreSQL; with the scans' bounds made tiny, pages stay exact
and totals honest ("at least N" only when is_total_capped says so)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_items import NOW
from sqlalchemy import Engine, select

from dcc.enrich.labels import CrisisLabel, Enrichment, Entity, Label
from dcc.ingest.actions import do_store_enrichment
from dcc.query import search
from dcc.query.ast import And, Field, FieldMatch, Node, Not, Or, RelativeTime, Term, TimeCompare
from dcc.query.matcher import MatchItem, compile_query, prepare
from dcc.query.parser import parse_query
from dcc.query.plan import sqlite_plan
from dcc.query.printer import format_query
from dcc.query.search import positive_terms, search_items
from dcc.records import RawItem
from dcc.store.items import get_items, insert_new_items
from dcc.store.schema import items
from dcc.store.search import SortOrder

WORDS = ["gempa", "banjir", "lombok", "jakarta", "warga", "tsunami", "asean", "harga"]
SOURCES = ["antara-id", "antara-en", "bbc-asia", "detik-id", "x-posts"]
# "EN" and "en-US" carry the facet token of lang:en without being lang:en.
LANGS = ["id", "id", "en", "en", "ms", None, "EN", "en-US"]
COUNTRIES = ["ID", "MY", "SG", None]
TOPICS = ["disaster", "diplomacy", "cyber", "politics"]
ENTITIES = ["Joko Widodo", "BMKG", "Lombok", "ASEAN"]
SENTIMENTS = ["positive", "neutral", "negative", None]
KINDS = ["article", "article", "post", "alert"]
INFO = ["affected_individuals", "caution_and_advice", "not_applicable"]


@dataclass(frozen=True)
class Corpus:
    engine: Engine
    views: dict[int, MatchItem]  # item id -> the matcher's view of it

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Corpus({self.engine.dialect.name}, {len(self.views)} items)"

    def expected(self, node: Node) -> list[int]:
        """Ids of the matches, newest first (sort_at, then id), as the matcher sees them."""
        predicate = compile_query(node)
        found = [i for i, view in self.views.items() if predicate(prepare(view), NOW)]
        return sorted(found, key=lambda i: (self.views[i].sort_at, i), reverse=True)


def generated_items(seed: int = 5, count: int = 90) -> list[tuple[RawItem, Enrichment | None]]:
    """Items with every kind of label, most enriched, over 12 days."""
    rng = random.Random(seed)
    made = []
    for index in range(count):
        words = rng.choices(WORDS, k=rng.randint(1, 6))
        is_crisis = rng.random() < 0.4
        enrichment = Enrichment(
            lang=rng.choice(["und", "und", "id", "en"]),
            sentiment=Label(s, 0.8) if (s := rng.choice(SENTIMENTS)) else None,
            stance_id=Label(s, 0.7) if (s := rng.choice(SENTIMENTS)) else None,
            entities=tuple(
                Entity(name, "ORG", 0, len(name))
                for name in rng.sample(ENTITIES, rng.randint(0, 2))
            ),
            countries=tuple(rng.sample(["ID", "MY", "SG", "JP"], rng.randint(0, 2))),
            crisis=CrisisLabel(is_crisis, is_crisis and rng.random() < 0.5, rng.choice(INFO)),
            topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
        )
        raw = RawItem(
            source_id=rng.choice(SOURCES),
            external_id=f"g{index}",
            title=" ".join(words[:2]).title(),
            text=" ".join(words[2:]),
            lang=rng.choice(LANGS),
            country=rng.choice(COUNTRIES),
            kind=rng.choice(KINDS),
            published_at=NOW - timedelta(hours=rng.uniform(0, 12 * 24)),
        )
        made.append((raw, enrichment if rng.random() < 0.85 else None))
    return made


def store_corpus(engine: Engine) -> Corpus:
    """Store the items in batches out of time order (a backfill of old items late, and items
    dated ahead of others stored early), so that id order is not time order."""
    made = generated_items()
    by_time = sorted(made, key=lambda pair: pair[0].published_at or NOW)
    shuffled = random.Random(7)
    batches = [by_time[i : i + 10] for i in range(0, len(by_time), 10)]
    shuffled.shuffle(batches)
    for batch in batches:
        with engine.begin() as conn:
            insert_new_items(conn, [raw for raw, _ in batch])
    with engine.connect() as conn:
        ids = {key: int(i) for key, i in conn.execute(select(items.c.external_id, items.c.id))}
    do_store_enrichment(
        engine, [(ids[raw.external_id], labels) for raw, labels in made if labels is not None]
    )
    with engine.connect() as conn:
        stored = get_items(conn, sorted(ids.values()))
    return Corpus(engine, {item.id: MatchItem.from_stored(item) for item in stored})


@pytest.fixture
def corpus(engine: Engine) -> Corpus:
    return store_corpus(engine)


FIELD_VALUES = [
    *((Field.LANG, v) for v in ("id", "en", "ms")),
    *((Field.COUNTRY, v) for v in ("ID", "MY", "SG", "JP")),
    *((Field.SOURCE, v) for v in SOURCES[:3]),
    *((Field.KIND, v) for v in ("post", "alert")),
    *((Field.TOPIC, v) for v in TOPICS),
    *((Field.ENTITY, v) for v in ("bmkg", "joko widodo")),
    *((Field.SENTIMENT, v) for v in ("negative", "positive")),
    (Field.STANCE, "neutral"),
    *((Field.CRISIS, v) for v in ("true", "false", "informative", "caution_and_advice")),
]
leaves = st.one_of(
    st.sampled_from(WORDS).map(lambda w: Term((w,))),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=2).map(lambda w: Term(tuple(w))),
    st.sampled_from(["gem", "ban", "ja", "ts"]).map(lambda w: Term((w,), is_prefix=True)),
    st.sampled_from(FIELD_VALUES).map(lambda fv: FieldMatch(fv[0], fv[1])),
    st.just(FieldMatch(Field.SOURCE, "antara", is_prefix=True)),
    st.sampled_from([6, 48, 120]).map(lambda h: TimeCompare(">=", RelativeTime(h, "h"))),
    st.sampled_from([24, 72]).map(lambda h: TimeCompare("<", RelativeTime(h, "h"))),
    # A day range, as the parser writes it: an AND of two times.
    st.just(
        And(
            (
                TimeCompare(">=", NOW.replace(hour=0) - timedelta(days=4)),
                TimeCompare("<", NOW.replace(hour=0) - timedelta(days=1)),
            )
        )
    ),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
    ),
    max_leaves=6,
)
fields = st.sampled_from(FIELD_VALUES).map(lambda fv: FieldMatch(fv[0], fv[1]))
# Top-level ANDs of a few parts, the shapes whose parts the plans split up: any parts, and
# filters only (where a label or column index drives).
queries = st.one_of(
    trees,
    st.lists(trees, min_size=2, max_size=4).map(lambda c: And(tuple(c))),
    st.lists(st.one_of(fields, leaves, st.builds(Not, fields)), min_size=1, max_size=3).map(
        lambda c: And(tuple(c)) if len(c) > 1 else c[0]
    ),
)
CHECKS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def pages(corpus: Corpus, text: str, sort: SortOrder, per_page: int, count: int) -> list[list[int]]:
    found = []
    with corpus.engine.connect() as conn:
        for page in range(1, count + 1):
            results = search_items(conn, text, sort=sort, page=page, per_page=per_page, now=NOW)
            found.append([item.id for item in results.items])
    return found


@CHECKS
@given(node=queries, per_page=st.sampled_from([1, 3, 7, 200]), page=st.integers(1, 3))
def test_search_items_is_the_brute_force_answer(
    corpus: Corpus, node: Node, per_page: int, page: int
) -> None:
    text = format_query(node)
    expected = corpus.expected(parse_query(text))
    offset = (page - 1) * per_page
    with corpus.engine.connect() as conn:
        by_time = search_items(conn, text, sort="time", page=page, per_page=per_page, now=NOW)
        ranked = search_items(conn, text, sort="relevance", per_page=200, now=NOW)
    assert [item.id for item in by_time.items] == expected[offset : offset + per_page], text
    assert (by_time.total, by_time.is_total_capped) == (len(expected), False), text
    assert by_time.has_next == (len(expected) > offset + per_page)
    assert sorted(item.id for item in ranked.items) == sorted(expected), text
    assert ranked.total == len(expected)


@CHECKS
@given(node=queries, per_page=st.sampled_from([1, 2, 3]), page=st.integers(1, 2))
def test_bounded_scans_keep_pages_exact_and_totals_honest(
    corpus: Corpus, node: Node, per_page: int, page: int
) -> None:
    """With windows of 2-3 candidates, a total cap of 7 and a relevance window of 4, every
    path of the scans runs on 90 items: further windows, the search by time for items older
    by id, capped totals."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "MAX_CANDIDATES", 3)
        patch.setattr(search, "MAX_ROW_CANDIDATES", 2)
        patch.setattr(search, "TOTAL_CAP", 7)
        patch.setattr(search, "RELEVANCE_WINDOW", 4)
        check_bounded(corpus, parse_query(format_query(node)), per_page, page)


def check_bounded(corpus: Corpus, node: Node, per_page: int, page: int) -> None:
    text = format_query(node)
    expected = corpus.expected(node)
    offset = (page - 1) * per_page
    with corpus.engine.connect() as conn:
        found = search_items(conn, text, sort="time", page=page, per_page=per_page, now=NOW)
    assert [item.id for item in found.items] == expected[offset : offset + per_page], text
    if found.is_total_capped:
        assert found.total <= min(len(expected), 7), text
    else:
        assert found.total == len(expected) <= 7, text
    assert found.has_next == (len(expected) > offset + per_page), text
    # Relevance ranks the newest 4 matches by id; on SQLite the others follow, newest first.
    by_id = sorted(expected, reverse=True)
    ranked = [i for chunk in pages(corpus, text, "relevance", 2, 4) for i in chunk]
    if corpus.engine.dialect.name == "sqlite":
        is_ranked = sqlite_plan(node, NOW).text_match is not None
    else:
        is_ranked = bool(positive_terms(node))
    if is_ranked:
        assert sorted(ranked[:4]) == sorted(by_id[:4]), text
        if corpus.engine.dialect.name == "sqlite":
            assert ranked[4:] == by_id[4 : len(ranked)], text
    else:  # no words every match must contain: by time
        assert ranked == expected[: len(ranked)], text


def test_the_corpus_exercises_the_plans(corpus: Corpus) -> None:
    """Id order differs from time order, and the unusual languages are there."""
    ids = sorted(corpus.views)
    times = [corpus.views[i].sort_at for i in ids]
    assert times != sorted(times)
    assert {"EN", "en-US", None} <= {view.lang for view in corpus.views.values()}
    assert any(view.topics == () and view.countries == () for view in corpus.views.values())
