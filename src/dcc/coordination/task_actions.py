"""Writers of tasks: assign (one agency or many at once), reassign, move along the task
workflow, change a deadline (issue 6; STYLE rule 3).

Assigning a task to an agency puts the agency on the task's share list and, when it cannot
read the incident yet, on the incident's: it then reads the incident, its own tasks and the
timeline entries that inherit the incident's readers, never another agency's task. The
assigner must be allowed to share the incident with that agency under TLP 2.0
(accounts/access.py explain_share): a RED incident has no agency tasks; an AMBER+STRICT one
gets tasks for other agencies only from its owner agency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from dcc.accounts.access import can_read, explain_share, parse_tlp, require_permission
from dcc.accounts.errors import AccountNotFoundError, PermissionDeniedError
from dcc.accounts.queries import get_agency, get_user_by_username
from dcc.accounts.records import LOCAL_OPERATOR, TLP, Agency, Permission, Principal, Reader
from dcc.coordination.audit import record_audit
from dcc.coordination.errors import CoordinationError
from dcc.coordination.marking import incident_marking, incident_ref, task_ref
from dcc.coordination.notify import Recipient, add_notification
from dcc.coordination.notify_text import NotificationParams
from dcc.coordination.queries import incident_or_raise, task_or_raise
from dcc.coordination.records import (
    EntryKind,
    Incident,
    NotificationKind,
    Task,
    TaskSpec,
    TaskStatus,
)
from dcc.coordination.sla import SlaPolicy, deadlines, load_policy
from dcc.coordination.tasks import FINISHED, check_dependencies, next_task_status
from dcc.coordination.writing import (
    add_entry,
    checked_text,
    checked_title,
    grant,
    holds_role,
    now_or,
    refusals_audited,
    require_editable,
    require_manager,
    snapshot,
    stricter,
)
from dcc.settings import get_settings
from dcc.store.schema import incidents, object_shares, task_dependencies, tasks, users

MAX_BULK = 50


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


def sla_policy() -> SlaPolicy:
    """The SLA policy of the settings (DCC_SLA_FILE, else the built-in one)."""
    return load_policy(get_settings().sla_file)


# --- assigning -------------------------------------------------------------------------------


def do_create_task(
    engine: Engine,
    incident_id: int,
    spec: TaskSpec,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
    policy: SlaPolicy | None = None,
) -> Task:
    """Assign a task on an open incident to an agency (and optionally one of its users),
    due by `spec.due_at` or the SLA of the incident's severity."""
    created = do_assign_tasks(engine, incident_id, [spec], by=by, now=now, policy=policy)
    return created[0]


def do_assign_tasks(
    engine: Engine,
    incident_id: int,
    specs: Sequence[TaskSpec],
    *,
    by: Principal | None = None,
    now: datetime | None = None,
    policy: SlaPolicy | None = None,
) -> list[Task]:
    """Assign several tasks at once (bulk assignment: the same task to many agencies, or a
    list of tasks), all or none."""
    with refusals_audited(engine, by, "task.assign", "incident", incident_id):
        if not specs:
            raise CoordinationError("no task to assign")
        if len(specs) > MAX_BULK:
            raise CoordinationError(f"{len(specs)} tasks at once; at most {MAX_BULK}")
        at = now_or(now)
        rules = policy or sla_policy()
        created: list[Task] = []
        with engine.begin() as conn:
            incident = incident_or_raise(conn, _reader(by), incident_id)
            require_manager(conn, by, incident, "assign tasks")
            require_editable(incident)
            for spec in specs:
                created.append(_insert_task(conn, incident, spec, by, at, rules))
    return created


