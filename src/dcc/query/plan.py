"""Which index answers a query on SQLite: the parts of a top-level AND sorted by what can
narrow the search before any item is read (issue 5; search.py and store/facets.py use it).

    plan = sqlite_plan(parse_query("gempa lang:id topic:disaster -kind:post"), now=now)
    plan.driver == "fts"          # the words drive, newest first by rowid
    plan.match      # '(({title text} : "gempa") AND (facets : ("lid")))'
    plan.checks     # lang:id, topic:disaster, NOT kind:post: checked on each candidate

- words and phrases every match must contain go to FTS5 (`fts_plan`, as facets.py uses it);
- `lang:`, `kind:` and `source:` are also FTS5 tokens of the `facets` column (migration 0001),
  so FTS5 intersects them with the words itself. A source token is exact (the id, hex-encoded);
  language and kind tokens are lower-cased and split like words by the tokenizer, so they
  narrow the search and the column is still checked (a language stored as "EN" or "en-US"
  has the token of `lang:en` but does not match it);
- without words, one filter drives from an index that lists its items newest first by time:
  `topic:` (the label index, store/labels.py), `source:`, `country:` (the label index), or
  `lang:`, `sentiment:`, `stance:`, `crisis:true`/`false` (their (column, sort_at) indexes),
  roughly the rarer first; else the facet tokens drive (`kind:`, `source:antara*`); else
  every item, newest stored first, through the covering index ix_items_id_filters;
- time filters, nested ones included (a day range is an AND of two), give the id range
  (item_time_bounds) or the time range to scan, and are checked exactly.

A negated token is used only where it is exact (`-source:`): a NOT of a superset would drop
matches. Drivers by time (label, column) give the newest matches in order; drivers by id
(FTS5, the covering index) nearly so, and search.py makes the order exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dcc.query.ast import And, Field, FieldMatch, Node, Not, Or, TimeCompare, resolve_time
from dcc.query.sql import fts5_expression
from dcc.store.backends.sqlite import facet_token

Driver = Literal["fts", "label", "column", "items"]
# Filters that can drive without words, the rarer first by habit (bench/web.py's data: a
# source ~2.5% of items, a topic 2-15%, a country other than ID 1-13%, a language 1-45%).
_DRIVING_FIELDS = (
    Field.TOPIC,
    Field.SOURCE,
    Field.COUNTRY,
    Field.STANCE,
    Field.LANG,
    Field.CRISIS,
    Field.SENTIMENT,
)
_LABEL_FIELDS = (Field.TOPIC, Field.COUNTRY)
_TOKEN_PREFIXES = {Field.LANG: "l", Field.KIND: "k", Field.SOURCE: "s"}


@dataclass(frozen=True, slots=True)
class Plan:
    """How to find a query's matches on SQLite.

    `driver`: "fts" walks `match` newest first by rowid; "label" walks the label index of
    `driving` (topic:/country:) newest first by time; "column" the index (column, sort_at)
    of `driving` newest first by time; "items" walks every item newest stored first.
    `checks` are the parts each candidate must still pass. `text_match` is the MATCH of the
    words every match must contain (for bm25), None when there are none. `since`/`until`
    bound the matches' times (a superset); a time-ordered driver applies the time parts
    (`times`) itself, exactly; for the others they are among `checks`."""

    driver: Driver
    checks: tuple[Node, ...]
    match: str | None = None
    text_match: str | None = None
    driving: FieldMatch | None = None
    since: datetime | None = None
    until: datetime | None = None
    times: tuple[TimeCompare, ...] = ()

    @property
    def is_time_ordered(self) -> bool:
        """Whether candidates come newest first by time (else by id)."""
        return self.driver in ("label", "column")


def and_parts(node: Node | None) -> list[Node]:
    """The parts that every match of `node` must pass: its top-level AND, nested ANDs (a day
    range, a group in parentheses) flattened. None (the empty query) has none."""
    if node is None:
        return []
    return list(_flattened((node,)))


def _flattened(parts: Sequence[Node]) -> Iterator[Node]:
    for part in parts:
        if isinstance(part, And):
            yield from _flattened(part.children)
        else:
            yield part


def fts_plan(node: Node) -> tuple[str, list[Node]] | None:
    """The FTS5 MATCH expression of the words every match must contain and the other parts of
    the top-level AND, or None when no text part can drive the search."""
    texts: list[Node] = []
    others: list[Node] = []
    for part in and_parts(node):
        (texts if _is_text(part) else others).append(part)
    match = fts5_expression(And(tuple(texts))) if texts else None
    if match is None:
        return None
    return match, others


def time_bounds(parts: Sequence[Node], now: datetime) -> tuple[datetime | None, datetime | None]:
    """The narrowest since/until that the time filters among `parts` imply (they are AND-ed,
    and so are the parts of a nested AND such as a day range): a superset of the matches'
    times."""
    since: datetime | None = None
    until: datetime | None = None
    for part in _flattened(parts):
        if isinstance(part, TimeCompare):
            bound = resolve_time(part.point, now)
            if part.op in (">", ">="):
                since = bound if since is None else max(since, bound)
            else:
                until = bound if until is None else min(until, bound)
    return since, until


def sqlite_plan(node: Node | None, now: datetime) -> Plan:
    """The plan for `node` (None: every item); see the module's docstring."""
    parts = and_parts(node)
    since, until = time_bounds(parts, now)
    positive: list[str] = []  # FTS5 expressions every match satisfies
    negative: list[str] = []  # FTS5 expressions no match satisfies
    texts: list[Node] = []
    tokens: list[Node] = []
    exact: set[int] = set()  # indexes in `parts` that the MATCH answers alone
    for index, part in enumerate(parts):
        inner = part.child if isinstance(part, Not) else part
        text = fts5_expression(inner)
        if text is not None:
            texts.append(part)
            (negative if isinstance(part, Not) else positive).append(text)
            exact.add(index)
            continue
        found = facet_expression(inner)
        if found is None:
            continue
        expression, is_exact = found
        if isinstance(part, Not):
            if is_exact:  # a NOT of a superset would drop matches
                negative.append(f"facets : ({expression})")
                exact.add(index)
                tokens.append(part)
        else:
            positive.append(f"facets : ({expression})")
            tokens.append(part)
            if is_exact:
                exact.add(index)
    has_words = any(not isinstance(part, Not) for part in texts)
    text_match = fts5_expression(And(tuple(texts))) if has_words else None
    driving = next(
        (
            part
            for field in _DRIVING_FIELDS
            for part in parts
            if isinstance(part, FieldMatch) and part.field is field and is_indexed(part)
        ),
        None,
    )
    if has_words or (driving is None and positive):
        match = "(" + " AND ".join(f"({p})" for p in positive) + ")"
        match += "".join(f" NOT ({n})" for n in negative)
        checks = tuple(part for index, part in enumerate(parts) if index not in exact)
        return Plan("fts", checks, match, text_match, since=since, until=until)
    if driving is not None:
        times = tuple(part for part in parts if isinstance(part, TimeCompare))
        checks = tuple(
            part for part in parts if part is not driving and not isinstance(part, TimeCompare)
        )
        driver: Driver = "label" if driving.field in _LABEL_FIELDS else "column"
        return Plan(driver, checks, driving=driving, since=since, until=until, times=times)
    return Plan("items", tuple(parts), since=since, until=until)


