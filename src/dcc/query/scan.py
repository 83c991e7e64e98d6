"""Bounded scans of a query's candidates on SQLite, newest first: one statement per window.

A window takes the next `size` candidates from the index that drives (plan.py: FTS5, the
label index or the covering index ix_items_id_filters), newest first, and checks the other
parts on them through ix_items_id_filters (an item's filter columns, ~80 items a page) and
the label index, reading an item's wide row (its text and enrichment, a 4 KB page or more)
only for a check that needs it (kind, crisis, entity). It answers the matches in driver
order, how many candidates it examined, and where the next window starts:

    scanner = Scanner(conn, plan, now=now, id_range=(1, 1_000_000))
    first = scanner.window(size=20_000, limit=10_001)
    more = scanner.window(after=first.examined_to, size=40_000, limit=21)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)

from dcc.query.ast import Field, FieldMatch, Node, Not, resolve_time
from dcc.query.plan import Plan
from dcc.query.sql import compile_condition, items_fts
from dcc.store.labels import FILTERS_INDEX, LABEL_VALUE_INDEX, STAGE_INDEX, epoch_us
from dcc.store.schema import item_labels, items
from dcc.store.timebuckets import sort_at_us

# Per column that can drive: its index (column, sort_at) and the column (schema.py).
_COLUMN_INDEXES: dict[Field, tuple[str, ColumnElement[Any]]] = {
    Field.LANG: ("ix_items_lang_sort_at", items.c.lang),
    Field.SOURCE: ("ix_items_source_sort_at", items.c.source_id),
    Field.SENTIMENT: ("ix_items_sentiment_sort_at", items.c.sentiment),
    Field.STANCE: ("ix_items_stance_sort_at", items.c.stance),
    Field.CRISIS: ("ix_items_is_crisis_sort_at", items.c.is_crisis),
}

_COMPARE: dict[str, Callable[[ColumnElement[int], int], ColumnElement[bool]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

Key = tuple[Any, int]  # (sort_key, id) of a candidate: ids and sort_at_us are integers


@dataclass(frozen=True, slots=True)
class Window:
    """What one window found. `found`: how many matches (at most the window's limit);
    `kept`: the first of them, as (id, time key), the time key being items.sort_at as stored
    text, or sort_at_us where the label index drives; `examined`: how many candidates;
    `examined_to`: the key of the oldest candidate checked (None when there was none): every
    candidate before it, in driver order, was checked; `is_exhausted`: no candidate after
    `examined_to` is left."""

    found: int
    kept: list[tuple[int, Any]]
    examined: int
    examined_to: Key | None
    is_exhausted: bool


class Scanner:
    """Windows over the candidates of `plan` (see the module's docstring). `id_range` narrows
    an id-ordered driver (FTS5, the covering index) to the ids of the plan's time range."""

    def __init__(
        self,
        conn: Connection,
        plan: Plan,
        *,
        now: datetime,
        id_range: tuple[int, int] | None = None,
        needs_time: bool = True,
    ) -> None:
        self.conn = conn
        self.plan = plan
        self.now = now
        self.id_range = id_range
        # Parts answered by the label index from a candidate's id alone need no read of
        # `items` (relevance needs no time): half the cost of a check (bench/web.py).
        self.label_parts = [part for part in plan.checks if _label_part(part) is not None]
        self.checks = [
            compile_condition(part, "sqlite", now=now)
            for part in plan.checks
            if part not in self.label_parts
        ]
        # A time-ordered driver's sort key is the time; the others read it from
        # ix_items_id_filters.
        self.needs_time = needs_time and not plan.is_time_ordered

    def window(
        self,
        *,
        after: Key | None = None,
        size: int | None,
        limit: int | None,
        keep: int,
        is_by_time: bool,
        span: tuple[int, int] | None = None,
        since_text: str | None = None,
    ) -> Window:
        """The matches among the next `size` candidates after `after` (None: from the newest;
        `size` None: all), at most `limit` of them, keeping the first `keep` newest by time
        (`is_by_time`) or in driver order. `span` narrows an id-ordered driver to an id range,
        `since_text` the matches to those with sort_at >= it (stored text).

        One statement; only the kept rows and two summary rows come back (SQLAlchemy costs
        a few µs a row, as much as checking a candidate)."""
        checks: list[ColumnElement[bool]] = list(self.checks)
        at_text: ColumnElement[Any] = type_coerce(items.c.sort_at, String)
        if since_text is not None:
            checks.append(at_text >= since_text)
        candidates, matched = self._matched(after, size, span, checks, at_text)
        if limit is not None:
            matched = matched.limit(limit)
        found = matched.cte("matched").prefix_with("MATERIALIZED")
        order = (found.c.at, found.c.id) if is_by_time else (found.c.sort_key, found.c.id)
        kept = (
            select(literal_column("0").label("row"), found.c.id, found.c.sort_key, found.c.at)
            .order_by(*(column.desc() for column in order))
            .limit(keep)
        )
        statement = union_all(
            select(kept.subquery()),
            select(_oldest(candidates, 1).subquery()),
            select(_oldest(found, 2).subquery()),
        )
        result = _Result()
        for row, item_id, sort_key, at in self.conn.execute(statement):
            if row == 0:
                result.kept.append((int(item_id), at))
            elif row == 1:
                result.examined = int(at)
                result.last_candidate = None if item_id is None else (sort_key, int(item_id))
            else:
                result.found = int(at)
                result.last_match = None if item_id is None else (sort_key, int(item_id))
        is_cut = limit is not None and result.found >= limit
        # Where `limit` stopped the checks, candidates older than the last match were not
        # all checked: the next window starts after that match.
        examined_to = result.last_match if is_cut else result.last_candidate
        is_exhausted = not is_cut and (size is None or result.examined < size)
        return Window(result.found, result.kept, result.examined, examined_to, is_exhausted)

    def _matched(
        self,
        after: Key | None,
        size: int | None,
        span: tuple[int, int] | None,
        checks: list[ColumnElement[bool]],
        at_text: ColumnElement[Any],
    ) -> tuple[Any, Any]:
        """The candidates (a CTE) and a SELECT of the matches (id, sort_key, at) among them,
        newest first in driver order."""
        if self.plan.driver == "items":
            # The covering index is the driver: its rows hold the columns checked.
            checks = checks + [label_check(part, items.c.id) for part in self.label_parts]
            is_match = case((and_(*checks), 1), else_=0) if checks else literal_column("1")
            driver = self._driver(after, size, span).add_columns(
                at_text.label("at"), is_match.label("is_match")
            )
            candidates = driver.cte("candidates").prefix_with("MATERIALIZED")
            matched = select(candidates.c.id, candidates.c.sort_key, candidates.c.at).where(
                candidates.c.is_match == 1
            )
        else:
            candidates = self._driver(after, size, span).cte("candidates")
            candidates = candidates.prefix_with("MATERIALIZED")
            time_key = at_text if self.needs_time else candidates.c.sort_key
            matched = select(candidates.c.id, candidates.c.sort_key, time_key.label("at"))
            if checks or self.needs_time:
                matched = matched.join(items, items.c.id == candidates.c.id).with_hint(
                    items, f"INDEXED BY {FILTERS_INDEX}", "sqlite"
                )
            by_id = [label_check(part, candidates.c.id) for part in self.label_parts]
            matched = matched.where(*by_id, *checks)
        return candidates, matched.order_by(candidates.c.sort_key.desc(), candidates.c.id.desc())

    def _driver(self, after: Key | None, size: int | None, span: tuple[int, int] | None) -> Any:
        """SELECT id, sort_key of the candidates, newest first (larger sort_key newer)."""
        plan = self.plan
        if plan.driver == "label":
            return self._labelled(after, size)
        if plan.driver == "column":
            return self._by_column(after, size)
        ranges = [r for r in (self.id_range, span) if r is not None]
        if plan.driver == "fts":
            rowid: ColumnElement[int] = literal_column("items_fts.rowid")
            query: Select[Any, Any] = (
                select(rowid.label("id"), rowid.label("sort_key"))
                .select_from(items_fts)
                .where(literal_column("items_fts").op("MATCH")(literal(plan.match, String)))
            )
            key = rowid
        else:
            query = select(items.c.id.label("id"), items.c.id.label("sort_key")).with_hint(
                items, f"INDEXED BY {FILTERS_INDEX}", "sqlite"
            )
            key = items.c.id
        for low, high in ranges:
            query = query.where(key.between(low, high))
        if after is not None:
            query = query.where(key < after[1])
        query = query.order_by(key.desc())
        return query.limit(size) if size is not None else query

    def _times(self) -> list[ColumnElement[bool]]:
        """The plan's time parts as conditions on items.sort_at (a time-ordered driver's)."""
        return [compile_condition(part, "sqlite", now=self.now) for part in self.plan.times]

    def _by_column(self, after: Key | None, size: int | None) -> Any:
        """The items of the driving filter, newest first by time (sort key: sort_at as stored
        text), from its index (column, sort_at)."""
        plan = self.plan
        driving = plan.driving
        if driving is None or driving.field not in _COLUMN_INDEXES:
            raise ValueError(f"no column index drives {driving!r}")
        name, column = _COLUMN_INDEXES[driving.field]
        condition: ColumnElement[bool]
        if driving.field is Field.CRISIS:
            condition = column.is_(true() if driving.value == "true" else false())
        else:
            condition = column == driving.value
        at_text: ColumnElement[Any] = type_coerce(items.c.sort_at, String)
        query = (
            select(items.c.id.label("id"), at_text.label("sort_key"))
            .where(condition)
            .with_hint(items, f"INDEXED BY {name}", "sqlite")
        )
        query = query.where(*self._times())
        if after is not None:
            query = query.where(tuple_(at_text, items.c.id) < tuple_(*after))
        query = query.order_by(items.c.sort_at.desc(), items.c.id.desc())
        return query.limit(size) if size is not None else query

    def _labelled(self, after: Key | None, size: int | None) -> Any:
        """The items of the driving label, newest first by time; for a country, with the
        items not enriched yet whose own country it is (they have no labels yet)."""
        plan = self.plan
        label = plan.driving
        if label is None:
            raise ValueError("a label-driven plan needs its label")
        kind = str(label.field)
        labelled = (
            select(item_labels.c.item_id.label("id"), item_labels.c.sort_at_us.label("sort_key"))
            .where(item_labels.c.kind == kind, item_labels.c.value == label.value)
            .with_hint(item_labels, f"INDEXED BY {LABEL_VALUE_INDEX}", "sqlite")
        )
        for part in plan.times:
            # sort_at_us is items.sort_at to the microsecond, as are the bounds: exact.
            bound = epoch_us(resolve_time(part.point, self.now))
            labelled = labelled.where(_COMPARE[part.op](item_labels.c.sort_at_us, bound))
        if after is not None:
            labelled = labelled.where(
                tuple_(item_labels.c.sort_at_us, item_labels.c.item_id) < tuple_(*after)
            )
        labelled = labelled.order_by(item_labels.c.sort_at_us.desc(), item_labels.c.item_id.desc())
        if size is not None:
            labelled = labelled.limit(size)
        if kind != "country":
            return labelled
        at_us = sort_at_us("sqlite")
        fresh = (
            select(items.c.id.label("id"), at_us.label("sort_key"))
            .where(items.c.stage == "new", items.c.country == label.value)
            .with_hint(items, f"INDEXED BY {STAGE_INDEX}", "sqlite")
        )
        fresh = fresh.where(*self._times())
        if after is not None:
            fresh = fresh.where(tuple_(at_us, items.c.id) < tuple_(*after))
        both = union_all(select(labelled.subquery()), select(fresh.subquery())).subquery()
        query = select(both.c.id, both.c.sort_key).order_by(
            both.c.sort_key.desc(), both.c.id.desc()
        )
        return query.limit(size) if size is not None else query


def merged_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Id ranges with the overlapping and adjacent ones merged, highest first."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged[::-1]


class _Result:
    """What the rows of one window's statement say (Scanner.window)."""

    def __init__(self) -> None:
        self.kept: list[tuple[int, Any]] = []
        self.found = 0
        self.examined = 0
        self.last_match: Key | None = None
        self.last_candidate: Key | None = None


def _oldest(rows: Any, marker: int) -> Select[Any, Any]:
    """One row: the oldest of `rows` in driver order (id NULL when there are none) and how
    many there are. Aggregates, not a sort: a window holds up to 20,000 rows."""
    smallest = select(func.min(rows.c.sort_key)).scalar_subquery()
    oldest_id = select(func.min(rows.c.id)).where(rows.c.sort_key == smallest).scalar_subquery()
    return select(
        literal_column(str(marker)).label("row"),
        oldest_id.label("id"),
        smallest.label("sort_key"),
        select(func.count()).select_from(rows).scalar_subquery().label("at"),
    )


def label_check(part: Node, item_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A top-level `topic:X` or `country:X` part (or its negation) as a condition on an item
    id, read from the label index; it means what query/sql.py's condition means. A country
    is also an item's own: an enriched item has it among its labels (store/labels.py), one
    not enriched yet (stage "new", a few) has none, so those are looked up by stage."""
    found = _label_part(part)
    if found is None:
        raise ValueError(f"{part!r} is not a topic: or country: filter")
    kind = str(found.field)
    labels = item_labels.alias(f"by_{kind}")
    condition: ColumnElement[bool] = exists().where(
        labels.c.item_id == item_id, labels.c.kind == kind, labels.c.value == found.value
    )
    if found.field is Field.COUNTRY:
        unenriched = items.alias("unenriched")  # not correlated with an outer `items`
        fresh = (
            select(unenriched.c.id)
            .where(unenriched.c.stage == "new", unenriched.c.country == found.value)
            .with_hint(unenriched, f"INDEXED BY {STAGE_INDEX}", "sqlite")
        )
        condition = or_(condition, item_id.in_(fresh))
    return not_(condition) if isinstance(part, Not) else condition


def _label_part(part: Node) -> FieldMatch | None:
    inner = part.child if isinstance(part, Not) else part
    if isinstance(inner, FieldMatch) and inner.field in (Field.TOPIC, Field.COUNTRY):
        return inner
    return None