def do_assign_to_agencies(
    engine: Engine,
    incident_id: int,
    spec: TaskSpec,
    agency_ids: Sequence[str],
    *,
    by: Principal | None = None,
    now: datetime | None = None,
    policy: SlaPolicy | None = None,
) -> list[Task]:
    """The same task for each of `agency_ids` (one task each, so each agency sees only its
    own), all or none."""
    unique = list(dict.fromkeys(agency_ids))
    specs = [
        TaskSpec(
            title=spec.title,
            assigned_agency=agency_id,
            details=spec.details,
            due_at=spec.due_at,
            tlp=spec.tlp,
            depends_on=spec.depends_on,
        )
        for agency_id in unique
    ]
    return do_assign_tasks(engine, incident_id, specs, by=by, now=now, policy=policy)


def _insert_task(
    conn: Connection,
    incident: Incident,
    spec: TaskSpec,
    by: Principal | None,
    at: datetime,
    policy: SlaPolicy,
) -> Task:
    title = checked_title(spec.title, what="task title")
    details = checked_text(spec.details, what="task details")
    # A task is never marked less strictly than its incident.
    tlp = stricter(parse_tlp(spec.tlp).value, incident.tlp) if spec.tlp else incident.tlp
    agency = _assignable_agency(
        conn, incident, spec.assigned_agency, by, tlp, has_assignee=bool(spec.assignee)
    )
    assignee_id = _assignee(conn, agency, spec.assignee)
    if parse_tlp(tlp) is TLP.RED and assignee_id is not None:
        _require_named_reader(conn, incident, assignee_id)
    ack_due, due = deadlines(policy, incident.severity, at)
    if spec.due_at is not None:
        if spec.due_at.tzinfo is None:
            raise CoordinationError("the due date has no time zone")
        if spec.due_at <= at:
            raise CoordinationError("the due date is in the past")
        due = spec.due_at
    ack_due = min(ack_due, due)
    known = _incident_tasks(conn, incident.id)
    depends_on = check_dependencies(
        None,
        spec.depends_on,
        incident_of={task_id: incident.id for task_id in known},
        edges={},
        incident_id=incident.id,
    )
    task_id: int = conn.execute(
        insert(tasks)
        .values(
            incident_id=incident.id,
            title=title,
            details=details,
            assigned_agency=agency.id,
            assignee_id=assignee_id,
            status=TaskStatus.OPEN.value,
            ack_due_at=ack_due,
            due_at=due,
            escalation_level=0,
            owner_agency=incident.owner_agency,
            tlp=tlp,
            created_by=by.user_id if by is not None else None,
            created_at=at,
            updated_at=at,
        )
        .returning(tasks.c.id)
    ).scalar_one()
    for other in depends_on:
        conn.execute(insert(task_dependencies).values(task_id=task_id, depends_on_id=other))
    _give_access(conn, incident, task_id, agency.id, assignee_id, by, at, tlp)
    task = task_or_raise(conn, LOCAL_OPERATOR, task_id)
    who = agency.id + (f" ({spec.assignee})" if assignee_id is not None else "")
    entry_id = add_entry(
        conn,
        incident,
        EntryKind.TASK,
        f"Task #{task_id} “{title}” assigned to {who}, due {due:%Y-%m-%d %H:%M} UTC",
        by=by,
        at=at,
        task=task,
        owner_agency=incident.owner_agency,
        data={
            "task_id": task_id,
            "event": "assigned",
            "agency": agency.id,
            "assignee": spec.assignee if assignee_id is not None else None,
            "title": title,
            "due_at": due.isoformat(),
        },
    )
    _notify_assignment(conn, task, incident, entry_id, at)
    record_audit(
        conn,
        actor=by,
        action="task.assign",
        object_type="task",
        object_id=task_id,
        before=None,
        after=snapshot(task),
        at=at,
    )
    return task


