"""Sending one alert, or one digest, to one recipient over e-mail or a webhook.

Every send is bounded by DCC_DELIVERY_TIMEOUT_S, so a slow or silent receiver costs its own
delivery that long and nothing else: the delivery worker runs sends concurrently. A failure of
any kind comes out as DeliveryError with a short reason, which becomes the `last_error`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType

import httpx
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.channels.smtp import alert_email, digest_email, send_email
from dcc.alerts.channels.webhook import (
    alert_payload,
    digest_payload,
    encode_payload,
    post_webhook,
    webhook_client,
)
from dcc.alerts.delivery_actions import RetryPolicy, do_record_delivered, do_record_failure
from dcc.alerts.errors import DeliveryError
from dcc.alerts.queries import get_alerts
from dcc.alerts.records import Alert, Channel, DeliveryClaim, DeliveryReport
from dcc.ingest.netguard import Resolver, resolve_host
from dcc.settings import Settings

logger = logging.getLogger(__name__)


class Senders:
    """Sends alerts and digests; holds the webhook HTTP client (opened on first use).

    One per worker loop, closed with `aclose()` (or `async with`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver = resolve_host,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.timeout_s = settings.delivery_timeout_s
        self._resolver = resolver
        self._wall_clock = wall_clock  # signature timestamps are real time, whatever `now` is
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Senders:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def send_alert(self, claim: DeliveryClaim, alert: Alert, now: datetime) -> None:
        """Send `alert` for the delivery `claim`; raise DeliveryError if it did not go."""
        public_url = self.settings.public_url
        if claim.channel is Channel.EMAIL:
            message = alert_email(
                alert,
                to=claim.recipient,
                sender=self.settings.smtp_from,
                delivery_id=claim.id,
                public_url=public_url,
                now=now,
            )
            await self._bounded(asyncio.to_thread(send_email, self.settings, message))
        elif claim.channel is Channel.WEBHOOK:
            body = encode_payload(alert_payload(alert, claim.id, public_url=public_url))
            await self._bounded(self._post(claim.recipient, body, str(claim.id)))
        else:
            raise DeliveryError(f"channel {claim.channel.value} is not sent by the worker")

    async def send_digest(
        self,
        channel: Channel,
        recipient: str,
        entries: Sequence[tuple[DeliveryClaim, Alert]],
        now: datetime,
    ) -> None:
        """Send the alerts of `entries` to `recipient` as one digest; DeliveryError if not."""
        public_url = self.settings.public_url
        listed = [(claim.id, alert) for claim, alert in entries]
        if channel is Channel.EMAIL:
            message = digest_email(
                listed,
                to=recipient,
                sender=self.settings.smtp_from,
                public_url=public_url,
                now=now,
            )
            await self._bounded(asyncio.to_thread(send_email, self.settings, message))
        elif channel is Channel.WEBHOOK:
            body = encode_payload(digest_payload(listed, public_url=public_url))
            await self._bounded(self._post(recipient, body, digest_key(listed)))
        else:
            raise DeliveryError(f"channel {channel.value} is not sent by the worker")

    async def _post(self, url: str, body: bytes, key: str) -> None:
        if self._client is None:
            self._client = webhook_client(self.settings, resolver=self._resolver)
        await post_webhook(
            self._client,
            url,
            body,
            delivery_key=key,
            secret=self.settings.webhook_secret.get_secret_value(),
            timestamp=int(self._wall_clock()),
        )

    async def _bounded(self, send: Awaitable[None]) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                await send
        except TimeoutError as exc:
            raise DeliveryError(f"no answer within {self.timeout_s:g} s") from exc


def digest_key(entries: Sequence[tuple[int, Alert]]) -> str:
    """The X-DCC-Delivery value of a digest: the same for the same deliveries."""
    ids = ",".join(str(delivery_id) for delivery_id, _ in entries)
    return "digest-" + hashlib.sha256(ids.encode()).hexdigest()[:16]


async def attempt(
    engine: Engine,
    claims: Sequence[DeliveryClaim],
    send: Awaitable[None],
    *,
    clock: Callable[[], datetime],
    retry: RetryPolicy,
) -> DeliveryReport:
    """Await `send`, then record its outcome for `claims` (one delivery, or one digest's).

    Never raises for a failed send: an unexpected error (a bug) is logged and recorded like
    any failure, so one bad delivery never stops the others. Cancelled, nothing is recorded
    and the claims come due again when their lease ends.
    """
    try:
        await send
    except DeliveryError as exc:
        error = str(exc)
    except Exception as exc:
        logger.exception("sending deliveries %s failed unexpectedly", [c.id for c in claims])
        error = f"unexpected error: {type(exc).__name__}: {exc}"
    else:
        return await asyncio.to_thread(do_record_delivered, engine, claims, clock())
    logger.warning(
        "%s delivery %s failed (attempt %s): %s",
        claims[0].channel.value,
        ",".join(str(c.id) for c in claims),
        max(c.attempts for c in claims),
        error,
    )
    return await asyncio.to_thread(do_record_failure, engine, claims, error, clock(), retry=retry)


def load_alerts(engine: Engine, claims: Sequence[DeliveryClaim]) -> dict[int, Alert]:
    """The alerts of `claims`, by id (what the messages are made of)."""
    with engine.connect() as conn:
        return get_alerts(conn, LOCAL_OPERATOR, sorted({c.alert_id for c in claims}))
