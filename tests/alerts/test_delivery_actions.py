"""Delivery rows: created per channel and recipient, claimed by one worker only, outcomes
recorded with backoff and a dead letter (real databases; no sockets)."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import add_deliveries, do_record_matches
from dcc.alerts.delivery_actions import (
    RetryPolicy,
    do_claim_deliveries,
    do_deliver_in_app_digests,
    do_record_delivered,
    do_record_failure,
)
from dcc.alerts.queries import alert_deliveries_of, list_deliveries
from dcc.alerts.records import (
    Channel,
    DeliveryClaim,
    DeliveryReport,
    DeliveryStatus,
    Schedule,
    WatchlistMatch,
)
from delivery_helpers import T0, raise_alert, watchlist_to

LEASE = timedelta(minutes=1)
HOOK = "https://93.184.216.34/dcc"  # a public address literal: no DNS needed to save it


def claim(engine: Engine, now: datetime = T0, *, max_attempts: int = 8) -> list[DeliveryClaim]:
    return do_claim_deliveries(
        engine,
        now,
        status=DeliveryStatus.PENDING,
        channels=[Channel.EMAIL, Channel.WEBHOOK],
        lease=LEASE,
        limit=100,
        max_attempts=max_attempts,
    )


def test_deliveries_go_to_the_recipients_each_channel_reaches(engine: Engine) -> None:
    watchlist = watchlist_to(
        engine, ["desk-asia", "ops@example.org", HOOK], ["in_app", "email", "webhook"]
    )
    alert_id = raise_alert(engine, watchlist)
    with engine.connect() as conn:
        found = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert [(d.channel, d.recipient, d.status, d.attempts) for d in found] == [
        ("in_app", "desk-asia", DeliveryStatus.DELIVERED, 1),
        ("email", "ops@example.org", DeliveryStatus.PENDING, 0),
        ("webhook", HOOK, DeliveryStatus.PENDING, 0),
    ]
    assert [d.next_attempt_at for d in found] == [None, T0, T0]
    assert found[0].delivered_at == T0 and found[1].delivered_at is None


def test_in_app_goes_to_the_owner_when_only_addresses_are_listed(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["in_app", "email"])
    alert_id = raise_alert(engine, watchlist)
    with engine.connect() as conn:
        found = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert [(d.channel, d.recipient) for d in found] == [
        ("in_app", "ana"),
        ("email", "ops@example.org"),
    ]


def test_a_digest_schedule_keeps_every_delivery_for_the_digest(engine: Engine) -> None:
    watchlist = watchlist_to(
        engine, ["ops@example.org", HOOK], ["in_app", "email", "webhook"], schedule="digest"
    )
    alert_id = raise_alert(engine, watchlist)
    with engine.connect() as conn:
        found = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert {d.status for d in found} == {DeliveryStatus.AWAITING_DIGEST}
    assert [d.recipient for d in found] == ["ana", "ops@example.org", HOOK]
    assert claim(engine) == []  # the instant worker leaves them to the digest


def test_add_deliveries_serves_any_kind_of_alert(engine: Engine) -> None:
    alert_id = raise_alert(engine, watchlist_to(engine, ["ana"], ["in_app"]))
    with engine.begin() as conn:
        added = add_deliveries(
            conn,
            alert_id,
            channels=[Channel.IN_APP, Channel.EMAIL],
            recipients=["duty", "duty@example.org"],
            owner="system",
            schedule=Schedule.INSTANT,
            now=T0,
        )
    assert added == 2
    [claimed] = claim(engine)
    assert (claimed.channel, claimed.recipient, claimed.attempts) == (
        Channel.EMAIL,
        "duty@example.org",
        1,
    )


def test_a_claim_is_one_workers_until_its_lease_ends(engine: Engine) -> None:
    alert_id = raise_alert(engine, watchlist_to(engine, ["ops@example.org"], ["email"]))
    [first] = claim(engine)
    assert first.alert_id == alert_id and first.status is DeliveryStatus.PENDING
    assert claim(engine, T0 + LEASE / 2) == []
    [again] = claim(engine, T0 + LEASE)  # the first worker died: the lease ran out
    assert (again.id, again.attempts) == (first.id, 2)
    # The first worker's late report changes nothing; the second's counts.
    assert do_record_delivered(engine, [first], T0 + LEASE) == DeliveryReport()
    assert do_record_delivered(engine, [again], T0 + LEASE) == DeliveryReport(delivered=(again.id,))


def test_concurrent_claims_never_share_a_delivery(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    for _ in range(30):
        raise_alert(engine, watchlist)
    start = threading.Barrier(4)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            claimed.append([c.id for c in claim(engine)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 30


def test_failures_back_off_then_die(engine: Engine) -> None:
    alert_id = raise_alert(engine, watchlist_to(engine, ["ops@example.org"], ["email"]))
    retry = RetryPolicy(max_attempts=3, base_s=10, max_s=25, rng=random.Random(4))
    now = T0
    waits = []
    for attempt in (1, 2, 3):
        [claimed] = claim(engine, now, max_attempts=3)
        assert claimed.attempts == attempt
        report = do_record_failure(engine, [claimed], "  SMTP\n said no ", now, retry=retry)
        with engine.connect() as conn:
            [row] = [d for d in list_deliveries(conn, LOCAL_OPERATOR) if d.alert_id == alert_id]
        assert row.last_error == "SMTP said no"
        if attempt < 3:
            assert report == DeliveryReport(retrying=(claimed.id,))
            assert row.status is DeliveryStatus.PENDING and row.next_attempt_at is not None
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
        else:
            assert report == DeliveryReport(dead=(claimed.id,))
            assert row.status is DeliveryStatus.DEAD and row.next_attempt_at is None
    # 10 s then 20 s, each between half and all of it.
    assert timedelta(seconds=5) <= waits[0] <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= waits[1] <= timedelta(seconds=20)
    assert claim(engine, now + timedelta(days=1)) == []


def test_a_delivery_whose_worker_keeps_dying_ends_dead(engine: Engine) -> None:
    alert_id = raise_alert(engine, watchlist_to(engine, ["ops@example.org"], ["email"]))
    now = T0
    for _ in range(2):  # two claims, never reported back
        assert len(claim(engine, now, max_attempts=2)) == 1
        now += LEASE
    assert claim(engine, now, max_attempts=2) == []
    with engine.connect() as conn:
        [row] = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert row.status is DeliveryStatus.DEAD
    assert "never reported back" in (row.last_error or "")


def test_in_app_digests_are_delivered_once_their_interval_is_over(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["desk-asia"], ["in_app"], schedule="digest")
    alert_id = raise_alert(engine, watchlist)
    assert do_deliver_in_app_digests(engine, T0, created_before=T0) == DeliveryReport()
    later = T0 + timedelta(hours=1)
    report = do_deliver_in_app_digests(engine, later, created_before=later)
    with engine.connect() as conn:
        [row] = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert report == DeliveryReport(delivered=(row.id,))
    assert (row.status, row.attempts, row.delivered_at) == (DeliveryStatus.DELIVERED, 1, later)


@pytest.mark.parametrize(("attempts", "ceiling"), [(1, 30), (2, 60), (5, 480), (40, 3600)])
def test_retry_delays_double_with_jitter_up_to_the_cap(attempts: int, ceiling: float) -> None:
    retry = RetryPolicy(max_attempts=8, base_s=30, max_s=3600, rng=random.Random(1))
    delays = [retry.delay(attempts).total_seconds() for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 100  # jittered, not one value


def test_recording_matches_adds_no_delivery_twice(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    match = WatchlistMatch(watchlist.id, 1, "story:a", "Gempa", None, "antara-id")
    do_record_matches(engine, [match], window=timedelta(hours=1), now=T0)
    do_record_matches(engine, [match], window=timedelta(hours=1), now=T0)
    assert len(claim(engine)) == 1