def _assignable_agency(
    conn: Connection,
    incident: Incident,
    agency_id: str,
    by: Principal | None,
    tlp: str,
    *,
    has_assignee: bool,
) -> Agency:
    agency = get_agency(conn, agency_id.strip().lower())
    if agency is None:
        raise AccountNotFoundError(f"no agency {agency_id!r} to assign the task to")
    if parse_tlp(tlp) is TLP.RED:
        # RED is for named people: the task goes to one person who reads the incident, and
        # neither its agency nor the agency's mailboxes hear of it.
        if not has_assignee:
            raise CoordinationError(
                f"a TLP:RED task cannot go to agency {agency.id}: RED is for named people "
                "only; name the person it goes to (assignee)"
            )
        return agency
    if by is None or agency.id == incident.owner_agency:
        return agency
    marking = incident_marking(conn, incident)
    if agency.id in marking.shared_with:
        return agency
    decision = explain_share(by, marking, agency=agency)
    if not decision.allowed:
        raise PermissionDeniedError(
            f"agency {agency.id} is not on incident {incident.id}'s share list and you may "
            f"not add it: {decision.reason}"
        )
    return agency


def _require_named_reader(conn: Connection, incident: Incident, user_id: int) -> None:
    row = conn.execute(select(users).where(users.c.id == user_id)).one()
    person = Principal(row.id, row.username, row.agency_id, row.role)
    if not can_read(person, incident_marking(conn, incident)):
        raise CoordinationError(
            f"{row.username} cannot read the TLP:RED incident {incident.id}: name them on its "
            "share list first"
        )


def _assignee(conn: Connection, agency: Agency, username: str | None) -> int | None:
    if not username:
        return None
    user = get_user_by_username(conn, username)
    if user is None or not user.is_active:
        raise AccountNotFoundError(f"no active user named {username!r}")
    if user.agency_id != agency.id:
        raise CoordinationError(f"{user.username} is not a user of {agency.id}")
    return user.id


def _give_access(
    conn: Connection,
    incident: Incident,
    task_id: int,
    agency_id: str,
    assignee_id: int | None,
    by: Principal | None,
    at: datetime,
    tlp: str,
) -> None:
    if parse_tlp(tlp) is TLP.RED:
        # The assignee reads the incident already (_require_named_reader); the task by name.
        if assignee_id is not None:
            grant(conn, task_ref(task_id), user_id=assignee_id, by=by, at=at)
        return
    if agency_id != incident.owner_agency:
        grant(conn, task_ref(task_id), agency_id=agency_id, by=by, at=at)
        grant(conn, incident_ref(incident.id), agency_id=agency_id, by=by, at=at)


def _notify_assignment(
    conn: Connection, task: Task, incident: Incident, entry_id: int, at: datetime
) -> None:
    params: NotificationParams = {
        "tlp": task.tlp, "agency": task.assigned_agency, "task": task.title,
        "incident": incident.id,
    }  # fmt: skip
    # A RED task is told to its assignee only (RED is for named people).
    is_red = parse_tlp(task.tlp) is TLP.RED
    recipients = [] if is_red else [Recipient(agency_id=task.assigned_agency)]
    if task.assignee_id is not None:
        recipients.append(Recipient(user_id=task.assignee_id))
    for recipient in recipients:
        add_notification(
            conn,
            recipient,
            NotificationKind.ASSIGNED,
            params,
            incident_id=incident.id,
            task_id=task.id,
            entry_id=entry_id,
            at=at,
        )


def _incident_tasks(conn: Connection, incident_id: int) -> list[int]:
    return list(
        conn.execute(select(tasks.c.id).where(tasks.c.incident_id == incident_id)).scalars()
    )


# --- reassigning and deadlines ---------------------------------------------------------------


