"""Sending coordination notifications over e-mail and webhooks (issue 6), with the alert
channels' senders, SSRF guard, signatures and retry policy (alerts/channels/, docs/alerts.md).

A round claims due deliveries one by one with a conditional UPDATE (pending, due, attempts
as read -> attempts + 1, next attempt pushed past the send's lease), so two workers never
send one twice; each send is bounded by DCC_DELIVERY_TIMEOUT_S; a failure is retried with
backoff and dead after DCC_DELIVERY_MAX_ATTEMPTS, its error kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from sqlalchemy import Engine, and_, select, update

from dcc.alerts.channels.smtp import header_text, send_email
from dcc.alerts.channels.webhook import encode_payload, post_webhook, webhook_client
from dcc.alerts.delivery_actions import RetryPolicy, delivery_lease
from dcc.alerts.errors import DeliveryError
from dcc.alerts.records import Channel, DeliveryStatus
from dcc.settings import Settings
from dcc.store.schema import agency_channels, notification_deliveries, notifications

log = logging.getLogger("dcc.coordination.notify")

BATCH = 50
POLL_S = 2.0
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class _Claim:
    delivery_id: int
    channel: str
    recipient: str
    attempts: int
    notification_id: int
    kind: str
    title: str
    incident_id: int
    task_id: int | None
    created_at: datetime
    agency_id: str | None


def _claim(engine: Engine, settings: Settings, now: datetime) -> list[_Claim]:
    lease_until = now + delivery_lease(settings)
    d, n = notification_deliveries, notifications
    query = (
        select(d, n.c.kind, n.c.title, n.c.incident_id, n.c.task_id, n.c.agency_id)
        .add_columns(n.c.created_at.label("notified_at"))
        .join(n, n.c.id == d.c.notification_id)
        .where(d.c.status == DeliveryStatus.PENDING.value, d.c.next_attempt_at <= now)
        .order_by(d.c.next_attempt_at, d.c.id)
        .limit(BATCH)
    )
    claims: list[_Claim] = []
    with engine.begin() as conn:
        for row in conn.execute(query).all():
            taken = conn.execute(
                update(d)
                .where(
                    and_(
                        d.c.id == row.id,
                        d.c.status == DeliveryStatus.PENDING.value,
                        d.c.attempts == row.attempts,
                    )
                )
                .values(attempts=row.attempts + 1, next_attempt_at=lease_until, updated_at=now)
            ).rowcount
            if taken:
                claims.append(
                    _Claim(
                        delivery_id=row.id,
                        channel=row.channel,
                        recipient=row.recipient,
                        attempts=row.attempts + 1,
                        notification_id=row.notification_id,
                        kind=row.kind,
                        title=row.title,
                        incident_id=row.incident_id,
                        task_id=row.task_id,
                        created_at=row.notified_at,
                        agency_id=row.agency_id,
                    )
                )
    return claims


def incident_url(settings: Settings, incident_id: int) -> str:
    base = settings.public_url.rstrip("/")
    return f"{base}/incidents/{incident_id}" if base else f"/incidents/{incident_id}"


def notification_email(claim: _Claim, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header_text(settings.smtp_from)
    message["To"] = header_text(claim.recipient)
    message["Subject"] = header_text(claim.title) or "DCC notification"
    message["Date"] = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
    message["Auto-Submitted"] = "auto-generated"
    message["X-DCC-Notification"] = str(claim.notification_id)
    message["Message-ID"] = f"<dcc.notification.{claim.delivery_id}@dcc.invalid>"
    message.set_content(
        f"{claim.title}\n\nOpen it in DCC: {incident_url(settings, claim.incident_id)}\n\n"
        "-- \nDCC, the digital command center. You receive this because you or your agency "
        "take part in this incident."
    )
    return message


def notification_payload(claim: _Claim, settings: Settings) -> dict[str, object]:
    return {
        "type": "dcc.notification",
        "notification": {
            "id": claim.notification_id,
            "kind": claim.kind,
            "title": claim.title,
            "incident_id": claim.incident_id,
            "task_id": claim.task_id,
            "created_at": claim.created_at.astimezone(UTC).isoformat(),
            "url": incident_url(settings, claim.incident_id),
        },
    }


async def deliver_notifications(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> dict[str, int]:
    """One round: send every due notification delivery; counts by outcome."""
    at = now or datetime.now(tz=UTC)
    policy = retry or RetryPolicy.from_settings(settings)
    claims = await asyncio.to_thread(_claim, engine, settings, at)
    outcome = {"delivered": 0, "failed": 0, "dead": 0}
    if not claims:
        return outcome
    async with webhook_client(settings) as client:

        async def send(claim: _Claim) -> None:
            try:
                async with asyncio.timeout(settings.delivery_timeout_s + 5):
                    if claim.channel == Channel.EMAIL.value:
                        message = notification_email(claim, settings, at)
                        await asyncio.to_thread(send_email, settings, message)
                    elif claim.channel == Channel.WEBHOOK.value:
                        secret = await asyncio.to_thread(_webhook_secret, engine, claim, settings)
                        await post_webhook(
                            client,
                            claim.recipient,
                            encode_payload(notification_payload(claim, settings)),
                            delivery_key=f"notification-{claim.delivery_id}",
                            secret=secret,
                            timestamp=int(time.time()),
                        )
                    else:
                        raise DeliveryError(f"unknown channel {claim.channel!r}")
            except (DeliveryError, TimeoutError) as exc:
                reason = str(exc) or "timed out"
                dead = await asyncio.to_thread(_failed, engine, claim, reason, policy, at)
                outcome["dead" if dead else "failed"] += 1
                return
            await asyncio.to_thread(_delivered, engine, claim, at)
            outcome["delivered"] += 1

        await asyncio.gather(*(send(claim) for claim in claims))
    return outcome


def _webhook_secret(engine: Engine, claim: _Claim, settings: Settings) -> str:
    with engine.connect() as conn:
        secret = conn.execute(
            select(agency_channels.c.secret).where(
                agency_channels.c.agency_id == claim.agency_id,
                agency_channels.c.channel == Channel.WEBHOOK.value,
                agency_channels.c.address == claim.recipient,
            )
        ).scalar()
    return secret or settings.webhook_secret.get_secret_value()


def _delivered(engine: Engine, claim: _Claim, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(notification_deliveries)
            .where(notification_deliveries.c.id == claim.delivery_id)
            .values(
                status=DeliveryStatus.DELIVERED.value,
                delivered_at=at,
                updated_at=at,
                next_attempt_at=None,
                last_error=None,
            )
        )


def _failed(engine: Engine, claim: _Claim, reason: str, policy: RetryPolicy, at: datetime) -> bool:
    dead = claim.attempts >= policy.max_attempts
    with engine.begin() as conn:
        conn.execute(
            update(notification_deliveries)
            .where(notification_deliveries.c.id == claim.delivery_id)
            .values(
                status=DeliveryStatus.DEAD.value if dead else DeliveryStatus.PENDING.value,
                last_error=reason[:1000],
                updated_at=at,
                next_attempt_at=None if dead else at + policy.delay(claim.attempts),
            )
        )
    log.warning(
        "notification delivery %s to %s failed (attempt %s%s): %s",
        claim.delivery_id,
        claim.channel,
        claim.attempts,
        ", giving up" if dead else "",
        reason,
    )
    return dead


async def run_notification_loop(
    engine: Engine, settings: Settings, stop: asyncio.Event, *, clock: Clock | None = None
) -> None:
    """Deliver due notifications every POLL_S seconds until `stop` is set."""
    now = clock or (lambda: datetime.now(tz=UTC))
    while not stop.is_set():
        try:
            await deliver_notifications(engine, settings, now=now())
        except Exception:
            log.exception("notification delivery round failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=POLL_S)
