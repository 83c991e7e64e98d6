"""Reading what the detectors need: counts of series, example items, campaign posts, and the
open detection alerts (no writes: detection_actions.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from dcc.alerts.activity import Series
from dcc.alerts.detection_records import ActivityKey, CampaignPost, Counts, Dimension
from dcc.alerts.queries import row_to_alert
from dcc.alerts.records import Alert
from dcc.store.schema import activity_buckets, activity_examples, alerts, campaign_posts

# Keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def read_series(
    conn: Connection, keys: Iterable[ActivityKey], since: Mapping[int, int]
) -> dict[ActivityKey, Series]:
    """The counts of each key in buckets of each size in `since` (size -> first bucket
    start wanted); a key with none gets an empty Series. One query per dimension and chunk."""
    found: dict[ActivityKey, dict[int, dict[int, Counts]]] = {}
    by_dimension: dict[Dimension, list[str]] = {}
    for key in keys:
        found.setdefault(key, {})
        by_dimension.setdefault(key.dimension, []).append(key.key)
    c = activity_buckets.c
    spans = or_(*(and_(c.resolution == r, c.bucket >= start) for r, start in since.items()))
    for dimension, values in by_dimension.items():
        for chunk in _chunks(sorted(set(values))):
            rows = conn.execute(
                select(
                    c.key, c.resolution, c.bucket, c.item_count, c.stance_count, c.negative_count
                ).where(c.dimension == dimension.value, c.key.in_(chunk), spans)
            )
            for row in rows:
                series = found[ActivityKey(dimension, row.key)]
                series.setdefault(row.resolution, {})[row.bucket] = Counts(
                    row.item_count, row.stance_count, row.negative_count
                )
    return {key: Series(buckets) for key, buckets in found.items()}


def active_keys(
    conn: Connection, resolution: int, since: int, *, min_items: int = 1
) -> list[ActivityKey]:
    """Keys with at least `min_items` items in buckets of this size from `since` on."""
    c = activity_buckets.c
    rows = conn.execute(
        select(c.dimension, c.key)
        .where(c.resolution == resolution, c.bucket >= since)
        .group_by(c.dimension, c.key)
        .having(func.sum(c.item_count) >= min_items)
    )
    known = {d.value for d in Dimension}
    return sorted(
        ActivityKey(Dimension(row.dimension), row.key) for row in rows if row.dimension in known
    )


def example_item_ids(
    conn: Connection, key: ActivityKey, start: int, end: int, *, limit: int = 60
) -> list[int]:
    """Example items of a key kept for the 5-minute buckets in [start, end), newest first."""
    c = activity_examples.c
    rows = conn.execute(
        select(c.item_id)
        .where(
            c.dimension == key.dimension.value,
            c.key == key.key,
            c.bucket >= start,
            c.bucket < end,
        )
        .order_by(c.bucket.desc(), c.item_id.desc())
        .limit(limit)
    )
    return [int(i) for i in rows.scalars()]


def posts_of_roots(
    conn: Connection, roots: Iterable[int], since: datetime
) -> dict[int, list[CampaignPost]]:
    """The campaign posts copying each root (the root's own post included) since `since`."""
    found: dict[int, list[CampaignPost]] = {}
    c = campaign_posts.c
    for chunk in _chunks(sorted(set(roots))):
        rows = conn.execute(
            select(campaign_posts).where(c.root_id.in_(chunk), c.posted_at >= since)
        )
        for row in rows:
            found.setdefault(row.root_id, []).append(
                CampaignPost(row.item_id, row.root_id, row.account, row.posted_at)
            )
    return found


def roots_of(conn: Connection, item_ids: Iterable[int]) -> dict[int, int]:
    """item id -> the root it was filed under, for the items among `item_ids` on file."""
    found: dict[int, int] = {}
    c = campaign_posts.c
    for chunk in _chunks(sorted(set(item_ids))):
        rows = conn.execute(select(c.item_id, c.root_id).where(c.item_id.in_(chunk)))
        found.update({int(row.item_id): int(row.root_id) for row in rows})
    return found


def copied_roots(conn: Connection, since: datetime, *, min_posts: int) -> list[int]:
    """Roots with at least `min_posts` posts since `since` (the sweep's campaign candidates)."""
    c = campaign_posts.c
    rows = conn.execute(
        select(c.root_id)
        .where(c.posted_at >= since)
        .group_by(c.root_id)
        .having(func.count() >= min_posts)
    )
    return sorted(int(r) for r in rows.scalars())


def open_detection_alerts(
    conn: Connection, pairs: Iterable[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], Alert]:
    """(rule, story key) -> the alert whose window is still open, for the pairs that have
    one (the newest, should there be several)."""
    by_rule: dict[str, set[str]] = {}
    for rule, story in pairs:
        by_rule.setdefault(rule, set()).add(story)
    found: dict[tuple[str, str], Alert] = {}
    c = alerts.c
    for rule, stories in sorted(by_rule.items()):
        for chunk in _chunks(sorted(stories)):
            rows = conn.execute(
                select(alerts)
                .where(c.rule == rule, c.story_key.in_(chunk), c.window_ends_at > now)
                .order_by(c.id)
            )
            for row in rows:
                found[(row.rule, row.story_key)] = row_to_alert(row)
    return found


def _chunks(values: Sequence[str] | Sequence[int]) -> list[list[object]]:
    return [list(values[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]
