"""Syntax tree back to query text, in a form that parses to the same tree.

Used to show a saved rule in its normal form (operators spelled out, values normalised,
day ranges as explicit times) and by the round-trip property test.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dcc.query.ast import And, FieldMatch, Node, Not, Or, Term, TimeCompare, TimePoint

_BARE_VALUE = re.compile(r"^[^\s()\"*:]+$")


def format_query(node: Node) -> str:
    """`node` as query text; `parse_query(format_query(node)) == node`."""
    if isinstance(node, Term):
        body = node.words[0] if len(node.words) == 1 else '"' + " ".join(node.words) + '"'
        return body + ("*" if node.is_prefix else "")
    if isinstance(node, FieldMatch):
        value = node.value if _BARE_VALUE.match(node.value) else f'"{node.value}"'
        return f"{node.field}:{value}" + ("*" if node.is_prefix else "")
    if isinstance(node, TimeCompare):
        return f"time:{node.op}{format_time(node.point)}"
    if isinstance(node, Not):
        return "NOT " + _grouped(node.child, is_and_grouped=True)
    if isinstance(node, And):
        # A nested And keeps its parentheses, so that the tree reads back the same.
        return " ".join(_grouped(child, is_and_grouped=True) for child in node.children)
    return " OR ".join(_grouped(child, is_and_grouped=False) for child in node.children)


def format_time(point: TimePoint) -> str:
    if isinstance(point, datetime):
        return point.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return f"now-{point.amount}{point.unit}" if point.amount else "now"


def _grouped(node: Node, *, is_and_grouped: bool) -> str:
    """`node` as text, in parentheses where reading it back would otherwise change the tree."""
    text = format_query(node)
    if isinstance(node, Or) or (is_and_grouped and isinstance(node, And)):
        return f"({text})"
    return text
