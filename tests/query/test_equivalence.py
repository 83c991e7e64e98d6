"""The matcher and the SQL compiler agree: the same queries over the same stored items give
the same items, on SQLite and (when reachable) PostgreSQL, through `compile_condition` and
through `search_items` (which plans differently on SQLite)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_items import DOCS, NOW, store_docs, stored_items
from sqlalchemy import Engine, select

from dcc.query.ast import And, Field, FieldMatch, Node, Not, Or, RelativeTime, Term, TimeCompare
from dcc.query.matcher import MatchItem, compile_query, prepare
from dcc.query.parser import parse_query
from dcc.query.search import search_items
from dcc.query.sql import compile_condition
from dcc.store.database import create_db_engine
from dcc.store.schema import items

QUERIES = [
    # words, phrases, prefixes, case, hyphens and punctuation
    "gempa",
    "GEMPA",
    "lombok",
    "tsunami warning",
    '"tsunami warning"',
    '"warning lifted"',
    '"peringatan tsunami"',
    "gemp*",
    '"tsunami warn"*',
    "covid-19",
    '"covid 19"',
    "19",
    "covid*",
    "5.4",
    "indonesia's",
    "warga_negara",
    '"warga negara"',
    "dan",
    "#prayforlombok",
    "ja*",
    '"jakarta selatan"',
    # boolean structure
    "gempa OR banjir",
    "gempa -latihan",
    "tsunami NOT latihan",
    "-gempa",
    "NOT (gempa OR banjir)",
    "NOT (tsunami AND NOT latihan)",
    "banjir DAN jakarta",
    "banjir ATAU gempa BUKAN lombok",
    "+gempa +lombok",
    "(gempa OR tsunami) (lombok OR padang)",
    "tsunami OR (banjir -jakarta)",
    # fields
    "lang:id",
    "lang:en OR country:SG",
    "-lang:id",
    "lang:und",
    "country:ID",
    "country:jp",
    "-country:ID",
    "country:MY OR country:JP",
    "source:antara-id",
    "source:antara*",
    "-source:antara*",
    "kind:post",
    "kind:alert OR kind:post",
    "topic:disaster",
    "-topic:disaster",
    "topic:diplomacy topic:maritime",
    'entity:"Joko Widodo"',
    "entity:jakarta",
    "entity:LOMBOK OR entity:kemlu",
    "-entity:lombok",
    "sentiment:negative",
    "NOT sentiment:negative",
    "sentiment:positif",
    "stance:negative",
    "-stance:positive",
    "crisis:true",
    "crisis:false",
    "-crisis:true",
    "NOT crisis:false",
    "crisis:informative",
    "-crisis:informative",
    "crisis:affected_individuals",
    "-crisis:caution_and_advice",
    # time
    "time:>now-24h",
    "time:<now-24h",
    "time:-6h",
    "time:2026-11-20",
    "time:2026-11-01..2026-11-19",
    "time:>=2026-11-20T10:00:00Z",
    "time:2026-11-20T06:00Z..now-2h",
    "time:..2026-11-19",
    # mixed, as watchlists are written
    'gempa OR "tsunami warning" country:ID -latihan',
    '(gempa OR "tsunami warning") country:ID -latihan',
    '(kemlu OR "foreign ministry") stance:negative time:>now-24h',
    "(gempa OR banjir) (lang:id OR lang:ms) -crisis:false",
    '"foreign minister" OR entity:asean',
    "jakarta sentiment:negative OR topic:diplomacy",
    "NOT (lang:en OR sentiment:negative) time:>now-48h",
    "gempa time:-48h",
    "banjir -country:MY crisis:informative",
    "(tsunami OR banjir) NOT (source:bbc-asia OR kind:post)",
]


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    store_docs(engine)
    return engine


def matched_by_matcher(node: Node, stored: list[MatchItem], ids: list[int]) -> set[int]:
    predicate = compile_query(node)
    return {
        item_id for item_id, item in zip(ids, stored, strict=True) if predicate(prepare(item), NOW)
    }


def matched_by_sql(engine: Engine, node: Node) -> set[int]:
    with engine.connect() as conn:
        condition = compile_condition(node, conn.dialect.name, now=NOW)
        return set(conn.execute(select(items.c.id).where(condition)).scalars())


def matched_by_search(engine: Engine, text: str, sort: str) -> set[int]:
    with engine.connect() as conn:
        found = search_items(conn, text, sort=sort, per_page=200, now=NOW)  # type: ignore[arg-type]
    assert found.total == len(found.items)
    return {item.id for item in found.items}


def test_matcher_and_sql_agree(stocked: Engine) -> None:
    stored = stored_items(stocked)
    assert len(stored) == len(DOCS)
    views = [MatchItem.from_stored(item) for item in stored]
    ids = [item.id for item in stored]
    mismatches: dict[str, tuple[set[int], set[int]]] = {}
    proper = 0
    for text in QUERIES:
        node = parse_query(text)
        expected = matched_by_matcher(node, views, ids)
        got = matched_by_sql(stocked, node)
        if got != expected:
            mismatches[text] = (expected, got)
        proper += 0 < len(expected) < len(ids)
    assert not mismatches, f"matcher (left) and SQL (right) differ: {mismatches}"
    # The comparison means something only if most queries select some items, not all or none.
    assert proper >= len(QUERIES) * 0.9


@pytest.mark.parametrize("sort", ["time", "relevance"])
def test_search_items_agrees_with_matcher(stocked: Engine, sort: str) -> None:
    stored = stored_items(stocked)
    views = [MatchItem.from_stored(item) for item in stored]
    ids = [item.id for item in stored]
    mismatches = {}
    for text in QUERIES:
        expected = matched_by_matcher(parse_query(text), views, ids)
        got = matched_by_search(stocked, text, sort)
        if got != expected:
            mismatches[text] = (expected, got)
    assert not mismatches, f"matcher (left) and search_items (right) differ: {mismatches}"


# --- random queries over the same items (SQLite) ---------------------------------------------

WORDS = ["gempa", "lombok", "tsunami", "warning", "banjir", "jakarta", "asean", "covid", "19"]
FIELD_VALUES = [
    (Field.LANG, "id"),
    (Field.LANG, "en"),
    (Field.COUNTRY, "ID"),
    (Field.COUNTRY, "GB"),
    (Field.SOURCE, "antara-id"),
    (Field.KIND, "post"),
    (Field.TOPIC, "disaster"),
    (Field.ENTITY, "jakarta"),
    (Field.SENTIMENT, "negative"),
    (Field.STANCE, "neutral"),
    (Field.CRISIS, "true"),
    (Field.CRISIS, "informative"),
]
leaves = st.one_of(
    st.sampled_from(WORDS).map(lambda w: Term((w,))),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=2).map(lambda w: Term(tuple(w))),
    st.sampled_from(["gem", "lom", "tsu", "ja"]).map(lambda w: Term((w,), is_prefix=True)),
    st.sampled_from(FIELD_VALUES).map(lambda fv: FieldMatch(fv[0], fv[1])),
    st.just(FieldMatch(Field.SOURCE, "antara", is_prefix=True)),
    st.sampled_from([3, 8, 30]).map(lambda h: TimeCompare(">=", RelativeTime(h, "h"))),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def module_sqlite(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("query") / "dcc.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_db_engine(f"sqlite:///{path}")
    store_docs(engine)
    yield engine
    engine.dispose()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(node=trees)
def test_random_queries_agree_on_sqlite(module_sqlite: Engine, node: Node) -> None:
    stored = stored_items(module_sqlite)
    views = [MatchItem.from_stored(item) for item in stored]
    expected = matched_by_matcher(node, views, [item.id for item in stored])
    assert matched_by_sql(module_sqlite, node) == expected
