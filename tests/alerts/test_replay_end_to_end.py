"""Issue 4, end to end: a real crisis stream through ingest -> enrich -> match -> deliver.

CrisisLex T6, West Texas fertilizer plant explosion (17-18 April 2013): the tweets of the day
before (the collection's off-topic background) and of the first hours after the blast, in
the order of the times in their ids, compressed three-fold and ending now. They are stored and
processed job by job with the real enrichment models and the real alert matcher, with a
watchlist that sends by e-mail (a real SMTP server on localhost) and webhook (a real HTTP
receiver that checks every signature). Checked:
- a burst fires on the explosion, with its explanation (numbers, top terms, examples);
- one story raises one watchlist alert that gathers its items, never a storm;
- the e-mails arrive; while the webhook receiver is down the deliveries wait and retry,
  and once it is up every alert arrives signed: none is lost.
"""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from dcc.alerts.actions import MAX_INSTANT_PER_WINDOW, do_create_watchlist
from dcc.alerts.delivery import deliver_due
from dcc.alerts.detection import detection_config
from dcc.alerts.digest import send_digests
from dcc.alerts.records import DeliveryStatus, WatchlistSpec
from dcc.alerts.workers import AlertMatcher
from dcc.enrich.pipeline import Enricher
from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.ingest.workers import process_items
from dcc.records import RawItem, Source, SourceKind
from dcc.store.schema import alert_deliveries, alerts
from delivery_helpers import SMTPSink, WebhookReceiver, delivery_settings, free_port

pytestmark = [pytest.mark.slow, pytest.mark.network]

EVENT = "2013_West_Texas_Explosion"
# The background day and the first hours after the blast (20:50 CDT = 01:50 UTC on the 18th).
START = datetime(2013, 4, 17, 0, 0, tzinfo=UTC)
END = datetime(2013, 4, 18, 4, 0, tzinfo=UTC)
COMPRESSION = 3  # 28 hours of tweets over 9 h 20 min: enough known hours for a baseline
ON_TOPIC_EVERY = 3  # every third on-topic tweet keeps the test quick; the burst stays clear
JOB_SIZE = 50
SOURCE = Source(id="t6-twitter", kind=SourceKind.JSONL, url="file:///t6.jsonl", lang="en")
EVENT_WORDS = {"explosion", "texas", "west", "fertilizer", "plant", "waco", "blast"}


def tweet_time(tweet_id: int) -> datetime:
    """Twitter snowflake ids carry milliseconds since Twitter's epoch in their high bits."""
    return datetime.fromtimestamp(((tweet_id >> 22) + 1288834974657) / 1000, UTC)


def read_stream(shared_data: Path) -> list[tuple[datetime, str, str, bool]]:
    """(time, id, text, on topic) of the chosen tweets, oldest first."""
    [path] = (shared_data / "crisislex-t6" / EVENT).glob("*.csv")
    chosen = []
    on_topic_seen = 0
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = sorted(
            (tweet_time(int(row[0].strip().strip("'"))), row)
            for row in reader
            if len(row) > 2 and row[0].strip().strip("'").isdigit()
        )
    for moment, row in rows:
        if not START <= moment < END:
            continue
        is_on_topic = row[2].strip() == "on-topic"
        if is_on_topic:
            on_topic_seen += 1
            if on_topic_seen % ON_TOPIC_EVERY:
                continue
        chosen.append((moment, row[0].strip().strip("'"), row[1], is_on_topic))
    return chosen


def replay(engine: Engine, stream: list[tuple[datetime, str, str, bool]]) -> set[int]:
    """Store and process the stream job by job, its times compressed to end now; return the
    ids of the on-topic items."""
    do_sync_sources(engine, [SOURCE])
    settings = delivery_settings()
    matcher = AlertMatcher(engine, window=timedelta(hours=1), detection=detection_config(settings))
    enricher = Enricher()
    end = datetime.now(tz=UTC)
    on_topic: set[int] = set()
    for first in range(0, len(stream), JOB_SIZE):
        chunk = stream[first : first + JOB_SIZE]
        outcome = do_ingest_stream(
            engine,
            [
                RawItem(
                    source_id=SOURCE.id,
                    external_id=tweet_id,
                    title="",
                    text=text,
                    kind="post",
                    lang=None,
                    published_at=end - (END - moment) / COMPRESSION,
                )
                for moment, tweet_id, text, _ in chunk
            ],
            source_id=SOURCE.id,
        )
        ids = sorted(outcome.new_item_ids)
        assert len(ids) == len(chunk)
        on_topic.update(i for i, (*_, is_on) in zip(ids, chunk, strict=True) if is_on)
        process_items(engine, ids, enricher, matcher)
    return on_topic


@pytest.fixture
def sqlite_only(engine: Engine) -> Engine:
    if engine.dialect.name != "sqlite":
        pytest.skip("one database is enough for the replay; the parts run on both elsewhere")
    return engine


