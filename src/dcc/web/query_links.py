"""Links that change a search: a facet adds its field filter to the query, an active filter
can be taken off, a histogram bar narrows the time. Pure (no database).

    add_filter("gempa OR banjir", "country", "ID")   # '(gempa OR banjir) country:ID'
    remove_filter("gempa country:ID", "country", "ID")   # 'gempa'
    time_filter(start, end)                          # 'time:>=2026-11-24T03:00:00Z time:<...'
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from dcc.query.ast import And, FieldMatch, Node, Or
from dcc.query.errors import QuerySyntaxError
from dcc.query.parser import parse_query
from dcc.query.printer import format_query

_BARE_VALUE: Final = re.compile(r"^[^\s()\"*:]+$")


def filter_term(field: str, value: str) -> str:
    """`field:value`, the value in quotes when it holds spaces or syntax."""
    shown = value if _BARE_VALUE.match(value) else '"' + value.replace('"', " ").strip() + '"'
    return f"{field}:{shown}"


def _parsed(query: str) -> Node | None:
    if not query.strip():
        return None
    try:
        return parse_query(query)
    except QuerySyntaxError:
        return None


def add_filter(query: str, field: str, value: str) -> str:
    """`query` AND `field:value` (a query whose top is an OR is grouped first, since AND
    binds tighter)."""
    term = filter_term(field, value)
    if not query.strip():
        return term
    node = _parsed(query)
    if isinstance(node, Or):
        return f"({query.strip()}) {term}"
    return f"{query.strip()} {term}"


def active_filters(query: str) -> set[tuple[str, str]]:
    """The (field, value) filters every match of `query` must pass (top-level AND parts)."""
    node = _parsed(query)
    parts = node.children if isinstance(node, And) else (node,) if node is not None else ()
    return {
        (str(part.field), part.value)
        for part in parts
        if isinstance(part, FieldMatch) and not part.is_prefix
    }


def remove_filter(query: str, field: str, value: str) -> str:
    """`query` without the top-level filter `field:value` (written in its normal form)."""
    node = _parsed(query)
    if node is None:
        return query
    wanted = (field, value)
    if isinstance(node, FieldMatch):
        return "" if (str(node.field), node.value) == wanted else query
    if not isinstance(node, And):
        return query
    kept = tuple(
        child
        for child in node.children
        if not (isinstance(child, FieldMatch) and (str(child.field), child.value) == wanted)
    )
    if len(kept) == len(node.children):
        return query
    if not kept:
        return ""
    return format_query(kept[0] if len(kept) == 1 else And(kept))


def time_filter(start: datetime, end: datetime) -> str:
    """Items from `start` (included) to `end` (excluded) as two time filters."""
    return f"time:>={_instant(start)} time:<{_instant(end)}"


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_time_range(query: str, start: datetime, end: datetime) -> str:
    """`query` narrowed to [start, end)."""
    term = time_filter(start, end)
    if not query.strip():
        return term
    node = _parsed(query)
    return f"({query.strip()}) {term}" if isinstance(node, Or) else f"{query.strip()} {term}"


def error_parts(query: str, position: int) -> tuple[str, str, str]:
    """`query` cut around the character at `position` (a syntax error's place): before, the
    character itself (a space past the end), after."""
    at = max(0, min(position, len(query)))
    return query[:at], query[at : at + 1] or " ", query[at + 1 :]
