"""The query language's syntax tree: frozen dataclasses, one per kind of node.

The parser builds it, the printer writes it back as text, the matcher (alerts) and the SQL
compiler (search) evaluate it. Nodes hold normalised values (words in lower case, countries
in upper case), never positions, so two queries that mean the same thing compare equal.

    parse_query('gempa OR "tsunami warning" country:ID -latihan')
    == And((Or((Term(("gempa",)), Term(("tsunami", "warning")))),
            FieldMatch(Field.COUNTRY, "ID"),
            Not(Term(("latihan",)))))
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

TimeOp = Literal[">", ">=", "<", "<="]
TimeUnit = Literal["m", "h", "d", "w"]
UNIT_SECONDS: dict[TimeUnit, int] = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Field(enum.StrEnum):
    """Field filters (`name:value`); `time:` is separate (TimeCompare)."""

    LANG = "lang"  # language code of the item (ISO 639-1, else 639-3; "und")
    COUNTRY = "country"  # ISO 3166-1 alpha-2: the item's country or one it is about
    SOURCE = "source"  # source id, or a prefix of one (source:antara*)
    KIND = "kind"  # article, post, alert, quake, disaster ...
    TOPIC = "topic"  # topic id from the taxonomy (enrich/data/topics.toml)
    ENTITY = "entity"  # a named entity's text, whole, case-insensitive (ASCII letters)
    SENTIMENT = "sentiment"  # positive / neutral / negative
    STANCE = "stance"  # stance toward Indonesia: positive / neutral / negative
    CRISIS = "crisis"  # true / false / informative / an information type


@dataclass(frozen=True, slots=True)
class Term:
    """Words that must appear next to each other in the title or the text (one word, or a
    phrase); with `is_prefix` the last word may be the start of a longer one."""

    words: tuple[str, ...]
    is_prefix: bool = False
    # The term as typed, for PostgreSQL's own parser (sql.py); not part of the meaning.
    raw: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """`field:value`; with `is_prefix` (source only) the value is a prefix."""

    field: Field
    value: str
    is_prefix: bool = False


@dataclass(frozen=True, slots=True)
class RelativeTime:
    """`now` minus `amount` units (`now-24h`, `now-7d`); resolved when the query runs."""

    amount: int
    unit: TimeUnit

    def resolve(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.amount * UNIT_SECONDS[self.unit])


TimePoint = datetime | RelativeTime


@dataclass(frozen=True, slots=True)
class TimeCompare:
    """The item's time (published, else ingested) compared with a point: `time:>now-24h`.
    Day ranges (`time:2026-11-01..2026-11-20`) parse into two of these under an And."""

    op: TimeOp
    point: TimePoint


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Term | FieldMatch | TimeCompare | And | Or | Not


def resolve_time(point: TimePoint, now: datetime) -> datetime:
    """The instant `point` stands for when the query runs at `now` (UTC-aware)."""
    return point.resolve(now) if isinstance(point, RelativeTime) else point


def walk(node: Node) -> list[Node]:
    """`node` and every node under it, parents first."""
    found: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)
    return found
