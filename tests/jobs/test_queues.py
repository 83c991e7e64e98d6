"""One contract, every backend: the jobs table and NATS JetStream (jobs/base.py)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
from queue_backends import Backend

from dcc.errors import JobError
from dcc.jobs.base import Job, JobQueue
from dcc.jobs.factory import open_job_queue
from dcc.jobs.nats import NatsJobQueue, consumer_name, redact_url
from dcc.settings import Settings
from dcc.store.database import create_db_engine

DYING_WORKER = Path(__file__).with_name("dying_worker.py")


async def test_publish_fetch_ack_is_not_delivered_again(queue: JobQueue, topic: str) -> None:
    await queue.publish(topic, [{"item_id": 7, "text": "Jakarta ✓"}])

    [job] = await queue.fetch(topic, batch=10, timeout=2.0)
    assert job.payload == {"item_id": 7, "text": "Jakarta ✓"}
    assert job.topic == topic
    assert job.attempts == 1
    await queue.ack(job)

    assert await queue.fetch(topic, timeout=0.2) == []
    assert await queue.pending(topic) == 0
    assert await queue.dead(topic) == 0


async def test_batch_fetch_returns_at_most_batch(queue: JobQueue, topic: str) -> None:
    await queue.publish(topic, [{"n": n} for n in range(5)])

    first = await queue.fetch(topic, batch=3, timeout=2.0)
    rest = await queue.fetch(topic, batch=10, timeout=2.0)

    assert len(first) == 3
    assert len(rest) == 2
    assert sorted(job.payload["n"] for job in first + rest) == [0, 1, 2, 3, 4]
    assert len({job.id for job in first + rest}) == 5


async def test_topics_are_separate(queue: JobQueue, topic: str) -> None:
    await queue.publish(topic, [{"n": 1}])
    await queue.publish("items", [{"n": 2}])

    [job] = await queue.fetch("items", timeout=2.0)
    assert job.payload == {"n": 2}
    assert await queue.pending(topic) == 1


async def test_fetch_on_empty_returns_within_timeout(queue: JobQueue, topic: str) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()

    assert await queue.fetch(topic, batch=5, timeout=0.3) == []

    assert 0.25 <= loop.time() - started < 1.5


async def test_fetch_waits_for_a_job_published_meanwhile(queue: JobQueue, topic: str) -> None:
    fetching = asyncio.create_task(queue.fetch(topic, batch=5, timeout=5.0))
    await asyncio.sleep(0.1)  # let the fetch start waiting: the case under test
    await queue.publish(topic, [{"n": 1}])

    jobs = await asyncio.wait_for(fetching, timeout=3.0)

    assert [job.payload for job in jobs] == [{"n": 1}]


async def test_nack_redelivers_with_attempts_incremented(queue: JobQueue, topic: str) -> None:
    await queue.publish(topic, [{"n": 1}])
    [first] = await queue.fetch(topic, timeout=2.0)

    await queue.nack(first, error="ValueError: bad")
    [second] = await queue.fetch(topic, timeout=2.0)

    assert second.id == first.id
    assert second.payload == {"n": 1}
    assert second.attempts == 2
    assert await queue.pending(topic) == 1


async def test_nack_with_delay_is_not_delivered_before_the_delay(
    queue: JobQueue, topic: str
) -> None:
    loop = asyncio.get_running_loop()
    await queue.publish(topic, [{"n": 1}])
    [job] = await queue.fetch(topic, timeout=2.0)

    await queue.nack(job, delay=0.8)
    nacked_at = loop.time()

    assert await queue.fetch(topic, timeout=0.3) == []
    assert await queue.pending(topic) == 1  # still pending while it waits
    [again] = await queue.fetch(topic, timeout=3.0)
    assert loop.time() - nacked_at >= 0.7
    assert again.id == job.id
    assert again.attempts == 2


async def test_expired_lease_redelivers_to_another_worker(backend: Backend, topic: str) -> None:
    first_worker = await backend.open(lease_s=0.5)
    second_worker = await backend.open(lease_s=0.5)
    await first_worker.publish(topic, [{"n": 1}])
    [held] = await first_worker.fetch(topic, timeout=2.0)

    # Not acked within the lease: the other worker gets it, as soon as the lease runs out.
    assert await second_worker.fetch(topic, timeout=0.2) == []
    [job] = await second_worker.fetch(topic, timeout=3.0)

    assert job.id == held.id
    assert job.attempts == 2
    await second_worker.ack(job)
    assert await second_worker.pending(topic) == 0


async def test_dead_letter_after_max_attempts(backend: Backend, topic: str) -> None:
    queue = await backend.open(max_attempts=3)
    await queue.publish(topic, [{"n": 1}, {"n": 2}])

    for attempt in (1, 2, 3):
        jobs = await queue.fetch(topic, batch=10, timeout=2.0)
        assert [job.attempts for job in jobs] == [attempt, attempt]
        poison = next(job for job in jobs if job.payload == {"n": 1})
        good = next(job for job in jobs if job.payload == {"n": 2})
        await queue.nack(poison, error="RuntimeError: poison")
        await queue.nack(good, error="TimeoutError") if attempt < 3 else await queue.ack(good)

    assert await queue.fetch(topic, timeout=0.2) == []
    assert await queue.dead(topic) == 1
    assert await queue.pending(topic) == 0


async def test_dead_letter_when_the_last_lease_runs_out(backend: Backend, topic: str) -> None:
    # A job that kills its worker every time never reaches `nack`: the queue must still stop
    # handing it out after max_attempts deliveries.
    queue = await backend.open(lease_s=0.3, max_attempts=2)
    await queue.publish(topic, [{"n": 1}])

    [first] = await queue.fetch(topic, timeout=2.0)
    [second] = await queue.fetch(topic, timeout=2.0)
    assert (first.attempts, second.attempts) == (1, 2)

    assert await queue.fetch(topic, timeout=1.0) == []
    assert await queue.dead(topic) == 1
    assert await queue.pending(topic) == 0


async def test_pending_and_dead_counts(backend: Backend, topic: str) -> None:
    queue = await backend.open(max_attempts=1)
    assert (await queue.pending(topic), await queue.dead(topic)) == (0, 0)

    await queue.publish(topic, [{"n": n} for n in range(4)])
    assert await queue.pending(topic) == 4

    jobs = await queue.fetch(topic, batch=3, timeout=2.0)
    assert await queue.pending(topic) == 4  # leased jobs are still pending
    await queue.ack(jobs[0])
    assert await queue.pending(topic) == 3
    await queue.nack(jobs[1], error="boom")  # its only attempt: dead
    assert (await queue.pending(topic), await queue.dead(topic)) == (2, 1)
    assert await queue.pending("other.topic") == 0


async def test_publish_nothing_is_a_no_op(queue: JobQueue, topic: str) -> None:
    await queue.publish(topic, [])

    assert await queue.pending(topic) == 0


async def _drain(queue: JobQueue, topic: str, mine: list[str], everyone: list[str]) -> None:
    """Fetch and ack until all 60 jobs are seen by someone (or 10 s pass)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    while len(set(everyone)) < 60 and loop.time() < deadline:
        for job in await queue.fetch(topic, batch=7, timeout=0.2):
            mine.append(job.id)
            everyone.append(job.id)
            await queue.ack(job)


