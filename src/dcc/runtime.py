"""Start the background side: open the job queue, run workers until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence

from dcc.accounts.signin import do_prune_login_history
from dcc.alerts.delivery import run_delivery_loop
from dcc.alerts.workers import run_detection_loop
from dcc.context import Context
from dcc.coordination.escalation import run_escalation_loop
from dcc.coordination.notify_delivery import run_notification_loop
from dcc.ingest.fetch import Fetcher
from dcc.ingest.workers import IngestWorkers, publish_item_jobs
from dcc.jobs.factory import open_job_queue
from dcc.jobs.periodic import run_periodically

# Housekeeping of the sign-in tables (attempts and ended sessions older than 30 days): hourly
# is often enough, since the rate limits read only the last minutes.
HOUSEKEEPING_INTERVAL_S = 3600.0


async def queue_new_items(ctx: Context, item_ids: Sequence[int]) -> None:
    """Queue processing for items a command stored (publish after commit)."""
    if not item_ids:
        return
    queue = await open_job_queue(ctx.settings, ctx.engine)
    try:
        await publish_item_jobs(queue, item_ids, ctx.settings.job_batch_size)
    finally:
        await queue.close()


async def run_workers(ctx: Context, stop: asyncio.Event, *, with_scheduler: bool = True) -> None:
    """Run the ingest workers (and scheduler), the alert delivery loop, the detection sweep
    (bursts and stance shifts that no new item triggered), escalation, notification delivery
    and the sign-in tables' housekeeping until `stop` is set.

    Every worker process runs a delivery loop: deliveries are claimed row by row, so several
    loops share the work and never send one delivery twice (alerts/delivery.py).
    """
    queue = await open_job_queue(ctx.settings, ctx.engine)
    try:
        async with Fetcher(ctx.settings) as fetcher:
            workers = IngestWorkers(ctx.engine, queue, fetcher, ctx.settings)
            try:
                await asyncio.gather(
                    workers.run(stop, with_scheduler=with_scheduler),
                    run_delivery_loop(ctx.engine, ctx.settings, stop),
                    run_detection_loop(ctx.engine, ctx.settings, stop),
                    run_escalation_loop(
                        ctx.engine, stop, interval_s=ctx.settings.escalation_interval_s
                    ),
                    run_notification_loop(ctx.engine, ctx.settings, stop),
                    run_periodically(
                        lambda: do_prune_login_history(ctx.engine),
                        stop,
                        interval_s=HOUSEKEEPING_INTERVAL_S,
                        what="login history pruned, rows",
                    ),
                )
            finally:
                await asyncio.to_thread(workers.close)
    finally:
        await queue.close()


async def run_workers_forever(ctx: Context, *, with_scheduler: bool = True) -> None:
    """`dcc worker`: run until SIGINT or SIGTERM, then finish the jobs in hand and stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await run_workers(ctx, stop, with_scheduler=with_scheduler)
