"""Activity counts: which series an item counts in and when (pure), and the counting action
on both databases (idempotent, examples capped, near-duplicate chains, pruning)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from detection_helpers import NOW, ItemSpec, labels, store_items, stored
from sqlalchemy import Engine, func, select

from dcc.alerts.activity import (
    ALL_KEY,
    activity_keys,
    bucket_increments,
    epoch,
    item_activity,
    item_time,
)
from dcc.alerts.detection_actions import do_count_activity, do_prune_activity
from dcc.alerts.detection_records import ActivityKey, CampaignPost, Dimension, ItemActivity
from dcc.alerts.thresholds import DetectionConfig
from dcc.enrich.labels import Enrichment
from dcc.store.items import get_items
from dcc.store.schema import activity_buckets, activity_counted, activity_examples, campaign_posts

CONFIG = DetectionConfig()
HOUR = timedelta(hours=1)


def test_an_item_counts_at_its_publication_never_later_than_now() -> None:
    item = stored(1, published_at=NOW - HOUR)
    assert item_time(item, NOW) == NOW - HOUR
    assert item_time(replace(item, published_at=NOW + HOUR), NOW) == NOW  # a clock ahead
    assert item_time(replace(item, published_at=None), NOW) == item.ingested_at


def test_the_keys_of_an_item() -> None:
    enrichment = labels(
        countries=["ID", "my", "ID"],
        story="s-1",
        entities=["Joko  Widodo", "joko widodo", "BMKG"],
        topics=["disaster"],
        stance="negative",
    ).as_json()
    item = replace(stored(1, published_at=NOW), enrichment=enrichment, country="SG")
    keys = activity_keys(item, [7, 3, 7])
    assert [k.story_key for k in keys] == [
        "all:*",
        "country:ID",
        "country:MY",
        "entity:joko widodo",
        "entity:bmkg",
        "topic:disaster",
        "story:s-1",
        "watchlist:3",
        "watchlist:7",
        "source_country:SG",
    ]
    activity = item_activity(item, NOW)
    assert activity.is_stanced and activity.is_negative
    plain = item_activity(replace(item, enrichment=Enrichment().as_json(), country=None), NOW)
    assert plain.keys == (ALL_KEY,) and not plain.is_stanced


def test_increments_sum_a_batch_per_bucket_of_each_size() -> None:
    key = ActivityKey(Dimension.COUNTRY, "ID")
    activities = [
        ItemActivity(1, NOW - timedelta(minutes=1), (key,), True, True),
        ItemActivity(2, NOW - timedelta(minutes=2), (key,), True, False),
        ItemActivity(3, NOW - timedelta(minutes=7), (key,), False, False),
        ItemActivity(4, NOW - timedelta(days=30), (key,), False, False),  # past retention
    ]
    found = {
        (i.resolution, i.bucket): i for i in bucket_increments(activities, NOW, CONFIG.retention_s)
    }
    now_s = epoch(NOW)
    five = found[(300, now_s - now_s % 300)]
    assert (five.counts.items, five.counts.stanced, five.counts.negative) == (2, 2, 1)
    assert five.item_ids == (2, 1)  # oldest first
    assert found[(3600, now_s - now_s % 3600)].counts.items == 2  # 11:55 is the hour before
    assert found[(86400, now_s - now_s % 86400)].counts.items == 3
    assert len(found) == 5  # two 5-minute buckets, two hours, one day


def _specs(count: int) -> list[ItemSpec]:
    minute_ago = NOW - timedelta(minutes=1)
    return [
        ItemSpec(f"Banjir Jakarta {n}", minute_ago, labels(countries=["ID"])) for n in range(count)
    ]


def _count(engine: Engine, ids: list[int]) -> None:
    with engine.connect() as conn:
        items = get_items(conn, ids)
    do_count_activity(
        engine,
        [item_activity(item, NOW) for item in items],
        [CampaignPost(i.id, i.id, "a", NOW) for i in items],
        config=CONFIG,
        now=NOW,
    )


def test_counting_twice_counts_once_and_keeps_a_few_examples(engine: Engine) -> None:
    ids = store_items(engine, _specs(8), prefix="a")
    _count(engine, ids[:5])
    _count(engine, ids)  # a redelivered job, with more items
    _count(engine, ids)
    with engine.connect() as conn:
        rows = conn.execute(
            select(activity_buckets.c.resolution, activity_buckets.c.item_count).where(
                activity_buckets.c.dimension == "country"
            )
        ).all()
        examples = conn.execute(
            select(func.count())
            .select_from(activity_examples)
            .where(activity_examples.c.dimension == "country")
        ).scalar()
        counted = conn.execute(select(func.count()).select_from(activity_counted)).scalar()
    assert sorted(rows) == [(300, 8), (3600, 8), (86400, 8)]
    assert examples == CONFIG.examples_per_bucket
    assert counted == 8


def test_copies_of_copies_are_filed_under_the_first_item(engine: Engine) -> None:
    ids = store_items(engine, _specs(4), prefix="a")
    a, b, c, d = ids
    activities = [ItemActivity(i, NOW, (ALL_KEY,), False, False) for i in ids]
    outcome = do_count_activity(
        engine,
        activities[:2],
        [CampaignPost(a, a, "x", NOW), CampaignPost(b, a, "y", NOW)],
        config=CONFIG,
        now=NOW,
    )
    assert outcome.roots == {a: a, b: a}
    outcome = do_count_activity(
        engine,
        activities[2:],
        # c copies b (filed earlier under a); d copies c, in the same batch.
        [CampaignPost(c, b, "z", NOW), CampaignPost(d, c, "w", NOW)],
        config=CONFIG,
        now=NOW,
    )
    assert outcome.roots == {c: a, d: a}
    with engine.connect() as conn:
        roots = dict(conn.execute(select(campaign_posts.c.item_id, campaign_posts.c.root_id)).all())
    assert roots == {a: a, b: a, c: a, d: a}


def test_pruning_drops_what_is_past_retention(engine: Engine) -> None:
    ids = store_items(engine, _specs(3), prefix="a")
    _count(engine, ids)
    assert do_prune_activity(engine, config=CONFIG, now=NOW) == 0
    later = NOW + timedelta(days=5)
    gone = do_prune_activity(engine, config=CONFIG, now=later)
    with engine.connect() as conn:
        left = (
            conn.execute(
                select(activity_buckets.c.resolution).where(
                    activity_buckets.c.dimension == "country"
                )
            )
            .scalars()
            .all()
        )
        examples = conn.execute(select(func.count()).select_from(activity_examples)).scalar()
        counted = conn.execute(select(func.count()).select_from(activity_counted)).scalar()
        posts = conn.execute(select(func.count()).select_from(campaign_posts)).scalar()
    assert left == [86400]  # the daily bucket is kept for the 14-day baseline
    assert (examples, counted, posts) == (0, 0, 0)
    assert gone > 0
