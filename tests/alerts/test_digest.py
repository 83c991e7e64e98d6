"""Digests: every awaiting delivery of an interval in one message per recipient, sent to a
real SMTP server and webhook receiver on localhost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.digest import digest_boundary, send_digests
from dcc.alerts.queries import alert_deliveries_of
from dcc.alerts.records import DeliveryReport, DeliveryStatus
from delivery_helpers import (
    T0,
    SMTPSink,
    WebhookReceiver,
    delivery_settings,
    raise_alert,
    watchlist_to,
)

NEXT_HOUR = datetime(2026, 11, 24, 11, 0, 0, tzinfo=UTC)  # T0 is 10:00:30


def statuses(engine: Engine, alert_ids: list[int]) -> dict[tuple[int, str, str], str]:
    with engine.connect() as conn:
        return {
            (d.alert_id, d.channel, d.recipient): d.status.value
            for a in alert_ids
            for d in alert_deliveries_of(conn, LOCAL_OPERATOR, a)
        }


def test_digest_intervals_are_aligned_on_utc() -> None:
    assert digest_boundary(T0, 3600) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert digest_boundary(T0, 86400) == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert digest_boundary(NEXT_HOUR, 3600) == NEXT_HOUR


@pytest.mark.network
async def test_several_digest_alerts_make_one_message_per_recipient(engine: Engine) -> None:
    with SMTPSink() as sink, WebhookReceiver() as receiver:
        watchlist = watchlist_to(
            engine,
            ["desk-asia", "ops@example.org", "duty@example.org", receiver.url("/ok")],
            ["in_app", "email", "webhook"],
            schedule="digest",
        )
        alert_ids = [raise_alert(engine, watchlist, title=f"Gempa {n}") for n in range(3)]
        settings = delivery_settings(smtp_port=sink.port)
        # The interval the alerts came in is not over: nothing goes.
        assert await send_digests(engine, settings, T0 + timedelta(minutes=5)) == DeliveryReport()
        report = await send_digests(engine, settings, NEXT_HOUR)
        assert (
            await send_digests(engine, settings, NEXT_HOUR + timedelta(hours=2)) == DeliveryReport()
        )
    assert len(report.delivered) == 12 and not report.retrying
    assert set(statuses(engine, alert_ids).values()) == {"delivered"}
    assert sorted(to for _, [to] in sink.envelopes) == ["duty@example.org", "ops@example.org"]
    for message in sink.messages:
        assert message["Subject"] == "DCC digest: 3 alerts"
        body = message.get_body().get_content()  # type: ignore[union-attr]
        assert all(f"Gempa: Gempa {n}" in body for n in range(3))
    [request] = receiver.received
    assert request.is_signed and request.headers["x-dcc-delivery"].startswith("digest-")
    payload = request.json()
    assert payload["type"] == "digest"
    assert [e["alert"]["id"] for e in payload["alerts"]] == alert_ids


@pytest.mark.network
async def test_a_failed_digest_keeps_its_deliveries_for_a_later_run(engine: Engine) -> None:
    with WebhookReceiver() as receiver:
        watchlist = watchlist_to(engine, [receiver.url("/fail")], ["webhook"], schedule="digest")
        alert_ids = [raise_alert(engine, watchlist) for _ in range(2)]
        settings = delivery_settings()
        report = await send_digests(engine, settings, NEXT_HOUR)
        assert len(report.retrying) == 2
        with engine.connect() as conn:
            rows = [d for a in alert_ids for d in alert_deliveries_of(conn, LOCAL_OPERATOR, a)]
        assert {d.status for d in rows} == {DeliveryStatus.AWAITING_DIGEST}
        assert {d.last_error for d in rows} == {f"{receiver.url('/fail')} answered HTTP 500"}
        # One delay for the whole digest, so it comes back together.
        assert len({d.next_attempt_at for d in rows}) == 1
        retry_at = rows[0].next_attempt_at
        assert retry_at is not None and NEXT_HOUR < retry_at <= NEXT_HOUR + timedelta(minutes=1)
        assert (
            await send_digests(engine, settings, NEXT_HOUR + timedelta(seconds=1))
            == DeliveryReport()
        )
        report = await send_digests(engine, settings, retry_at)
    assert len(report.retrying) == 2
    assert len(receiver.received) == 2
    assert all(len(r.json()["alerts"]) == 2 for r in receiver.received)
