"""Alerts from the item workers: ingest -> enrich -> match -> alert, throttled, crash-safe."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from alert_helpers import StoryEnricher, store_raw
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import do_create_watchlist, do_delete_watchlist
from dcc.alerts.broadcast import alert_broadcaster
from dcc.alerts.queries import alert_item_ids, list_alerts
from dcc.alerts.records import WatchlistSpec
from dcc.alerts.workers import AlertMatcher
from dcc.context import Context
from dcc.ingest.actions import do_sync_sources
from dcc.ingest.fetch import Fetcher
from dcc.ingest.workers import IngestWorkers, process_items
from dcc.jobs.sqlite import TableJobQueue
from dcc.records import Source, SourceKind

HOUR = timedelta(hours=1)


@pytest.fixture
def matcher(engine: Engine) -> AlertMatcher:
    return AlertMatcher(engine, window=HOUR)


def test_twenty_items_of_one_story_make_one_alert(engine: Engine, matcher: AlertMatcher) -> None:
    do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa country:ID"))
    ids = store_raw(engine, [f"Gempa susulan ke-{n} guncang Lombok" for n in range(20)])
    enricher = StoryEnricher("lombok-quake")
    for start in range(0, 20, 5):  # four jobs of five items
        assert process_items(engine, ids[start : start + 5], enricher, matcher) == 5
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
        assert alert_item_ids(conn, LOCAL_OPERATOR, alert.id) == ids
    assert alert.item_count == 20 and alert.story_key == "story:lombok-quake"
    assert alert.explanation["matched"] == ["gempa", "country:ID"]


def test_a_crash_between_labels_and_alerts_loses_no_match(
    engine: Engine, matcher: AlertMatcher
) -> None:
    do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    ids = store_raw(engine, ["Gempa guncang Lombok", "Gempa susulan"])
    enricher = StoryEnricher()
    # The first delivery stores the labels and dies before the alerts are stored.
    assert process_items(engine, ids, enricher) == 2
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR) == []
    # The job is delivered again: nothing left to enrich, but the items are matched.
    assert process_items(engine, ids, enricher, matcher) == 0
    assert process_items(engine, ids, enricher, matcher) == 0  # and a third time: no double
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.item_count == 2


def test_the_matcher_follows_watchlist_changes(engine: Engine, matcher: AlertMatcher) -> None:
    enricher = StoryEnricher()
    first = store_raw(engine, ["Gempa pertama"], prefix="a")
    process_items(engine, first, enricher, matcher)  # no watchlist yet
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    second = store_raw(engine, ["Gempa kedua"], prefix="b")
    process_items(engine, second, StoryEnricher("other"), matcher)
    do_delete_watchlist(engine, watchlist.id)
    third = store_raw(engine, ["Gempa ketiga"], prefix="c")
    process_items(engine, third, StoryEnricher("third"), matcher)
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.first_item_id == second[0] and alert.item_count == 1


def test_a_failing_matcher_never_stops_the_worker(
    engine: Engine,
    matcher: AlertMatcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    ids = store_raw(engine, ["Gempa guncang Lombok"])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("dcc.alerts.workers.do_record_matches", broken)
    with caplog.at_level(logging.ERROR, logger="dcc.alerts.workers"):
        assert process_items(engine, ids, StoryEnricher(), matcher) == 1  # labels stored
    assert f"alert matching failed for items {ids[0]}" in caplog.text
    assert "database went away" in caplog.text


# --- end to end: a real feed, the real enrichment, the workers --------------------------------

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Antara</title><link>http://antara.example/</link>
<item><title>Gempa magnitudo 5,4 guncang Lombok</title><link>http://antara.example/1</link>
<guid>a-1</guid><description>Warga Lombok mengungsi setelah gempa.</description></item>
<item><title>Menlu bertemu mitra ASEAN</title><link>http://antara.example/2</link>
<guid>a-2</guid><description>Pertemuan membahas kerja sama maritim.</description></item>
</channel></rss>"""


class FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


async def test_ingest_enrich_match_alert(ctx: Context, feed_url: str) -> None:
    do_sync_sources(
        ctx.engine,
        [
            Source(
                id="antara",
                kind=SourceKind.RSS,
                url=feed_url,
                lang="id",
                country="ID",
                is_private_allowed=True,
            )
        ],
    )
    do_create_watchlist(ctx.engine, WatchlistSpec(name="Gempa Lombok", query="gempa lombok"))
    queue = TableJobQueue(ctx.engine)
    stop = asyncio.Event()
    with alert_broadcaster.subscribe() as alerted:
        async with Fetcher(ctx.settings) as fetcher:
            workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
            task = asyncio.create_task(workers.run(stop))
            try:
                await asyncio.wait_for(alerted.wait(), timeout=60)
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=30)
                workers.close()
    with ctx.engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.title == "Gempa Lombok: Gempa magnitudo 5,4 guncang Lombok"
    assert alert.explanation["matched"] == ["gempa", "lombok"]
    assert alert.explanation["first_item"]["url"] == "http://antara.example/1"
