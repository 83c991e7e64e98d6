"""Dashboard aggregates over a time range (issue 5): volume with its sentiment and stance
split, countries in the news, rising stories. Source health is store/sources.py `list_health`.

Every read is bounded in time and answered from indexes, with no pre-aggregated table:
items and their labels stay the one source of truth, so a re-processed or deleted item can
never leave a stale count behind. Measured with bench/web.py on 1M items (SQLite):
- volume without filters counts each bucket's range of the time indexes (ix_items_sort_at
  and the (label, sort_at) indexes of sentiment and stance): a count of an index range
  needs no sort, where grouping by hour sorted every item of the range (10 ms for a week
  where grouping took 100); with filters, the index ix_items_id_filters
  (time, language, source, country, sentiment, stance by item id) over the id range of the
  time range (item_time_bounds), never the table's wide rows; with a topic or country
  filter, the label index gives the items;
- countries and stories are counted in the label index by time (ix_item_labels_time, and
  per country value stored in ix_item_labels_value).

`visible` is an extra condition on `items` (who may see what): with it, items are joined.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Integer,
    ScalarSelect,
    Select,
    String,
    bindparam,
    column,
    func,
    select,
    type_coerce,
    values,
)

from dcc.errors import QueryError
from dcc.store.items import id_range_for_time
from dcc.store.labels import (
    FILTERS_INDEX,
    LABEL_VALUE_INDEX,
    STAGE_INDEX,
    epoch_us,
    from_epoch_us,
    has_label,
    labelled_ids,
)
from dcc.store.records import (
    Bucket,
    DashboardFilters,
    LabelMix,
    RisingStory,
    StorySpan,
    VolumePoint,
    VolumeSeries,
)
from dcc.store.schema import UTCDateTime, item_labels, items
from dcc.store.timebuckets import (
    WIDTH,
    auto_bucket,
    bucket_starts,
    floor_time,
    hour_key,
    hour_of_key,
)

# The longest range a dashboard read covers: a year of hours is 8,760 buckets.
MAX_RANGE = timedelta(days=366)
MAX_RISING = 100
LABELS = ("positive", "neutral", "negative")
# Stories read per round when looking for the fastest growing (see rising_stories).
_CANDIDATES = 200


def volume_series(
    conn: Connection,
    *,
    since: datetime,
    until: datetime,
    bucket: Bucket | None = None,
    filters: DashboardFilters | None = None,
    visible: ColumnElement[bool] | None = None,
) -> VolumeSeries:
    """Items per time bucket in [since, until), each with its sentiment and stance mix."""
    check_range(since, until)
    width = bucket or auto_bucket(since, until)
    filters = filters or DashboardFilters()
    if filters.is_empty and visible is None:
        rows = _volume_from_time_indexes(conn, since, until, width)
    else:
        rows = _volume(conn, since, until, filters, visible)
    starts = bucket_starts(since, until, width)
    totals = dict.fromkeys(starts, 0)
    mixes: dict[str, dict[datetime, dict[str, int]]] = {"sentiment": {}, "stance": {}}
    for kind, value, hour, count in rows:
        start = floor_time(hour, width)
        if kind == "total":
            totals[start] = totals.get(start, 0) + count
        elif value in LABELS:
            mix = mixes[kind].setdefault(start, {})
            mix[value] = mix.get(value, 0) + count
    points = tuple(
        VolumePoint(
            start=start,
            total=totals.get(start, 0),
            sentiment=LabelMix(**mixes["sentiment"].get(start, {})),
            stance=LabelMix(**mixes["stance"].get(start, {})),
        )
        for start in starts
    )
    return VolumeSeries(since=since, until=until, bucket=width, points=points)


def _volume_from_time_indexes(
    conn: Connection, since: datetime, until: datetime, width: Bucket
) -> list[tuple[str, str | None, datetime, int]]:
    """(kind, label, bucket start, count) rows from three narrow indexes: per bucket, the
    count of its time range in ix_items_sort_at and in the (label, sort_at) index of each
    sentiment and stance label, so nothing is sorted. One statement per _BUCKETS_PER_READ
    buckets (a year of hours is 8,784)."""
    starts = bucket_starts(since, until, width)
    ranges = [
        (n, max(start, since), min(start + WIDTH[width], until)) for n, start in enumerate(starts)
    ]
    found: list[tuple[str, str | None, datetime, int]] = []
    for first in range(0, len(ranges), _BUCKETS_PER_READ):
        buckets = _buckets(conn, ranges[first : first + _BUCKETS_PER_READ])
        counts = [_range_count(buckets, None, None, "ix_items_sort_at")]
        counts += [
            _range_count(buckets, label_column, label, index)
            for _, label_column, index in _LABEL_COLUMNS
            for label in LABELS
        ]
        for n, total, *split in conn.execute(select(buckets.c.n, *counts)):
            found.append(("total", None, starts[n], int(total)))
            found.extend(
                (kind, label, starts[n], int(count))
                for (kind, label), count in zip(_SPLITS, split, strict=True)
                if count
            )
    return found


# Buckets counted per statement: on PostgreSQL each is a VALUES row of three parameters,
# well under psycopg's limit of 65,535 (a year of hours is 8,784 buckets).
_BUCKETS_PER_READ = 500
_LABEL_COLUMNS = (
    ("sentiment", items.c.sentiment, "ix_items_sentiment_sort_at"),
    ("stance", items.c.stance, "ix_items_stance_sort_at"),
)
_SPLITS = [(kind, label) for kind, _, _ in _LABEL_COLUMNS for label in LABELS]


def _buckets(conn: Connection, ranges: list[tuple[int, datetime, datetime]]) -> CTE:
    """A table (n, low, high) of bucket numbers and time ranges. On SQLite, read from one JSON
    parameter, so the statement has one shape and is compiled once (a VALUES of a week of
    hours took as long to compile as to run)."""
    if conn.dialect.name != "sqlite":
        return (
            values(
                column("n", Integer), column("low", UTCDateTime()), column("high", UTCDateTime())
            )
            .data(ranges)
            .cte("buckets")
        )
    # The times as SQLite stores sort_at ('YYYY-MM-DD HH:MM:SS.ffffff'), compared as text.
    as_stored = UTCDateTime().dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if as_stored is None:
        raise TypeError("UTCDateTime has no bind processor on SQLite")
    rows = json.dumps([[n, as_stored(low), as_stored(high)] for n, low, high in ranges])
    each = func.json_each(bindparam("buckets", rows, type_=String)).table_valued("value")
    return (
        select(
            type_coerce(func.json_extract(each.c.value, "$[0]"), Integer).label("n"),
            type_coerce(func.json_extract(each.c.value, "$[1]"), String).label("low"),
            type_coerce(func.json_extract(each.c.value, "$[2]"), String).label("high"),
        )
        .cte("buckets")
        .prefix_with("MATERIALIZED")
    )


def _range_count(
    buckets: CTE, label_column: ColumnElement[Any] | None, label: str | None, index: str
) -> ScalarSelect[int]:
    """The items of a bucket's time range (with `label` in `label_column`), counted in
    `index` (a correlated subquery: one index range per bucket)."""
    query = select(func.count()).where(
        items.c.sort_at >= buckets.c.low, items.c.sort_at < buckets.c.high
    )
    if label_column is not None:
        query = query.where(label_column == label)
    return query.with_hint(items, f"INDEXED BY {index}", "sqlite").scalar_subquery()


def _volume(
    conn: Connection,
    since: datetime,
    until: datetime,
    filters: DashboardFilters,
    visible: ColumnElement[bool] | None,
) -> list[tuple[str, str | None, datetime, int]]:
    """(kind, label, hour, count) rows of the items passing the filters, in one pass over
    ix_items_id_filters (time, filters, sentiment and stance side by side)."""
    conditions = passing(conn, since, until, filters, visible)
    if conditions is None:
        return []
    hour = hour_key(conn.dialect.name)
    grouped = (
        select(items.c.sentiment, items.c.stance, hour.label("hour"))
        .where(*conditions)
        .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
        .subquery()
    )
    rows = conn.execute(
        select(grouped.c.sentiment, grouped.c.stance, grouped.c.hour, func.count()).group_by(
            grouped.c.sentiment, grouped.c.stance, grouped.c.hour
        )
    )
    found: list[tuple[str, str | None, datetime, int]] = []
    for sentiment, stance, key, count in rows:
        at = hour_of_key(key)
        found.append(("total", None, at, int(count)))
        found.append(("sentiment", sentiment, at, int(count)))
        found.append(("stance", stance, at, int(count)))
    return found


def country_mentions(
    conn: Connection,
    *,
    since: datetime,
    until: datetime,
    filters: DashboardFilters | None = None,
    visible: ColumnElement[bool] | None = None,
) -> dict[str, int]:
    """Items per country in [since, until), most first: ISO 3166-1 alpha-2 -> count.

    An item counts under each country `country:XX` matches it with: its own (source or feed)
    and those it is about (docs/query-language.md), so one item may count several times."""
    check_range(since, until)
    filters = filters or DashboardFilters()
    in_range = (
        item_labels.c.kind == "country",
        item_labels.c.sort_at_us >= epoch_us(since),
        item_labels.c.sort_at_us < epoch_us(until),
    )
    fresh_conditions: list[ColumnElement[bool]] = [
        items.c.sort_at >= since,
        items.c.sort_at < until,
    ]
    if filters.is_empty and visible is None:
        counts = _country_counts(conn, in_range)
    else:
        conditions = passing(conn, since, until, filters, visible)
        if conditions is None:
            return {}
        chosen = (
            select(items.c.id)
            .where(*conditions)
            .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
        )
        labelled = (
            select(item_labels.c.value, func.count())
            .where(*in_range, item_labels.c.item_id.in_(chosen))
            .group_by(item_labels.c.value)
        )
        counts = {value: int(count) for value, count in conn.execute(labelled)}
        fresh_conditions.append(items.c.id.in_(chosen))
    # Items not enriched yet have no labels: their own country counts (few; ix_items_stage).
    fresh = (
        select(items.c.country, func.count())
        .where(items.c.stage == "new", items.c.country.is_not(None), *fresh_conditions)
        .group_by(items.c.country)
        .with_hint(items, f"INDEXED BY {STAGE_INDEX}", "sqlite")
    )
    for value, count in conn.execute(fresh):
        counts[value] = counts.get(value, 0) + int(count)
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def _country_counts(conn: Connection, in_range: Sequence[ColumnElement[bool]]) -> dict[str, int]:
    """Label rows per country over a time range, from the label index.

    Asked per country value stored, each count is a range of ix_item_labels_value and needs
    no sort (a third of the time of grouping the range of ix_item_labels_time). The values
    are found in the same index, one seek each (_stored_values), so none is missed."""
    stored = _stored_values(conn, "country")
    if not stored:
        return {}
    by_value = (
        select(item_labels.c.value, func.count())
        .where(*in_range, item_labels.c.value.in_(stored))
        .group_by(item_labels.c.value)
        .with_hint(item_labels, f"INDEXED BY {LABEL_VALUE_INDEX}", "sqlite")
    )
    return {value: int(count) for value, count in conn.execute(by_value)}


def _stored_values(conn: Connection, kind: str) -> list[str]:
    """Every value stored under `kind` (all time), in order: a loose scan of
    ix_item_labels_value, one seek per value (the next value after the last), where reading
    the kind's rows would read every item's (a million for countries on 1M items)."""
    first = (
        select(func.min(item_labels.c.value).label("value"))
        .where(item_labels.c.kind == kind)
        .with_hint(item_labels, f"INDEXED BY {LABEL_VALUE_INDEX}", "sqlite")
        .cte("stored", recursive=True)
    )
    following = (
        select(func.min(item_labels.c.value))
        .where(item_labels.c.kind == kind, item_labels.c.value > first.c.value)
        .with_hint(item_labels, f"INDEXED BY {LABEL_VALUE_INDEX}", "sqlite")
        .scalar_subquery()
    )
    stored = first.union_all(select(following).where(first.c.value.is_not(None)))
    found = select(stored.c.value).where(stored.c.value.is_not(None))
    return [str(value) for value in conn.execute(found).scalars()]


def rising_stories(
    conn: Connection,
    *,
    now: datetime,
    window: timedelta,
    limit: int = 10,
    visible: ColumnElement[bool] | None = None,
) -> list[RisingStory]:
    """The stories whose items in [now - window, now) outnumber most their items in the
    window before, largest growth first (then more recent items, then story id); only
    stories that grew.

    Exact without counting every story's previous window: growth is at most the recent
    count, so stories are read by recent count, largest first, a round at a time, until the
    next recent count cannot beat the `limit`-th growth found.
    """
    if not 1 <= limit <= MAX_RISING:
        raise QueryError(f"limit {limit} must be between 1 and {MAX_RISING}")
    if window <= timedelta(0) or window > MAX_RANGE:
        raise QueryError(f"window {window} must be positive and at most {MAX_RANGE.days} days")
    middle = now - window
    # Most often the first round decides: only its candidates leave the database.
    ranked = _recent_story_counts(conn, middle, now, visible, limit=_CANDIDATES + 1)
    is_complete = len(ranked) <= _CANDIDATES
    growth: dict[str, tuple[int, int]] = {}
    first = 0
    while first < len(ranked):
        batch = ranked[first : first + _CANDIDATES]
        previous = _story_counts(conn, middle - window, middle, visible, [s for s, _ in batch])
        for story_id, recent in batch:
            if recent > previous.get(story_id, 0):
                growth[story_id] = (recent, previous.get(story_id, 0))
        first += len(batch)
        if first >= len(ranked) and not is_complete:
            ranked = _recent_story_counts(conn, middle, now, visible, limit=None)
            is_complete = True
        best = sorted((r - p for r, p in growth.values()), reverse=True)
        following = ranked[first][1] if first < len(ranked) else 0
        if len(best) >= limit and best[limit - 1] >= following:
            break
    chosen = sorted(
        growth.items(), key=lambda pair: (-(pair[1][0] - pair[1][1]), -pair[1][0], pair[0])
    )[:limit]
    if not chosen:
        return []
    spans = story_spans(conn, [story_id for story_id, _ in chosen], visible=visible)
    return [
        RisingStory(story_id=story_id, recent=recent, previous=previous, span=spans[story_id])
        for story_id, (recent, previous) in chosen
        if story_id in spans
    ]


def _recent_story_counts(
    conn: Connection,
    since: datetime,
    until: datetime,
    visible: ColumnElement[bool] | None,
    *,
    limit: int | None,
) -> list[tuple[str, int]]:
    """(story id, items in [since, until)), most items first, then by id; the first `limit`
    (label index by time)."""
    query = _story_counting(since, until, visible).group_by(item_labels.c.value)
    count = func.count()
    query = query.order_by(count.desc(), item_labels.c.value)
    if limit is not None:
        query = query.limit(limit)
    return [(value, int(n)) for value, n in conn.execute(query)]


def _story_counts(
    conn: Connection,
    since: datetime,
    until: datetime,
    visible: ColumnElement[bool] | None,
    story_ids: Sequence[str],
) -> dict[str, int]:
    """Items per story of `story_ids` in [since, until) (label index by story)."""
    query = _story_counting(since, until, visible).where(item_labels.c.value.in_(story_ids))
    return {value: int(n) for value, n in conn.execute(query.group_by(item_labels.c.value))}


def _story_counting(
    since: datetime, until: datetime, visible: ColumnElement[bool] | None
) -> Select[str, int]:
    query = select(item_labels.c.value, func.count()).where(
        item_labels.c.kind == "story",
        item_labels.c.sort_at_us >= epoch_us(since),
        item_labels.c.sort_at_us < epoch_us(until),
    )
    if visible is not None:
        query = query.join(items, items.c.id == item_labels.c.item_id).where(visible)
    return query


def story_spans(
    conn: Connection, story_ids: Sequence[str], *, visible: ColumnElement[bool] | None = None
) -> dict[str, StorySpan]:
    """Title (of the first item), size, languages and time span of each story found."""
    members = (
        select(
            item_labels.c.value.label("story_id"),
            item_labels.c.item_id,
            item_labels.c.sort_at_us,
        )
        .where(item_labels.c.kind == "story", item_labels.c.value.in_(story_ids))
        .subquery()
    )
    spans = select(
        members.c.story_id,
        func.count(),
        func.min(members.c.sort_at_us),
        func.max(members.c.sort_at_us),
    ).group_by(members.c.story_id)
    langs = (
        select(members.c.story_id, items.c.lang)
        .join(items, items.c.id == members.c.item_id)
        .where(items.c.lang.is_not(None))
        .group_by(members.c.story_id, items.c.lang)
        .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
    )
    if visible is not None:
        spans = spans.join(items, items.c.id == members.c.item_id).where(visible)
        langs = langs.where(visible)
    found: dict[str, tuple[int, int, int]] = {
        story_id: (int(size), int(first), int(last))
        for story_id, size, first, last in conn.execute(spans)
    }
    languages: dict[str, list[str]] = {}
    for story_id, lang in conn.execute(langs):
        languages.setdefault(story_id, []).append(lang)
    titles = _first_titles(conn, found, visible)
    return {
        story_id: StorySpan(
            title=titles.get(story_id, ""),
            size=size,
            languages=tuple(sorted(languages.get(story_id, ()))),
            first_seen=from_epoch_us(first),
            last_seen=from_epoch_us(last),
        )
        for story_id, (size, first, last) in found.items()
    }


def _first_titles(
    conn: Connection,
    spans: dict[str, tuple[int, int, int]],
    visible: ColumnElement[bool] | None,
) -> dict[str, str]:
    """Each story's title: the title (else the start of the text) of its first item."""
    titles: dict[str, str] = {}
    for story_id, (_, first, _) in spans.items():
        first_item = (
            select(item_labels.c.item_id)
            .where(
                item_labels.c.kind == "story",
                item_labels.c.value == story_id,
                item_labels.c.sort_at_us == first,
            )
            .order_by(item_labels.c.item_id)
        )
        query = select(items.c.title, func.substr(items.c.text, 1, 140)).where(
            items.c.id.in_(first_item.limit(1).scalar_subquery())
        )
        if visible is not None:
            query = query.where(visible)
        row = conn.execute(query).first()
        if row is not None:
            titles[story_id] = (row[0] or " ".join(str(row[1]).split()))[:300]
    return titles