def is_indexed(part: FieldMatch) -> bool:
    """Whether an index lists the items of `part` newest first by time (see _DRIVING_FIELDS;
    not a source prefix, not the crisis labels read from the enrichment JSON)."""
    if part.field is Field.CRISIS:
        return part.value in ("true", "false")
    return part.field in _DRIVING_FIELDS and not part.is_prefix


def facet_expression(node: Node) -> tuple[str, bool] | None:
    """`node` as an FTS5 expression over the facet tokens (for the `facets` column) and
    whether it is exact, or None when it holds anything else: `lang:`, `kind:`, `source:`
    (prefix included) and ANDs and ORs of them."""
    if isinstance(node, FieldMatch):
        prefix = _TOKEN_PREFIXES.get(node.field)
        if prefix is None:
            return None
        quoted = '"' + facet_token(prefix, node.value).replace('"', '""') + '"'
        if node.is_prefix:
            # The hex of a prefix of the id is a prefix of the hex of the id.
            return quoted + "*", node.field is Field.SOURCE
        return quoted, node.field is Field.SOURCE
    if isinstance(node, And | Or):
        found = [facet_expression(child) for child in node.children]
        if any(part is None for part in found):
            return None
        joiner = " AND " if isinstance(node, And) else " OR "
        expressions = [part[0] for part in found if part is not None]
        is_exact = all(part[1] for part in found if part is not None)
        return "(" + joiner.join(expressions) + ")", is_exact
    return None


def is_row_check(node: Node) -> bool:
    """Whether checking `node` reads an item's wide row (its kind, crisis labels, entities),
    not only the covering index ix_items_id_filters and the label index."""
    if isinstance(node, FieldMatch):
        return node.field in (Field.KIND, Field.CRISIS, Field.ENTITY)
    if isinstance(node, Not):
        return is_row_check(node.child)
    if isinstance(node, And | Or):
        return any(is_row_check(child) for child in node.children)
    return False


def _is_text(part: Node) -> bool:
    inner = part.child if isinstance(part, Not) else part
    return fts5_expression(inner) is not None
