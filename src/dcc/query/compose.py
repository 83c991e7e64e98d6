"""Structured filters (API parameters, CLI options) written as query-language text.

Why: /search and `dcc search` take a query (`q`) and, beside it, the filter parameters that
the first API had (`lang=id&country=ID...`). Writing the filters as field terms and AND-ing
them to the query gives one AST, so both are read by one parser and one SQL compiler.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from dcc.query.parser import parse_query
from dcc.store.search import SearchQuery


def quoted(value: str) -> str:
    """`value` as one field value: in double quotes, any inner quote dropped."""
    return '"' + value.replace('"', " ").strip() + '"'


def _any_of(field: str, values: Sequence[str]) -> str | None:
    terms = [f"{field}:{quoted(v)}" for v in values if v.strip()]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def filters_as_query(filters: SearchQuery) -> str:
    """The filters of `filters` (not its text) as query-language terms joined by AND."""
    parts = [
        _any_of("source", filters.sources),
        _any_of("lang", filters.langs),
        _any_of("country", filters.countries),
        _any_of("kind", filters.kinds),
        _any_of("sentiment", filters.sentiments),
        _any_of("stance", filters.stances),
    ]
    if filters.is_crisis is not None:
        parts.append(f"crisis:{'true' if filters.is_crisis else 'false'}")
    if filters.since is not None:
        parts.append(f"time:>={_instant(filters.since)}")
    if filters.until is not None:
        parts.append(f"time:<{_instant(filters.until)}")
    return " ".join(p for p in parts if p)


def combined_query(text: str, filters: SearchQuery) -> str:
    """`text` AND the filters, as one query (the text grouped so its ORs stay inside).

    `text` is parsed on its own first, so that a syntax error's position is in `text`.
    """
    if text.strip():
        parse_query(text)
    extra = filters_as_query(filters)
    if not text.strip():
        return extra
    return f"({text}) {extra}".strip() if extra else text
