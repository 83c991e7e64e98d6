"""Matcher: what a query matches in memory, and the index that skips queries cheaply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from query_items import NOW, match_items

from dcc.query.ast import Field, FieldMatch, Node
from dcc.query.matcher import MatchItem, QueryIndex, anchors, compile_query, matches, prepare
from dcc.query.parser import parse_query
from dcc.records import StoredItem

ITEMS = match_items()


def found(text: str) -> set[str]:
    predicate = compile_query(parse_query(text))
    return {key for key, item in ITEMS.items() if predicate(prepare(item), NOW)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gempa", {"gempa-lombok", "old", "post"}),
        ("GEMPA -latihan lang:id", {"gempa-lombok", "old", "post"}),
        # A phrase is found inside the title or inside the text, never across the two.
        ('"tsunami warning"', {"drill", "lombok-quake"}),
        ('"peringatan tsunami"', {"boundary"}),
        ("tsunami warning", {"boundary", "drill", "lombok-quake"}),
        ('"tsunami warn"*', {"drill", "lombok-quake"}),
        ("covid-19", {"covid", "covid-spaced"}),
        ('"covid 19"', {"covid", "covid-spaced"}),
        ("warga_negara", {"jokowi"}),
        ("5.4", {"gempa-lombok", "trade"}),
        # Country: the item's own, or one it is about.
        ("country:SG", {"covid"}),
        ("country:JP", {"trade"}),
        ("-country:ID", {"kelantan", "post"}),
        ("entity:LOMBOK", {"gempa-lombok", "lombok-quake", "old"}),
        ('entity:"joko widodo"', {"jokowi"}),
        (
            "source:antara*",
            {"banjir", "boundary", "drill", "gempa-lombok", "jokowi", "menlu", "old"},
        ),
        ("crisis:affected_individuals", {"banjir", "kelantan", "lombok-quake"}),
        ("stance:negative", {"cyber", "kemlu"}),
        ('(kemlu OR "foreign ministry") stance:negative time:>now-24h', {"kemlu"}),
        ("banjir ATAU gempa BUKAN lombok", {"banjir", "kelantan", "post", "raw"}),
        ("time:-1h", {"gempa-lombok", "post", "cap"}),
    ],
)
def test_queries_on_known_items(text: str, expected: set[str]) -> None:
    assert found(text) == expected


def test_missing_labels_do_not_match_and_their_negation_does() -> None:
    """The unenriched item has no sentiment, topic or crisis label."""
    assert "raw" not in found("sentiment:negative")
    assert "raw" in found("NOT sentiment:negative")
    assert "raw" in found("-topic:disaster")
    assert "raw" not in found("crisis:true") | found("crisis:false")
    assert "raw" in found("NOT crisis:true") & found("NOT crisis:false")


def test_relative_times_follow_now() -> None:
    item = ITEMS["trade"]  # 20 hours before NOW
    node = parse_query("time:>now-24h")
    assert matches(node, item, NOW)
    assert not matches(node, item, NOW + timedelta(hours=5))


def test_accents_and_case_are_ignored() -> None:
    item = MatchItem(title="Café ÉCOLE", text="İstanbul", source_id="s", sort_at=NOW)
    for text in ("cafe", "café", "ecole", "école*", "istanbul", "İSTANBUL"):
        assert matches(parse_query(text), item, NOW), text


def test_from_stored_reads_the_enrichment_as_stored() -> None:
    stored = StoredItem(
        id=1,
        source_id="s",
        external_id="x",
        title="t",
        text="x",
        url=None,
        author=None,
        published_at=None,
        ingested_at=NOW,
        lang="ms",
        country="MY",
        geo=None,
        kind="post",
        stage="processed",
        extra={},
        enrichment={
            "lang": "id",
            "sentiment": {"label": "negative", "score": 0.9},
            "stance_id": None,
            "entities": [{"text": "Kemlu", "type": "ORG", "start": 0, "end": 5}, "junk"],
            "countries": ["ID", 3],
            "crisis": {"related": True, "informative": False, "info_type": "not_applicable"},
            "topics": ["diplomacy"],
        },
    )
    item = MatchItem.from_stored(stored)
    assert item.sort_at == NOW  # no published time: the ingest time, as items.sort_at
    assert item.lang == "id"  # the detected language replaces the source's hint
    assert (item.sentiment, item.stance, item.is_crisis, item.is_informative) == (
        "negative",
        None,
        True,
        False,
    )
    assert item.entities == ("Kemlu",) and item.countries == ("ID",)
    assert MatchItem.from_stored(stored, {"lang": "und"}).lang == "ms"
    assert MatchItem.from_stored(stored, {"crisis": "garbage", "entities": None}).is_crisis is None


# --- the index -------------------------------------------------------------------------------


def test_anchors_pick_the_rarest_requirement() -> None:
    assert anchors(parse_query("gempa lang:id")) == {"gempa"}
    assert anchors(parse_query('"tsunami warning" OR kemlu')) == {"tsunami", "kemlu"}
    assert anchors(parse_query('"di jakarta"')) == {"jakarta"}
    assert anchors(parse_query("gemp*")) == {"*gem"}
    assert anchors(parse_query("ja*")) == {"*ja"}
    assert anchors(parse_query("lang:id")) == {"lang:id"}
    assert anchors(parse_query("country:ID sentiment:negative")) in (
        {"country:ID"},
        {"sentiment:negative"},
    )
    assert anchors(parse_query("-latihan")) is None
    assert anchors(parse_query("gempa OR -latihan")) is None
    assert anchors(parse_query("time:>now-1h")) is None
    assert anchors(parse_query("source:antara*")) is None


def test_index_skips_queries_that_cannot_match() -> None:
    index: QueryIndex[str] = QueryIndex()
    index.add("gempa", parse_query("gempa lang:id"))
    index.add("banjir", parse_query("banjir"))
    index.add("no-drill", parse_query("-latihan"))
    item = prepare(ITEMS["gempa-lombok"])
    assert index.candidates(item) == {"gempa", "no-drill"}
    assert sorted(index.match(item, NOW)) == ["gempa", "no-drill"]
    index.add("gempa", parse_query("banjir"))  # replaced under the same key
    index.remove("no-drill")
    index.remove("unknown")
    assert index.match(item, NOW) == []
    assert len(index) == 2


QUERY_TEXTS = [
    "gempa",
    "lombok OR banjir",
    '"tsunami warning" -latihan',
    "gemp* country:ID",
    "ja*",
    "lang:en",
    "lang:id sentiment:negative",
    "-lang:id",
    "NOT (gempa OR banjir)",
    "entity:jakarta OR topic:diplomacy",
    "source:antara* crisis:true",
    "time:>now-6h",
    "covid-19 OR 5.4",
    "crisis:informative -kind:alert",
    "stance:negative OR stance:positive",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(QUERY_TEXTS), min_size=1, max_size=12, unique=True))
def test_index_matches_exactly_what_checking_every_query_matches(texts: list[str]) -> None:
    index: QueryIndex[int] = QueryIndex()
    nodes: list[Node] = [parse_query(text) for text in texts]
    for key, node in enumerate(nodes):
        index.add(key, node)
    for item in ITEMS.values():
        prepared = prepare(item)
        expected = {key for key, node in enumerate(nodes) if compile_query(node)(prepared, NOW)}
        assert set(index.match(prepared, NOW)) == expected


def test_field_match_on_an_item_without_labels() -> None:
    bare = MatchItem(title="", text="", source_id="s", sort_at=NOW)
    for field in Field:
        value = "true" if field is Field.CRISIS else "x"
        assert not matches(FieldMatch(field, value), bare, NOW)
