"""Alert latency benchmark (issue 4). Prints its figures.

Runs DCC in the embedded mode, as `dcc run` does (SQLite, the jobs table, in-process workers
with the default enrichment, the web server), with 1,000 active watchlists, and replays real
short texts at a steady rate (default 200 items/s for 60 s). Measured per item:

- accepted -> processed: the item's labels stored;
- accepted -> alert stored: the item recorded on a watchlist alert (the alert's transaction);
- accepted -> SSE delivered: a client of /api/v1/alerts/stream received the alert event of
  that transaction (created or updated).

"Accepted" is the moment the item's ingest transaction committed. Then the matching cost per
item with the same 1,000 watchlists is measured on the stored items (target ≤ 1 ms).

    .venv/bin/python bench/alerts.py [--rate 200] [--seconds 60] [--watchlists 1000]

Targets: p99 ≤ 2 s from accepted to alert stored and to SSE delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import uvicorn
from corpus import load_sentences  # bench/ is not a package: found through sys.path
from query_match import make_queries
from sqlalchemy import Engine, func, select

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.records import LOCAL_OPERATOR, AgencyKind, AgencySpec, Role, UserSpec
from dcc.accounts.signin import do_create_api_token
from dcc.alerts.actions import do_create_watchlist
from dcc.alerts.matcher import WatchlistIndex
from dcc.alerts.queries import list_watchlists
from dcc.alerts.records import WatchlistSpec
from dcc.app import create_app
from dcc.context import open_context
from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.ingest.workers import publish_item_jobs
from dcc.jobs.factory import open_job_queue
from dcc.records import RawItem, Source, SourceKind
from dcc.settings import Settings
from dcc.store.items import get_items
from dcc.store.schema import alert_events, alert_items, alerts, items

SOURCE = Source(id="bench-stream", kind=SourceKind.JSONL, url="bench://stream")
TICK_S = 0.1  # items are stored in small batches, every TICK_S, as a busy feed set would


def percentiles(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"p50 {at(0.50):.3f} s, p95 {at(0.95):.3f} s, p99 {at(0.99):.3f} s, "
        f"max {ordered[-1]:.3f} s (n={len(ordered):,})"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SSEClient(threading.Thread):
    """Reads /api/v1/alerts/stream and notes when each alert event arrived."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.headers = headers
        self.connected = threading.Event()
        self.stop = threading.Event()
        # (alert id, event time as stored) -> wall-clock time of arrival
        self.arrivals: dict[tuple[int, datetime], float] = {}

    def run(self) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5.0, read=None), headers=self.headers) as client,
            client.stream("GET", self.url) as response,
        ):
            data = ""
            for line in response.iter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("data: "):
                    data = line[len("data: ") :]
                elif not line and data:
                    event = json.loads(data)["event"]
                    key = (int(event["alert_id"]), datetime.fromisoformat(event["at"]))
                    self.arrivals.setdefault(key, time.time())
                    data = ""
                if self.stop.is_set():
                    return


def make_watchlists(engine: Engine, texts: list[str], count: int) -> None:
    rng = random.Random(7)
    for number, query in enumerate(make_queries(texts, count, rng)):
        do_create_watchlist(engine, WatchlistSpec(name=f"bench {number}", query=query))


async def replay(
    settings: Settings,
    engine: Engine,
    texts: list[str],
    rate: int,
    seconds: float,
    *,
    prefix: str,
) -> dict[int, float]:
    """Store `rate` items a second for `seconds`; return each item's accepted time."""
    queue = await open_job_queue(settings, engine)
    accepted: dict[int, float] = {}
    started = time.perf_counter()
    sent = tick = 0
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            # As many items as the rate owes by now: a slow tick is made up by the next one.
            due = max(1, int(rate * (elapsed + TICK_S)) - sent)
            now = datetime.now(tz=UTC)
            batch = [
                RawItem(
                    source_id=SOURCE.id,
                    external_id=f"{prefix}-{sent + n}",
                    title="",
                    text=texts[(sent + n) % len(texts)],
                    published_at=now,
                    author=f"account{(sent + n) % 5000}",
                )
                for n in range(due)
            ]
            outcome = await asyncio.to_thread(do_ingest_stream, engine, batch, source_id=SOURCE.id)
            at = time.time()
            accepted.update((item_id, at) for item_id in outcome.new_item_ids)
            await publish_item_jobs(queue, outcome.new_item_ids, settings.job_batch_size)
            sent += due
            tick += 1
            await asyncio.sleep(max(0.0, started + tick * TICK_S - time.perf_counter()))
    finally:
        await queue.close()
    return accepted


