"""The delivery worker: sends pending e-mail and webhook deliveries, retries them, and sends
digests (issue 4; docs/alerts.md, "Deliveries").

`run_delivery_loop` runs until its stop event is set. Every POLL_S seconds, and at once when
this process stores an alert (the alert broadcaster), it starts a round: `deliver_due` then
`send_digests`. A round claims what is due (delivery_actions.py: a claim is one worker's
only), sends concurrently, each send bounded by DCC_DELIVERY_TIMEOUT_S, and records each
outcome as soon as that send ends. Rounds overlap (up to MAX_ROUNDS), so a receiver that
hangs until the timeout holds back nothing claimed after it. Any number of loops, in any
number of processes, may run against one database.

Nothing is lost: a failed send leaves its row pending with `last_error` and a later
`next_attempt_at` (exponential backoff with jitter); a worker that dies mid-send leaves a
claimed row that comes due again when its lease ends; after DCC_DELIVERY_MAX_ATTEMPTS the row
is `dead` and stays, with its error, for `dcc alerts deliveries --status dead`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from dcc.alerts.broadcast import AlertBroadcaster, alert_broadcaster
from dcc.alerts.delivery_actions import RetryPolicy, delivery_lease, do_claim_deliveries
from dcc.alerts.digest import send_digests
from dcc.alerts.records import SENT_CHANNELS, DeliveryReport, DeliveryStatus
from dcc.alerts.senders import Senders, attempt, load_alerts
from dcc.settings import Settings

logger = logging.getLogger(__name__)

# Seconds between rounds when nothing wakes the loop (alerts stored by another process).
POLL_S = 1.0
# Deliveries claimed per round.
BATCH = 50
# Rounds in flight at once; with BATCH, what bounds concurrent sends per loop.
MAX_ROUNDS = 4

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


async def deliver_due(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    senders: Senders | None = None,
    clock: Clock | None = None,
    limit: int = BATCH,
) -> DeliveryReport:
    """Claim the e-mail and webhook deliveries due at `now` and send them concurrently.

    Each outcome is recorded (at `clock()`, default `now`) as soon as its send ends:
    delivered, pending again after a backoff, or dead. `senders` is the worker's; without
    it one is opened for this call.
    """
    claims = await asyncio.to_thread(
        do_claim_deliveries,
        engine,
        now,
        status=DeliveryStatus.PENDING,
        channels=SENT_CHANNELS,
        lease=delivery_lease(settings),
        limit=limit,
        max_attempts=settings.delivery_max_attempts,
    )
    if not claims:
        return DeliveryReport()
    alerts = await asyncio.to_thread(load_alerts, engine, claims)
    retry = RetryPolicy.from_settings(settings)
    at = clock or (lambda: now)
    owned = senders is None
    active = senders or Senders(settings)
    try:
        reports = await asyncio.gather(
            *(
                attempt(
                    engine,
                    [claim],
                    active.send_alert(claim, alerts[claim.alert_id], now),
                    clock=at,
                    retry=retry,
                )
                for claim in claims
            )
        )
    finally:
        if owned:
            await active.aclose()
    return DeliveryReport.combined(reports)


async def run_delivery_loop(
    engine: Engine,
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Clock = utc_now,
    poll_s: float = POLL_S,
    broadcaster: AlertBroadcaster = alert_broadcaster,
) -> None:
    """Deliver due e-mail and webhook deliveries and send digests until `stop` is set.

    On stop, sends in flight get up to DCC_DELIVERY_TIMEOUT_S to finish; any still running
    are cancelled, and their deliveries come due again when their lease ends.
    """
    rounds: set[asyncio.Task[None]] = set()
    async with Senders(settings) as senders:
        try:
            with broadcaster.subscribe() as wake:
                while not stop.is_set():
                    wake.clear()
                    if len(rounds) < MAX_ROUNDS:
                        task = asyncio.create_task(_round(engine, settings, senders, clock))
                        rounds.add(task)
                        task.add_done_callback(rounds.discard)
                    await _wait_any(stop, wake, timeout=poll_s)
            if rounds:
                await asyncio.wait(set(rounds), timeout=settings.delivery_timeout_s + 1)
        finally:
            # Stopped, or the loop itself cancelled: no round outlives it (or its client).
            for task in list(rounds):
                task.cancel()
            await asyncio.gather(*rounds, return_exceptions=True)


async def _round(engine: Engine, settings: Settings, senders: Senders, clock: Clock) -> None:
    """One pass: due deliveries, then due digests. Never raises (logged; the next round
    tries again)."""
    try:
        await deliver_due(engine, settings, clock(), senders=senders, clock=clock)
        await send_digests(engine, settings, clock(), senders=senders, clock=clock)
    except Exception:
        logger.exception("alert delivery round failed; the next round tries again")


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, *, timeout: float) -> None:
    """Return when `stop` or `wake` is set, or after `timeout` seconds."""
    waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
