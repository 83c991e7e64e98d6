"""The worker loop on every backend: retries, dead letters, stopping (jobs/runner.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from queue_backends import Backend

from dcc.errors import JobError
from dcc.jobs.base import Job, JobQueue
from dcc.jobs.runner import retry_delay_s, run_jobs

TOPIC = "items.process"


def no_backoff(attempts: int) -> float:
    return 0.0


async def test_a_job_failing_once_is_retried_then_acked(queue: JobQueue) -> None:
    await queue.publish(TOPIC, [{"n": 1}])
    attempts_seen: list[int] = []
    handled = asyncio.Event()
    stop = asyncio.Event()

    async def handler(job: Job) -> None:
        attempts_seen.append(job.attempts)
        if job.attempts == 1:
            raise RuntimeError("flaky upstream")
        handled.set()

    worker = asyncio.create_task(
        run_jobs(queue, TOPIC, handler, stop=stop, poll_s=0.2, backoff=no_backoff)
    )
    await asyncio.wait_for(handled.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)

    assert attempts_seen == [1, 2]
    assert await queue.pending(TOPIC) == 0
    assert await queue.dead(TOPIC) == 0


async def test_a_poison_job_is_dead_lettered_and_the_loop_goes_on(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    queue = await backend.open(max_attempts=3)
    await queue.publish(TOPIC, [{"poison": True}, {"poison": False}])
    poison_attempts: list[int] = []
    good_handled: list[int] = []
    poison_spent = asyncio.Event()
    stop = asyncio.Event()

    async def handler(job: Job) -> None:
        if job.payload["poison"]:
            poison_attempts.append(job.attempts)
            if job.attempts == 3:
                poison_spent.set()
            raise ValueError("cannot parse item")
        good_handled.append(job.attempts)

    worker = asyncio.create_task(
        run_jobs(queue, TOPIC, handler, stop=stop, batch=2, poll_s=0.2, backoff=no_backoff)
    )
    await asyncio.wait_for(poison_spent.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)

    assert poison_attempts == [1, 2, 3]
    assert good_handled == [1]
    assert await queue.dead(TOPIC) == 1
    assert await queue.pending(TOPIC) == 0
    assert "failed on attempt 3 of 3 (dead-lettered): ValueError: cannot parse item" in caplog.text


async def test_a_backlog_is_handled_together_and_a_bad_job_alone(queue: JobQueue) -> None:
    """Jobs of one fetch go to `handle_together` at once; if that fails (one job is bad),
    each is handled alone, so the good ones pass and the bad one is retried on its own."""
    await queue.publish(TOPIC, [{"n": n} for n in range(4)])
    together: list[list[int]] = []
    alone: list[int] = []
    stop = asyncio.Event()
    done = asyncio.Event()

    async def handle_together(jobs: list[Job]) -> None:
        together.append(sorted(int(j.payload["n"]) for j in jobs))
        if len(together) == 1:
            raise RuntimeError("one job of the batch is bad")

    async def handler(job: Job) -> None:
        alone.append(int(job.payload["n"]))
        if len(alone) == 4:
            done.set()

    worker = asyncio.create_task(
        run_jobs(
            queue,
            TOPIC,
            handler,
            stop=stop,
            batch=4,
            poll_s=0.2,
            backoff=no_backoff,
            handle_together=handle_together,
        )
    )
    await asyncio.wait_for(done.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)
    assert together[0] == [0, 1, 2, 3]
    assert sorted(alone) == [0, 1, 2, 3]
    assert await queue.pending(TOPIC) == 0

    # A batch that succeeds is acked as a whole, without the one-by-one handler (a fetch
    # that brings a single job hands it to the handler: both count here).
    await queue.publish(TOPIC, [{"n": 10}, {"n": 11}])
    stop = asyncio.Event()
    seen: list[int] = []
    both = asyncio.Event()

    async def handle_ok(jobs: list[Job]) -> None:
        seen.extend(int(j.payload["n"]) for j in jobs)
        if len(seen) == 2:
            both.set()

    async def handle_one(job: Job) -> None:
        await handle_ok([job])

    worker = asyncio.create_task(
        run_jobs(
            queue, TOPIC, handle_one, stop=stop, batch=4, poll_s=0.2, handle_together=handle_ok
        )
    )
    await asyncio.wait_for(both.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)
    assert sorted(seen) == [10, 11] and await queue.pending(TOPIC) == 0


async def test_failed_jobs_wait_the_backoff(queue: JobQueue) -> None:
    await queue.publish(TOPIC, [{"n": 1}])
    delays: list[int] = []
    retried = asyncio.Event()
    stop = asyncio.Event()

    def backoff(attempts: int) -> float:
        delays.append(attempts)
        return 0.5

    async def handler(job: Job) -> None:
        if job.attempts == 1:
            raise RuntimeError("flaky")
        retried.set()

    loop = asyncio.get_running_loop()
    started = loop.time()
    worker = asyncio.create_task(
        run_jobs(queue, TOPIC, handler, stop=stop, poll_s=0.2, backoff=backoff)
    )
    await asyncio.wait_for(retried.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)

    assert delays == [1]
    assert loop.time() - started >= 0.45


async def test_stop_ends_an_idle_loop(queue: JobQueue) -> None:
    stop = asyncio.Event()

    async def handler(job: Job) -> None:
        raise AssertionError("no job was published")

    worker = asyncio.create_task(run_jobs(queue, TOPIC, handler, stop=stop, poll_s=0.2))
    await asyncio.sleep(0)  # let the loop start its first fetch
    stop.set()

    await asyncio.wait_for(worker, timeout=2.0)


class FlakyQueue(JobQueue):
    """Delegates to a real queue, but its first fetch fails as an unreachable server would."""

    def __init__(self, inner: JobQueue) -> None:
        super().__init__(lease_s=inner.lease_s, max_attempts=inner.max_attempts)
        self.inner = inner
        self.failures = 1

    async def publish(self, topic: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        await self.inner.publish(topic, payloads)

    async def fetch(self, topic: str, *, batch: int = 10, timeout: float = 1.0) -> list[Job]:
        if self.failures:
            self.failures -= 1
            raise JobError("fetching from dcc.jobs.items.process: nats: timeout")
        return await self.inner.fetch(topic, batch=batch, timeout=timeout)

    async def ack(self, job: Job) -> None:
        await self.inner.ack(job)

    async def nack(self, job: Job, *, delay: float = 0.0, error: str = "") -> None:
        await self.inner.nack(job, delay=delay, error=error)

    async def pending(self, topic: str) -> int:
        return await self.inner.pending(topic)

    async def dead(self, topic: str) -> int:
        return await self.inner.dead(topic)


async def test_a_failed_fetch_does_not_end_the_loop(
    queue: JobQueue, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyQueue(queue)
    await flaky.publish(TOPIC, [{"n": 1}])
    handled = asyncio.Event()
    stop = asyncio.Event()

    async def handler(job: Job) -> None:
        handled.set()

    worker = asyncio.create_task(
        run_jobs(flaky, TOPIC, handler, stop=stop, poll_s=0.1, logger=logging.getLogger("t"))
    )
    await asyncio.wait_for(handled.wait(), timeout=5.0)
    stop.set()
    await asyncio.wait_for(worker, timeout=5.0)

    assert "fetching items.process failed" in caplog.text
    assert await queue.pending(TOPIC) == 0


def test_retry_delay_doubles_up_to_a_minute() -> None:
    assert [retry_delay_s(n) for n in (1, 2, 3, 4, 6, 7, 20)] == [1, 2, 4, 8, 32, 60, 60]
