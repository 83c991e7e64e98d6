"""Watchlist definitions are checked and normalised before they are stored."""

from __future__ import annotations

import pytest

from dcc.alerts.errors import WatchlistError
from dcc.alerts.records import WatchlistSpec
from dcc.alerts.rules import checked_spec
from dcc.query import QuerySyntaxError
from dcc.query.ast import Term


def test_a_spec_is_trimmed_and_deduplicated() -> None:
    spec, node = checked_spec(
        WatchlistSpec(
            name="  Gempa   Lombok ",
            query=" gempa ",
            recipients=(" desk-asia ", "desk-asia", "", "duty"),
            channels=("IN_APP", "in_app"),
            schedule="Digest",
        )
    )
    assert spec == WatchlistSpec(
        name="Gempa Lombok",
        query="gempa",
        recipients=("desk-asia", "duty"),
        channels=("in_app",),
        schedule="digest",
    )
    assert node == Term(("gempa",))


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        (WatchlistSpec(name=" ", query="gempa"), "needs a name"),
        (WatchlistSpec(name="x", query="  "), "needs a query"),
        (WatchlistSpec(name="x", query="gempa", channels=()), "needs a channel"),
        (WatchlistSpec(name="x", query="gempa", channels=("email",)), "'email' is not available"),
        (WatchlistSpec(name="x", query="gempa", schedule="weekly"), "'weekly' must be instant"),
        (WatchlistSpec(name="x" * 201, query="gempa"), "at most 200"),
    ],
)
def test_bad_definitions_are_refused(spec: WatchlistSpec, says: str) -> None:
    with pytest.raises(WatchlistError, match=says):
        checked_spec(spec)


def test_a_bad_query_is_refused_with_its_position() -> None:
    with pytest.raises(QuerySyntaxError) as refused:
        checked_spec(WatchlistSpec(name="x", query="gempa lang:xx"))
    assert refused.value.position == 11  # the value after "lang:"
