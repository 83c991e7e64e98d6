"""Activity counts for the detectors: which series an item counts in, at what time, and the
bucket increments of a batch; and `Series`, the counts of one key read back. Pure.

An item counts once in each of its keys (`country:ID`, `entity:jokowi`, `story:4f2a`, ...)
at its time: `published_at` when known, never later than when it is processed (a clock set
ahead would otherwise put it in the future), else `ingested_at`. Replays that compress
`published_at` into a short span are counted at those times, so detection follows them.
Each increment goes into buckets of 5 minutes, 1 hour and 1 day (thresholds.RESOLUTIONS),
so that a window of any profile is a sum of a few rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dcc.alerts.detection_records import (
    ActivityKey,
    BucketIncrement,
    Counts,
    Dimension,
    ItemActivity,
)
from dcc.query.fields import ascii_lower
from dcc.records import StoredItem

MAX_KEY_LENGTH = 150
# Bounds the writes per item: an article naming 40 people counts under its first 10.
MAX_ENTITIES = 10
MAX_PER_DIMENSION = 5
ALL_KEY = ActivityKey(Dimension.ALL, "*")


def epoch(at: datetime) -> int:
    """Whole seconds since the epoch (UTC)."""
    return int(at.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def iso_seconds(seconds: int) -> str:
    """Seconds since the epoch as ISO 8601 UTC ("2026-11-24T10:05:00Z"), as in explanations."""
    return from_epoch(seconds).isoformat().replace("+00:00", "Z")


def floor_to(seconds: int, resolution: int) -> int:
    """The start of the bucket of size `resolution` that holds `seconds`."""
    return seconds - seconds % resolution


def item_time(item: StoredItem, now: datetime) -> datetime:
    """When an item counts: published_at, but never after `now`; else ingested_at."""
    if item.published_at is not None:
        return min(item.published_at, now)
    return min(item.ingested_at, now)


def stance_label(item: StoredItem) -> str | None:
    """The enrichment's stance toward Indonesia ("negative"...), None when it has none."""
    stance = (item.enrichment or {}).get("stance_id")
    if isinstance(stance, Mapping):
        label = stance.get("label")
        return label if isinstance(label, str) else None
    return None


def activity_keys(item: StoredItem, watchlist_ids: Iterable[int] = ()) -> tuple[ActivityKey, ...]:
    """Every series the item counts in, each once."""
    labels = item.enrichment or {}
    keys: list[ActivityKey] = [ALL_KEY]
    for code in _strings(labels.get("countries"))[:MAX_PER_DIMENSION]:
        keys.append(ActivityKey(Dimension.COUNTRY, code.upper()))
    entities = labels.get("entities")
    names: list[str] = []
    for entity in entities if isinstance(entities, list) else ():
        text = entity.get("text") if isinstance(entity, Mapping) else None
        if isinstance(text, str):
            # As the query language's entity: filter compares them (query/fields.py).
            name = " ".join(ascii_lower(text).split())
            if name and name not in names:
                names.append(name)
    keys.extend(ActivityKey(Dimension.ENTITY, name) for name in names[:MAX_ENTITIES])
    for topic in _strings(labels.get("topics"))[:MAX_PER_DIMENSION]:
        keys.append(ActivityKey(Dimension.TOPIC, topic))
    story = labels.get("story_id")
    if isinstance(story, str) and story:
        keys.append(ActivityKey(Dimension.STORY, story))
    keys.extend(ActivityKey(Dimension.WATCHLIST, str(w)) for w in sorted(set(watchlist_ids)))
    if item.country:
        keys.append(ActivityKey(Dimension.SOURCE_COUNTRY, item.country.upper()))
    seen: dict[ActivityKey, None] = {}
    for key in keys:
        seen.setdefault(ActivityKey(key.dimension, key.key[:MAX_KEY_LENGTH]), None)
    return tuple(seen)


def item_activity(
    item: StoredItem, now: datetime, watchlist_ids: Iterable[int] = ()
) -> ItemActivity:
    stance = stance_label(item)
    return ItemActivity(
        item_id=item.id,
        at=item_time(item, now),
        keys=activity_keys(item, watchlist_ids),
        is_stanced=stance is not None,
        is_negative=stance == "negative",
    )


def bucket_increments(
    activities: Sequence[ItemActivity], now: datetime, retention_s: Mapping[int, int]
) -> list[BucketIncrement]:
    """What the items add to each bucket of each size, sorted by (key, size, bucket) so that
    concurrent writers lock rows in one order. Buckets older than their size's retention
    are left out (they would be pruned at once)."""
    now_s = epoch(now)
    # [items, stanced, negative, item ids]: mutable while summing (a batch adds thousands).
    sums: dict[tuple[ActivityKey, int, int], list[Any]] = {}
    for activity in sorted(activities, key=lambda a: (a.at, a.item_id)):
        at = epoch(activity.at)
        stanced, negative = int(activity.is_stanced), int(activity.is_negative)
        for resolution, keep in retention_s.items():
            if at < now_s - keep:
                continue
            bucket = at - at % resolution
            for key in activity.keys:
                entry = sums.get((key, resolution, bucket))
                if entry is None:
                    sums[(key, resolution, bucket)] = [1, stanced, negative, [activity.item_id]]
                else:
                    entry[0] += 1
                    entry[1] += stanced
                    entry[2] += negative
                    entry[3].append(activity.item_id)
    return [
        BucketIncrement(
            key=key,
            resolution=resolution,
            bucket=bucket,
            counts=Counts(items, stanced, negative),
            item_ids=tuple(ids),
        )
        for (key, resolution, bucket), (items, stanced, negative, ids) in sorted(
            sums.items(), key=lambda kv: kv[0]
        )
    ]


@dataclass(frozen=True, slots=True)
class Series:
    """The stored counts of one key: bucket size -> bucket start -> counts."""

    buckets: Mapping[int, Mapping[int, Counts]]

    def total(self, resolution: int, start: int, end: int) -> Counts:
        """Counts of the buckets of this size that start in [start, end)."""
        found = Counts()
        for bucket, counts in self.buckets.get(resolution, {}).items():
            if start <= bucket < end:
                found = found + counts
        return found

    def samples(self, resolution: int, start: int, end: int, step: int) -> list[Counts]:
        """Counts per consecutive `step` seconds from `start` to `end` (zeros included)."""
        windows = [Counts() for _ in range(max(0, (end - start) // step))]
        for bucket, counts in self.buckets.get(resolution, {}).items():
            if start <= bucket < end and (index := (bucket - start) // step) < len(windows):
                windows[index] = windows[index] + counts
        return windows

    def first_bucket(self, resolution: int) -> int | None:
        """The earliest bucket of this size with any item, None when there is none."""
        found = [b for b, c in self.buckets.get(resolution, {}).items() if c.items]
        return min(found) if found else None


EMPTY_SERIES = Series({})


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v]