def wait_processed(engine: Engine, total: int, limit_s: float) -> float:
    """Wait until every stored item is processed; return the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        with engine.connect() as conn:
            done = conn.execute(
                select(func.count()).select_from(items).where(items.c.stage != "new")
            ).scalar_one()
        if done >= total:
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def stamp(value: datetime) -> float:
    return value.timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200, help="items stored per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--watchlists", type=int, default=1000)
    args = parser.parse_args()

    texts, origin = load_sentences(60_000)
    with tempfile.TemporaryDirectory() as home:
        os.environ["DCC_HOME"] = home
        settings = Settings(home=Path(home))
        ctx = open_context(settings)
        engine = ctx.engine
        do_sync_sources(engine, [SOURCE])
        make_watchlists(engine, texts, args.watchlists)
        print(
            f"embedded mode: SQLite in {home}; {args.watchlists:,} watchlists; texts: {origin}; "
            f"enrich processes: {settings.enrich_processes or 'one per core'}; "
            f"cores: {os.cpu_count()}"
        )

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(ctx, with_workers=True), port=port, log_level="warning", lifespan="on"
            )
        )
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        while not server.started:
            time.sleep(0.05)
        # The watch officer's browser: a signed-in user of the ministry (a token here).
        do_create_agency(
            engine, AgencySpec(id="kemlu", name="Kemlu", kind=AgencyKind.MINISTRY_UNIT)
        )
        officer = do_create_user(
            engine, UserSpec(username="duty", agency_id="kemlu", role=Role.ANALYST), None
        )
        token = do_create_api_token(engine, officer.id, "bench").token
        sse = SSEClient(
            f"http://127.0.0.1:{port}/api/v1/alerts/stream",
            {"Authorization": f"Bearer {token}"},
        )
        sse.start()
        if not sse.connected.wait(30):
            raise SystemExit("the alert stream did not connect")

        # Warm-up: the first job loads the models in every enrichment process.
        warm = asyncio.run(replay(settings, engine, texts[-2000:], 50, 2.0, prefix="warm"))
        wait_processed(engine, len(warm), 300)
        print(f"warm-up: {len(warm)} items processed; replaying for {args.seconds:.0f} s")

        started = time.perf_counter()
        accepted = asyncio.run(
            replay(settings, engine, texts, args.rate, args.seconds, prefix="run")
        )
        elapsed = time.perf_counter() - started
        print(
            f"replayed {len(accepted):,} items in {elapsed:.1f} s "
            f"({len(accepted) / elapsed:,.0f} items/s; target ≥ 200 for ≥ 60 s)"
        )
        drained = wait_processed(engine, len(accepted) + len(warm), 600)
        time.sleep(2.0)  # let the last alert events reach the stream client
        print(f"all items processed {drained:.1f} s after the replay ended")

        ids = sorted(accepted)
        with engine.connect() as conn:
            processed = {
                row.id: stamp(row.processed_at)
                for row in conn.execute(
                    select(items.c.id, items.c.processed_at).where(
                        items.c.id.in_(ids), items.c.processed_at.is_not(None)
                    )
                )
            }
            # Watchlist matches: detection alerts (bursts, campaigns) also list example items,
            # often older ones, which says nothing about how fast an item is matched.
            recorded = conn.execute(
                select(alert_items.c.alert_id, alert_items.c.item_id, alert_items.c.matched_at)
                .join(alerts, alerts.c.id == alert_items.c.alert_id)
                .where(alert_items.c.item_id.in_(ids), alerts.c.kind == "watchlist")
            ).all()
            detected = conn.execute(
                select(alerts.c.kind, func.count())
                .where(alerts.c.kind != "watchlist")
                .group_by(alerts.c.kind)
            ).all()
            event_count = conn.execute(select(func.count()).select_from(alert_events)).scalar_one()
        to_processed = [processed[i] - accepted[i] for i in ids if i in processed]
        first_alert: dict[int, float] = {}
        to_sse: list[float] = []
        for row in recorded:
            at = stamp(row.matched_at)
            first_alert[row.item_id] = min(at, first_alert.get(row.item_id, at))
            arrival = sse.arrivals.get((int(row.alert_id), row.matched_at))
            if arrival is not None:
                to_sse.append(arrival - accepted[row.item_id])
        to_alert = [at - accepted[i] for i, at in first_alert.items()]
        print(f"accepted -> processed:     {percentiles(to_processed)}")
        print(f"accepted -> alert stored:  {percentiles(to_alert)}  (target p99 ≤ 2 s)")
        print(f"accepted -> SSE delivered: {percentiles(to_sse)}  (target p99 ≤ 2 s)")
        print(
            f"items on alerts: {len(first_alert):,} of {len(ids):,}; (alert, item) records "
            f"{len(recorded):,}, {len(to_sse):,} seen on the stream; alert events {event_count:,}"
        )
        print("detection alerts: " + (", ".join(f"{kind} {n:,}" for kind, n in detected) or "none"))

        server.should_exit = True
        sse.stop.set()
        serving.join(60)

        with engine.connect() as conn:
            index = WatchlistIndex(list_watchlists(conn, LOCAL_OPERATOR, only_enabled=True))
            stored = get_items(conn, ids[:5000])
        now = datetime.now(tz=UTC)
        rounds = []
        for _ in range(3):
            cpu = time.process_time()
            index.match(stored, now)
            rounds.append((time.process_time() - cpu) / len(stored) * 1000)
        print(
            f"matching {len(index):,} watchlists: {statistics.median(rounds):.3f} ms CPU per "
            f"item (median of 3 rounds over {len(stored):,} stored items; target ≤ 1 ms)"
        )
        ctx.close()


if __name__ == "__main__":
    main()
