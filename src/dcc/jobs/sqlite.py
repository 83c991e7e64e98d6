"""The embedded job queue: a durable `jobs` table in DCC's own database.

Named for the embedded (SQLite) deployment, it runs on any database the schema runs on. A job
is claimed by moving it to `leased` with a deadline in one UPDATE; a claim whose lease ran out
(the worker died) is claimable again, which gives redelivery without a coordinator.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from dcc.jobs.base import Job, JobQueue
from dcc.store.schema import jobs

# How often an idle fetch looks for new jobs. Publishing in the same process wakes fetchers
# at once through `_wakeup`; the poll only matters across processes.
_POLL_S = 0.5


class TableJobQueue(JobQueue):
    def __init__(
        self,
        engine: Engine,
        *,
        lease_s: float = 60.0,
        max_attempts: int = 5,
        worker_id: str | None = None,
    ) -> None:
        super().__init__(lease_s=lease_s, max_attempts=max_attempts)
        self.engine = engine
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._wakeup = asyncio.Event()

    async def publish(self, topic: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        if not payloads:
            return
        await asyncio.to_thread(self.publish_sync, topic, payloads)
        self._wakeup.set()

    def publish_sync(self, topic: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        """Insert jobs from synchronous code (used inside ingest transactions' callers)."""
        now = datetime.now(tz=UTC)
        rows = [
            {
                "topic": topic,
                "payload": dict(p),
                "status": "ready",
                "attempts": 0,
                "available_at": now,
                "created_at": now,
            }
            for p in payloads
        ]
        with self.engine.begin() as conn:
            conn.execute(jobs.insert(), rows)

    async def fetch(self, topic: str, *, batch: int = 10, timeout: float = 1.0) -> list[Job]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            claimed = await asyncio.to_thread(self._claim, topic, batch)
            if claimed:
                return claimed
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=min(_POLL_S, remaining))

    def _claim(self, topic: str, batch: int) -> list[Job]:
        now = datetime.now(tz=UTC)
        expired = and_(jobs.c.status == "leased", jobs.c.leased_until < now)
        claimable = and_(
            jobs.c.topic == topic,
            or_(and_(jobs.c.status == "ready", jobs.c.available_at <= now), expired),
        )
        with self.engine.begin() as conn:
            # A job whose lease ran out on its last attempt never reached `nack` (its worker
            # died or hung, perhaps because of the job): dead-letter it rather than hand it out
            # for ever, as the contract in jobs/base.py promises.
            conn.execute(
                update(jobs)
                .where(jobs.c.topic == topic, expired, jobs.c.attempts >= self.max_attempts)
                .values(
                    status="dead",
                    finished_at=now,
                    leased_until=None,
                    last_error=f"lease ran out on attempt {self.max_attempts}",
                )
            )
            candidates = (
                conn.execute(select(jobs.c.id).where(claimable).order_by(jobs.c.id).limit(batch))
                .scalars()
                .all()
            )
            if not candidates:
                return []
            # The claimable condition is repeated so that two workers racing for the same row
            # cannot both win: the second UPDATE matches nothing (the row is no longer claimable).
            # RETURNING gives exactly the rows this UPDATE claimed; reading them back by
            # lease_owner would also return rows won by another task of the same process (they
            # share the worker id), handing one job to two tasks.
            rows = conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(candidates), claimable)
                .values(
                    status="leased",
                    attempts=jobs.c.attempts + 1,
                    leased_until=now + timedelta(seconds=self.lease_s),
                    lease_owner=self.worker_id,
                )
                .returning(jobs.c.id, jobs.c.payload, jobs.c.attempts)
            ).all()
        return [
            Job(id=str(row.id), topic=topic, payload=row.payload, attempts=row.attempts)
            for row in sorted(rows, key=lambda row: row.id)
        ]

    async def ack(self, job: Job) -> None:
        await asyncio.to_thread(self._finish, job, "done", None)

    async def nack(self, job: Job, *, delay: float = 0.0, error: str = "") -> None:
        if job.attempts >= self.max_attempts:
            await asyncio.to_thread(self._finish, job, "dead", error or "too many attempts")
            return
        # In a thread like every other query: a busy SQLite file would otherwise block the
        # event loop for up to busy_timeout.
        await asyncio.to_thread(self._release, job, delay, error)
        self._wakeup.set()

    def _release(self, job: Job, delay: float, error: str) -> None:
        available = datetime.now(tz=UTC) + timedelta(seconds=delay)
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == int(job.id), jobs.c.lease_owner == self.worker_id)
                .values(
                    status="ready",
                    available_at=available,
                    leased_until=None,
                    lease_owner=None,
                    last_error=error or None,
                )
            )

    def _finish(self, job: Job, status: str, error: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == int(job.id))
                .values(status=status, finished_at=datetime.now(tz=UTC), last_error=error)
            )

    async def pending(self, topic: str) -> int:
        return await asyncio.to_thread(self._count, topic, ("ready", "leased"))

    async def dead(self, topic: str) -> int:
        return await asyncio.to_thread(self._count, topic, ("dead",))

    def _count(self, topic: str, statuses: tuple[str, ...]) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(jobs)
                    .where(jobs.c.topic == topic, jobs.c.status.in_(statuses))
                ).scalar_one()
            )

    def purge_done(self, older_than: timedelta) -> int:
        """Delete finished jobs older than `older_than`; dead ones stay for inspection."""
        cutoff = datetime.now(tz=UTC) - older_than
        with self.engine.begin() as conn:
            result = conn.execute(
                jobs.delete().where(jobs.c.status == "done", jobs.c.finished_at < cutoff)
            )
        return int(result.rowcount or 0)