def passing(
    conn: Connection,
    since: datetime,
    until: datetime,
    filters: DashboardFilters,
    visible: ColumnElement[bool] | None,
) -> list[ColumnElement[bool]] | None:
    """Conditions on `items` selecting the items of [since, until) that pass `filters` and
    `visible`, shaped for a read through ix_items_id_filters; None when no item falls in
    that time.

    With a topic or country filter the label index drives (ix_item_labels_value: the items
    with that label in the range, by id); otherwise the time range's id range does
    (item_time_bounds). The other filters are checked on the candidates."""
    conditions: list[ColumnElement[bool]] = [items.c.sort_at >= since, items.c.sort_at < until]
    by_label = [(kind, values) for kind, values in (("topic", filters.topics),) if values]
    by_label += [("country", filters.countries)] if filters.countries else []
    if by_label:
        kind, values = by_label[0]
        conditions.append(items.c.id.in_(labelled_ids(kind, values, since, until)))
        conditions.extend(has_label(kind, values) for kind, values in by_label[1:])
    else:
        id_range = id_range_for_time(conn, since, until)
        if id_range is None:
            return None
        conditions.append(items.c.id.between(*id_range))
    if filters.langs:
        conditions.append(items.c.lang.in_(filters.langs))
    if filters.sources:
        conditions.append(items.c.source_id.in_(filters.sources))
    if visible is not None:
        conditions.append(visible)
    return conditions


def check_range(since: datetime, until: datetime) -> None:
    """Raise QueryError unless since < until, both aware, at most MAX_RANGE apart."""
    for value in (since, until):
        if value.tzinfo is None:
            raise QueryError(f"time {value.isoformat()} needs a timezone (for example Z)")
    if since >= until:
        raise QueryError(
            f"the time range is empty: since {since.isoformat()} is not before "
            f"until {until.isoformat()}"
        )
    if until - since > MAX_RANGE:
        raise QueryError(f"the time range is longer than {MAX_RANGE.days} days")
