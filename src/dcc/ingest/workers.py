"""Workers of the ingest flow (DESIGN §2): schedule due sources, fetch and store them, process
stored items. The same handlers run in-process (`dcc run`) or in `dcc worker` processes over
NATS; every handler is idempotent because every job may be delivered more than once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from dcc.alerts.detection import detection_config
from dcc.alerts.workers import AlertMatcher
from dcc.enrich.pipeline import Document, Enricher
from dcc.errors import DCCError, SourceError
from dcc.ingest.actions import (
    IngestOutcome,
    do_ingest_stream,
    do_record_fetch_failure,
    do_record_fetch_success,
    do_store_enrichment,
)
from dcc.ingest.fetch import Fetcher
from dcc.ingest.health import unusable_reason
from dcc.ingest.source_auth import credentials_for
from dcc.ingest.sources import parse_content
from dcc.jobs.base import TOPIC_PROCESS_ITEMS, Job, JobQueue
from dcc.jobs.runner import run_jobs
from dcc.records import IngestReport, ParseProblem, Source, SourceKind
from dcc.settings import Settings
from dcc.store import sources as source_queries
from dcc.store.items import get_items, unprocessed_item_ids
from dcc.store.schema import sources

TOPIC_FETCH_SOURCE = "sources.fetch"
SCHEDULER_TICK_S = 5.0
# CAP documents followed from one index fetch; the rest wait for the next poll.
MAX_CAP_LINKS_PER_FETCH = 25
logger = logging.getLogger(__name__)


async def publish_item_jobs(queue: JobQueue, item_ids: Sequence[int], batch_size: int) -> None:
    """Queue processing for stored items, `batch_size` ids a job."""
    payloads = [
        {"item_ids": list(item_ids[i : i + batch_size])}
        for i in range(0, len(item_ids), batch_size)
    ]
    await queue.publish(TOPIC_PROCESS_ITEMS, payloads)


def process_items(
    engine: Engine,
    item_ids: Sequence[int],
    enricher: Enricher,
    alerts: AlertMatcher | None = None,
) -> int:
    """Enrich items still at stage "new" and store their labels; return how many moved on.
    With `alerts`, the job's processed items are then matched against the watchlists.

    Items already processed are skipped, so a redelivered job changes nothing.
    """
    with engine.connect() as conn:
        pending = [item for item in get_items(conn, item_ids) if item.stage == "new"]
    docs = [
        Document(
            id=str(item.id), text=item_text(item.title, item.text), title=item.title, lang=item.lang
        )
        for item in pending
    ]
    labels = enricher.enrich_batch(docs)  # one job's items at once: batches are much cheaper
    moved = do_store_enrichment(
        engine, [(item.id, label) for item, label in zip(pending, labels, strict=True)]
    )
    if alerts is not None:  # a following transaction; never raises (alerts/workers.py)
        alerts.alert_on_processed(item_ids)
    return moved


def item_text(title: str, text: str) -> str:
    """The text an item is analysed on: its title, then its text when the text does not
    already start with the title (feeds often repeat it)."""
    if not title or text.startswith(title):
        return text or title
    return f"{title}\n{text}" if text else title


class IngestWorkers:
    """The background side of DCC: scheduler, fetchers and processors over one job queue."""

    def __init__(
        self, engine: Engine, queue: JobQueue, fetcher: Fetcher, settings: Settings
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.fetcher = fetcher
        self.settings = settings
        # One enricher per worker: its near-duplicate memory spans the stream it processes.
        # Opened on first use: with DCC_ENRICH_PROCESSES > 1 it starts worker processes.
        self._enricher: Enricher | None = None
        self.alerts = AlertMatcher(
            engine,
            window=timedelta(seconds=settings.alert_window_s),
            detection=detection_config(settings),
            max_instant=settings.alert_max_instant_per_window,
        )

    @property
    def enricher(self) -> Enricher:
        if self._enricher is None:
            from dcc.enrich.parallel import open_enricher

            self._enricher = open_enricher(self.settings.enrich_processes)
        return self._enricher

    def close(self) -> None:
        """Stop the enricher's worker processes, if any."""
        if self._enricher is not None:
            self._enricher.close()
            self._enricher = None

    # --- scheduling -----------------------------------------------------------------------

    async def schedule_due(self, now: datetime | None = None) -> list[str]:
        """Queue a fetch for every due source; return their ids.

        A source is claimed by moving its last_attempt_at forward only if nobody else did
        since it was read, so several schedulers never queue the same fetch twice.
        """
        now = now or datetime.now(tz=UTC)
        claimed = await asyncio.to_thread(self._claim_due, now)
        if claimed:
            await self.queue.publish(TOPIC_FETCH_SOURCE, [{"source_id": s} for s in claimed])
        return claimed

    def _claim_due(self, now: datetime) -> list[str]:
        claimed: list[str] = []
        with self.engine.begin() as conn:
            for source, previous_attempt in source_queries.due_sources(conn, now=now):
                result = conn.execute(
                    update(sources)
                    .where(
                        sources.c.id == source.id,
                        sources.c.last_attempt_at.is_not_distinct_from(previous_attempt),
                    )
                    .values(last_attempt_at=now)
                )
                if result.rowcount:
                    claimed.append(source.id)
        return claimed

    async def requeue_lost_items(self) -> int:
        """Re-queue items stored but never processed when the queue holds no job for them
        (a crash between commit and publish, or a purged queue). Processing is idempotent, so
        an item queued twice costs a little work and nothing else."""
        if await self.queue.pending(TOPIC_PROCESS_ITEMS):
            return 0
        total = 0
        after = 0
        while True:
            with self.engine.connect() as conn:
                ids = unprocessed_item_ids(conn, limit=10_000, after_id=after)
            if not ids:
                return total
            await publish_item_jobs(self.queue, ids, self.settings.job_batch_size)
            total += len(ids)
            after = ids[-1]

    # --- handlers ---------------------------------------------------------------------------

    async def handle_fetch(self, job: Job) -> None:
        source_id = str(job.payload["source_id"])
        with self.engine.connect() as conn:
            source = source_queries.get_source(conn, source_id)
        if source is None or not source.is_enabled:
            return  # removed or disabled since it was queued
        await self.fetch_source(source)

    async def handle_process(self, job: Job) -> None:
        await self.handle_process_together([job])

    async def handle_process_together(self, jobs: list[Job]) -> None:
        """Process the items of several jobs in one batch (the backlog case: one
        enrichment batch and one alert transaction instead of one per job)."""
        ids = [int(i) for job in jobs for i in job.payload["item_ids"]]
        await asyncio.to_thread(process_items, self.engine, ids, self.enricher, self.alerts)

    async def fetch_source(self, source: Source) -> IngestOutcome | None:
        """Fetch one source, store its new items, queue them, and record its health.

        Every failure is kept on the source (health) and logged; none propagates, so one
        broken source never stops the worker or the other sources.
        """
        with self.engine.connect() as conn:
            etag, last_modified = source_queries.fetch_validators(conn, source.id)
        try:
            result = await self.fetcher.fetch(
                source.url,
                etag=etag,
                last_modified=last_modified,
                allow_private=source.is_private_allowed,
                credentials=credentials_for(source, source.url),
            )
            if result.is_not_modified:
                do_record_fetch_success(
                    self.engine, source.id, etag=etag, last_modified=last_modified
                )
                return None
            outcome = await asyncio.to_thread(self._store, source, result.content)
            if source.kind is SourceKind.CAP_INDEX:
                outcome = await self._follow_cap_links(source, outcome)
        except (DCCError, OSError) as exc:
            logger.warning("source %s failed: %s", source.id, exc)
            do_record_fetch_failure(self.engine, source.id, str(exc))
            return None
        except Exception as exc:  # a parser bug must not kill the worker; keep it on the source
            logger.exception("source %s: unexpected error", source.id)
            do_record_fetch_failure(self.engine, source.id, f"internal error: {exc!r}")
            return None
        reason = unusable_reason(outcome)
        if reason is not None:
            do_record_fetch_failure(self.engine, source.id, reason)
        else:
            do_record_fetch_success(
                self.engine, source.id, etag=result.etag, last_modified=result.last_modified
            )
        await publish_item_jobs(self.queue, outcome.new_item_ids, self.settings.job_batch_size)
        return outcome

    def _store(self, source: Source, content: bytes) -> IngestOutcome:
        return do_ingest_stream(self.engine, parse_content(content, source), source_id=source.id)

    async def _follow_cap_links(self, source: Source, outcome: IngestOutcome) -> IngestOutcome:
        """Fetch the CAP alerts that new index entries link to and store them too."""
        with self.engine.connect() as conn:
            entries = get_items(conn, outcome.new_item_ids)
        links = [str(e.extra["cap_url"]) for e in entries if e.extra.get("cap_url")]
        cap_source = Source(
            id=source.id,
            kind=SourceKind.CAP,
            url=source.url,
            lang=source.lang,
            country=source.country,
        )
        for link in links[:MAX_CAP_LINKS_PER_FETCH]:
            try:
                # The index's own credentials go with its links, to its own origin only.
                fetched = await self.fetcher.fetch(
                    link,
                    allow_private=source.is_private_allowed,
                    credentials=credentials_for(source, link),
                )
                more = await asyncio.to_thread(self._store, cap_source, fetched.content)
            except SourceError as exc:
                outcome.report = outcome.report.merged(_problem_report(link, str(exc)))
                continue
            outcome.report = outcome.report.merged(more.report)
            outcome.new_item_ids.extend(more.new_item_ids)
        return outcome

    # --- loops ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, with_scheduler: bool = True) -> None:
        """Run fetchers, processors and (optionally) the scheduler until `stop` is set."""
        await self.requeue_lost_items()
        tasks = [
            asyncio.create_task(
                run_jobs(
                    self.queue,
                    TOPIC_FETCH_SOURCE,
                    self.handle_fetch,
                    batch=4,
                    stop=stop,
                    logger=logger,
                )
            ),
            asyncio.create_task(
                run_jobs(
                    self.queue,
                    TOPIC_PROCESS_ITEMS,
                    self.handle_process,
                    batch=8,
                    stop=stop,
                    logger=logger,
                    handle_together=self.handle_process_together,
                )
            ),
        ]
        if with_scheduler:
            tasks.append(asyncio.create_task(self._schedule_loop(stop)))
        await asyncio.gather(*tasks)

    async def _schedule_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.schedule_due()
                await self.requeue_lost_items()
            except Exception:  # the scheduler must outlive a database hiccup
                logger.exception("scheduler tick failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=SCHEDULER_TICK_S)
            except TimeoutError:
                continue


def _problem_report(location: str, message: str) -> IngestReport:
    return IngestReport(problems=(ParseProblem(location, message),))
