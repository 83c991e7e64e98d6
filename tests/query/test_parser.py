"""Parser: the grammar, normal forms of values, and errors with their positions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.errors import QueryError
from dcc.query.ast import And, Field, FieldMatch, Not, Or, RelativeTime, Term, TimeCompare
from dcc.query.errors import QuerySyntaxError
from dcc.query.parser import MAX_DEPTH, MAX_QUERY_LENGTH, parse_query


def w(*words: str, prefix: bool = False) -> Term:
    return Term(words, is_prefix=prefix)


def day(year: int, month: int, date: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, date, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("gempa", w("gempa")),
        ("Gempa BUMI", And((w("gempa"), w("bumi")))),
        ('"Tsunami  Warning"', w("tsunami", "warning")),
        ("gemp*", w("gemp", prefix=True)),
        ('"tsunami warn"*', w("tsunami", "warn", prefix=True)),
        ("covid-19", w("covid", "19")),
        ("#PrayForLombok", w("prayforlombok")),
        ("Ibukota Nusantara", And((w("ibukota"), w("nusantara")))),
        ("ÉCOLE", w("école")),
        ("a OR b", Or((w("a"), w("b")))),
        ("a b OR c", Or((And((w("a"), w("b"))), w("c")))),
        ("a OR b c", Or((w("a"), And((w("b"), w("c")))))),
        ("a AND b OR c AND d", Or((And((w("a"), w("b"))), And((w("c"), w("d")))))),
        ("NOT a b", And((Not(w("a")), w("b")))),
        ("-a b", And((Not(w("a")), w("b")))),
        ("NOT (a OR b)", Not(Or((w("a"), w("b"))))),
        ('-"foreign minister"', Not(w("foreign", "minister"))),
        ("--a", Not(Not(w("a")))),
        ("+a +b", And((w("a"), w("b")))),
        ("a + b", And((w("a"), w("b")))),
        ("(a b) c", And((And((w("a"), w("b"))), w("c")))),
        ("((a))", w("a")),
        ("a(b)", And((w("a"), w("b")))),
        # Indonesian operators, upper case only: "dan" and "atau" in lower case are words.
        ("banjir DAN jakarta", And((w("banjir"), w("jakarta")))),
        ("banjir ATAU gempa", Or((w("banjir"), w("gempa")))),
        ("BUKAN latihan", Not(w("latihan"))),
        ("banjir dan gempa", And((w("banjir"), w("dan"), w("gempa")))),
        ("and or not", And((w("and"), w("or"), w("not")))),
    ],
)
def test_text_and_operators(text: str, tree: object) -> None:
    assert parse_query(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("lang:ID", FieldMatch(Field.LANG, "id")),
        ("LANG:jv", FieldMatch(Field.LANG, "jv")),
        ("lang:min", FieldMatch(Field.LANG, "min")),
        ("country:id", FieldMatch(Field.COUNTRY, "ID")),
        ("source:antara-en", FieldMatch(Field.SOURCE, "antara-en")),
        ("source:antara*", FieldMatch(Field.SOURCE, "antara", is_prefix=True)),
        ("kind:post", FieldMatch(Field.KIND, "post")),
        ("topic:disaster", FieldMatch(Field.TOPIC, "disaster")),
        ('entity:"Joko  Widodo"', FieldMatch(Field.ENTITY, "joko widodo")),
        ("entity:Jokowi", FieldMatch(Field.ENTITY, "jokowi")),
        ("sentiment:negative", FieldMatch(Field.SENTIMENT, "negative")),
        ("sentiment:negatif", FieldMatch(Field.SENTIMENT, "negative")),
        ("stance:Netral", FieldMatch(Field.STANCE, "neutral")),
        ("crisis:true", FieldMatch(Field.CRISIS, "true")),
        ("crisis:ya", FieldMatch(Field.CRISIS, "true")),
        ("crisis:no", FieldMatch(Field.CRISIS, "false")),
        ("crisis:informative", FieldMatch(Field.CRISIS, "informative")),
        ("crisis:caution_and_advice", FieldMatch(Field.CRISIS, "caution_and_advice")),
        ('source:"antara-id"', FieldMatch(Field.SOURCE, "antara-id")),
        ("(lang:id)", FieldMatch(Field.LANG, "id")),
        (
            "-country:ID OR lang:en",
            Or((Not(FieldMatch(Field.COUNTRY, "ID")), FieldMatch(Field.LANG, "en"))),
        ),
    ],
)
def test_fields(text: str, tree: object) -> None:
    assert parse_query(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("time:>2026-11-01", TimeCompare(">=", day(2026, 11, 2))),
        ("time:>=2026-11-01", TimeCompare(">=", day(2026, 11, 1))),
        ("time:<2026-11-01", TimeCompare("<", day(2026, 11, 1))),
        ("time:<=2026-11-01", TimeCompare("<", day(2026, 11, 2))),
        (
            "time:2026-11-01",
            And((TimeCompare(">=", day(2026, 11, 1)), TimeCompare("<", day(2026, 11, 2)))),
        ),
        (
            "time:2026-11-01..2026-11-20",
            And((TimeCompare(">=", day(2026, 11, 1)), TimeCompare("<", day(2026, 11, 21)))),
        ),
        ("time:2026-11-01..", TimeCompare(">=", day(2026, 11, 1))),
        ("time:..2026-11-20", TimeCompare("<", day(2026, 11, 21))),
        ("time:>2026-11-01T08:30Z", TimeCompare(">", day(2026, 11, 1, 8, 30))),
        ("time:>2026-11-01T15:30+07:00", TimeCompare(">", day(2026, 11, 1, 8, 30))),
        ("time:<=2026-11-01T08:30", TimeCompare("<=", day(2026, 11, 1, 8, 30))),
        (
            "time:2026-11-01T08:00Z..2026-11-01T09:00Z",
            And((TimeCompare(">=", day(2026, 11, 1, 8)), TimeCompare("<=", day(2026, 11, 1, 9)))),
        ),
        ("time:>now-24h", TimeCompare(">", RelativeTime(24, "h"))),
        ("time:>now-7d", TimeCompare(">", RelativeTime(7, "d"))),
        ("time:-7d", TimeCompare(">=", RelativeTime(7, "d"))),
        ("time:now-30m", TimeCompare(">=", RelativeTime(30, "m"))),
        ("time:<now", TimeCompare("<", RelativeTime(0, "m"))),
        (
            "time:now-2w..now-1d",
            And((TimeCompare(">=", RelativeTime(2, "w")), TimeCompare("<=", RelativeTime(1, "d")))),
        ),
    ],
)
def test_time(text: str, tree: object) -> None:
    assert parse_query(text) == tree


def test_examples_from_the_docs() -> None:
    assert parse_query('(kemlu OR "foreign ministry") stance:negative time:>now-24h') == And(
        (
            Or((w("kemlu"), w("foreign", "ministry"))),
            FieldMatch(Field.STANCE, "negative"),
            TimeCompare(">", RelativeTime(24, "h")),
        )
    )
    # AND binds tighter than OR: the filters apply to the phrase only.
    assert parse_query('gempa OR "tsunami warning" country:ID -latihan') == Or(
        (
            w("gempa"),
            And((w("tsunami", "warning"), FieldMatch(Field.COUNTRY, "ID"), Not(w("latihan")))),
        )
    )


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("gempa AND", 6, "AND needs a term after it"),
        ("AND gempa", 0, "AND needs a term before it"),
        ("gempa OR OR banjir", 9, "OR needs a term after it"),
        ("gempa OR", 6, "OR needs a term after it"),
        ("NOT", 0, "NOT needs a term after it"),
        ("gempa (NOT)", 10, "NOT needs a term after it"),
        ("gempa -", 6, "'-' must be directly followed"),
        ("(gempa", 0, "'(' is never closed"),
        ("gempa)", 5, "unmatched ')'"),
        ("gempa ()", 6, "empty parentheses"),
        ('gempa "tsunami', 6, "'\"' is never closed"),
        ('""', 0, "no letters or digits"),
        ("gempa !!", 6, "no letters or digits"),
        ("g*mpa", 1, "'*' is only allowed at the end"),
        ("*", 0, "'*' must follow a letter or digit"),
        ("covid-*", 6, "'*' must follow a letter or digit"),
        ("g*", 0, "at least 2 letters"),
        ("foo:bar", 0, "unknown field 'foo'"),
        ("gempa http://x.id", 6, "unknown field 'http'"),
        (":id", 0, "':' must follow a field name"),
        ("lang:", 5, "lang: needs a value"),
        ("gempa lang:xx", 11, "lang: 'xx' is not a language code"),
        ("country:XY", 8, "country: 'XY' is not an ISO 3166-1 alpha-2 code"),
        ("country:IDN", 8, "country: 'IDN'"),
        ("country:EU", 8, "country: 'EU'"),
        ("source:Antara_EN!", 7, "source: 'Antara_EN!'"),
        ("kind:9x", 5, "kind: '9x'"),
        ("topic:weather", 6, "topic: 'weather' is not a topic; known:"),
        ("sentiment:angry", 10, "sentiment: 'angry' must be positive, neutral or negative"),
        ("stance:pro", 7, "stance: 'pro'"),
        ("crisis:maybe", 7, "crisis: 'maybe' must be true, false, informative"),
        ("lang:id*", 5, "lang: takes no '*'"),
        ("time:yesterday", 5, "time: 'yesterday' is not a date"),
        ("time:>2026-13-01", 6, "time: '2026-13-01' is not a date"),
        ("time:2026-11-01T08:00Z", 5, "an exact instant needs >"),
        ("time:>now+1d", 6, "time: 'now+1d'"),
        ("time:..", 5, "a range needs a start, an end or both"),
        ("time:2026-11-20..2026-11-01", 5, "is empty"),
        ("time:now-1d..now-2d", 5, "is empty"),
        ("time:2026-11-01..bad", 17, "time: 'bad'"),
        ("time:>now-99999w", 6, "more than 100 years"),
        ("time:2026*", 5, "time: takes no '*'"),
    ],
)
def test_errors_name_the_problem_and_position(text: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    assert caught.value.position == position
    assert message in caught.value.message
    assert f"(at position {position})" in str(caught.value)
    assert isinstance(caught.value, QueryError)  # the CLI and API already report these


def test_caret_points_at_the_error() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("gempa lang:xx")
    query_line, caret_line = caught.value.caret().splitlines()
    assert query_line == "gempa lang:xx"
    assert caret_line.index("^") == 11
    assert caret_line.endswith("is not a language code (for example id, en, jv)")


def test_topics_can_be_given() -> None:
    assert parse_query("topic:weather", topics={"weather"}) == FieldMatch(Field.TOPIC, "weather")
    with pytest.raises(QuerySyntaxError, match="known: weather"):
        parse_query("topic:disaster", topics={"weather"})


def test_limits() -> None:
    with pytest.raises(QuerySyntaxError, match="limit") as caught:
        parse_query("a " * (MAX_QUERY_LENGTH // 2 + 1))
    assert caught.value.position == MAX_QUERY_LENGTH
    with pytest.raises(QuerySyntaxError, match="nests deeper"):
        parse_query("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(QuerySyntaxError, match="nests deeper"):
        parse_query("NOT " * (MAX_DEPTH + 1) + "a")
    assert parse_query("(" * 10 + "a" + ")" * 10) == w("a")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab :*"()-+\\.éİ_AND OR NOTlangtime>=<0123'), max_size=40))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    """No input makes the parser fail in another way (IndexError, RecursionError ...)."""
    position = 0
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        position = exc.position
    assert 0 <= position <= len(text)
