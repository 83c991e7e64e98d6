"""The writers of the detectors (STYLE rule 3): activity counts, campaign posts, detection
alerts, and pruning. Counts and alerts go in separate transactions, as labels and watchlist
alerts do (alerts/workers.py), so a detector bug never costs an item its counts.

Counting is idempotent: an item is counted only when its id enters `activity_counted`
(INSERT ... ON CONFLICT DO NOTHING RETURNING, on SQLite and PostgreSQL alike), so a job
delivered twice, or two workers on the same items, count it once. Bucket rows are upserted
with `items = items + excluded.items`, which two writers may run at once without losing an
increment; rows are written in one order (bucket_increments sorts them) so that PostgreSQL
writers never wait on each other in a cycle.

Detection alerts follow actions.py: the alert writers' lock, a `created` or `updated` event,
an in-app delivery to the watch floor (actions.add_deliveries), a publish after commit. One
alert per (rule, key) per window: a finding whose rule and key have an open alert updates
it when its count grew by a tenth, at most every 30 seconds unless it doubled (a burst in
full swing changes its alert now and then, not with each batch).

Detection alerts are computed from public items, so they are GREEN, owned by the configured
default agency (DCC_DEFAULT_AGENCY); one about a watchlist's series (`watchlist:7`, a burst of
its matches) says what the watchlist watches, so it is the watchlist's alert: marked like it
and read through its share list (alerts/marking.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dcc.alerts.actions import MAX_TITLE_LENGTH, add_deliveries, lock_alert_log
from dcc.alerts.activity import bucket_increments, epoch
from dcc.alerts.broadcast import alert_broadcaster
from dcc.alerts.detection_queries import open_detection_alerts, roots_of
from dcc.alerts.detection_records import (
    CampaignPost,
    Detection,
    DetectionOutcome,
    ItemActivity,
)
from dcc.alerts.marking import DETECTION_TLP, watchlist_of_key
from dcc.alerts.records import (
    Alert,
    AlertEventType,
    AlertStatus,
    Channel,
    Schedule,
)
from dcc.alerts.thresholds import FIVE_MINUTES, DetectionConfig
from dcc.store.schema import (
    activity_buckets,
    activity_counted,
    activity_examples,
    alert_events,
    alert_items,
    alerts,
    campaign_posts,
    watchlists,
)

# Who detection alerts are delivered to in the app (the live stream and the alert list).
WATCH_FLOOR = "watch-floor"
# An open alert is updated when its count reaches this many times the count it shows, and
# at most once per UPDATE_INTERVAL unless its count doubled: a burst in full swing would
# otherwise rewrite its alert (and wake every live stream) with each batch.
UPDATE_GROWTH = 1.1
UPDATE_INTERVAL = timedelta(seconds=30)
UPDATE_JUMP = 2.0
# A redelivered job comes back within minutes; ids counted longer ago are forgotten.
COUNTED_RETENTION = timedelta(days=2)
# A finding about a watchlist that is gone (it cannot be, rows are only marked removed):
# nobody but the operator reads it, rather than guessing who should.
_UNKNOWN_WATCHLIST_TLP = "RED"


@dataclass(frozen=True, slots=True)
class CountOutcome:
    """Items counted for the first time, and the campaign roots their posts were filed under."""

    counted: frozenset[int] = frozenset()
    roots: Mapping[int, int] = field(default_factory=dict)  # item id -> root id


# --- counting --------------------------------------------------------------------------------


def do_count_activity(
    engine: Engine,
    activities: Sequence[ItemActivity],
    posts: Sequence[CampaignPost],
    *,
    config: DetectionConfig,
    now: datetime | None = None,
) -> CountOutcome:
    """Add items not counted before to their buckets, keep example ids, file their posts.

    `posts` give each item's account and the item it copies as `root_id` (itself for an
    original); a copy of a copy is filed under the first item of the chain.
    """
    if not activities:
        return CountOutcome()
    now = now or datetime.now(tz=UTC)
    with engine.begin() as conn:
        fresh = _claim_items(conn, sorted({a.item_id for a in activities}), now)
        increments = bucket_increments(
            [a for a in activities if a.item_id in fresh], now, config.retention_s
        )
        rows = [
            {
                "dimension": inc.key.dimension.value,
                "key": inc.key.key,
                "resolution": inc.resolution,
                "bucket": inc.bucket,
                "item_count": inc.counts.items,
                "stance_count": inc.counts.stanced,
                "negative_count": inc.counts.negative,
            }
            for inc in increments
        ]
        totals = _upsert_buckets(conn, rows)
        examples: list[dict[str, Any]] = []
        for inc in increments:
            if inc.resolution != FIVE_MINUTES:
                continue
            total = totals[(inc.key.dimension.value, inc.key.key, inc.resolution, inc.bucket)]
            room = config.examples_per_bucket - (total - inc.counts.items)
            examples.extend(
                {
                    "dimension": inc.key.dimension.value,
                    "key": inc.key.key,
                    "bucket": inc.bucket,
                    "item_id": item_id,
                }
                for item_id in inc.item_ids[: max(0, room)]
            )
        _insert_ignoring_duplicates(conn, activity_examples, examples)
        roots = _file_posts(conn, posts, fresh, now, config)
    return CountOutcome(counted=frozenset(fresh), roots=roots)


def _claim_items(conn: Connection, item_ids: list[int], now: datetime) -> set[int]:
    """Mark the items counted; return those that were not yet."""
    if not item_ids:
        return set()
    statement = (
        _insert(conn, activity_counted)
        .on_conflict_do_nothing()
        .returning(activity_counted.c.item_id)
    )
    rows = [{"item_id": i, "counted_at": now} for i in item_ids]
    return {int(i) for i in conn.execute(statement, rows).scalars()}


def _upsert_buckets(
    conn: Connection, rows: list[dict[str, Any]]
) -> dict[tuple[str, str, int, int], int]:
    """Add the rows' counts to the stored buckets; return each bucket's new item count."""
    if not rows:
        return {}
    c = activity_buckets.c
    statement = _insert(conn, activity_buckets)
    statement = statement.on_conflict_do_update(
        index_elements=[c.dimension, c.key, c.resolution, c.bucket],
        set_={
            "item_count": c.item_count + statement.excluded.item_count,
            "stance_count": c.stance_count + statement.excluded.stance_count,
            "negative_count": c.negative_count + statement.excluded.negative_count,
        },
    ).returning(c.dimension, c.key, c.resolution, c.bucket, c.item_count)
    return {
        (row.dimension, row.key, row.resolution, row.bucket): int(row.item_count)
        for row in conn.execute(statement, rows)
    }


def _file_posts(
    conn: Connection,
    posts: Sequence[CampaignPost],
    fresh: set[int],
    now: datetime,
    config: DetectionConfig,
) -> dict[int, int]:
    """Store the posts of fresh items under their chain's first item; return item -> root
    for every post given (fresh or filed before)."""
    copies = {p.item_id: p.root_id for p in posts if p.root_id != p.item_id}
    filed = roots_of(conn, [*copies.values(), *(p.item_id for p in posts)])
    roots: dict[int, int] = {}
    for post in sorted(posts, key=lambda p: p.item_id):  # copies come after what they copy
        root = filed.get(post.item_id)
        if root is None:
            root = post.root_id
            root = roots.get(root, filed.get(root, root))
        roots[post.item_id] = root
    oldest = now - timedelta(seconds=_posts_retention_s(config))
    _insert_ignoring_duplicates(
        conn,
        campaign_posts,
        [
            {
                "item_id": post.item_id,
                "root_id": roots[post.item_id],
                "account": post.account,
                "posted_at": post.posted_at,
            }
            for post in posts
            if post.item_id in fresh and post.posted_at >= oldest
        ],
    )
    return roots


def _posts_retention_s(config: DetectionConfig) -> int:
    return 2 * config.campaign.window_s + 3600


def _insert_ignoring_duplicates(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)


def _insert(conn: Connection, table: Any) -> Any:
    """INSERT with ON CONFLICT for this connection's database (SQLite or PostgreSQL).

    Always executed with a list of rows (executemany): the statement is compiled once and
    cached, and SQLAlchemy sends the rows in multi-row pages (with RETURNING where asked).
    A statement built with .values(rows) would be compiled afresh for every batch, which
    cost more than the writes themselves.
    """
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def do_prune_activity(
    engine: Engine, *, config: DetectionConfig, now: datetime | None = None
) -> int:
    """Delete counts, examples, posts and counted ids past their retention; return rows gone."""
    now = now or datetime.now(tz=UTC)
    now_s = epoch(now)
    gone = 0
    with engine.begin() as conn:
        for resolution, keep in config.retention_s.items():
            result = conn.execute(
                delete(activity_buckets).where(
                    activity_buckets.c.resolution == resolution,
                    activity_buckets.c.bucket < now_s - keep,
                )
            )
            gone += int(result.rowcount or 0)
        keep_examples = config.retention_s[FIVE_MINUTES]
        for statement in (
            delete(activity_examples).where(activity_examples.c.bucket < now_s - keep_examples),
            delete(campaign_posts).where(
                campaign_posts.c.posted_at < now - timedelta(seconds=_posts_retention_s(config))
            ),
            delete(activity_counted).where(activity_counted.c.counted_at < now - COUNTED_RETENTION),
        ):
            gone += int(conn.execute(statement).rowcount or 0)
    return gone


# --- alerts ----------------------------------------------------------------------------------


def needs_update(alert: Alert, count: int, now: datetime) -> bool:
    """Whether a finding with `count` is worth changing the open alert it belongs to: grown
    by a tenth, and either doubled or last changed UPDATE_INTERVAL ago."""
    if count <= alert.item_count or count < alert.item_count * UPDATE_GROWTH:
        return False
    return count >= alert.item_count * UPDATE_JUMP or now - alert.updated_at >= UPDATE_INTERVAL


def do_record_detections(
    engine: Engine,
    detections: Sequence[Detection],
    *,
    now: datetime | None = None,
    owner_agency: str | None = None,
) -> DetectionOutcome:
    """Open an alert per detection, or update the open alert of its rule and key.

    The first detection of a (rule, key) opens an alert of its kind, delivered in-app to
    the watch floor, open for the finding's `alert_window`; later ones update its count,
    title and explanation while it is open, whatever its status (a dismissed burst stays
    quiet until its window ends). New alerts are GREEN and owned by `owner_agency` (default:
    DetectionConfig's), except those about a watchlist, marked like it.
    """
    owner = owner_agency or DetectionConfig().owner_agency
    if not detections:
        return DetectionOutcome()
    now = now or datetime.now(tz=UTC)
    created: list[int] = []
    updated: list[int] = []
    with engine.begin() as conn:
        lock_alert_log(conn)
        open_alerts = open_detection_alerts(
            conn, [(d.finding.rule, d.finding.story_key) for d in detections], now
        )
        for detection in detections:
            pair = (detection.finding.rule, detection.finding.story_key)
            existing = open_alerts.get(pair)
            if existing is None:
                alert_id = _open_detection_alert(conn, detection, now, owner)
                created.append(alert_id)
            elif needs_update(existing, detection.finding.count, now):
                alert_id = existing.id
                _update_detection_alert(conn, existing, detection, now)
                updated.append(alert_id)
            else:
                continue
            _attach_items(conn, alert_id, detection, now)
            # Two findings of one batch with the same rule and key: the second updates.
            open_alerts[pair] = _as_open(existing, alert_id, detection, now)
    if created or updated:
        alert_broadcaster.publish()
    return DetectionOutcome(
        created=tuple(created), updated=tuple(updated), findings=len(detections)
    )


def _open_detection_alert(
    conn: Connection, detection: Detection, now: datetime, owner_agency: str
) -> int:
    finding = detection.finding
    watchlist_id, owner, tlp = _detection_marking(conn, finding.story_key, owner_agency)
    alert_id = int(
        conn.execute(
            insert(alerts)
            .values(
                kind=finding.kind.value,
                rule=finding.rule,
                watchlist_id=watchlist_id,
                owner_agency=owner,
                tlp=tlp,
                story_key=finding.story_key,
                title=finding.title[:MAX_TITLE_LENGTH],
                status=AlertStatus.NEW.value,
                schedule=Schedule.INSTANT.value,
                item_count=finding.count,
                first_item_id=detection.first_item_id,
                last_item_id=detection.last_item_id,
                explanation=dict(detection.explanation),
                created_at=now,
                updated_at=now,
                window_ends_at=now + finding.alert_window,
            )
            .returning(alerts.c.id)
        ).scalar_one()
    )
    _add_event(conn, alert_id, AlertEventType.CREATED, AlertStatus.NEW, now)
    # In-app, instant: the stored alert is the delivery (list and live stream), delivered.
    add_deliveries(
        conn,
        alert_id,
        channels=(Channel.IN_APP,),
        recipients=(WATCH_FLOOR,),
        owner=WATCH_FLOOR,
        schedule=Schedule.INSTANT,
        now=now,
    )
    return alert_id


def _detection_marking(
    conn: Connection, story_key: str, owner_agency: str
) -> tuple[int | None, str | None, str]:
    """(watchlist id, owner agency, TLP) of a new detection alert on `story_key`."""
    watchlist_id = watchlist_of_key(story_key)
    if watchlist_id is None:
        return None, owner_agency, DETECTION_TLP
    row = conn.execute(
        select(watchlists.c.owner_agency, watchlists.c.tlp).where(watchlists.c.id == watchlist_id)
    ).first()
    if row is None:
        return None, None, _UNKNOWN_WATCHLIST_TLP
    return watchlist_id, row.owner_agency, row.tlp


def _update_detection_alert(
    conn: Connection, alert: Alert, detection: Detection, now: datetime
) -> None:
    finding = detection.finding
    conn.execute(
        update(alerts)
        .where(alerts.c.id == alert.id)
        .values(
            title=finding.title[:MAX_TITLE_LENGTH],
            item_count=finding.count,
            last_item_id=detection.last_item_id or alert.last_item_id,
            explanation=dict(detection.explanation),
            updated_at=now,
        )
    )
    _add_event(conn, alert.id, AlertEventType.UPDATED, alert.status, now)


def _attach_items(conn: Connection, alert_id: int, detection: Detection, now: datetime) -> None:
    """Record the items the explanation names (`item_ids` of the alert's detail); an item
    already recorded under the rule (for another key) stays with that alert."""
    ids = detection.finding.item_ids or tuple(
        e["id"] for e in detection.explanation.get("examples", ()) if isinstance(e, Mapping)
    )
    _insert_ignoring_duplicates(
        conn,
        alert_items,
        [
            {
                "alert_id": alert_id,
                "rule": detection.finding.rule,
                "item_id": item_id,
                "matched_at": now,
            }
            for item_id in sorted(set(ids))
        ],
    )


def _as_open(existing: Alert | None, alert_id: int, detection: Detection, now: datetime) -> Alert:
    finding = detection.finding
    return Alert(
        id=alert_id,
        kind=finding.kind,
        rule=finding.rule,
        watchlist_id=None,
        story_key=finding.story_key,
        title=finding.title,
        status=existing.status if existing else AlertStatus.NEW,
        schedule=Schedule.INSTANT,
        item_count=finding.count,
        first_item_id=detection.first_item_id,
        last_item_id=detection.last_item_id,
        explanation=detection.explanation,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        window_ends_at=existing.window_ends_at if existing else now + finding.alert_window,
    )


def _add_event(
    conn: Connection, alert_id: int, event: AlertEventType, status: AlertStatus, at: datetime
) -> None:
    conn.execute(
        insert(alert_events).values(
            alert_id=alert_id, event=event.value, status=status.value, who=None, note=None, at=at
        )
    )