async def test_two_workers_never_get_the_same_job(backend: Backend, topic: str) -> None:
    first, second = await backend.open(), await backend.open()
    await first.publish(topic, [{"n": n} for n in range(60)])
    seen_first: list[str] = []
    seen_second: list[str] = []
    everyone: list[str] = []

    await asyncio.gather(
        _drain(first, topic, seen_first, everyone), _drain(second, topic, seen_second, everyone)
    )

    assert len(everyone) == 60
    assert len(set(everyone)) == 60
    assert not set(seen_first) & set(seen_second)


async def test_two_tasks_on_one_queue_never_get_the_same_job(queue: JobQueue, topic: str) -> None:
    # Tasks of one process share a worker id on the table backend and a connection on NATS.
    await queue.publish(topic, [{"n": n} for n in range(60)])
    seen: tuple[list[str], list[str]] = ([], [])
    everyone: list[str] = []

    await asyncio.gather(
        _drain(queue, topic, seen[0], everyone), _drain(queue, topic, seen[1], everyone)
    )

    assert len(everyone) == 60
    assert len(set(everyone)) == 60


async def test_worker_killed_mid_job_is_redelivered(backend: Backend, topic: str) -> None:
    lease_s = 1.0
    queue = await backend.open(lease_s=lease_s)
    await queue.publish(topic, [{"n": 1}])
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DYING_WORKER),
        backend.worker_argument(topic, lease_s=lease_s),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), timeout=20.0)
        assert line.decode().startswith("got "), line
        held_id = line.decode().split()[1]
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGKILL)
        _, stderr = await worker.communicate()
    assert worker.returncode == -signal.SIGKILL, stderr.decode()

    [job] = await queue.fetch(topic, timeout=lease_s + 5.0)

    assert job.id == held_id
    assert job.attempts == 2
    await queue.ack(job)
    assert await queue.pending(topic) == 0


@pytest.mark.parametrize("bad", ["", "items..process", "items.*", "items.>", "a b", "x-y"])
def test_invalid_nats_topic_is_refused(bad: str) -> None:
    # Wildcards would swallow other topics' subjects; "-" would make consumer names collide.
    with pytest.raises(JobError, match="invalid topic"):
        consumer_name(bad)


