"""plan.py: which index drives a query on SQLite, what the MATCH holds, what is left to check,
and the time range (day ranges included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dcc.query.ast import Field, FieldMatch
from dcc.query.parser import parse_query
from dcc.query.plan import and_parts, facet_expression, fts_plan, sqlite_plan, time_bounds
from dcc.query.printer import format_query
from dcc.query.scan import merged_spans

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ANTARA = "s" + b"antara".hex()


@pytest.mark.parametrize(
    ("text", "driver", "driving", "checks"),
    [
        ("gempa lang:id topic:disaster", "fts", None, ["lang:id", "topic:disaster"]),
        ("gempa source:antara-id -source:bbc-asia", "fts", None, []),
        ("gempa -lang:en", "fts", None, ["NOT lang:en"]),
        ("topic:cyber lang:en time:-24h", "label", "topic:cyber", ["lang:en"]),
        ("country:MY sentiment:negative", "label", "country:MY", ["sentiment:negative"]),
        ("lang:en country:MY", "label", "country:MY", ["lang:en"]),
        ("lang:en sentiment:negative", "column", "lang:en", ["sentiment:negative"]),
        ("source:antara-id lang:en", "column", "source:antara-id", ["lang:en"]),
        ("crisis:true", "column", "crisis:true", []),
        ("crisis:informative", "items", None, ["crisis:informative"]),
        ("kind:post", "fts", None, ["kind:post"]),
        ("source:antara*", "fts", None, []),
        ("-lang:id", "items", None, ["NOT lang:id"]),
        ("gempa OR banjir", "fts", None, []),
        ("gempa OR topic:cyber", "items", None, ["gempa OR topic:cyber"]),
    ],
)
def test_the_most_selective_index_drives(
    text: str, driver: str, driving: str | None, checks: list[str]
) -> None:
    plan = sqlite_plan(parse_query(text), NOW)
    assert plan.driver == driver
    assert (format_query(plan.driving) if plan.driving else None) == driving
    assert [format_query(part) for part in plan.checks] == checks


def test_tokens_join_the_match_and_only_exact_ones_are_negated() -> None:
    plan = sqlite_plan(parse_query("gempa lang:id -source:antara -kind:post -latihan"), NOW)
    assert plan.match == (
        '(({title text} : "gempa") AND (facets : ("lid"))) '
        f'NOT (facets : ("{ANTARA}")) NOT ({{title text}} : "latihan")'
    )
    assert plan.text_match == '(({title text} : "gempa")) NOT ({title text} : "latihan")'
    assert [format_query(part) for part in plan.checks] == ["lang:id", "NOT kind:post"]


def test_facet_expressions() -> None:
    assert facet_expression(FieldMatch(Field.SOURCE, "antara", is_prefix=True)) == (
        f'"{ANTARA}"*',
        True,
    )
    assert facet_expression(parse_query("lang:id OR lang:ms")) == ('("lid" OR "lms")', False)
    assert facet_expression(parse_query("source:antara OR source:bbc")) == (
        f'("{ANTARA}" OR "s{b"bbc".hex()}")',
        True,
    )
    assert facet_expression(parse_query("lang:id OR topic:cyber")) is None


def test_without_words_or_filters_every_item_is_a_candidate() -> None:
    plan = sqlite_plan(None, NOW)
    assert (plan.driver, plan.checks, plan.since, plan.until) == ("items", (), None, None)
    assert and_parts(None) == []


def test_time_bounds_see_day_ranges() -> None:
    """A day range parses into an AND of two times, nested in the query's AND."""
    node = parse_query("gempa time:2026-11-01..2026-11-19 time:>now-30d")
    assert time_bounds(and_parts(node), NOW) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 20, tzinfo=UTC),
    )
    plan = sqlite_plan(parse_query("topic:cyber time:2026-11-19"), NOW)
    assert (plan.since, plan.until) == (
        NOW.replace(hour=0) - timedelta(days=1),
        NOW.replace(hour=0),
    )
    assert [format_query(part) for part in plan.times] == [
        "time:>=2026-11-19T00:00:00Z",
        "time:<2026-11-20T00:00:00Z",
    ]


def test_fts_plan_is_the_words_and_the_rest() -> None:
    found = fts_plan(parse_query("(gempa lombok) lang:id time:-24h"))
    assert found is not None
    match, others = found
    assert match == '(({title text} : "gempa") AND ({title text} : "lombok"))'
    assert [format_query(part) for part in others] == ["lang:id", "time:>=now-24h"]
    assert fts_plan(parse_query("-gempa lang:id")) is None


def test_merged_spans() -> None:
    spans = [(51, 67), (40, 45), (11, 70), (80, 90), (71, 75), (100, 100)]
    assert merged_spans(spans) == [(100, 100), (80, 90), (11, 75)]
