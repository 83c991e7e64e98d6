"""Search facets: how the items matching a query divide by language, country, topic, source,
sentiment, stance and time (issue 5). `facet_counts(conn, 'gempa lang:id', now=...)`.

How, and why so (measured with bench/web.py on 1M items, SQLite):
- the newest matches are found through the most selective index (newest_matches: FTS5
  for words, with `lang:`/`source:` as its facet tokens; the label index for `topic:` and
  `country:`; else ix_items_id_filters), and only the newest `sample` (FACET_SAMPLE) are
  counted: counting every match of a common word would walk hundreds of thousands of rows.
  The record says when it was sampled and since when the counts are complete;
- language, source, the item's own country, sentiment, stance and time come from the index
  ix_items_id_filters (on SQLite an item's row holds its text and enrichment, a page or
  more per item; the index holds these columns of ~80 items a page); topics and the
  countries an item is about from the label index `item_labels` (store/labels.py), one small
  row per value, read by item id. Reading them out of the enrichment JSON instead (json_each
  over 2-4 KB documents) took 41 ms for 5,000 items where the label index took 11 ms;
- everything is one statement: the sample is a materialised CTE that every count reads.

An item counts under a country when `country:XX` would match it: its own country (source or
feed) or one it is about (docs/query-language.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Select,
    String,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    type_coerce,
    union_all,
)

from dcc.errors import QueryError
from dcc.query.ast import And, Field, FieldMatch, Node, Not
from dcc.query.parser import parse_query
from dcc.query.plan import fts_plan, time_bounds
from dcc.query.scan import label_check
from dcc.query.sql import compile_condition, items_fts
from dcc.store.backends.sqlite import facet_token
from dcc.store.items import id_range_for_time
from dcc.store.labels import FILTERS_INDEX, STAGE_INDEX, epoch_us, has_label
from dcc.store.records import FACET_NAMES, Facets, Histogram, ValueCount
from dcc.store.schema import item_labels, items
from dcc.store.timebuckets import (
    WIDTH,
    auto_bucket,
    bucket_starts,
    filled,
    hour_of_key,
    sort_at_text,
    sort_at_us,
)

# Matches counted at most: the newest this many. Counting costs about two index pages per
# match (SQLite, 1M items, bench/web.py): 5,000 keeps a common word's facets within the
# search page's budget (measured over bench/web.py's query mix: p95 112 ms; 10,000: 171 ms;
# 20,000: 330 ms), and is plenty for proportions (±1.4 points at 95%).
FACET_SAMPLE = 5_000
MAX_SAMPLE = 100_000
MAX_LIMIT_PER_FACET = 100
# Where the FTS5 index drives and filters are checked one item at a time (`gempa country:SG`),
# at most this many of the newest items holding the words are checked: a common word with a
# rare filter would otherwise check hundreds of thousands. Counts then cover the matches
# since the oldest item checked, and say so (is_sampled, sampled_since).
MAX_CANDIDATES = 20_000


def facet_counts(
    conn: Connection,
    node_or_query: Node | str | None,
    *,
    now: datetime,
    limit_per_facet: int = 10,
    sample: int = FACET_SAMPLE,
    visible: ColumnElement[bool] | None = None,
) -> Facets:
    """Facet counts and a time histogram of the items matching a query (text in the query
    language, or its parsed tree; empty or None: every item), over the newest `sample`.

    `visible` is an extra condition on `items` (who may see what). Raises QuerySyntaxError
    for a query that does not parse, QueryError for a bad limit or sample size.
    """
    if not 1 <= limit_per_facet <= MAX_LIMIT_PER_FACET:
        raise QueryError(
            f"limit_per_facet {limit_per_facet} must be between 1 and {MAX_LIMIT_PER_FACET}"
        )
    if not 1 <= sample <= MAX_SAMPLE:
        raise QueryError(f"sample {sample} must be between 1 and {MAX_SAMPLE}")
    if isinstance(node_or_query, str):
        node = parse_query(node_or_query) if node_or_query.strip() else None
    else:
        node = node_or_query
    dialect = conn.dialect.name
    since, until = time_bounds(_top_level(node), now)
    matches = newest_matches(conn, node, now=now, limit=sample + 1, visible=visible)
    counts: dict[str, dict[str, int]] = {name: {} for name in (*FACET_NAMES, "hour")}
    counted = found = examined = 0
    oldest: datetime | None = None
    smallest: int | None = None
    if matches is not None:
        for kind, value, count in conn.execute(_counts_statement(dialect, matches, sample)):
            if kind == "counted":
                counted = int(count)
                oldest = _parse_time(value) if value else None
            elif kind == "found":
                found = int(count)
            elif kind == "examined":
                examined, smallest = int(count), int(value) if value else None
            elif value is not None and kind in counts:
                counts[kind][value] = counts[kind].get(value, 0) + int(count)
    is_sampled = found > sample  # the one match over the sample was left out of every count
    if not is_sampled and examined > MAX_CANDIDATES and smallest is not None:
        # Every match since the oldest item checked is counted; older ones were not looked at.
        is_sampled = True
        oldest = conn.execute(select(items.c.sort_at).where(items.c.id == smallest)).scalar()
    return Facets(
        counted=counted,
        is_sampled=is_sampled,
        sample_size=sample,
        sampled_since=oldest if is_sampled else None,
        **{name: _top(counts[name], limit_per_facet) for name in FACET_NAMES},
        histogram=_histogram(counts["hour"], since=since, until=until, now=now),
    )


@dataclass(frozen=True, slots=True)
class Matches:
    """How to find the newest matches: a SELECT of (id, sort_key), larger sort_key newer;
    and, where the FTS5 index drives and the matches are checked one by one, the CTE of the
    candidates examined (at most MAX_CANDIDATES), to tell when that bound cut the search."""

    query: Select[Any, Any]
    candidates: CTE | None = None


def newest_matches(
    conn: Connection,
    node: Node | None,
    *,
    now: datetime,
    limit: int,
    visible: ColumnElement[bool] | None = None,
) -> Matches | None:
    """The newest `limit` items matching `node`; None when a time filter leaves no item.

    Which index drives, most selective first:
    - SQLite, words every match must contain: FTS5, as search_items does (matches come in
      ingest order: sort_key is the id). Top-level `lang:` and `source:` filters join the
      MATCH as the facet tokens of migration 0001, so FTS5 intersects them itself; other
      filters are checked on the newest MAX_CANDIDATES items holding the words;
    - a `topic:` or `country:` filter every match must pass: the label index, newest first;
    - otherwise ix_items_id_filters, newest stored first.
    Top-level `topic:`/`country:` filters are checked in the label index by item id, the
    rest as query/sql.py compiles it."""
    dialect = conn.dialect.name
    plan = fts_plan(node) if node is not None and dialect == "sqlite" else None
    parts = list(plan[1] if plan is not None else _top_level(node))
    since, until = time_bounds(parts, now)
    extra = [visible] if visible is not None else []
    id_range = None
    if since is not None or until is not None:
        # The hours' id ranges (item_time_bounds) narrow the scan, as search_items does.
        id_range = id_range_for_time(conn, since, until)
        if id_range is None:
            return None
    if plan is not None:
        return _fts_driven(dialect, plan[0], parts, extra, id_range, now, limit)
    driver = next((part for part in parts if _label_field(part) is not None), None)
    if driver is not None and isinstance(driver, FieldMatch):
        others = [_condition(part, dialect, now) for part in parts if part is not driver]
        return Matches(_label_driven(dialect, driver, [*others, *extra], since, until, limit))
    # Newest stored first, as where FTS5 drives: a backward walk of ix_items_id_filters,
    # which holds what most filters read (a sort by time would read every match first).
    checks = [_condition(part, dialect, now) for part in parts] + extra
    query = select(items.c.id, items.c.id.label("sort_key")).where(*checks)
    if id_range is not None:
        query = query.where(items.c.id.between(*id_range))
    query = query.order_by(items.c.id.desc()).limit(limit)
    return Matches(query.with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite"))


def _fts_driven(
    dialect: str,
    match: str,
    parts: Sequence[Node],
    extra: Sequence[ColumnElement[bool]],
    id_range: tuple[int, int] | None,
    now: datetime,
    limit: int,
) -> Matches:
    """The newest matches of an FTS5 MATCH, the other parts checked on the items."""
    for part in parts:
        token = _facet_token(part)
        if token is not None:
            match = f"({match}) {'NOT' if isinstance(part, Not) else 'AND'} facets : {token}"
    rowid: ColumnElement[int] = literal_column("items_fts.rowid")
    found = select(rowid.label("id")).select_from(items_fts)
    found = found.where(literal_column("items_fts").op("MATCH")(literal(match, String)))
    if id_range is not None:
        found = found.where(rowid.between(*id_range))
    found = found.order_by(rowid.desc())
    if not parts and not extra:
        return Matches(found.add_columns(rowid.label("sort_key")).limit(limit))
    candidates = found.limit(MAX_CANDIDATES + 1).cte("candidates").prefix_with("MATERIALIZED")
    # `topic:`/`country:` are checked in the label index by candidate id, as search_items
    # does (query/scan.py): most candidates of a rare country fail there without a read of
    # `items`, and the counts below read the matches' rows once.
    by_id = [label_check(part, candidates.c.id) for part in parts if _label_field(part)]
    checks = [_condition(part, dialect, now) for part in parts if not _label_field(part)]
    query = select(candidates.c.id, candidates.c.id.label("sort_key")).where(*by_id)
    if checks or extra:
        query = (
            query.join(items, items.c.id == candidates.c.id)
            .where(*checks, *extra)
            # The columns filters read most are in this index: the wide row is read only
            # when a check needs another column.
            .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
        )
    return Matches(query.order_by(candidates.c.id.desc()).limit(limit), candidates)


def _facet_token(part: Node) -> str | None:
    """The quoted FTS5 facet token of a `lang:` or `source:` part (also under a NOT)."""
    inner = part.child if isinstance(part, Not) else part
    if not isinstance(inner, FieldMatch) or inner.is_prefix:
        return None
    if inner.field is Field.LANG:
        return '"' + facet_token("l", inner.value) + '"'
    if inner.field is Field.SOURCE:
        return '"' + facet_token("s", inner.value) + '"'
    return None


def _label_driven(
    dialect: str,
    driver: FieldMatch,
    checks: Sequence[ColumnElement[bool]],
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> Select[Any, Any]:
    """The newest matches read from the label index of `driver` (topic:X or country:X),
    with the items not enriched yet of country X beside them."""
    kind = str(driver.field)
    labelled = select(
        item_labels.c.item_id.label("id"), item_labels.c.sort_at_us.label("sort_key")
    ).where(item_labels.c.kind == kind, item_labels.c.value == driver.value)
    if since is not None:
        labelled = labelled.where(item_labels.c.sort_at_us >= epoch_us(since))
    if until is not None:
        labelled = labelled.where(item_labels.c.sort_at_us <= epoch_us(until))
    if checks:
        labelled = labelled.join(items, items.c.id == item_labels.c.item_id).where(*checks)
    labelled = labelled.order_by(
        item_labels.c.sort_at_us.desc(), item_labels.c.item_id.desc()
    ).limit(limit)
    if kind != "country":
        return labelled
    fresh = (
        select(items.c.id, sort_at_us(dialect).label("sort_key"))
        .where(items.c.stage == "new", items.c.country == driver.value, *checks)
        .with_hint(items, f"INDEXED BY {STAGE_INDEX}", "sqlite")
    )
    both = union_all(select(labelled.subquery()), select(fresh.subquery())).subquery()
    return (
        select(both.c.id, both.c.sort_key)
        .order_by(both.c.sort_key.desc(), both.c.id.desc())
        .limit(limit)
    )


def _label_field(part: Node) -> Field | None:
    """The field of a `topic:X` or `country:X` part (also under a NOT), else None."""
    inner = part.child if isinstance(part, Not) else part
    if isinstance(inner, FieldMatch) and inner.field in (Field.TOPIC, Field.COUNTRY):
        return inner.field
    return None


def _condition(part: Node, dialect: str, now: datetime) -> ColumnElement[bool]:
    """One top-level part as a condition on items: `topic:`/`country:` (or their negation)
    through the label index by id, which means the same as query/sql.py's JSON reading
    (labels.py), the rest as sql.py compiles it."""
    inner = part.child if isinstance(part, Not) else part
    if _label_field(part) is None or not isinstance(inner, FieldMatch):
        return compile_condition(part, dialect, now=now)
    condition = has_label(str(inner.field), [inner.value])
    return not_(condition) if isinstance(part, Not) else condition


def _counts_statement(dialect: str, matches: Matches, sample: int) -> Any:
    """One statement: (kind, value, count) rows for every facet and hour, a "counted" row
    with the oldest counted time, a "found" row with the matches found (up to sample + 1) and
    an "examined" row with the candidates checked and the smallest id among them."""
    found = matches.query.cte("found").prefix_with("MATERIALIZED")
    oldest_found = select(found.c.id).order_by(found.c.sort_key, found.c.id).limit(1)
    # The newest `sample` of the sample + 1 found: leave out the oldest when there are more.
    is_kept = or_(
        select(func.count()).select_from(found).scalar_subquery() <= sample,
        found.c.id != oldest_found.scalar_subquery(),
    )
    at_text = sort_at_text(dialect)
    counted = (
        select(
            items.c.id,
            items.c.lang,
            items.c.source_id,
            items.c.country,
            items.c.sentiment,
            items.c.stance,
            at_text.label("at_text"),
        )
        .join(found, found.c.id == items.c.id)
        .where(is_kept)
        .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    # Every label of the counted items, read by item id (the primary key: an item's labels
    # lie together); "!=" and IN keep SQLite's planner from walking a label index instead.
    labels = (
        select(item_labels.c.kind, item_labels.c.value, func.count())
        .where(item_labels.c.item_id.in_(select(counted.c.id)), item_labels.c.kind != "story")
        .group_by(item_labels.c.kind, item_labels.c.value)
    )
    # An item's own country is a "country" label once it is enriched (store/labels.py, in the
    # same transaction); before, count it here. The few items not enriched yet are listed by
    # stage once, rather than looked for in the label index for every item counted.
    unenriched = items.alias("unenriched")
    fresh = (
        select(unenriched.c.id)
        .where(unenriched.c.stage == "new")
        .with_hint(unenriched, f"INDEXED BY {STAGE_INDEX}", "sqlite")
    )
    own_country = (
        select(_kind("country"), counted.c.country, func.count())
        .where(counted.c.country.is_not(None), counted.c.id.in_(fresh))
        .group_by(counted.c.country)
    )
    return union_all(
        select(_kind("counted"), func.min(counted.c.at_text), func.count()).select_from(counted),
        select(_kind("found"), type_coerce(literal(None), String), func.count()).select_from(found),
        *_examined(matches.candidates),
        _grouped("lang", counted.c.lang, counted),
        _grouped("source", counted.c.source_id, counted),
        _grouped("sentiment", counted.c.sentiment, counted),
        _grouped("stance", counted.c.stance, counted),
        _grouped("hour", func.substr(counted.c.at_text, 1, 13), counted),
        own_country,
        labels,
    )


def _examined(candidates: CTE | None) -> list[Select[str, str, int]]:
    if candidates is None:
        return []
    smallest = type_coerce(func.min(candidates.c.id), String)
    return [select(_kind("examined"), smallest, func.count()).select_from(candidates)]


def _grouped(kind: str, value: ColumnElement[Any], counted: CTE) -> Select[str, str, int]:
    text_value = type_coerce(value, String)
    return select(_kind(kind), text_value, func.count()).select_from(counted).group_by(text_value)


def _kind(kind: str) -> ColumnElement[str]:
    return type_coerce(literal(kind, String), String)


def _top(counts: dict[str, int], limit: int) -> tuple[ValueCount, ...]:
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(ValueCount(value, count) for value, count in ranked[:limit])


def _histogram(
    hours: dict[str, int], *, since: datetime | None, until: datetime | None, now: datetime
) -> Histogram:
    """Counts per bucket from the query's time range (else the first counted hour) to its
    end (else now), widened to hold every counted hour."""
    # Keys 'YYYY-MM-DD HH' sort as their hours do; only the first and last are read as times
    # before the width is known (months of matches are two thousand hours).
    first = hour_of_key(min(hours)) if hours else None
    start = since if since is not None else (first or now)
    end = until if until is not None else now
    if first is not None:
        start = min(start, first)
        end = max(end, hour_of_key(max(hours)) + WIDTH["hour"])
    if end <= start:
        end = start + WIDTH["hour"]
    bucket = auto_bucket(start, end)
    if bucket == "day":  # summed by the key's day, 'YYYY-MM-DD'
        days: dict[str, int] = {}
        for key, count in hours.items():
            days[key[:10]] = days.get(key[:10], 0) + count
        per_bucket = {hour_of_key(f"{day} 00"): count for day, count in days.items()}
    else:
        per_bucket = {hour_of_key(key): count for key, count in hours.items()}
    return Histogram(bucket, filled(per_bucket, bucket_starts(start, end, bucket)))


def _top_level(node: Node | None) -> Sequence[Node]:
    if node is None:
        return ()
    return node.children if isinstance(node, And) else (node,)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
