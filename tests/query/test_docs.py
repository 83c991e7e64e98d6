"""docs/query-language.md: every example parses, every field is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dcc.query.ast import Field
from dcc.query.parser import parse_query

DOC = Path(__file__).resolve().parents[2] / "docs" / "query-language.md"


def example_queries() -> list[str]:
    """Every line of the doc's plain ``` blocks (the python block is code, not queries)."""
    blocks = re.findall(r"```\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    # The caret block shows an error on purpose.
    return [line for line in lines if line and "^" not in line and "lang:xx" not in line]


@pytest.mark.parametrize("query", example_queries())
def test_examples_parse(query: str) -> None:
    parse_query(query)


def test_examples_are_there() -> None:
    assert len(example_queries()) >= 15


def test_every_field_and_operator_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for field in [*Field, "time"]:
        assert f"| `{field}:` |" in text, field
    for operator in ("AND", "OR", "NOT", "DAN", "ATAU", "BUKAN"):
        assert f"`{operator}" in text or f" {operator} " in text, operator
