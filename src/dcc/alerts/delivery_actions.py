"""The only writers of delivery outcomes (STYLE rule 3): claims for a send, and what it did.

A claim is a conditional UPDATE of one row: it succeeds only if the row is still due and still
has the attempt count read just before (`attempts` is the row's version), and it moves
`next_attempt_at` to the end of a lease. So two workers never both claim a delivery (on
PostgreSQL the second UPDATE waits for the first's commit, then finds the row changed; SQLite
has one writer), and a worker that dies mid-send leaves a row that becomes due again when the
lease ends. Outcomes are recorded only while the row still carries the claim's attempt count.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, select, update

from dcc.alerts.records import Channel, DeliveryClaim, DeliveryReport, DeliveryStatus
from dcc.settings import Settings
from dcc.store.schema import alert_deliveries

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 1000
# Exponents above this change nothing once the cap is reached, and keep floats finite.
_MAX_EXPONENT = 32


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how late failed deliveries are tried again (pure).

    The n-th failed attempt waits `base_s * 2**(n-1)`, capped at `max_s`, with "equal
    jitter" (half of it fixed, half random) so that deliveries failed together by one outage
    do not all come back at the same second. After `max_attempts` attempts: dead.
    """

    max_attempts: int
    base_s: float
    max_s: float
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, max_s: float | None = None) -> RetryPolicy:
        cap = settings.delivery_backoff_max_s if max_s is None else max_s
        return cls(
            max_attempts=settings.delivery_max_attempts,
            base_s=settings.delivery_backoff_s,
            max_s=max(cap, 0.0),
        )

    def delay(self, attempts: int) -> timedelta:
        """The wait before the next attempt, after `attempts` attempts failed."""
        exponent = min(max(attempts - 1, 0), _MAX_EXPONENT)
        ceiling = min(self.max_s, self.base_s * 2**exponent)
        return timedelta(seconds=ceiling / 2 + self.rng.uniform(0, ceiling / 2))


def delivery_lease(settings: Settings) -> timedelta:
    """How long a claim holds a delivery: well past a send's timeout, so that only a worker
    that died (or hung) loses it."""
    return timedelta(seconds=2 * settings.delivery_timeout_s + 30)


def do_claim_deliveries(
    engine: Engine,
    now: datetime,
    *,
    status: DeliveryStatus,
    channels: Sequence[Channel],
    lease: timedelta,
    limit: int,
    max_attempts: int,
    created_before: datetime | None = None,
) -> list[DeliveryClaim]:
    """Claim up to `limit` deliveries in `status` over `channels` that are due at `now`.

    Each returned claim is this caller's alone until `now + lease`. A row whose attempts are
    spent although it is still due (its last attempt never reported back: the worker died)
    is marked dead instead. `created_before` keeps digests to the intervals that are over.
    """
    cols = alert_deliveries.c
    query = (
        select(cols.id, cols.alert_id, cols.channel, cols.recipient, cols.attempts)
        .where(
            cols.status == status.value,
            cols.channel.in_([c.value for c in channels]),
            cols.next_attempt_at <= now,
        )
        .order_by(cols.next_attempt_at, cols.id)
        .limit(max(1, limit))
    )
    if created_before is not None:
        query = query.where(cols.created_at < created_before)
    claims: list[DeliveryClaim] = []
    with engine.begin() as conn:
        for row in conn.execute(query).all():
            unchanged = (
                cols.id == row.id,
                cols.status == status.value,
                cols.attempts == row.attempts,
                cols.next_attempt_at <= now,
            )
            if row.attempts >= max_attempts:
                conn.execute(
                    update(alert_deliveries)
                    .where(*unchanged)
                    .values(
                        status=DeliveryStatus.DEAD.value,
                        next_attempt_at=None,
                        updated_at=now,
                        last_error=(
                            f"gave up after {row.attempts} attempts; the last never reported "
                            "back (its worker stopped during the send)"
                        ),
                    )
                )
                logger.warning("delivery %s is dead: its last attempt never finished", row.id)
                continue
            claimed = conn.execute(
                update(alert_deliveries)
                .where(*unchanged)
                .values(attempts=row.attempts + 1, next_attempt_at=now + lease, updated_at=now)
            )
            if claimed.rowcount == 1:
                claims.append(
                    DeliveryClaim(
                        id=int(row.id),
                        alert_id=int(row.alert_id),
                        channel=Channel(row.channel),
                        recipient=row.recipient,
                        status=status,
                        attempts=row.attempts + 1,
                    )
                )
    return claims


def do_record_delivered(
    engine: Engine, claims: Sequence[DeliveryClaim], now: datetime
) -> DeliveryReport:
    """The claimed deliveries were sent: delivered at `now` (their last error is kept)."""
    delivered: list[int] = []
    with engine.begin() as conn:
        for claim in claims:
            done = conn.execute(
                update(alert_deliveries)
                .where(*_still_claimed(claim))
                .values(
                    status=DeliveryStatus.DELIVERED.value,
                    delivered_at=now,
                    next_attempt_at=None,
                    updated_at=now,
                )
            )
            if done.rowcount == 1:
                delivered.append(claim.id)
    return DeliveryReport(delivered=tuple(delivered))


def do_record_failure(
    engine: Engine,
    claims: Sequence[DeliveryClaim],
    error: str,
    now: datetime,
    *,
    retry: RetryPolicy,
) -> DeliveryReport:
    """The send of the claimed deliveries (one, or one digest) failed with `error`.

    Each is due again after the backoff (one delay for all, so a digest stays together),
    keeping its status, or dead once its attempts reach `retry.max_attempts`.
    """
    if not claims:
        return DeliveryReport()
    reason = " ".join(error.split())[:MAX_ERROR_LENGTH] or "failed (no reason given)"
    retry_at = now + retry.delay(max(c.attempts for c in claims))
    retrying: list[int] = []
    dead: list[int] = []
    with engine.begin() as conn:
        for claim in claims:
            is_dead = claim.attempts >= retry.max_attempts
            values: dict[str, object] = {"last_error": reason, "updated_at": now}
            if is_dead:
                values.update(status=DeliveryStatus.DEAD.value, next_attempt_at=None)
            else:
                values.update(next_attempt_at=retry_at)
            done = conn.execute(
                update(alert_deliveries).where(*_still_claimed(claim)).values(**values)
            )
            if done.rowcount == 1:
                (dead if is_dead else retrying).append(claim.id)
    return DeliveryReport(retrying=tuple(retrying), dead=tuple(dead))


def do_deliver_in_app_digests(
    engine: Engine, now: datetime, *, created_before: datetime
) -> DeliveryReport:
    """In-app deliveries kept for a digest whose interval is over are delivered: the app
    shows every alert anyway, so there is nothing to send."""
    cols = alert_deliveries.c
    with engine.begin() as conn:
        ids = conn.execute(
            update(alert_deliveries)
            .where(
                cols.status == DeliveryStatus.AWAITING_DIGEST.value,
                cols.channel == Channel.IN_APP.value,
                cols.created_at < created_before,
            )
            .values(
                status=DeliveryStatus.DELIVERED.value,
                attempts=cols.attempts + 1,
                delivered_at=now,
                next_attempt_at=None,
                updated_at=now,
            )
            .returning(cols.id)
        ).scalars()
        return DeliveryReport(delivered=tuple(sorted(int(i) for i in ids)))


def _still_claimed(claim: DeliveryClaim) -> tuple[ColumnElement[bool], ...]:
    cols = alert_deliveries.c
    return (
        cols.id == claim.id,
        cols.status == claim.status.value,
        cols.attempts == claim.attempts,
    )
