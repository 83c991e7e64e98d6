"""Digests: the deliveries of digest-scheduled alerts, gathered into one message per recipient.

Digest intervals (DCC_DIGEST_INTERVAL_S, default an hour) are aligned on the Unix epoch in UTC,
so hourly digests go out on the hour and daily ones at midnight UTC. A run sends every
`awaiting_digest` delivery created before the current interval began: one e-mail, or one
webhook POST, per (channel, recipient) listing its alerts; in-app ones are simply marked
delivered. A failed digest keeps its deliveries (awaiting_digest, with the error) for a later
run, after a backoff no longer than one interval, until DCC_DELIVERY_MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from dcc.alerts.delivery_actions import (
    RetryPolicy,
    delivery_lease,
    do_claim_deliveries,
    do_deliver_in_app_digests,
)
from dcc.alerts.records import (
    SENT_CHANNELS,
    Alert,
    Channel,
    DeliveryClaim,
    DeliveryReport,
    DeliveryStatus,
)
from dcc.alerts.senders import Senders, attempt, load_alerts
from dcc.settings import Settings

# Deliveries claimed per run; a recipient with more gets the rest in the next run's digest.
DIGEST_BATCH = 500


def digest_boundary(now: datetime, interval_s: float) -> datetime:
    """The start of the digest interval `now` falls in (intervals aligned on the epoch, UTC)."""
    seconds = now.timestamp()
    return datetime.fromtimestamp(seconds - seconds % interval_s, tz=UTC)


async def send_digests(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    senders: Senders | None = None,
    clock: Callable[[], datetime] | None = None,
    limit: int = DIGEST_BATCH,
) -> DeliveryReport:
    """Send the digests due at `now`, one per (channel, recipient), concurrently.

    `senders` is the worker's (else one is opened for this call); outcomes are recorded at
    `clock()` (default: `now`).
    """
    boundary = digest_boundary(now, settings.digest_interval_s)
    in_app = await asyncio.to_thread(
        do_deliver_in_app_digests, engine, now, created_before=boundary
    )
    claims = await asyncio.to_thread(
        do_claim_deliveries,
        engine,
        now,
        status=DeliveryStatus.AWAITING_DIGEST,
        channels=SENT_CHANNELS,
        lease=delivery_lease(settings),
        limit=limit,
        max_attempts=settings.delivery_max_attempts,
        created_before=boundary,
    )
    if not claims:
        return in_app
    alerts = await asyncio.to_thread(load_alerts, engine, claims)
    groups: dict[tuple[Channel, str], list[tuple[DeliveryClaim, Alert]]] = {}
    for claim in sorted(claims, key=lambda c: c.id):
        groups.setdefault((claim.channel, claim.recipient), []).append(
            (claim, alerts[claim.alert_id])
        )
    # A failed digest comes back by the next interval at the latest.
    retry = RetryPolicy.from_settings(
        settings, max_s=min(settings.delivery_backoff_max_s, settings.digest_interval_s)
    )
    at = clock or (lambda: now)
    owned = senders is None
    active = senders or Senders(settings)
    try:
        reports = await asyncio.gather(
            *(
                attempt(
                    engine,
                    [claim for claim, _ in entries],
                    active.send_digest(channel, recipient, entries, now),
                    clock=at,
                    retry=retry,
                )
                for (channel, recipient), entries in groups.items()
            )
        )
    finally:
        if owned:
            await active.aclose()
    return DeliveryReport.combined([in_app, *reports])
