"""Choose the job queue from settings: the jobs table when `queue_url` is empty, else NATS."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import Engine

from dcc.errors import JobError
from dcc.jobs.base import JobQueue
from dcc.jobs.nats import NatsJobQueue, redact_url
from dcc.jobs.sqlite import TableJobQueue
from dcc.settings import Settings

# nats-py's own schemes: plain and TLS. A comma-separated list names a cluster's servers.
_NATS_SCHEMES = frozenset({"nats", "tls"})


async def open_job_queue(settings: Settings, engine: Engine) -> JobQueue:
    """Open the queue `settings` select (DESIGN §2: one code base, two deployments).

    Raises `JobError` for a URL that is not nats:// or tls://, or a server that cannot be reached.
    """
    if settings.is_embedded_queue:
        return TableJobQueue(
            engine, lease_s=settings.job_lease_s, max_attempts=settings.job_max_attempts
        )
    url = settings.queue_url.strip()
    for server in url.split(","):
        scheme = urlsplit(server.strip()).scheme
        if scheme not in _NATS_SCHEMES:
            raise JobError(
                f"unsupported queue URL {redact_url(server.strip())!r} in DCC_QUEUE_URL: "
                "expected nats://host:4222 (or tls://), or empty for the embedded jobs table"
            )
    return await NatsJobQueue.connect(
        url, lease_s=settings.job_lease_s, max_attempts=settings.job_max_attempts
    )
