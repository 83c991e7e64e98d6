"""The ingest workers against a real HTTP server on localhost and the embedded job queue."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import Engine

from dcc.context import Context
from dcc.ingest.actions import do_sync_sources
from dcc.ingest.fetch import Fetcher
from dcc.ingest.workers import TOPIC_FETCH_SOURCE, IngestWorkers
from dcc.jobs.base import TOPIC_PROCESS_ITEMS
from dcc.jobs.sqlite import TableJobQueue
from dcc.records import Source, SourceAuth, SourceKind
from dcc.store import sources as source_queries
from dcc.store.items import count_items
from dcc.store.search import SearchQuery, search

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Antara</title><link>http://antara.example/</link>
<item><title>Gempa guncang Lombok</title><link>http://antara.example/1</link>
<guid>a-1</guid><pubDate>Tue, 17 Nov 2026 08:00:00 GMT</pubDate>
<description>Warga Lombok mengungsi setelah gempa magnitudo 5,4.</description></item>
<item><title>Menlu bertemu mitra ASEAN</title><link>http://antara.example/2</link>
<guid>a-2</guid><pubDate>Tue, 17 Nov 2026 09:00:00 GMT</pubDate>
<description>Pertemuan membahas kerja sama maritim.</description></item>
</channel></rss>"""


class FeedHandler(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        FeedHandler.requests.append(self.path)
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)
        elif self.path == "/members/feed.xml":  # a private source: a partner's feed
            if self.headers.get("X-Api-Key") != "k3y-of-kemlu":
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)
        elif self.path == "/broken.xml":
            body = b"<rss><channel><item><title>unclosed"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[str]:
    FeedHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def local_source(source_id: str, url: str) -> Source:
    return Source(
        id=source_id,
        kind=SourceKind.RSS,
        url=url,
        lang="id",
        country="ID",
        is_private_allowed=True,
        interval_s=300,
    )


@pytest.fixture
def sources(ctx: Context, feed_server: str) -> list[Source]:
    defined = [
        local_source("antara", f"{feed_server}/feed.xml"),
        local_source("broken", f"{feed_server}/broken.xml"),
        local_source("gone", f"{feed_server}/gone.xml"),
        # Not allowed to reach a private address: refused by the SSRF guard.
        Source(id="sneaky", kind=SourceKind.RSS, url=f"{feed_server}/feed.xml"),
    ]
    do_sync_sources(ctx.engine, defined)
    return defined


async def test_scheduler_claims_due_sources_once(ctx: Context, sources: list[Source]) -> None:
    queue = TableJobQueue(ctx.engine)
    async with Fetcher(ctx.settings) as fetcher:
        workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
        now = datetime.now(tz=UTC)
        first = await workers.schedule_due(now)
        assert sorted(first) == ["antara", "broken", "gone", "sneaky"]
        assert await workers.schedule_due(now + timedelta(seconds=10)) == []
        later = await workers.schedule_due(now + timedelta(seconds=901))
        assert sorted(later) == sorted(first)
    assert await queue.pending(TOPIC_FETCH_SOURCE) == 8


async def test_fetch_stores_items_and_health_per_source(
    ctx: Context, sources: list[Source]
) -> None:
    queue = TableJobQueue(ctx.engine)
    async with Fetcher(ctx.settings) as fetcher:
        workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
        for source in sources:
            await workers.fetch_source(source)
        # The second fetch of the good feed is conditional and adds nothing.
        again = await workers.fetch_source(sources[0])
    assert again is None
    with ctx.engine.connect() as conn:
        assert count_items(conn) == 2
        health = {h.source_id: h for h in source_queries.list_health(conn)}
        found = search(conn, SearchQuery(text="lombok"))
    assert found.items[0].lang == "id" and found.items[0].country == "ID"
    assert health["antara"].is_healthy and health["antara"].items_total == 2
    assert health["broken"].consecutive_failures == 1
    assert health["gone"].consecutive_failures == 1 and "404" in (health["gone"].last_error or "")
    assert health["sneaky"].consecutive_failures == 1
    assert "private" in (health["sneaky"].last_error or "") or "loopback" in (
        health["sneaky"].last_error or ""
    )
    assert await queue.pending(TOPIC_PROCESS_ITEMS) == 1


async def test_workers_run_end_to_end(ctx: Context, sources: list[Source]) -> None:
    queue = TableJobQueue(ctx.engine)
    stop = asyncio.Event()
    async with Fetcher(ctx.settings) as fetcher:
        workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
        task = asyncio.create_task(workers.run(stop))
        deadline = asyncio.get_running_loop().time() + 30
        while not _all_processed(ctx.engine, expected=2):
            assert asyncio.get_running_loop().time() < deadline, "items were not processed"
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def _all_processed(engine: Engine, expected: int) -> bool:
    with engine.connect() as conn:
        items = search(conn, SearchQuery(per_page=50)).items
    return len(items) == expected and all(i.stage == "processed" for i in items)


async def test_lost_items_are_requeued_once(ctx: Context, sources: list[Source]) -> None:
    queue = TableJobQueue(ctx.engine)
    async with Fetcher(ctx.settings) as fetcher:
        workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
        await workers.fetch_source(sources[0])
        # Simulate a crash between commit and publish: the queue lost the job.
        jobs = await queue.fetch(TOPIC_PROCESS_ITEMS, batch=10, timeout=0.1)
        for job in jobs:
            await queue.ack(job)
        assert await workers.requeue_lost_items() == 2
        assert await workers.requeue_lost_items() == 0  # a job is pending now


async def test_a_private_source_is_fetched_with_the_secret_from_the_environment(
    ctx: Context,
    feed_server: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    partner = replace(
        local_source("partner", f"{feed_server}/members/feed.xml"),
        auth=SourceAuth("header", "DCC_SOURCE_SECRET_TEST_PARTNER", "X-Api-Key"),
    )
    do_sync_sources(ctx.engine, [partner])
    with ctx.engine.connect() as conn:
        assert source_queries.get_source(conn, "partner") == partner  # stored: how, not what
    queue = TableJobQueue(ctx.engine)
    async with Fetcher(ctx.settings) as fetcher:
        workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
        # Not set on this machine: the source's health says which variable is missing.
        monkeypatch.delenv("DCC_SOURCE_SECRET_TEST_PARTNER", raising=False)
        assert await workers.fetch_source(partner) is None
        with ctx.engine.connect() as conn:
            (health,) = [h for h in source_queries.list_health(conn) if h.source_id == "partner"]
        assert "DCC_SOURCE_SECRET_TEST_PARTNER, which is not set" in (health.last_error or "")
        assert FeedHandler.requests == []  # nothing was sent without it
        monkeypatch.setenv("DCC_SOURCE_SECRET_TEST_PARTNER", "k3y-of-kemlu")
        outcome = await workers.fetch_source(partner)
    assert outcome is not None and len(outcome.new_item_ids) == 2
    assert "k3y-of-kemlu" not in caplog.text
