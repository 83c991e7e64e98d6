"""The scale-out job queue: NATS JetStream (DESIGN §2, scale-out mode).

One work-queue stream holds the outstanding jobs of every topic on `<subject_prefix>.<topic>`.
Each topic has one durable pull consumer shared by every worker, so jobs are spread over the
workers, and a job not acked within the lease (the consumer's `ack_wait`) is delivered again.
Dead letters are copied to a second stream on `<dead_prefix>.<topic>` and kept there for
inspection, as the table backend keeps its dead rows.

Worked example, topic "items.process" with the defaults: jobs on `dcc.jobs.items.process` in
stream DCC_JOBS, consumer "dcc-items-process", dead letters on `dcc.dead.items.process` in
stream DCC_JOBS_DEAD.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from dcc.errors import JobError
from dcc.jobs.base import Job, JobQueue

logger = logging.getLogger(__name__)

# A topic is dot-separated words of letters, digits and underscores. Excluding "-" keeps the
# mapping to consumer names ("." -> "-") one-to-one, and excluding "*", ">" and spaces keeps a
# topic from being a wildcard that would swallow other topics' subjects.
_TOPIC_RE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\Z")

# "stream name already in use with a different configuration": the stream exists, so update it.
_STREAM_NAME_IN_USE = 10058

# nats-py turns a fetch timeout of 0 into a pull request that never expires on the server,
# which would go on capturing messages nobody waits for; every fetch waits at least this long.
_MIN_FETCH_S = 0.05

# Header values are single lines; a long traceback is cut rather than refused by the server.
_MAX_ERROR_CHARS = 2000


class NatsJobQueue(JobQueue):
    """`JobQueue` on NATS JetStream: durable publish, shared pull consumers, dead-letter stream."""

    def __init__(
        self,
        client: Client,
        *,
        url: str,
        stream: str = "DCC_JOBS",
        subject_prefix: str = "dcc.jobs",
        dead_prefix: str = "dcc.dead",
        lease_s: float = 60.0,
        max_attempts: int = 5,
        request_timeout_s: float = 5.0,
    ) -> None:
        """Wrap a connected client; use `connect`, which also creates the streams."""
        super().__init__(lease_s=lease_s, max_attempts=max_attempts)
        self.url = url
        self.stream = stream
        self.dead_stream = f"{stream}_DEAD"
        self.subject_prefix = subject_prefix
        self.dead_prefix = dead_prefix
        self._nc = client
        self._timeout = request_timeout_s
        self._js: JetStreamContext = client.jetstream(timeout=request_timeout_s)
        # Topics whose consumer this instance has created or updated to its own settings.
        self._consumers: set[str] = set()
        # Pull subscriptions not in use, per topic. A nats-py subscription cannot serve two
        # fetches at once (they would share one inbox and take each other's messages), so a
        # concurrent fetch binds another subscription to the same consumer.
        self._idle: dict[str, list[JetStreamContext.PullSubscription]] = {}
        self._subscriptions: list[JetStreamContext.PullSubscription] = []

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        stream: str = "DCC_JOBS",
        subject_prefix: str = "dcc.jobs",
        dead_prefix: str = "dcc.dead",
        lease_s: float = 60.0,
        max_attempts: int = 5,
        connect_timeout_s: float = 5.0,
    ) -> NatsJobQueue:
        """Connect to `url` (one or more comma-separated nats:// URLs) and ensure both streams.

        Raises `JobError` when no server answers or JetStream refuses the streams.
        """
        servers = [part.strip() for part in url.split(",") if part.strip()]
        shown = redact_url(url)
        last_error: list[Exception] = []
        client: Client | None = None

        async def on_error(exc: Exception) -> None:
            last_error[:] = [exc]
            logger.warning("NATS at %s: %s", shown, _describe(exc))

        async def on_disconnected() -> None:
            # `close` disconnects too; only an unplanned loss deserves a warning.
            if client is None or not (client.is_closed or client.is_draining):
                logger.warning("NATS at %s: disconnected, reconnecting", shown)

        async def on_reconnected() -> None:
            logger.info("NATS at %s: reconnected", shown)

        try:
            client = await nats.connect(
                servers,
                connect_timeout=connect_timeout_s,
                # nats-py retries the first connection as often as later reconnections: bound
                # both here so that a wrong URL fails in seconds, not minutes...
                max_reconnect_attempts=1,
                reconnect_time_wait=1.0,
                error_cb=on_error,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
            )
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            reason = _describe(last_error[0] if last_error else exc)
            raise JobError(f"cannot reach NATS at {shown}: {reason}") from exc
        # ...then, once connected, reconnect for ever: a worker that gives up after a server
        # restart would sit idle while looking alive. Publishes during an outage time out.
        client.options["max_reconnect_attempts"] = -1
        queue = cls(
            client,
            url=shown,
            stream=stream,
            subject_prefix=subject_prefix,
            dead_prefix=dead_prefix,
            lease_s=lease_s,
            max_attempts=max_attempts,
        )
        try:
            await queue.ensure_streams()
        except BaseException:
            await client.close()
            raise
        return queue

    async def ensure_streams(self) -> None:
        """Create the job and dead-letter streams, or update them to this configuration."""
        jobs = StreamConfig(
            name=self.stream,
            description="DCC jobs waiting for a worker (dcc.jobs.nats)",
            subjects=[f"{self.subject_prefix}.>"],
            # Work-queue retention: a message is deleted once acked (or terminated), so the
            # stream holds exactly the outstanding work and its size stays bounded. Replay is
            # not the stream's job: raw items are stored first and `dcc reprocess` re-runs
            # stages from the database (DESIGN §2). The server also refuses a second consumer
            # on the same subject, so no topic can be worked twice by mistake.
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
        )
        dead = StreamConfig(
            name=self.dead_stream,
            description="DCC jobs that used all their attempts (dcc.jobs.nats)",
            subjects=[f"{self.dead_prefix}.>"],
            # Limits retention with no limits: dead letters stay until an operator removes
            # them, and reading them does not consume them.
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
        )
        with _reporting(f"creating streams on NATS at {self.url}"):
            for config in (jobs, dead):
                try:
                    await self._js.add_stream(config)
                except nats.js.errors.BadRequestError as exc:
                    if exc.err_code != _STREAM_NAME_IN_USE:
                        raise
                    await self._js.update_stream(config)

    async def publish(self, topic: str, payloads: Sequence[Mapping[str, Any]]) -> None:
        if not payloads:
            return
        subject = self._subject(topic)
        bodies = [json.dumps(dict(p), separators=(",", ":")).encode() for p in payloads]
        futures: list[asyncio.Future[Any]] = []
        try:
            with _reporting(f"publishing to {subject}"):
                # Send all, then wait for every JetStream ack: one round trip per batch, not per
                # job. nats-py puts no deadline on these acks (one lost in a reconnection would
                # be awaited for ever), hence wait_for.
                for body in bodies:
                    futures.append(await self._js.publish_async(subject, body, stream=self.stream))
                results = await asyncio.wait_for(
                    asyncio.gather(*futures, return_exceptions=True), timeout=self._timeout
                )
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()
                elif not future.cancelled():
                    future.exception()  # retrieved: reported below or superseded by the raise
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise JobError(
                f"publishing to {subject}: {len(failures)} of {len(bodies)} jobs not stored: "
                f"{_describe(failures[0])}"
            )

    async def fetch(self, topic: str, *, batch: int = 10, timeout: float = 1.0) -> list[Job]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, _MIN_FETCH_S)
        subscription = await self._checkout(topic)
        try:
            jobs = await self._fetch_until(subscription, topic, batch, deadline)
        except BaseException:
            # A subscription that failed or was cancelled mid-fetch may still receive the
            # messages it asked for; drop it so they come back after the lease instead of
            # waiting in a subscription nobody reads.
            await self._discard(subscription)
            raise
        self._idle.setdefault(topic, []).append(subscription)
        return jobs

    async def _fetch_until(
        self,
        subscription: JetStreamContext.PullSubscription,
        topic: str,
        batch: int,
        deadline: float,
    ) -> list[Job]:
        loop = asyncio.get_running_loop()
        while True:
            remaining = deadline - loop.time()
            if remaining < _MIN_FETCH_S:
                return []
            with _reporting(f"fetching from {self._subject(topic)}"):
                try:
                    messages = await subscription.fetch(batch, timeout=remaining)
                except TimeoutError:
                    return []
            jobs = []
            for message in messages:
                try:
                    job = await self._accept(topic, message)
                except JobError as exc:
                    # Not dead-lettered this time; the message comes back after the lease.
                    logger.warning("NATS at %s: %s", self.url, exc)
                    continue
                if job is not None:
                    jobs.append(job)
            # When every message was dead-lettered, wait for more in the time that is left.
            if jobs:
                return jobs

    async def ack(self, job: Job) -> None:
        await self._settle(job, b"+ACK")

    async def nack(self, job: Job, *, delay: float = 0.0, error: str = "") -> None:
        if job.attempts >= self.max_attempts:
            await self._bury(job.topic, _message(job), job.attempts, error or "too many attempts")
            return
        body = b"-NAK"
        if delay > 0:
            body += b" " + json.dumps({"delay": int(delay * 1_000_000_000)}).encode()
        await self._settle(job, body)

    async def pending(self, topic: str) -> int:
        # With work-queue retention a message leaves the stream when acked or terminated, so
        # the messages left on the subject are exactly the jobs ready, leased or waiting out a
        # nack delay: the table backend's "ready" plus "leased".
        return await self._count(self.stream, self._subject(topic))

    async def dead(self, topic: str) -> int:
        return await self._count(self.dead_stream, self._dead_subject(topic))

    async def close(self) -> None:
        """Unsubscribe the pull subscriptions, then drain and close the connection."""
        if self._nc.is_closed or self._nc.is_draining:
            return
        # A pull subscription never drains: nats-py waits for its queue to empty, and unread
        # status messages stay in it until the drain times out (30 s). Unsubscribing drops what
        # it holds; those messages were never handed out and come back after the lease.
        for subscription in list(self._subscriptions):  # _discard removes from the list
            await self._discard(subscription)
        self._idle.clear()
        try:
            await self._nc.drain()
        except nats.errors.Error as exc:
            logger.warning("NATS at %s: drain failed (%s); closing", self.url, exc)
            await self._nc.close()

    # Internals.

    def _subject(self, topic: str) -> str:
        _check_topic(topic)
        return f"{self.subject_prefix}.{topic}"

    def _dead_subject(self, topic: str) -> str:
        _check_topic(topic)
        return f"{self.dead_prefix}.{topic}"

    async def _checkout(self, topic: str) -> JetStreamContext.PullSubscription:
        idle = self._idle.get(topic)
        if idle:
            return idle.pop()
        subject = self._subject(topic)
        consumer = consumer_name(topic)
        with _reporting(f"binding consumer {consumer} on {subject}"):
            if topic not in self._consumers:
                await self._js.add_consumer(
                    self.stream,
                    ConsumerConfig(
                        durable_name=consumer,
                        description=f"DCC workers of topic {topic}",
                        filter_subject=subject,
                        deliver_policy=DeliverPolicy.ALL,
                        ack_policy=AckPolicy.EXPLICIT,
                        ack_wait=self.lease_s,
                        # Unlimited deliveries: `fetch` dead-letters a message delivered more than
                        # `max_attempts` times. With the server's own max_deliver a message whose
                        # lease ran out on its last try would stay in the work-queue stream for
                        # ever, never redelivered and never counted as dead (the server only
                        # emits an advisory, which nobody may be listening to).
                        max_deliver=-1,
                    ),
                )
                self._consumers.add(topic)
            subscription = await self._js.pull_subscribe_bind(consumer, stream=self.stream)
        self._subscriptions.append(subscription)
        return subscription

    async def _discard(self, subscription: JetStreamContext.PullSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        for idle in self._idle.values():
            if subscription in idle:
                idle.remove(subscription)
        try:
            await subscription.unsubscribe()
        except nats.errors.Error as exc:
            logger.debug("NATS at %s: unsubscribe failed: %s", self.url, exc)

    async def _accept(self, topic: str, message: Msg) -> Job | None:
        """Turn a delivery into a `Job`, or dead-letter it and return None."""
        metadata = message.metadata
        attempts = metadata.num_delivered
        job_id = str(metadata.sequence.stream)
        if attempts > self.max_attempts:
            # The last lease ran out (the worker died or hung): it never reached `nack`.
            error = f"lease of {self.lease_s:g} s ran out on attempt {self.max_attempts}"
            await self._bury(topic, message, self.max_attempts, error)
            return None
        try:
            payload = json.loads(message.data)
        except ValueError as exc:
            payload, problem = None, f"payload is not JSON: {exc}"
        else:
            problem = "payload is not a JSON object"
        if not isinstance(payload, dict):
            # No retry can fix the payload itself, so it goes straight to the dead letters.
            await self._bury(topic, message, attempts, problem)
            return None
        return Job(id=job_id, topic=topic, payload=payload, attempts=attempts, handle=message)

    async def _bury(self, topic: str, message: Msg, attempts: int, error: str) -> None:
        """Copy a message to the dead-letter stream, then terminate it in the job stream."""
        sequence = message.metadata.sequence.stream
        headers = {
            # Deduplicated by the server: dying between the copy and the terminate, then
            # burying the same message again on redelivery, still leaves one dead letter.
            "Nats-Msg-Id": f"{self.stream}:{sequence}",
            "DCC-Topic": topic,
            "DCC-Job-Id": str(sequence),
            "DCC-Attempts": str(attempts),
            "DCC-Error": " ".join(error.split())[:_MAX_ERROR_CHARS],
        }
        subject = self._dead_subject(topic)
        with _reporting(f"dead-lettering job {sequence} to {subject}"):
            await self._js.publish(subject, message.data, headers=headers, stream=self.dead_stream)
        logger.warning(
            "job %s of %s dead-lettered after %d attempts: %s", sequence, topic, attempts, error
        )
        await self._reply(message, b"+TERM")

    async def _settle(self, job: Job, body: bytes) -> None:
        await self._reply(_message(job), body)

    async def _reply(self, message: Msg, body: bytes) -> None:
        # A request, not a plain publish: the server answers once it has applied the ack, so
        # when `ack` returns the job is settled and `pending` already counts it out.
        with _reporting(f"acknowledging a job on {message.subject}"):
            await self._nc.request(message.reply, body, timeout=self._timeout)

    async def _count(self, stream: str, subject: str) -> int:
        with _reporting(f"counting {subject}"):
            info = await self._js.stream_info(stream, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))


def consumer_name(topic: str) -> str:
    """The durable consumer of `topic`: "items.process" -> "dcc-items-process"."""
    _check_topic(topic)
    return "dcc-" + topic.replace(".", "-")


def redact_url(url: str) -> str:
    """`url` with any password replaced by "***", fit for messages and logs (DESIGN §5)."""
    shown = []
    for part in url.split(","):
        parts = urlsplit(part.strip())
        if parts.password is not None:
            host = parts.hostname or ""
            if parts.port is not None:
                host = f"{host}:{parts.port}"
            netloc = f"{parts.username}:***@{host}"
            parts = parts._replace(netloc=netloc)
        shown.append(urlunsplit(parts))
    return ",".join(shown)


def _check_topic(topic: str) -> None:
    if not _TOPIC_RE.match(topic):
        raise JobError(
            f"invalid topic {topic!r}: use dot-separated words of letters, digits and '_'"
        )


def _message(job: Job) -> Msg:
    if not isinstance(job.handle, Msg):
        raise JobError(f"job {job.id} of {job.topic} was not fetched from NATS")
    return job.handle


@contextmanager
def _reporting(action: str) -> Iterator[None]:
    """Turn NATS failures inside the block into `JobError` saying what was being done."""
    try:
        yield
    except (nats.errors.Error, TimeoutError, OSError) as exc:
        raise JobError(f"{action}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    # Some nats-py errors have an empty message; the class name still says what happened.
    return str(exc) or type(exc).__name__
