"""Deadlines, reminders and the escalation ladder (pure; the clock is a parameter)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dcc.coordination.errors import CoordinationError
from dcc.coordination.records import Severity, Task, TaskStatus
from dcc.coordination.sla import (
    Escalate,
    Remind,
    Rung,
    deadlines,
    decide,
    load_policy,
    parse_duration,
    policy_from_mapping,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = load_policy()


def _task(**changes: object) -> Task:
    ack_due, due = deadlines(POLICY, Severity.HIGH, T0)
    task = Task(
        id=1, incident_id=1, title="Hubungi KBRI", details="", assigned_agency="kbri-tokyo",
        assignee_id=None, status=TaskStatus.OPEN, ack_due_at=ack_due, due_at=due,
        acknowledged_at=None, completed_at=None, outcome=None, escalation_level=0,
        escalated_to_agency=None, escalated_to_user=None, escalated_at=None, reminded_at=None,
        owner_agency="kemlu", tlp="AMBER", created_by=None, created_at=T0, updated_at=T0,
    )  # fmt: skip
    return dataclasses.replace(task, **changes)  # type: ignore[arg-type]


def test_the_built_in_policy_sets_deadlines_by_severity() -> None:
    assert deadlines(POLICY, Severity.CRITICAL, T0) == (
        T0 + timedelta(minutes=15),
        T0 + timedelta(hours=2),
    )
    assert deadlines(POLICY, Severity.LOW, T0)[1] == T0 + timedelta(days=3)
    assert [step.to for step in POLICY.ladder] == [
        Rung.SUPERVISING_AGENCY,
        Rung.ON_CALL,
        Rung.INCIDENT_COMMANDER,
    ]


def test_an_unacknowledged_task_escalates_after_its_acknowledgement_deadline() -> None:
    task = _task()
    assert decide(task, POLICY, Severity.HIGH, T0 + timedelta(minutes=59)) is None
    step = decide(task, POLICY, Severity.HIGH, T0 + timedelta(hours=1))
    assert isinstance(step, Escalate) and step.level == 1 and step.to is Rung.SUPERVISING_AGENCY
    assert "not acknowledged" in step.reason


def test_a_task_due_to_be_acknowledged_and_done_at_once_is_late_for_its_acknowledgement() -> None:
    task = _task()
    task = dataclasses.replace(task, ack_due_at=task.due_at)
    step = decide(task, POLICY, Severity.HIGH, task.due_at + timedelta(minutes=5))
    assert isinstance(step, Escalate) and step.unacknowledged
    assert step.reason == "not acknowledged 5 min after its acknowledgement deadline"
    done_late = dataclasses.replace(task, status=TaskStatus.ACKNOWLEDGED, acknowledged_at=T0)
    late = decide(done_late, POLICY, Severity.HIGH, task.due_at + timedelta(minutes=5))
    assert isinstance(late, Escalate) and not late.unacknowledged


def test_an_acknowledged_task_is_reminded_then_escalated_rung_by_rung() -> None:
    task = _task(status=TaskStatus.ACKNOWLEDGED, acknowledged_at=T0)
    due = task.due_at
    assert decide(task, POLICY, Severity.HIGH, due - timedelta(hours=2)) is None
    assert isinstance(decide(task, POLICY, Severity.HIGH, due - timedelta(minutes=59)), Remind)
    reminded = dataclasses.replace(task, reminded_at=due - timedelta(minutes=59))
    assert decide(reminded, POLICY, Severity.HIGH, due - timedelta(minutes=1)) is None
    first = decide(reminded, POLICY, Severity.HIGH, due)
    assert isinstance(first, Escalate) and first.level == 1 and "overdue by 0 min" in first.reason
    level1 = dataclasses.replace(reminded, escalation_level=1)
    assert decide(level1, POLICY, Severity.HIGH, due + timedelta(minutes=29)) is None
    second = decide(level1, POLICY, Severity.HIGH, due + timedelta(minutes=30))
    assert isinstance(second, Escalate) and second.to is Rung.ON_CALL
    third = decide(level1, POLICY, Severity.HIGH, due + timedelta(hours=2))
    assert isinstance(third, Escalate) and third.level == 3 and third.passed == (Rung.ON_CALL,)
    top = dataclasses.replace(level1, escalation_level=3)
    assert decide(top, POLICY, Severity.HIGH, due + timedelta(days=5)) is None


def test_finished_tasks_are_left_alone() -> None:
    for status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        assert decide(_task(status=status), POLICY, Severity.HIGH, T0 + timedelta(days=9)) is None


def test_bad_policies_say_where(tmp_path: Path) -> None:
    assert parse_duration("90m", where="x") == timedelta(minutes=90)
    with pytest.raises(CoordinationError, match="x: '2 weeks'"):
        parse_duration("2 weeks", where="x")
    with pytest.raises(CoordinationError, match=r"severity\.low"):
        policy_from_mapping({"severity": {"critical": {}}})
    broken = tmp_path / "sla.toml"
    broken.write_text("[severity\n", encoding="utf-8")
    with pytest.raises(CoordinationError, match="cannot read the SLA policy"):
        load_policy(broken)
    raw = {
        "severity": {
            s.value: {"acknowledge_within": "1h", "due_within": "2h", "remind_before": "5m"}
            for s in Severity
        },
        "ladder": [{"to": "the minister", "after": "0m"}],
    }
    with pytest.raises(CoordinationError, match="rung 1"):
        policy_from_mapping(raw)
