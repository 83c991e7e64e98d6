"""How the job-queue tests open a queue on each backend, shared by the fixtures in conftest.py
and by `dying_worker.py`, which opens the same store from another process."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from dcc.jobs.base import JobQueue
from dcc.jobs.nats import NatsJobQueue
from dcc.jobs.sqlite import TableJobQueue
from dcc.store.database import create_db_engine

NATS_URL = os.environ.get("DCC_TEST_NATS_URL", "")
NATS_SKIP_REASON = "NATS JetStream not configured: set DCC_TEST_NATS_URL=nats://host:4222"


async def open_queue(spec: dict[str, Any]) -> tuple[JobQueue, Engine | None]:
    """A queue on the store `spec` names (see `Backend.spec`), and its engine if it has one."""
    lease_s = float(spec["lease_s"])
    max_attempts = int(spec["max_attempts"])
    if spec["kind"] == "table":
        engine = create_db_engine(f"sqlite:///{spec['db']}")
        # A distinct worker id per queue, as two worker processes have.
        table = TableJobQueue(
            engine,
            lease_s=lease_s,
            max_attempts=max_attempts,
            worker_id=f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        )
        return table, engine
    nats_queue = await NatsJobQueue.connect(
        spec["url"],
        stream=spec["stream"],
        subject_prefix=spec["subject_prefix"],
        dead_prefix=spec["dead_prefix"],
        lease_s=lease_s,
        max_attempts=max_attempts,
    )
    return nats_queue, None


@dataclass
class Backend:
    """Opens any number of queues (workers) on one store: a SQLite file or a NATS stream."""

    kind: str
    store: dict[str, Any]
    queues: list[JobQueue] = field(default_factory=list)
    engines: list[Engine] = field(default_factory=list)

    def spec(self, *, lease_s: float = 60.0, max_attempts: int = 5, **extra: Any) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lease_s": lease_s,
            "max_attempts": max_attempts,
            **self.store,
            **extra,
        }

    async def open(self, *, lease_s: float = 60.0, max_attempts: int = 5) -> JobQueue:
        """A new queue on this backend's store, as a separate worker would open it."""
        queue, engine = await open_queue(self.spec(lease_s=lease_s, max_attempts=max_attempts))
        self.queues.append(queue)
        if engine is not None:
            self.engines.append(engine)
        return queue

    def worker_argument(self, topic: str, *, lease_s: float, max_attempts: int = 5) -> str:
        """The command-line argument telling `dying_worker.py` how to open the same store."""
        return json.dumps(self.spec(lease_s=lease_s, max_attempts=max_attempts, topic=topic))

    async def close(self) -> None:
        for queue in self.queues:
            await queue.close()
        for engine in self.engines:
            engine.dispose()
        if self.kind == "nats":
            await delete_streams(self.store)


async def delete_streams(store: dict[str, Any]) -> None:
    """Remove a test's job and dead-letter streams (and with them their consumers)."""
    import nats
    import nats.js.errors

    client = await nats.connect(store["url"])
    try:
        js = client.jetstream()
        for name in (store["stream"], f"{store['stream']}_DEAD"):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(name)
    finally:
        await client.close()
