"""The delivery worker against real receivers on localhost: an SMTP server and a webhook
receiver that checks signatures. Time is injected; nothing sleeps but real sockets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import add_deliveries
from dcc.alerts.delivery import deliver_due, run_delivery_loop
from dcc.alerts.delivery_actions import delivery_lease, do_claim_deliveries
from dcc.alerts.queries import alert_deliveries_of, get_alert
from dcc.alerts.records import Channel, Delivery, DeliveryReport, DeliveryStatus, Schedule
from dcc.alerts.senders import Senders
from delivery_helpers import (
    T0,
    SMTPSink,
    Ticker,
    WebhookReceiver,
    delivery_settings,
    free_port,
    raise_alert,
    watchlist_to,
)

pytestmark = pytest.mark.network

LATER = T0 + timedelta(seconds=61)  # past any backoff with delivery_backoff_max_s = 60


def deliveries(engine: Engine, alert_id: int, channel: Channel) -> list[Delivery]:
    with engine.connect() as conn:
        return [
            d
            for d in alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
            if d.channel == channel.value
        ]


def only(engine: Engine, alert_id: int, channel: Channel) -> Delivery:
    [delivery] = deliveries(engine, alert_id, channel)
    return delivery


# --- e-mail ----------------------------------------------------------------------------------


async def test_an_alert_email_arrives_with_its_subject_body_and_headers(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org", "desk-asia"], ["email", "in_app"])
    alert_id = raise_alert(engine, watchlist, title="Gempa M6.2\r\nBcc: spy@evil.example")
    with SMTPSink() as sink:
        settings = delivery_settings(smtp_port=sink.port)
        report = await deliver_due(engine, settings, T0)
    sent = only(engine, alert_id, Channel.EMAIL)
    assert report.delivered == (sent.id,)
    assert (sent.status, sent.attempts, sent.delivered_at) == (DeliveryStatus.DELIVERED, 1, T0)
    [message] = sink.messages
    assert sink.envelopes == [("alerts@dcc.example.org", ["ops@example.org"])]
    # The CR/LF of the title cannot add a header.
    assert message["Subject"] == "Gempa: Gempa M6.2 Bcc: spy@evil.example"
    assert message["Bcc"] is None
    assert message["To"] == "ops@example.org"
    assert message["Message-ID"] == f"<dcc.delivery.{sent.id}@dcc.example.org>"
    assert message["X-DCC-Delivery"] == str(sent.id)
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert "Watchlist: Gempa  (query: gempa)" in body and "Matched: gempa" in body
    assert "https://antara.example/" in body
    assert f"Open in DCC: https://dcc.example.org/api/v1/alerts/{alert_id}" in body
    # The in-app delivery was done when the alert was stored.
    assert only(engine, alert_id, Channel.IN_APP).status is DeliveryStatus.DELIVERED


async def test_smtp_down_then_up_loses_nothing(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    alert_id = raise_alert(engine, watchlist)
    settings = delivery_settings()  # nothing listens on its port yet
    report = await deliver_due(engine, settings, T0)
    waiting = only(engine, alert_id, Channel.EMAIL)
    assert report.retrying == (waiting.id,)
    assert waiting.status is DeliveryStatus.PENDING and waiting.attempts == 1
    assert "cannot reach SMTP server 127.0.0.1" in (waiting.last_error or "")
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > T0
    # Not due yet: nothing is tried.
    assert await deliver_due(engine, settings, T0 + timedelta(seconds=1)) == DeliveryReport()
    with SMTPSink(settings.smtp_port) as sink:
        report = await deliver_due(engine, settings, LATER)
    sent = only(engine, alert_id, Channel.EMAIL)
    assert report.delivered == (sent.id,) and len(sink.messages) == 1
    assert (sent.status, sent.attempts, sent.delivered_at) == (
        DeliveryStatus.DELIVERED,
        2,
        LATER,
    )


async def test_an_email_is_dead_after_the_last_attempt(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    alert_id = raise_alert(engine, watchlist)
    settings = delivery_settings(delivery_max_attempts=2)
    await deliver_due(engine, settings, T0)
    report = await deliver_due(engine, settings, LATER)
    dead = only(engine, alert_id, Channel.EMAIL)
    assert report.dead == (dead.id,)
    assert (dead.status, dead.attempts, dead.next_attempt_at) == (DeliveryStatus.DEAD, 2, None)
    assert "cannot reach SMTP server" in (dead.last_error or "")
    assert await deliver_due(engine, settings, LATER + timedelta(days=1)) == DeliveryReport()


async def test_without_an_smtp_host_email_waits_with_a_clear_error(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    alert_id = raise_alert(engine, watchlist)
    await deliver_due(engine, delivery_settings(smtp_host=""), T0)
    waiting = only(engine, alert_id, Channel.EMAIL)
    assert waiting.status is DeliveryStatus.PENDING
    assert (waiting.last_error or "").startswith("DCC_SMTP_HOST is not set")


# --- webhooks --------------------------------------------------------------------------------


async def test_a_webhook_is_signed_and_carries_the_alert(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        watchlist = watchlist_to(engine, [receiver.url("/ok")], ["webhook"])
        alert_id = raise_alert(engine, watchlist)
        report = await deliver_due(engine, delivery_settings(), T0)
    sent = only(engine, alert_id, Channel.WEBHOOK)
    assert report.delivered == (sent.id,) and sent.status is DeliveryStatus.DELIVERED
    [request] = receiver.received
    assert request.is_signed
    assert request.headers["x-dcc-delivery"] == str(sent.id)
    assert request.headers["content-type"] == "application/json"
    payload = request.json()
    assert payload["type"] == "alert" and payload["delivery_id"] == sent.id
    alert = payload["alert"]
    assert alert["id"] == alert_id and alert["kind"] == "watchlist"
    assert alert["title"] == "Gempa: Gempa Lombok" and alert["status"] == "new"
    assert alert["explanation"]["matched"] == ["gempa"] and alert["created_at"]
    assert alert["url"] == f"https://dcc.example.org/api/v1/alerts/{alert_id}"


async def test_a_webhook_receiver_down_then_up_gets_every_alert_once(engine: Engine) -> None:
    port = free_port()
    watchlist = watchlist_to(engine, [f"http://127.0.0.1:{port}/ok"], ["webhook"])
    alert_ids = [raise_alert(engine, watchlist) for _ in range(3)]
    settings = delivery_settings()
    first = await deliver_due(engine, settings, T0)
    assert len(first.retrying) == 3 and not first.delivered
    for alert_id in alert_ids:
        waiting = only(engine, alert_id, Channel.WEBHOOK)
        assert waiting.status is DeliveryStatus.PENDING and waiting.attempts == 1
        assert "ConnectError" in (waiting.last_error or "")
        assert waiting.next_attempt_at is not None
        assert T0 + timedelta(seconds=5) <= waiting.next_attempt_at <= T0 + timedelta(seconds=10)
    with WebhookReceiver(port) as receiver:
        second = await deliver_due(engine, settings, LATER)
    assert len(second.delivered) == 3
    ids = sorted(only(engine, a, Channel.WEBHOOK).id for a in alert_ids)
    assert sorted(int(r.headers["x-dcc-delivery"]) for r in receiver.received) == ids
    assert all(r.is_signed for r in receiver.received)


async def test_a_slow_receiver_does_not_hold_back_a_fast_one(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        slow = raise_alert(engine, watchlist_to(engine, [receiver.url("/slow")], ["webhook"]))
        fast = raise_alert(engine, watchlist_to(engine, [receiver.url("/ok")], ["webhook"]))
        settings = delivery_settings(delivery_timeout_s=0.5)
        report = await deliver_due(engine, settings, T0, clock=Ticker(T0))
        # deliver_due came back although the slow receiver has not answered (and will not
        # until it is released).
        assert not receiver.slow_answered.is_set()
    done, timed_out = only(engine, fast, Channel.WEBHOOK), only(engine, slow, Channel.WEBHOOK)
    assert report.delivered == (done.id,) and report.retrying == (timed_out.id,)
    assert timed_out.last_error == "no answer within 0.5 s"
    # Outcomes are recorded as each send ends: the fast one first.
    assert done.updated_at < timed_out.updated_at
    assert sorted(receiver.paths()) == ["/ok", "/slow"]


async def test_an_error_or_garbage_answer_is_a_failure(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        failing = raise_alert(engine, watchlist_to(engine, [receiver.url("/fail")], ["webhook"]))
        garbled = raise_alert(engine, watchlist_to(engine, [receiver.url("/garbage")], ["webhook"]))
        report = await deliver_due(engine, delivery_settings(), T0)
    assert len(report.retrying) == 2 and not report.delivered
    assert only(engine, failing, Channel.WEBHOOK).last_error == (
        f"{receiver.url('/fail')} answered HTTP 500"
    )
    assert "RemoteProtocolError" in (only(engine, garbled, Channel.WEBHOOK).last_error or "")


async def test_a_failing_webhook_is_dead_after_the_last_attempt(engine: Engine) -> None:
    settings = delivery_settings(delivery_max_attempts=3)
    with WebhookReceiver() as receiver:
        alert_id = raise_alert(engine, watchlist_to(engine, [receiver.url("/fail")], ["webhook"]))
        now = T0
        for _ in range(3):
            await deliver_due(engine, settings, now)
            now += timedelta(seconds=61)
        assert await deliver_due(engine, settings, now + timedelta(days=1)) == DeliveryReport()
    dead = only(engine, alert_id, Channel.WEBHOOK)
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, 3)
    assert len(receiver.received) == 3


async def test_without_a_secret_nothing_is_sent_unsigned(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        alert_id = raise_alert(engine, watchlist_to(engine, [receiver.url()], ["webhook"]))
        await deliver_due(engine, delivery_settings(webhook_secret=SecretStr("")), T0)
    waiting = only(engine, alert_id, Channel.WEBHOOK)
    assert waiting.status is DeliveryStatus.PENDING
    assert (waiting.last_error or "").startswith("DCC_WEBHOOK_SECRET is not set")
    assert receiver.received == []


async def test_the_address_is_checked_again_at_send_time(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        # Allowed when the watchlist was saved; no longer allowed when the alert is sent.
        alert_id = raise_alert(engine, watchlist_to(engine, [receiver.url()], ["webhook"]))
        await deliver_due(engine, delivery_settings(webhook_allowed_private=[]), T0)
    refused = only(engine, alert_id, Channel.WEBHOOK)
    assert refused.status is DeliveryStatus.PENDING
    assert "127.0.0.1 is not a public address (loopback)" in (refused.last_error or "")
    assert receiver.received == []


async def test_a_name_that_rebinds_to_a_private_address_is_refused(engine: Engine) -> None:
    watchlist = watchlist_to(engine, ["ops@example.org"], ["email"])
    alert_id = raise_alert(engine, watchlist)
    with engine.begin() as conn:  # as another kind of alert (a burst) would record it
        add_deliveries(
            conn,
            alert_id,
            channels=[Channel.WEBHOOK],
            recipients=["https://hooks.example.org/dcc"],
            owner="ana",
            schedule=Schedule.INSTANT,
            now=T0,
        )

    async def rebound(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]

    settings = delivery_settings(smtp_host="")
    async with Senders(settings, resolver=rebound) as senders:
        await deliver_due(engine, settings, T0, senders=senders)
    refused = only(engine, alert_id, Channel.WEBHOOK)
    assert "host hooks.example.org resolves to 10.0.0.7, not a public address (private)" in (
        refused.last_error or ""
    )


# --- workers ---------------------------------------------------------------------------------


async def test_two_workers_never_send_one_delivery_twice(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        watchlist = watchlist_to(engine, [receiver.url("/ok")], ["webhook"])
        alert_ids = [raise_alert(engine, watchlist) for _ in range(20)]
        settings = delivery_settings()
        one, two = await asyncio.gather(
            deliver_due(engine, settings, T0), deliver_due(engine, settings, T0)
        )
    expected = sorted(only(engine, a, Channel.WEBHOOK).id for a in alert_ids)
    assert sorted(one.delivered + two.delivered) == expected
    assert not set(one.delivered) & set(two.delivered)
    assert sorted(int(r.headers["x-dcc-delivery"]) for r in receiver.received) == expected


async def test_a_claim_left_by_a_dead_worker_is_taken_again_after_its_lease(
    engine: Engine,
) -> None:
    settings = delivery_settings()
    with WebhookReceiver() as receiver:
        alert_id = raise_alert(engine, watchlist_to(engine, [receiver.url()], ["webhook"]))
        lease = delivery_lease(settings)
        # A worker claims the delivery and dies before sending.
        [claim] = do_claim_deliveries(
            engine,
            T0,
            status=DeliveryStatus.PENDING,
            channels=[Channel.WEBHOOK],
            lease=lease,
            limit=10,
            max_attempts=settings.delivery_max_attempts,
        )
        assert (await deliver_due(engine, settings, T0 + lease / 2)).delivered == ()
        report = await deliver_due(engine, settings, T0 + lease)
    sent = only(engine, alert_id, Channel.WEBHOOK)
    assert report.delivered == (claim.id,) == (sent.id,)
    assert (sent.status, sent.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(receiver.received) == 1


async def test_the_loop_sends_a_new_alert_at_once_and_stops(engine: Engine) -> None:
    settings = delivery_settings()
    stop = asyncio.Event()
    with WebhookReceiver() as receiver:
        watchlist = watchlist_to(engine, [receiver.url()], ["webhook"])
        loop = asyncio.create_task(run_delivery_loop(engine, settings, stop, poll_s=30))
        await asyncio.sleep(0)  # let the loop subscribe before the alert is stored
        # Stored "now" (the loop's clock is the real one); the broadcaster wakes the loop.
        now = datetime.now(tz=UTC)
        alert_id = await asyncio.to_thread(raise_alert, engine, watchlist, now=now)
        assert await asyncio.to_thread(receiver.arrived.wait, 10)
        stop.set()
        await asyncio.wait_for(loop, timeout=10)
    with engine.connect() as conn:
        assert get_alert(conn, LOCAL_OPERATOR, alert_id) is not None
    [request] = receiver.received
    assert request.is_signed and request.json()["alert"]["id"] == alert_id


async def test_a_cancelled_loop_leaves_no_round_behind(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        watchlist = watchlist_to(engine, [receiver.url("/slow")], ["webhook"])
        alert_id = raise_alert(engine, watchlist, now=datetime.now(tz=UTC))
        loop = asyncio.create_task(
            run_delivery_loop(engine, delivery_settings(), asyncio.Event(), poll_s=30)
        )
        assert await asyncio.to_thread(receiver.arrived.wait, 10)  # a send is in flight
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    # Nothing was recorded: the claim lapses with its lease, and the alert is sent again.
    claimed = only(engine, alert_id, Channel.WEBHOOK)
    assert (claimed.status, claimed.attempts, claimed.last_error) == (
        DeliveryStatus.PENDING,
        1,
        None,
    )
