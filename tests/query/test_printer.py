"""Printer: a tree printed and parsed again is the same tree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dcc.query.ast import And, Field, FieldMatch, Node, Not, Or, RelativeTime, Term, TimeCompare
from dcc.query.errors import QuerySyntaxError
from dcc.query.fields import entity_key
from dcc.query.parser import parse_query
from dcc.query.printer import format_query
from dcc.query.text import query_words

TOPICS = ["disaster", "diplomacy", "cyber"]

words = (
    st.text(
        alphabet=st.characters(categories=["Ll", "Lu", "Lo", "Nd", "Mn"]),
        min_size=1,
        max_size=8,
    )
    .map(query_words)
    .filter(lambda found: len(found) == 1)
    .map(lambda found: found[0])
)


def _term(found: list[str], is_prefix: bool) -> Term:
    return Term(tuple(found), is_prefix=is_prefix)


terms = st.builds(_term, st.lists(words, min_size=1, max_size=3), st.booleans()).filter(
    lambda term: not term.is_prefix or (len(term.words[-1]) >= 2 and term.words[-1][-1].isalnum())
)
fields = st.one_of(
    st.sampled_from(["id", "en", "ms", "jv", "su", "min", "und"]).map(
        lambda v: FieldMatch(Field.LANG, v)
    ),
    st.sampled_from(["ID", "MY", "SG", "TL", "AU", "XK"]).map(
        lambda v: FieldMatch(Field.COUNTRY, v)
    ),
    st.builds(
        FieldMatch,
        st.just(Field.SOURCE),
        st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,12}\Z"),
        st.booleans(),
    ),
    st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z").map(lambda v: FieldMatch(Field.KIND, v)),
    st.sampled_from(TOPICS).map(lambda v: FieldMatch(Field.TOPIC, v)),
    st.text(alphabet=st.characters(blacklist_characters='"'), min_size=1, max_size=20)
    .map(entity_key)
    .filter(bool)
    .map(lambda v: FieldMatch(Field.ENTITY, v)),
    st.sampled_from(["positive", "neutral", "negative"]).map(
        lambda v: FieldMatch(Field.SENTIMENT, v)
    ),
    st.sampled_from(["positive", "negative"]).map(lambda v: FieldMatch(Field.STANCE, v)),
    st.sampled_from(["true", "false", "informative", "caution_and_advice"]).map(
        lambda v: FieldMatch(Field.CRISIS, v)
    ),
)
points = st.one_of(
    st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.builds(RelativeTime, st.integers(1, 5000), st.sampled_from(["m", "h", "d", "w"])),
    st.just(RelativeTime(0, "m")),
)
times = st.builds(TimeCompare, st.sampled_from([">", ">=", "<", "<="]), points)
trees = st.recursive(
    st.one_of(terms, fields, times),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=4).map(lambda c: And(tuple(c))),
        st.lists(inner, min_size=2, max_size=4).map(lambda c: Or(tuple(c))),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_printed_tree_parses_back_to_itself(tree: Node) -> None:
    text = format_query(tree)
    assert parse_query(text, topics=TOPICS) == tree, text


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from('ab gé:*"()-+ORANDlangidtime>2026-11-01.now7d'), max_size=30)
)
def test_printing_a_parsed_query_keeps_its_meaning(text: str) -> None:
    try:
        tree = parse_query(text)
    except QuerySyntaxError:
        assume(False)
        return
    assert parse_query(format_query(tree)) == tree


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        (
            'gempa OR "tsunami warning" country:id -latihan',
            'gempa OR "tsunami warning" country:ID NOT latihan',
        ),
        ("(a OR b) c", "(a OR b) c"),
        ("a (b c)", "a (b c)"),
        ("-(a b)", "NOT (a b)"),
        ("banjir ATAU gempa", "banjir OR gempa"),
        ("time:2026-11-01", "time:>=2026-11-01T00:00:00Z time:<2026-11-02T00:00:00Z"),
        ("a time:2026-11-01", "a (time:>=2026-11-01T00:00:00Z time:<2026-11-02T00:00:00Z)"),
        ("time:>now-24h", "time:>now-24h"),
        ("time:<now", "time:<now"),
        ('entity:"Joko Widodo"', 'entity:"joko widodo"'),
        ("source:antara*", "source:antara*"),
        ("covid-19*", '"covid 19"*'),
    ],
)
def test_normal_form(text: str, printed: str) -> None:
    assert format_query(parse_query(text)) == printed