def test_a_crisis_stream_raises_a_burst_and_delivers_without_storm_or_loss(
    sqlite_only: Engine, shared_data: Path
) -> None:
    engine = sqlite_only
    stream = read_stream(shared_data)
    assert 600 <= len(stream) <= 1500, len(stream)
    port = free_port()  # the webhook receiver's, down for now
    with SMTPSink() as smtp:
        settings = delivery_settings(smtp_port=smtp.port)
        watchlist = do_create_watchlist(
            engine,
            WatchlistSpec(
                name="West explosion",
                query='explosion OR "fertilizer plant" OR blast',
                recipients=("duty@kemlu.example", f"http://127.0.0.1:{port}/hook", "ana"),
                channels=("in_app", "email", "webhook"),
            ),
            owner="ana",
            settings=settings,
        )
        on_topic = replay(engine, stream)

        with engine.connect() as conn:
            raised = conn.execute(select(alerts).order_by(alerts.c.id)).all()
        # A burst on the explosion, explained.
        bursts = [a for a in raised if a.kind == "burst"]
        assert bursts, [(a.kind, a.rule, a.story_key) for a in raised]
        explained = [a for a in bursts if EVENT_WORDS & burst_words(a.explanation)]
        assert explained, [(a.rule, a.story_key, a.explanation["top_terms"]) for a in bursts]
        burst = explained[0].explanation
        count, baseline = burst["window"]["count"], burst["baseline"]["mean"]
        assert count >= 10 and count > 3 * baseline and burst["ratio"] >= 3
        assert burst["thresholds"]["min_count"] >= 1 and burst["top_sources"]
        examples = burst["examples"]
        assert examples and {e["id"] for e in examples} & on_topic

        # One alert per story and window: the watchlist's alerts gather their stories' items.
        # (A burst of the watchlist's matches is its alert too, marked like it: left out.)
        mine = [a for a in raised if a.watchlist_id == watchlist.id and a.kind == "watchlist"]
        per_story = Counter(a.story_key for a in mine)
        assert per_story and max(per_story.values()) == 1
        gathered = sum(a.item_count for a in mine)
        assert gathered >= 3 * len(mine), (gathered, len(mine))
        assert max(a.item_count for a in mine) >= 10
        # Tweets of one event split into many stories: past the cap, new stories' alerts wait
        # for the digest instead of sending one e-mail each.
        instant = [a for a in mine if a.schedule == "instant"]
        digested = [a for a in mine if a.schedule == "digest"]
        assert len(instant) == MAX_INSTANT_PER_WINDOW and digested
        assert all(a.explanation["throttled"]["max_instant_per_window"] for a in digested)

        # Deliveries: e-mail now; the webhook receiver is down, so those wait.
        now = datetime.now(tz=UTC)
        asyncio.run(deliver_due(engine, settings, now, limit=1000))
        assert len(smtp.messages) == len(instant)
        assert {m["To"] for m in smtp.messages} == {"duty@kemlu.example"}
        # (A long subject with emoji is folded at once; the parser keeps the fold's space.)
        subjects = [m["Subject"].strip() for m in smtp.messages]
        assert all(s.startswith("West explosion") for s in subjects), subjects
        waiting = deliveries(engine, "webhook", "instant")
        assert len(waiting) == len(instant)
        assert {d.status for d in waiting} == {DeliveryStatus.PENDING.value}
        assert all(d.last_error and d.next_attempt_at > now for d in waiting)

        # The receiver comes up; after the backoff every alert arrives, signed, once; the
        # next digest gathers the rest in one e-mail and one webhook call.
        with WebhookReceiver(port=port) as receiver:
            later = now + timedelta(hours=1, minutes=5)
            asyncio.run(deliver_due(engine, settings, later, limit=1000))
            assert len(receiver.received) == len(instant)
            assert all(r.is_signed for r in receiver.received)
            assert sorted(r.json()["alert"]["id"] for r in receiver.received) == sorted(
                a.id for a in instant
            )
            asyncio.run(send_digests(engine, settings, later))
            assert len(receiver.received) == len(instant) + 1
            digest = receiver.received[-1]
            assert digest.is_signed
            assert sorted(e["alert"]["id"] for e in digest.json()["alerts"]) == sorted(
                a.id for a in digested
            )
        assert len(smtp.messages) == len(instant) + 1
        statuses = Counter(d.status for d in deliveries(engine, "webhook"))
        assert statuses == {DeliveryStatus.DELIVERED.value: len(mine)}
        assert Counter(d.status for d in deliveries(engine, "email")) == statuses


def burst_words(explanation: dict[str, object]) -> set[str]:
    """The words a burst explanation names: its top terms and its key."""
    terms = explanation.get("top_terms") or []
    assert isinstance(terms, list)
    return {str(term).lower() for term, _ in terms} | {str(explanation.get("key", "")).lower()}


def deliveries(engine: Engine, channel: str, schedule: str | None = None) -> list[Any]:
    """The deliveries over `channel`, of alerts with `schedule` if given."""
    query = (
        select(alert_deliveries)
        .join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
        .where(alert_deliveries.c.channel == channel)
    )
    if schedule is not None:
        query = query.where(alerts.c.schedule == schedule)
    with engine.connect() as conn:
        return list(conn.execute(query))
