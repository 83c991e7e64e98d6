"""A generic worker loop: fetch jobs of one topic, handle each, ack or retry (DESIGN §2).

One bad job never stops the loop (STYLE rule 10): a handler's exception is logged and the job
is nacked with a growing delay, so it is retried and finally dead-lettered by the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from dcc.errors import JobError
from dcc.jobs.base import Job, JobQueue

_logger = logging.getLogger(__name__)

# Error text kept with a failed job: enough for the exception and its message.
_MAX_ERROR_CHARS = 2000


def retry_delay_s(attempts: int) -> float:
    """Seconds before retrying a job that failed on delivery `attempts`: 1, 2, 4, ... up to 60."""
    return float(min(2 ** max(attempts - 1, 0), 60))


async def run_jobs(
    queue: JobQueue,
    topic: str,
    handler: Callable[[Job], Awaitable[None]],
    *,
    stop: asyncio.Event,
    batch: int = 10,
    poll_s: float = 1.0,
    backoff: Callable[[int], float] = retry_delay_s,
    logger: logging.Logger | None = None,
    handle_together: Callable[[list[Job]], Awaitable[None]] | None = None,
) -> None:
    """Handle jobs of `topic` until `stop` is set: ack on success, nack with backoff on error.

    With `handle_together`, the jobs of one fetch are first handled in one call (a backlog
    then costs one batch's overhead, not one per job, while a quiet queue keeps jobs small and
    fast); if that call fails, each job is handled alone by `handler`, so one bad job is
    retried and dead-lettered on its own.

    Returns within about `poll_s` of `stop` being set, once the jobs in hand are handled. The
    fetch in progress is not cancelled: a cancelled fetch could lease jobs nobody handles until
    their lease runs out.
    """
    log = logger or _logger
    while not stop.is_set():
        try:
            jobs = await queue.fetch(topic, batch=batch, timeout=poll_s)
        except Exception as exc:
            # The queue is unreachable for now (a NATS restart, a database that stays locked).
            # Not only JobError: the table backend lets SQLAlchemy's errors through. A worker
            # that logs and retries is visible; one that died is not.
            log.warning(
                "fetching %s failed: %s", topic, exc, exc_info=not isinstance(exc, JobError)
            )
            await _wait(stop, poll_s)
            continue
        if (
            handle_together is not None
            and len(jobs) > 1
            and await _handle_together(queue, jobs, handle_together, log)
        ):
            continue
        for job in jobs:
            await _handle(queue, job, handler, backoff, log)


async def _handle_together(
    queue: JobQueue,
    jobs: list[Job],
    handle_together: Callable[[list[Job]], Awaitable[None]],
    log: logging.Logger,
) -> bool:
    """Handle `jobs` in one call and ack them all; False (nothing acked) if the call failed."""
    try:
        await handle_together(jobs)
    except Exception as exc:
        log.warning(
            "%d jobs of %s failed together (%s: %s); handling them one by one",
            len(jobs),
            jobs[0].topic,
            type(exc).__name__,
            exc,
        )
        return False
    for job in jobs:
        try:
            await queue.ack(job)
        except Exception as exc:
            log.warning("ack of job %s of %s failed: %s", job.id, job.topic, exc)
    return True


async def _handle(
    queue: JobQueue,
    job: Job,
    handler: Callable[[Job], Awaitable[None]],
    backoff: Callable[[int], float],
    log: logging.Logger,
) -> None:
    try:
        await handler(job)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]
        is_last = job.attempts >= queue.max_attempts
        log.log(
            logging.ERROR if is_last else logging.WARNING,
            "job %s of %s failed on attempt %d of %d%s: %s",
            job.id,
            job.topic,
            job.attempts,
            queue.max_attempts,
            " (dead-lettered)" if is_last else "",
            error,
            exc_info=True,
        )
        try:
            await queue.nack(job, delay=backoff(job.attempts), error=error)
        except Exception as nack_exc:
            # The lease runs out and the job comes back anyway.
            log.warning("nack of job %s of %s failed: %s", job.id, job.topic, nack_exc)
        return
    try:
        await queue.ack(job)
    except Exception as exc:
        # The job will be delivered again; handlers are idempotent (jobs/base.py).
        log.warning("ack of job %s of %s failed: %s", job.id, job.topic, exc)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