def do_reassign_task(
    engine: Engine,
    task_id: int,
    agency_id: str,
    *,
    assignee: str | None = None,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Task:
    """Give an open task to another agency: the new agency is put on its share list and the
    old one taken off it (need-to-know follows the work)."""
    with refusals_audited(engine, by, "task.reassign", "task", task_id):
        at = now_or(now)
        with engine.begin() as conn:
            before = task_or_raise(conn, _reader(by), task_id)
            incident = incident_or_raise(conn, LOCAL_OPERATOR, before.incident_id)
            require_manager(conn, by, incident, "reassign tasks")
            require_editable(incident)
            if not before.is_open:
                raise CoordinationError(f"task {task_id} is {before.status.value}")
            agency = _assignable_agency(
                conn, incident, agency_id, by, before.tlp, has_assignee=bool(assignee)
            )
            assignee_id = _assignee(conn, agency, assignee)
            if parse_tlp(before.tlp) is TLP.RED and assignee_id is not None:
                _require_named_reader(conn, incident, assignee_id)
            if agency.id == before.assigned_agency and assignee_id == before.assignee_id:
                return before
            conn.execute(
                delete(object_shares).where(
                    object_shares.c.object_type == "task",
                    object_shares.c.object_id == str(task_id),
                    object_shares.c.agency_id == before.assigned_agency,
                )
            )
            conn.execute(
                update(tasks)
                .where(tasks.c.id == task_id)
                .values(
                    assigned_agency=agency.id,
                    assignee_id=assignee_id,
                    status=TaskStatus.OPEN.value,
                    acknowledged_at=None,
                    updated_at=at,
                )
            )
            _give_access(conn, incident, task_id, agency.id, assignee_id, by, at, before.tlp)
            after = task_or_raise(conn, LOCAL_OPERATOR, task_id)
            entry_id = add_entry(
                conn,
                incident,
                EntryKind.TASK,
                f"Task #{task_id} reassigned from {before.assigned_agency} to {agency.id}",
                by=by,
                at=at,
                task=after,
                owner_agency=incident.owner_agency,
                data={
                    "task_id": task_id,
                    "event": "reassigned",
                    "from_agency": before.assigned_agency,
                    "agency": agency.id,
                },
            )
            _notify_assignment(conn, after, incident, entry_id, at)
            record_audit(
                conn,
                actor=by,
                action="task.reassign",
                object_type="task",
                object_id=task_id,
                before=snapshot(before),
                after=snapshot(after),
                at=at,
            )
    return after


def do_set_task_due(
    engine: Engine,
    task_id: int,
    due_at: datetime,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Task:
    """Move an open task's deadline; its escalation starts again from the new one."""
    with refusals_audited(engine, by, "task.due", "task", task_id):
        at = now_or(now)
        if due_at.tzinfo is None:
            raise CoordinationError("the due date has no time zone")
        if due_at <= at:
            raise CoordinationError("the due date is in the past")
        with engine.begin() as conn:
            before = task_or_raise(conn, _reader(by), task_id)
            incident = incident_or_raise(conn, LOCAL_OPERATOR, before.incident_id)
            require_manager(conn, by, incident, "change deadlines")
            require_editable(incident)
            if not before.is_open:
                raise CoordinationError(f"task {task_id} is {before.status.value}")
            conn.execute(
                update(tasks)
                .where(tasks.c.id == task_id)
                .values(
                    due_at=due_at,
                    ack_due_at=min(before.ack_due_at, due_at),
                    escalation_level=0,
                    reminded_at=None,
                    updated_at=at,
                )
            )
            after = task_or_raise(conn, LOCAL_OPERATOR, task_id)
            add_entry(
                conn,
                incident,
                EntryKind.TASK,
                f"Task #{task_id} now due {due_at:%Y-%m-%d %H:%M} UTC",
                by=by,
                at=at,
                task=after,
                owner_agency=incident.owner_agency,
                data={"task_id": task_id, "event": "due", "due_at": due_at.isoformat()},
            )
            record_audit(
                conn,
                actor=by,
                action="task.due",
                object_type="task",
                object_id=task_id,
                before={"due_at": before.due_at},
                after={"due_at": due_at},
                at=at,
            )
    return after


# --- working a task --------------------------------------------------------------------------


def do_change_task_status(
    engine: Engine,
    task_id: int,
    wanted: TaskStatus,
    *,
    outcome: str = "",
    by: Principal | None = None,
    now: datetime | None = None,
) -> Task:
    """Acknowledge, start, finish, cancel or reopen a task (tasks.py). The assigned agency
    works its task; cancelling is for the incident's managers."""
    with refusals_audited(engine, by, "task.status", "task", task_id):
        at = now_or(now)
        text = checked_text(outcome, what="outcome")
        status = TaskStatus(wanted)
        with engine.begin() as conn:
            before = task_or_raise(conn, _reader(by), task_id)
            incident = incident_or_raise(conn, LOCAL_OPERATOR, before.incident_id)
            require_editable(incident)
            _require_worker(conn, by, before, incident, status)
            waiting = [
                other
                for other in before.depends_on
                if task_or_raise(conn, LOCAL_OPERATOR, other).status not in FINISHED
            ]
            next_task_status(before.status, status, unfinished_dependencies=waiting)
            values: dict[str, object] = {"status": status.value, "updated_at": at}
            if status is TaskStatus.ACKNOWLEDGED or (
                before.acknowledged_at is None and status is not TaskStatus.CANCELLED
            ):
                values["acknowledged_at"] = before.acknowledged_at or at
            if status in FINISHED:
                values["completed_at"] = at
                values["outcome"] = text or None
            else:
                values["completed_at"] = None
            conn.execute(
                update(tasks)
                .where(tasks.c.id == task_id, tasks.c.status == before.status.value)
                .values(**values)
            )
            after = task_or_raise(conn, LOCAL_OPERATOR, task_id)
            body = f"Task #{task_id} {before.status.value} → {status.value}"
            add_entry(
                conn,
                incident,
                EntryKind.TASK,
                f"{body}: {text}" if text else body,
                by=by,
                at=at,
                task=after,
                data={
                    "task_id": task_id,
                    "event": status.value,
                    "from": before.status.value,
                    "outcome": text,
                },
            )
            record_audit(
                conn,
                actor=by,
                action="task.status",
                object_type="task",
                object_id=task_id,
                before={"status": before.status.value},
                after={"status": status.value, "outcome": text},
                at=at,
            )
            conn.execute(
                update(incidents).where(incidents.c.id == incident.id).values(updated_at=at)
            )
    return after


def _require_worker(
    conn: Connection, by: Principal | None, task: Task, incident: Incident, status: TaskStatus
) -> None:
    require_permission(by, Permission.WORK_INCIDENTS, "work on tasks")
    if by is None:
        return
    is_manager = by.agency_id == incident.owner_agency or holds_role(conn, incident.id, by.user_id)
    if status is TaskStatus.CANCELLED:
        if not is_manager:
            raise PermissionDeniedError("only the incident's managers cancel tasks")
        return
    # Whoever the task was escalated to may act on it too: that is why it was told.
    works_it = by.agency_id in (task.assigned_agency, task.escalated_to_agency) or by.user_id in (
        task.assignee_id,
        task.escalated_to_user,
    )
    if not (works_it or is_manager):
        raise PermissionDeniedError(
            f"task {task.id} is {task.assigned_agency}'s: only its users, whom it was escalated "
            "to and the incident's managers change it"
        )


def do_acknowledge_task(
    engine: Engine, task_id: int, *, by: Principal | None = None, now: datetime | None = None
) -> Task:
    return do_change_task_status(engine, task_id, TaskStatus.ACKNOWLEDGED, by=by, now=now)


def do_complete_task(
    engine: Engine,
    task_id: int,
    *,
    outcome: str = "",
    by: Principal | None = None,
    now: datetime | None = None,
) -> Task:
    return do_change_task_status(engine, task_id, TaskStatus.DONE, outcome=outcome, by=by, now=now)


def assignee_can_read(conn: Connection, incident: Incident, user_id: int) -> bool:
    """Whether a user reads the incident (used by views to warn before assigning)."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        return False
    principal = Principal(row.id, row.username, row.agency_id, row.role)
    return can_read(principal, incident_marking(conn, incident))
