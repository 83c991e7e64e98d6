"""Coordination notifications reach a real SMTP server and a real webhook receiver on
localhost, signed; a receiver that is down gets the delivery later; a mailbox or webhook
that never answers ends dead with its error kept (issue 6)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from dcc.accounts.queries import principal_of
from dcc.alerts.delivery_actions import RetryPolicy
from dcc.coordination.actions import do_open_incident
from dcc.coordination.notify_delivery import deliver_notifications
from dcc.coordination.records import IncidentKind, IncidentSpec, Severity, TaskSpec
from dcc.coordination.task_actions import do_create_task
from dcc.store.schema import agency_channels, notification_deliveries, user_contacts
from delivery_helpers import SECRET, SMTPSink, WebhookReceiver, delivery_settings
from web_helpers import make_user

T0 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def _statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(notification_deliveries)).all()
    return {f"{row.channel}:{row.recipient}": row.status for row in rows}


def test_an_assignment_is_mailed_and_posted_signed(engine: Engine) -> None:
    ana = principal_of(make_user(engine, "ana"))
    lia = make_user(engine, "lia", agency="bnpb")
    with SMTPSink() as sink, WebhookReceiver() as receiver:
        settings = delivery_settings(smtp_port=sink.port)
        with engine.begin() as conn:
            conn.execute(
                insert(user_contacts).values(user_id=lia.id, email="lia@bnpb.go.id", updated_at=T0)
            )
            conn.execute(
                insert(agency_channels).values(
                    agency_id="bnpb", channel="webhook", address=receiver.url("/ok/bnpb"),
                    secret=SECRET, created_at=T0,
                )
            )  # fmt: skip
            conn.execute(
                insert(agency_channels).values(
                    agency_id="bnpb", channel="webhook", address=receiver.url("/fail"),
                    secret=SECRET, created_at=T0,
                )
            )  # fmt: skip
        incident = do_open_incident(
            engine, IncidentSpec("Banjir", IncidentKind.DISASTER, Severity.HIGH), by=ana, now=T0
        )
        do_create_task(
            engine, incident.id, TaskSpec("Data korban", "bnpb", assignee="lia"), by=ana, now=T0
        )
        retry = RetryPolicy(max_attempts=2, base_s=10, max_s=10)
        first = asyncio.run(deliver_notifications(engine, settings, now=T0, retry=retry))
        assert first == {"delivered": 2, "failed": 1, "dead": 0}
        [mail] = sink.messages
        assert mail["To"] == "lia@bnpb.go.id"
        assert "[TLP:AMBER] Task for bnpb: Data korban" in mail["Subject"]
        assert f"/incidents/{incident.id}" in mail.get_content()
        [posted] = [r for r in receiver.received if r.path == "/ok/bnpb"]
        assert posted.is_signed
        assert posted.json()["notification"]["kind"] == "assigned"
        # Not due again before its backoff; then it fails once more and is dead.
        assert asyncio.run(deliver_notifications(engine, settings, now=T0, retry=retry)) == {
            "delivered": 0, "failed": 0, "dead": 0,
        }  # fmt: skip
        later = T0 + timedelta(minutes=5)
        assert asyncio.run(deliver_notifications(engine, settings, now=later, retry=retry)) == {
            "delivered": 0, "failed": 0, "dead": 1,
        }  # fmt: skip
    statuses = _statuses(engine)
    assert statuses[f"webhook:{receiver.url('/fail')}"] == "dead"
    assert statuses["email:lia@bnpb.go.id"] == "delivered"
    with engine.connect() as conn:
        error = conn.execute(
            select(notification_deliveries.c.last_error).where(
                notification_deliveries.c.status == "dead"
            )
        ).scalar_one()
    assert "HTTP 500" in error
