"""The job queue interface every backend implements (DESIGN §2, "jobs queue").

Delivery is at least once: a job fetched and not acked within the lease (`lease_s`) is
delivered again, so a worker that dies mid-job loses nothing. Handlers must therefore be
idempotent, which every DCC stage is. After `max_attempts` deliveries a job is dead-lettered
instead of looping forever.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Topics: one per stage boundary.
TOPIC_PROCESS_ITEMS = "items.process"


@dataclass(frozen=True, slots=True)
class Job:
    """One delivery of a job. `attempts` counts deliveries, this one included."""

    id: str
    topic: str
    payload: Mapping[str, Any]
    attempts: int
    # Backend-specific handle (the NATS message); None for table backends.
    handle: Any = None


class JobQueue(abc.ABC):
    """At-least-once job queue with leases, explicit ack, retry and dead letter."""

    def __init__(self, *, lease_s: float = 60.0, max_attempts: int = 5) -> None:
        self.lease_s = lease_s
        self.max_attempts = max_attempts

    @abc.abstractmethod
    async def publish(self, topic: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        """Add one job per payload; returns once they are durable."""

    @abc.abstractmethod
    async def fetch(self, topic: str, *, batch: int = 10, timeout: float = 1.0) -> list[Job]:
        """Lease up to `batch` jobs, waiting at most `timeout` seconds for the first."""

    @abc.abstractmethod
    async def ack(self, job: Job) -> None:
        """Mark a job done; it is never delivered again."""

    @abc.abstractmethod
    async def nack(self, job: Job, *, delay: float = 0.0, error: str = "") -> None:
        """Give a job back for redelivery after `delay` seconds, or dead-letter it when it has
        used its attempts."""

    @abc.abstractmethod
    async def pending(self, topic: str) -> int:
        """Jobs not yet acked or dead-lettered (ready or leased)."""

    @abc.abstractmethod
    async def dead(self, topic: str) -> int:
        """Jobs dead-lettered after `max_attempts` failed deliveries."""

    async def close(self) -> None:  # noqa: B027  # optional hook: most backends hold nothing
        """Release connections."""
