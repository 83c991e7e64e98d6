"""The label index (`item_labels`, migration 0007): the values each item is counted and found
under, derived from its enrichment; and conditions that read it.

`label_rows` turns an item's stored enrichment (DESIGN §4.2 JSON) into rows; `write_labels`
stores them. Only do_store_enrichment (ingest/actions.py) calls `write_labels`, in the
transaction that stores the enrichment itself, so the index never disagrees with it.
Migration 0007 fills the index for items enriched before it, with the same rules in SQL.

Kinds:
- "country": the item's own country (source or feed) and the countries it is about, so the
  items under ("country", "MY") are exactly those `country:MY` matches once enriched
  (docs/query-language.md);
- "topic", "story": the topic ids and the story id.
Sentiment and stance are columns of `items` (with indexes), so they need no rows here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from dcc.store import hints  # noqa: F401  (renders the INDEXED BY hints of FILTERS_INDEX ...)
from dcc.store.schema import item_labels, items

LABEL_KINDS = ("country", "topic", "story")
# Longer values cannot be stored in the column (varchar(200)); none of the kinds has them.
MAX_VALUE_LENGTH = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The filter columns of items by id (schema.py): reads of many items' languages, sources,
# countries, labels and times go through it rather than the table's wide rows (SQLite).
FILTERS_INDEX = "ix_items_id_filters"
# SQLite's statistics see one stage value ("processed") on nearly every row, so its planner
# would scan a time range rather than this index for the few items still "new".
STAGE_INDEX = "ix_items_stage"
# The label index by (kind, value, time): one value's items in a time range, and the values
# of a kind one seek each. SQLite's planner may prefer ix_item_labels_time, which holds every
# value of the kind.
LABEL_VALUE_INDEX = "ix_item_labels_value"


def label_values(enrichment: Mapping[str, Any], *, country: str | None) -> set[tuple[str, str]]:
    """The (kind, value) pairs of an item with this enrichment and own `country`."""
    found: set[tuple[str, str]] = set()
    if country:
        found.add(("country", country))
    found.update(("country", c) for c in _strings(enrichment.get("countries")))
    found.update(("topic", t) for t in _strings(enrichment.get("topics")))
    story = enrichment.get("story_id")
    if isinstance(story, str) and story:
        found.add(("story", story))
    return {(kind, value) for kind, value in found if len(value) <= MAX_VALUE_LENGTH}


def label_rows(
    item_id: int, enrichment: Mapping[str, Any], *, sort_at: datetime, country: str | None
) -> list[dict[str, Any]]:
    """Rows of `item_labels` for one item whose time (items.sort_at) is `sort_at`."""
    at_us = epoch_us(sort_at)
    return [
        {"item_id": item_id, "kind": kind, "value": value, "sort_at_us": at_us}
        for kind, value in sorted(label_values(enrichment, country=country))
    ]


def epoch_us(at: datetime) -> int:
    """Microseconds since the epoch, exactly (a float timestamp would round)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} given; DCC stores timezone-aware UTC")
    return (at - EPOCH) // timedelta(microseconds=1)


def from_epoch_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def write_labels(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store label rows; rows already stored are left as they are (a re-run adds nothing)."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(item_labels).on_conflict_do_nothing(), list(rows))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, str) and v)


# --- conditions over the index -----------------------------------------------------------


def labelled_ids(kind: str, values: Sequence[str], since: datetime, until: datetime) -> Select[Any]:
    """Ids of the items of [since, until) with one of these labels, as `topic:` or
    `country:` matches them (for a country, items not enriched yet by their own country)."""
    labelled = select(item_labels.c.item_id).where(
        item_labels.c.kind == kind,
        item_labels.c.value.in_(values),
        item_labels.c.sort_at_us >= epoch_us(since),
        item_labels.c.sort_at_us < epoch_us(until),
    )
    if kind != "country":
        return labelled
    fresh = (
        select(items.c.id)
        .where(
            items.c.stage == "new",
            items.c.country.in_(values),
            items.c.sort_at >= since,
            items.c.sort_at < until,
        )
        .with_hint(items, f"INDEXED BY {STAGE_INDEX}", "sqlite")
    )
    return select(union_all(labelled, fresh).subquery().c.item_id)


def has_label(kind: str, values: Sequence[str]) -> ColumnElement[bool]:
    """Whether the item matches `topic:` / `country:` one of `values` (label index by id)."""
    # An alias: the outer query may read item_labels itself.
    labels = item_labels.alias(f"has_{kind}")
    found = exists().where(
        labels.c.item_id == items.c.id, labels.c.kind == kind, labels.c.value.in_(values)
    )
    if kind != "country":
        return found
    return or_(and_(items.c.country.is_not(None), items.c.country.in_(values)), found)
