"""Storing detections as alerts: one per rule and key per window, updated when it grows,
with its event, its in-app delivery and a publish after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from detection_helpers import NOW
from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import do_dismiss_alert
from dcc.alerts.broadcast import alert_broadcaster
from dcc.alerts.detection_actions import do_record_detections
from dcc.alerts.detection_records import Detection, Finding
from dcc.alerts.queries import alert_deliveries_of, alert_history, get_alert, list_alerts
from dcc.alerts.records import AlertEventType, AlertKind, AlertStatus


def detection(count: int, *, key: str = "country:ID", rule: str = "burst:country") -> Detection:
    finding = Finding(
        kind=AlertKind.BURST,
        rule=rule,
        story_key=key,
        title=f"Burst on {key}: {count} items in the last hour",
        count=count,
        window_start=NOW - timedelta(hours=1),
        window_end=NOW,
        alert_window=timedelta(hours=1),
        numbers={"window": {"count": count}},
    )
    return Detection(finding, {"window": {"count": count}, "examples": []}, 10, 10 + count)


@pytest.fixture
def publishes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(alert_broadcaster, "publish", lambda: calls.append(1))
    return calls


def test_a_detection_opens_an_alert_delivered_to_the_watch_floor(
    engine: Engine, publishes: list[int]
) -> None:
    outcome = do_record_detections(engine, [detection(30)], now=NOW)
    [alert_id] = outcome.created
    with engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
        [event] = alert_history(conn, LOCAL_OPERATOR, alert_id)
        [delivery] = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
    assert alert is not None
    assert (alert.kind, alert.status, alert.item_count) == (AlertKind.BURST, AlertStatus.NEW, 30)
    assert alert.window_ends_at == NOW + timedelta(hours=1)
    assert (alert.first_item_id, alert.last_item_id) == (10, 40)
    assert event.type is AlertEventType.CREATED
    assert (delivery.recipient, delivery.status.value) == ("watch-floor", "delivered")
    assert publishes == [1]


def test_one_alert_per_rule_and_key_per_window(engine: Engine, publishes: list[int]) -> None:
    [first] = do_record_detections(engine, [detection(30)], now=NOW).created
    # Grown by less than a tenth, or by a third within 30 seconds: nothing written or published.
    assert (
        do_record_detections(engine, [detection(32)], now=NOW + timedelta(minutes=5)).updated == ()
    )
    assert (
        do_record_detections(engine, [detection(40)], now=NOW + timedelta(seconds=10)).updated == ()
    )
    [same] = do_record_detections(engine, [detection(40)], now=NOW + timedelta(minutes=5)).updated
    # Doubled: at once.
    assert do_record_detections(engine, [detection(80)], now=NOW + timedelta(minutes=5)).updated
    # Another key, another rule: other alerts.
    other = do_record_detections(
        engine,
        [detection(30, key="country:MY"), detection(30, rule="burst:country:day")],
        now=NOW,
    ).created
    # After the window: a new alert for the same rule and key.
    [later] = do_record_detections(engine, [detection(30)], now=NOW + timedelta(hours=2)).created
    assert same == first and len(other) == 2 and later not in (first, *other)
    with engine.connect() as conn:
        alerts = list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.BURST)
        updated = get_alert(conn, LOCAL_OPERATOR, first)
        history = alert_history(conn, LOCAL_OPERATOR, first)
    assert len(alerts) == 4
    assert updated is not None and updated.item_count == 80
    assert updated.explanation["window"] == {"count": 80}
    assert [e.type for e in history] == [
        AlertEventType.CREATED,
        AlertEventType.UPDATED,
        AlertEventType.UPDATED,
    ]
    assert len(publishes) == 5


def test_a_dismissed_alert_keeps_its_status_while_it_is_updated(engine: Engine) -> None:
    [alert_id] = do_record_detections(engine, [detection(30)], now=NOW).created
    do_dismiss_alert(engine, alert_id, who="ana")
    do_record_detections(engine, [detection(60)], now=NOW + timedelta(minutes=1))
    with engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
        history = alert_history(conn, LOCAL_OPERATOR, alert_id)
    assert alert is not None and alert.status is AlertStatus.DISMISSED and alert.item_count == 60
    assert history[-1].type is AlertEventType.UPDATED
    assert history[-1].status is AlertStatus.DISMISSED


def test_two_findings_of_one_batch_for_one_key_make_one_alert(engine: Engine) -> None:
    outcome = do_record_detections(engine, [detection(30), detection(70)], now=NOW)
    assert len(outcome.created) == 1 and outcome.updated == outcome.created
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.item_count == 70
