"""Story reads for the story page (issue 5): its items across languages, and a summary of
its spread and labels. A story is the items sharing an enrichment `story_id` (DESIGN §4.2;
enrich/stories.py); they are found through the label index (kind "story", by story id and
time: ix_item_labels_value), never by scanning items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    func,
    literal_column,
    select,
    true,
)

from dcc.errors import QueryError
from dcc.records import StoredItem
from dcc.store.dashboard import story_spans
from dcc.store.items import row_to_item
from dcc.store.labels import FILTERS_INDEX
from dcc.store.records import EntityCount, LabelMix, StorySummary, ValueCount
from dcc.store.schema import item_labels, items

MAX_STORY_ITEMS = 200
# Entities are counted over the story's newest this many items: a story of 10,000 items
# would otherwise parse 10,000 enrichment documents for one page view.
ENTITY_SAMPLE = 300
LABELS = ("positive", "neutral", "negative")


def story_items(
    conn: Connection,
    story_id: str,
    *,
    limit: int = 50,
    newest_first: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> list[StoredItem]:
    """The story's items in time order (oldest first, the timeline; or newest first), with
    their labels (`StoredItem.enrichment`), at most `limit`."""
    if not 1 <= limit <= MAX_STORY_ITEMS:
        raise QueryError(f"limit {limit} must be between 1 and {MAX_STORY_ITEMS}")
    order = (
        (item_labels.c.sort_at_us.desc(), item_labels.c.item_id.desc())
        if newest_first
        else (item_labels.c.sort_at_us, item_labels.c.item_id)
    )
    query = (
        select(items)
        .join(item_labels, item_labels.c.item_id == items.c.id)
        .where(item_labels.c.kind == "story", item_labels.c.value == story_id)
        .order_by(*order)
        .limit(limit)
    )
    if visible is not None:
        query = query.where(visible)
    return [row_to_item(row) for row in conn.execute(query)]


def story_summary(
    conn: Connection,
    story_id: str,
    *,
    limit_per_list: int = 10,
    visible: ColumnElement[bool] | None = None,
) -> StorySummary | None:
    """Size, time span, languages, sources, countries, topics, sentiment and stance mix and
    main entities of a story; None when no (visible) item has this story id."""
    spans = story_spans(conn, [story_id], visible=visible)
    span = spans.get(story_id)
    if span is None:
        return None
    members = _members(story_id, visible)
    columns = (
        select(items.c.lang, items.c.source_id, items.c.sentiment, items.c.stance)
        .where(items.c.id.in_(members))
        .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
    )
    counts: dict[str, dict[str, int]] = {"lang": {}, "source": {}, "sentiment": {}, "stance": {}}
    for lang, source_id, sentiment, stance in conn.execute(columns):
        for kind, value in (
            ("lang", lang),
            ("source", source_id),
            ("sentiment", sentiment),
            ("stance", stance),
        ):
            if value is not None:
                counts[kind][value] = counts[kind].get(value, 0) + 1
    labels = (
        select(item_labels.c.kind, item_labels.c.value, func.count())
        .where(item_labels.c.item_id.in_(members), item_labels.c.kind != "story")
        .group_by(item_labels.c.kind, item_labels.c.value)
    )
    listed: dict[str, dict[str, int]] = {"country": {}, "topic": {}}
    for kind, value, count in conn.execute(labels):
        if kind in listed:
            listed[kind][value] = int(count)
    entities, over = _entities(conn, story_id, visible, limit_per_list)
    return StorySummary(
        story_id=story_id,
        title=span.title,
        size=span.size,
        first_seen=span.first_seen,
        last_seen=span.last_seen,
        languages=_top(counts["lang"], limit_per_list),
        sources=_top(counts["source"], limit_per_list),
        countries=_top(listed["country"], limit_per_list),
        topics=_top(listed["topic"], limit_per_list),
        sentiment=_mix(counts["sentiment"]),
        stance=_mix(counts["stance"]),
        entities=entities,
        entities_over=over,
    )


def _members(story_id: str, visible: ColumnElement[bool] | None) -> Select[Any]:
    query = select(item_labels.c.item_id).where(
        item_labels.c.kind == "story", item_labels.c.value == story_id
    )
    if visible is not None:
        query = query.join(items, items.c.id == item_labels.c.item_id).where(visible)
    return query


def _entities(
    conn: Connection, story_id: str, visible: ColumnElement[bool] | None, limit: int
) -> tuple[tuple[EntityCount, ...], int]:
    """The most named entities of the story's newest ENTITY_SAMPLE items, and over how many
    items they were counted."""
    newest = (
        _members(story_id, visible)
        .order_by(item_labels.c.sort_at_us.desc(), item_labels.c.item_id.desc())
        .limit(ENTITY_SAMPLE)
        .subquery()
    )
    sampled = select(items.c.enrichment).join(newest, newest.c.item_id == items.c.id).subquery()
    text: ColumnElement[Any]
    kind: ColumnElement[Any]
    if conn.dialect.name == "sqlite":
        each = func.json_each(sampled.c.enrichment, "$.entities").table_valued("value")
        text = func.json_extract(each.c.value, "$.text")
        kind = func.json_extract(each.c.value, "$.type")
    else:
        entities = sampled.c.enrichment.op("->")("entities")
        # json_array_elements refuses anything but an array (a JSON null included).
        listed = case(
            (func.json_typeof(entities) == "array", entities),
            else_=literal_column("'[]'::json"),
        )
        each = func.json_array_elements(listed).table_valued("value")
        text = each.c.value.op("->>")("text")
        kind = each.c.value.op("->>")("type")
    query = (
        select(text, kind, func.count())
        .select_from(sampled)
        .join(each, true())  # a join on each row's own entities (a lateral function)
        .where(text.is_not(None))
        .group_by(text, kind)
    )
    counted = sorted(
        ((str(t), str(k or ""), int(n)) for t, k, n in conn.execute(query)),
        key=lambda row: (-row[2], row[0], row[1]),
    )
    over = int(conn.execute(select(func.count()).select_from(newest)).scalar_one())
    return tuple(EntityCount(t, k, n) for t, k, n in counted[:limit]), over


def _top(counts: dict[str, int], limit: int) -> tuple[ValueCount, ...]:
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(ValueCount(value, count) for value, count in ranked[:limit])


def _mix(counts: dict[str, int]) -> LabelMix:
    return LabelMix(**{label: counts.get(label, 0) for label in LABELS})