def test_consumer_name_maps_dots() -> None:
    assert consumer_name("items.process") == "dcc-items-process"


def test_redact_url_hides_passwords() -> None:
    assert (
        redact_url("nats://dcc:s3cret@nats1:4222,nats://nats2:4222")
        == "nats://dcc:***@nats1:4222,nats://nats2:4222"
    )


async def test_factory_opens_the_table_queue_without_queue_url(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/jobs.db")
    try:
        queue = await open_job_queue(
            Settings(queue_url="", job_lease_s=12.0, job_max_attempts=3), engine
        )
        assert type(queue).__name__ == "TableJobQueue"
        assert (queue.lease_s, queue.max_attempts) == (12.0, 3)
        await queue.close()
    finally:
        engine.dispose()


async def test_factory_refuses_other_schemes(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/jobs.db")
    try:
        with pytest.raises(JobError, match=r"amqp://u:\*\*\*@broker:5672"):
            await open_job_queue(Settings(queue_url="amqp://u:pw@broker:5672"), engine)
    finally:
        engine.dispose()


async def test_factory_reports_an_unreachable_nats(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/jobs.db")
    try:
        # Port 1 on loopback: refused at once, no network needed.
        with pytest.raises(JobError, match=r"cannot reach NATS at nats://127\.0\.0\.1:1: "):
            await open_job_queue(Settings(queue_url="nats://127.0.0.1:1"), engine)
    finally:
        engine.dispose()


async def test_factory_opens_nats_for_a_nats_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Connecting for real would create the production streams (DCC_JOBS) on a shared server;
    # connect itself is exercised by every [nats] test above.
    calls: list[tuple[str, dict[str, object]]] = []

    async def fake_connect(url: str, **options: object) -> str:
        calls.append((url, options))
        return "queue"

    monkeypatch.setattr(NatsJobQueue, "connect", fake_connect)
    engine = create_db_engine(f"sqlite:///{tmp_path}/jobs.db")
    try:
        settings = Settings(
            queue_url="nats://n1:4222,tls://n2:4222", job_lease_s=7.0, job_max_attempts=4
        )
        assert await open_job_queue(settings, engine) == "queue"  # type: ignore[comparison-overlap]
    finally:
        engine.dispose()
    assert calls == [("nats://n1:4222,tls://n2:4222", {"lease_s": 7.0, "max_attempts": 4})]


def test_job_handle_is_none_on_the_table_backend() -> None:
    job = Job(id="1", topic="t", payload={}, attempts=1)
    assert job.handle is None


async def test_close_is_prompt_after_concurrent_fetches(queue: JobQueue, topic: str) -> None:
    # Concurrent fetches bind several NATS subscriptions; a pull subscription left to drain
    # would hold `close` for nats-py's 30 s drain timeout.
    await asyncio.gather(*(queue.fetch(topic, timeout=0.1) for _ in range(3)))
    loop = asyncio.get_running_loop()
    started = loop.time()

    await queue.close()

    assert loop.time() - started < 2.0


async def test_nats_dead_letter_keeps_payload_and_reason(nats_backend: Backend) -> None:
    import nats

    queue = await nats_backend.open(max_attempts=1)
    await queue.publish("items.process", [{"item_id": 42}])
    [job] = await queue.fetch("items.process", timeout=2.0)
    await queue.nack(job, error="ValueError: line 1\nline 2")

    store = nats_backend.store
    client = await nats.connect(store["url"])
    try:
        js = client.jetstream()
        dead = await js.get_last_msg(
            f"{store['stream']}_DEAD", f"{store['dead_prefix']}.items.process"
        )
    finally:
        await client.close()
    assert json.loads(dead.data or b"") == {"item_id": 42}
    assert dead.headers is not None
    assert dead.headers["DCC-Error"] == "ValueError: line 1 line 2"
    assert dead.headers["DCC-Attempts"] == "1"
    assert dead.headers["DCC-Job-Id"] == job.id


async def test_nats_message_that_is_not_a_json_object_is_dead_lettered(
    nats_backend: Backend,
) -> None:
    import nats

    queue = await nats_backend.open()
    store = nats_backend.store
    client = await nats.connect(store["url"])
    try:
        js = client.jetstream()
        await js.publish(f"{store['subject_prefix']}.items.process", b"not json")
        await js.publish(f"{store['subject_prefix']}.items.process", b"[1, 2]")
        await js.publish(f"{store['subject_prefix']}.items.process", b'{"n": 1}')
    finally:
        await client.close()

    jobs = await queue.fetch("items.process", batch=10, timeout=2.0)

    assert [job.payload for job in jobs] == [{"n": 1}]
    assert await queue.dead("items.process") == 2
    assert await queue.pending("items.process") == 1
