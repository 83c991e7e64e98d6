"""Facet and histogram links of the search page change the query the way the query language
reads it (web/query_links.py). Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dcc.query import parse_query
from dcc.query.ast import And, Field, FieldMatch, Or
from dcc.web.query_links import (
    active_filters,
    add_filter,
    add_time_range,
    error_parts,
    filter_term,
    remove_filter,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "lang:id"),
        ("gempa", "gempa lang:id"),
        ("gempa OR banjir", "(gempa OR banjir) lang:id"),
        ("gempa lang:", "gempa lang: lang:id"),  # unreadable: appended, the error stays shown
    ],
)
def test_a_facet_adds_its_filter_to_the_whole_query(query: str, expected: str) -> None:
    assert add_filter(query, "lang", "id") == expected


def test_the_added_filter_binds_to_every_alternative() -> None:
    node = parse_query(add_filter("gempa OR banjir", "country", "ID"))
    assert isinstance(node, And) and isinstance(node.children[0], Or)
    assert node.children[1] == FieldMatch(Field.COUNTRY, "ID")


def test_values_with_spaces_or_syntax_are_quoted() -> None:
    assert filter_term("source", "antara-id") == "source:antara-id"
    assert filter_term("entity", 'Joko "Jokowi" Widodo') == 'entity:"Joko  Jokowi  Widodo"'


def test_active_filters_are_the_top_level_ones() -> None:
    assert active_filters("gempa country:id lang:en") == {("country", "ID"), ("lang", "en")}
    assert active_filters("gempa OR country:ID") == set()
    assert active_filters("gempa lang:") == set()
    assert active_filters("") == set()


def test_an_active_filter_can_be_taken_off() -> None:
    assert remove_filter("gempa country:ID", "country", "ID") == "gempa"
    assert remove_filter("country:ID", "country", "ID") == ""
    assert remove_filter("gempa country:ID lang:id", "lang", "id") == "gempa country:ID"
    assert remove_filter("gempa OR banjir", "lang", "id") == "gempa OR banjir"


def test_a_histogram_bar_narrows_to_its_hour() -> None:
    start = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    end = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    narrowed = add_time_range("gempa OR banjir", start, end)
    assert narrowed == "(gempa OR banjir) time:>=2026-11-24T03:00:00Z time:<2026-11-24T04:00:00Z"
    parse_query(narrowed)  # reads back


def test_error_parts_cut_around_the_position() -> None:
    assert error_parts("gempa lang:xx", 11) == ("gempa lang:", "x", "x")
    assert error_parts("(gempa", 6) == ("(gempa", " ", "")
