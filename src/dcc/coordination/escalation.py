"""The escalation sweep: reminders before deadlines and escalation ladders for late tasks
(issue 6; the rules are sla.py's, pure; this module carries them out).

`do_escalation_sweep(engine, now=...)` looks at every open task whose deadlines may have
come, asks sla.decide what to do at `now`, and does it in one transaction per task: a DUE
reminder to the assigned agency; or climbing the ladder — the target (the assigned agency's
supervising agency, the on-call officer of the incident's owner agency, the incident
commander) is put on the task's and the incident's share lists so that it can act, told
(ESCALATION), the assigned agency told it is OVERDUE, and the step written on the timeline
and the audit trail. A rung with nobody to reach (no supervising agency, nobody on call, or
an agency rung on a RED task) is passed over to the next one.

The clock is a parameter: tests move it instead of sleeping. The update of each task is
conditional on the level it was read at, so two workers sweeping at once escalate once.
`run_escalation_loop` runs the sweep every DCC_ESCALATION_INTERVAL_S in `dcc run`/`worker`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from dcc.accounts.queries import get_agency
from dcc.accounts.records import LOCAL_OPERATOR, TLP
from dcc.coordination.audit import record_audit
from dcc.coordination.marking import incident_ref, task_ref
from dcc.coordination.notify import Recipient, add_notification
from dcc.coordination.notify_text import NotificationParams
from dcc.coordination.queries import incident_or_raise, open_tasks_due, task_or_raise
from dcc.coordination.records import EntryKind, Incident, IncidentRole, NotificationKind, Task
from dcc.coordination.sla import (
    Escalate,
    Remind,
    Rung,
    SlaPolicy,
    decide,
)
from dcc.coordination.task_actions import sla_policy
from dcc.coordination.writing import SYSTEM_ACTOR, add_entry, grant
from dcc.jobs.periodic import run_periodically
from dcc.store.schema import incident_roles, on_call, tasks, users

log = logging.getLogger("dcc.coordination.escalation")

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class SweepStep:
    """What the sweep did to one task."""

    task_id: int
    action: str  # "reminded", "escalated"
    level: int = 0
    to_agency: str | None = None
    to_user: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Target:
    rung: Rung
    level: int
    agency_id: str | None = None
    user_id: int | None = None
    username: str | None = None

    @property
    def words(self) -> str:
        return self.agency_id or self.username or "nobody"


def do_escalation_sweep(
    engine: Engine, *, now: datetime | None = None, policy: SlaPolicy | None = None
) -> list[SweepStep]:
    """Remind and escalate every task that is due for it at `now`; what was done.

    The open tasks that may be due are read at once and decided in memory; only those with
    something to do get a transaction (which reads and decides again, under its write)."""
    at = now or datetime.now(tz=UTC)
    rules = policy or sla_policy()
    with engine.connect() as conn:
        candidates = open_tasks_due(conn, before=at + _longest_reminder(rules))
    steps: list[SweepStep] = []
    for task, severity in candidates:
        if decide(task, rules, severity, at) is None:
            continue
        task_id = task.id
        with engine.begin() as conn:
            step = _sweep_task(conn, task_id, at, rules)
        if step is not None:
            steps.append(step)
    return steps


def _longest_reminder(policy: SlaPolicy) -> timedelta:
    return max(level.remind_before for level in policy.levels.values())


def _sweep_task(
    conn: Connection, task_id: int, at: datetime, policy: SlaPolicy
) -> SweepStep | None:
    task = task_or_raise(conn, LOCAL_OPERATOR, task_id)
    incident = incident_or_raise(conn, LOCAL_OPERATOR, task.incident_id)
    decision = decide(task, policy, incident.severity, at)
    if isinstance(decision, Remind):
        return _remind(conn, task, incident, at)
    if isinstance(decision, Escalate):
        return _escalate(conn, task, incident, decision, policy, at)
    return None


def _remind(conn: Connection, task: Task, incident: Incident, at: datetime) -> SweepStep | None:
    changed = conn.execute(
        update(tasks)
        .where(tasks.c.id == task.id, tasks.c.reminded_at.is_(None))
        .values(reminded_at=at)
    ).rowcount
    if not changed:
        return None
    minutes = int((task.due_at - at).total_seconds() // 60)
    params: NotificationParams = {
        "tlp": task.tlp, "minutes": minutes, "task": task.title, "incident": incident.id
    }  # fmt: skip
    for recipient in _assigned(task):
        add_notification(
            conn,
            recipient,
            NotificationKind.DUE,
            params,
            incident_id=incident.id,
            task_id=task.id,
            at=at,
        )
    record_audit(
        conn,
        actor=SYSTEM_ACTOR,
        action="task.remind",
        object_type="task",
        object_id=task.id,
        before=None,
        after={"due_at": task.due_at, "minutes_left": minutes},
        at=at,
    )
    return SweepStep(task.id, "reminded")


def _escalate(
    conn: Connection,
    task: Task,
    incident: Incident,
    decision: Escalate,
    policy: SlaPolicy,
    at: datetime,
) -> SweepStep | None:
    target = _reachable(conn, task, incident, policy, decision.level, at)
    level = target.level if target is not None else decision.level
    changed = conn.execute(
        update(tasks)
        .where(tasks.c.id == task.id, tasks.c.escalation_level == task.escalation_level)
        .values(
            escalation_level=level,
            escalated_to_agency=target.agency_id
            if target is not None
            else task.escalated_to_agency,
            escalated_to_user=target.user_id if target is not None else task.escalated_to_user,
            escalated_at=at,
            updated_at=at,
        )
    ).rowcount
    if not changed:
        return None  # another worker escalated it meanwhile
    after = task_or_raise(conn, LOCAL_OPERATOR, task.id)
    if target is None:
        body = f"Task #{task.id} {decision.reason}: nobody left on the escalation ladder to reach"
    else:
        body = (
            f"Task #{task.id} {decision.reason}: escalated to {target.words} "
            f"({target.rung.value.replace('_', ' ')}, level {level})"
        )
        _give_target_access(conn, task, incident, target, at)
    entry_id = add_entry(
        conn,
        incident,
        EntryKind.ESCALATION,
        body,
        by=SYSTEM_ACTOR,
        at=at,
        task=after,
        owner_agency=incident.owner_agency,
        data={
            "task_id": task.id,
            "level": level,
            "rung": target.rung.value if target is not None else None,
            "to": target.words if target is not None else None,
            "to_agency": target.agency_id if target is not None else None,
            "to_user": target.username if target is not None else None,
            "reason": decision.reason,
            "why": "unacknowledged" if decision.unacknowledged else "overdue",
            "late_minutes": decision.late_minutes,
        },
    )
    params: NotificationParams = {
        "tlp": task.tlp, "task": task.title, "incident": incident.id,
        "late_minutes": decision.late_minutes, "unacknowledged": decision.unacknowledged,
    }  # fmt: skip
    if target is not None:
        recipient = (
            Recipient(agency_id=target.agency_id)
            if target.agency_id is not None
            else Recipient(user_id=target.user_id)
        )
        add_notification(
            conn,
            recipient,
            NotificationKind.ESCALATION,
            params,
            incident_id=incident.id,
            task_id=task.id,
            entry_id=entry_id,
            at=at,
        )
    if task.escalation_level == 0:
        for assigned in _assigned(task):
            add_notification(
                conn,
                assigned,
                NotificationKind.OVERDUE,
                params,
                incident_id=incident.id,
                task_id=task.id,
                entry_id=entry_id,
                at=at,
            )
    record_audit(
        conn,
        actor=SYSTEM_ACTOR,
        action="task.escalate",
        object_type="task",
        object_id=task.id,
        before={"escalation_level": task.escalation_level},
        after={
            "escalation_level": level,
            "to_agency": target.agency_id if target is not None else None,
            "to_user": target.username if target is not None else None,
            "reason": decision.reason,
        },
        at=at,
    )
    log.info("task %s escalated to level %s (%s)", task.id, level, body)
    return SweepStep(
        task.id,
        "escalated",
        level,
        target.agency_id if target is not None else None,
        target.user_id if target is not None else None,
        decision.reason,
    )


def _assigned(task: Task) -> list[Recipient]:
    # A RED task is told to its assignee only (RED is for named people).
    recipients = [] if task.tlp == TLP.RED.value else [Recipient(agency_id=task.assigned_agency)]
    if task.assignee_id is not None:
        recipients.append(Recipient(user_id=task.assignee_id))
    return recipients


def _reachable(
    conn: Connection, task: Task, incident: Incident, policy: SlaPolicy, level: int, at: datetime
) -> _Target | None:
    """The first rung from `level` up that has someone to reach."""
    for number in range(level, len(policy.ladder) + 1):
        rung = policy.ladder[number - 1].to
        target = _resolve(conn, rung, number, task, incident, at)
        if target is not None:
            return target
    return None


def _resolve(
    conn: Connection, rung: Rung, level: int, task: Task, incident: Incident, at: datetime
) -> _Target | None:
    if rung is Rung.SUPERVISING_AGENCY:
        if task.tlp == TLP.RED.value:
            return None  # RED goes to named people only
        agency = get_agency(conn, task.assigned_agency)
        if agency is None or agency.parent_id is None:
            return None
        return _Target(rung, level, agency_id=agency.parent_id)
    if rung is Rung.ON_CALL:
        row = conn.execute(
            select(users.c.id, users.c.username)
            .join(on_call, on_call.c.user_id == users.c.id)
            .where(
                on_call.c.agency_id == incident.owner_agency,
                on_call.c.starts_at <= at,
                on_call.c.ends_at > at,
                users.c.is_active.is_(True),
            )
            .order_by(on_call.c.starts_at.desc())
        ).first()
        return _Target(rung, level, user_id=row.id, username=row.username) if row else None
    row = conn.execute(
        select(users.c.id, users.c.username)
        .join(incident_roles, incident_roles.c.user_id == users.c.id)
        .where(
            incident_roles.c.incident_id == incident.id,
            incident_roles.c.role == IncidentRole.INCIDENT_COMMANDER.value,
            users.c.is_active.is_(True),
        )
    ).first()
    return _Target(rung, level, user_id=row.id, username=row.username) if row else None


def _give_target_access(
    conn: Connection, task: Task, incident: Incident, target: _Target, at: datetime
) -> None:
    if target.agency_id is not None and target.agency_id != incident.owner_agency:
        grant(conn, task_ref(task.id), agency_id=target.agency_id, by=SYSTEM_ACTOR, at=at)
        grant(conn, incident_ref(incident.id), agency_id=target.agency_id, by=SYSTEM_ACTOR, at=at)
    if target.user_id is not None:
        grant(conn, task_ref(task.id), user_id=target.user_id, by=SYSTEM_ACTOR, at=at)
        grant(conn, incident_ref(incident.id), user_id=target.user_id, by=SYSTEM_ACTOR, at=at)


async def run_escalation_loop(
    engine: Engine, stop: asyncio.Event, *, interval_s: float, clock: Clock | None = None
) -> None:
    """Sweep every `interval_s` seconds until `stop` is set; a failing sweep is logged and the
    loop goes on."""
    now = clock or (lambda: datetime.now(tz=UTC))
    await run_periodically(
        lambda: len(do_escalation_sweep(engine, now=now())),
        stop,
        interval_s=interval_s,
        what="escalation sweep, tasks reminded or escalated",
    )
