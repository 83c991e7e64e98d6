"""Reading incidents, tasks, the timeline, attachments and notifications (no writes:
actions.py). Every query takes who reads and filters in SQL (marking.py), so a row the reader
may not read is answered exactly as a missing one."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, exists, func, or_, select

from dcc.accounts.records import Principal, Reader
from dcc.coordination.errors import (
    AttachmentNotFoundError,
    EntryNotFoundError,
    IncidentNotFoundError,
    TaskNotFoundError,
)
from dcc.coordination.marking import (
    attachment_readable,
    entry_readable,
    incident_readable,
    task_readable,
)
from dcc.coordination.records import (
    Attachment,
    Entry,
    EntryKind,
    Incident,
    IncidentKind,
    IncidentLink,
    IncidentRole,
    IncidentStatus,
    IncidentView,
    LinkType,
    Notification,
    NotificationKind,
    RoleHolder,
    Severity,
    Task,
    TaskStatus,
)
from dcc.store.schema import (
    attachments,
    incident_entries,
    incident_links,
    incident_roles,
    incidents,
    notification_reads,
    notifications,
    task_dependencies,
    tasks,
    users,
)

MAX_LIST = 500
OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS)


def row_to_incident(row: Row[Any]) -> Incident:
    m = row._mapping
    return Incident(
        id=m["id"],
        title=m["title"],
        summary=m["summary"],
        kind=IncidentKind(m["kind"]),
        severity=Severity(m["severity"]),
        status=IncidentStatus(m["status"]),
        owner_agency=m["owner_agency"],
        tlp=m["tlp"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        status_changed_at=m["status_changed_at"],
        closed_at=m["closed_at"],
        opened_from_type=m["opened_from_type"],
        opened_from_id=m["opened_from_id"],
    )


def row_to_task(row: Row[Any], depends_on: Sequence[int] = ()) -> Task:
    m = row._mapping
    return Task(
        id=m["id"],
        incident_id=m["incident_id"],
        title=m["title"],
        details=m["details"],
        assigned_agency=m["assigned_agency"],
        assignee_id=m["assignee_id"],
        status=TaskStatus(m["status"]),
        ack_due_at=m["ack_due_at"],
        due_at=m["due_at"],
        acknowledged_at=m["acknowledged_at"],
        completed_at=m["completed_at"],
        outcome=m["outcome"],
        escalation_level=m["escalation_level"],
        escalated_to_agency=m["escalated_to_agency"],
        escalated_to_user=m["escalated_to_user"],
        escalated_at=m["escalated_at"],
        reminded_at=m["reminded_at"],
        owner_agency=m["owner_agency"],
        tlp=m["tlp"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        depends_on=tuple(depends_on),
    )


def row_to_entry(row: Row[Any]) -> Entry:
    m = row._mapping
    return Entry(
        id=m["id"],
        incident_id=m["incident_id"],
        task_id=m["task_id"],
        kind=EntryKind(m["kind"]),
        body=m["body"],
        data=dict(m["data"] or {}),
        owner_agency=m["owner_agency"],
        tlp=m["tlp"],
        inherits_shares=bool(m["inherits_shares"]),
        author_id=m["author_id"],
        author_name=m["author_name"],
        created_at=m["created_at"],
    )


def row_to_attachment(row: Row[Any]) -> Attachment:
    m = row._mapping
    return Attachment(
        id=m["id"],
        incident_id=m["incident_id"],
        task_id=m["task_id"],
        filename=m["filename"],
        media_type=m["media_type"],
        size_bytes=m["size_bytes"],
        sha256=m["sha256"],
        owner_agency=m["owner_agency"],
        tlp=m["tlp"],
        inherits_shares=bool(m["inherits_shares"]),
        uploaded_by=m["uploaded_by"],
        uploaded_at=m["uploaded_at"],
    )


def row_to_notification(row: Row[Any]) -> Notification:
    m = row._mapping
    return Notification(
        id=m["id"],
        user_id=m["user_id"],
        agency_id=m["agency_id"],
        kind=NotificationKind(m["kind"]),
        incident_id=m["incident_id"],
        task_id=m["task_id"],
        entry_id=m["entry_id"],
        title=m["title"],
        created_at=m["created_at"],
        read_at=m["read_at"],
        params=m["params"],
    )


# --- incidents -------------------------------------------------------------------------------


def get_incident(conn: Connection, reader: Reader, incident_id: int) -> Incident | None:
    row = conn.execute(
        select(incidents).where(incidents.c.id == incident_id, incident_readable(reader))
    ).first()
    return row_to_incident(row) if row is not None else None


def incident_or_raise(conn: Connection, reader: Reader, incident_id: int) -> Incident:
    incident = get_incident(conn, reader, incident_id)
    if incident is None:
        raise IncidentNotFoundError(f"no incident with id {incident_id}")
    return incident


def list_incidents(
    conn: Connection,
    reader: Reader,
    *,
    statuses: Sequence[IncidentStatus] = (),
    kind: IncidentKind | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Incident]:
    """Readable incidents, most recently updated first."""
    query = select(incidents).where(incident_readable(reader))
    if statuses:
        query = query.where(incidents.c.status.in_([s.value for s in statuses]))
    if kind is not None:
        query = query.where(incidents.c.kind == kind.value)
    query = query.order_by(incidents.c.updated_at.desc(), incidents.c.id.desc())
    query = query.limit(min(limit, MAX_LIST)).offset(offset)
    return [row_to_incident(row) for row in conn.execute(query)]


def count_incidents_by_status(conn: Connection, reader: Reader) -> dict[IncidentStatus, int]:
    query = (
        select(incidents.c.status, func.count())
        .where(incident_readable(reader))
        .group_by(incidents.c.status)
    )
    return {IncidentStatus(status): count for status, count in conn.execute(query)}


def list_roles(conn: Connection, incident_id: int) -> list[RoleHolder]:
    """The roles held on an incident (read only through a readable incident)."""
    query = (
        select(incident_roles, users.c.username)
        .join(users, users.c.id == incident_roles.c.user_id)
        .where(incident_roles.c.incident_id == incident_id)
    )
    order = list(IncidentRole)
    holders = [
        RoleHolder(
            incident_id=row.incident_id,
            role=IncidentRole(row.role),
            user_id=row.user_id,
            username=row.username,
            assigned_at=row.assigned_at,
        )
        for row in conn.execute(query)
    ]
    return sorted(holders, key=lambda h: order.index(h.role))


def list_links(conn: Connection, incident_id: int) -> list[IncidentLink]:
    query = (
        select(incident_links)
        .where(incident_links.c.incident_id == incident_id)
        .order_by(incident_links.c.id)
    )
    return [
        IncidentLink(
            id=row.id,
            incident_id=row.incident_id,
            target_type=LinkType(row.target_type),
            target_id=row.target_id,
            added_at=row.added_at,
        )
        for row in conn.execute(query)
    ]


# --- tasks -----------------------------------------------------------------------------------


def _dependencies(conn: Connection, task_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if not task_ids:
        return found
    query = select(task_dependencies).where(task_dependencies.c.task_id.in_(list(task_ids)))
    for row in conn.execute(query.order_by(task_dependencies.c.depends_on_id)):
        found.setdefault(row.task_id, []).append(row.depends_on_id)
    return found


def _tasks(conn: Connection, query: Any) -> list[Task]:
    rows = list(conn.execute(query))
    deps = _dependencies(conn, [row.id for row in rows])
    return [row_to_task(row, deps.get(row.id, ())) for row in rows]


def get_task(conn: Connection, reader: Reader, task_id: int) -> Task | None:
    found = _tasks(conn, select(tasks).where(tasks.c.id == task_id, task_readable(reader)))
    return found[0] if found else None


def task_or_raise(conn: Connection, reader: Reader, task_id: int) -> Task:
    task = get_task(conn, reader, task_id)
    if task is None:
        raise TaskNotFoundError(f"no task with id {task_id}")
    return task


def list_tasks(
    conn: Connection,
    reader: Reader,
    *,
    incident_id: int | None = None,
    agency_id: str | None = None,
    user_id: int | None = None,
    statuses: Sequence[TaskStatus] = (),
    overdue_at: datetime | None = None,
    limit: int = MAX_LIST,
) -> list[Task]:
    """Readable tasks by deadline (an incident's, or all), filtered. `agency_id` and
    `user_id` keep the tasks given or escalated to that agency or (either) that person."""
    query = select(tasks).where(task_readable(reader))
    if incident_id is not None:
        query = query.where(tasks.c.incident_id == incident_id)
    whose: list[ColumnElement[bool]] = []
    if agency_id is not None:
        whose += [tasks.c.assigned_agency == agency_id, tasks.c.escalated_to_agency == agency_id]
    if user_id is not None:
        whose += [tasks.c.assignee_id == user_id, tasks.c.escalated_to_user == user_id]
    if whose:
        query = query.where(or_(*whose))
    if statuses:
        query = query.where(tasks.c.status.in_([s.value for s in statuses]))
    if overdue_at is not None:
        query = query.where(
            tasks.c.status.in_([s.value for s in OPEN_TASK_STATUSES]),
            or_(
                tasks.c.due_at <= overdue_at,
                and_(tasks.c.status == TaskStatus.OPEN.value, tasks.c.ack_due_at <= overdue_at),
            ),
        )
    query = query.order_by(tasks.c.due_at, tasks.c.id).limit(min(limit, MAX_LIST))
    return _tasks(conn, query)


def open_tasks_due(conn: Connection, *, before: datetime) -> list[tuple[Task, Severity]]:
    """Open tasks whose reminder, acknowledgement or deadline may have come by `before`, with
    their incident's severity (the escalation sweep's candidates; it decides per task with
    sla.decide). Their dependencies are not read: the sweep does not need them."""
    query = (
        select(tasks, incidents.c.severity.label("incident_severity"))
        .join(incidents, incidents.c.id == tasks.c.incident_id)
        .where(
            tasks.c.status.in_([s.value for s in OPEN_TASK_STATUSES]),
            or_(tasks.c.ack_due_at <= before, tasks.c.due_at <= before),
        )
        .order_by(tasks.c.id)
    )
    return [
        (row_to_task(row), Severity(row._mapping["incident_severity"]))
        for row in conn.execute(query)
    ]


# --- the timeline and attachments ------------------------------------------------------------


def list_entries(
    conn: Connection,
    reader: Reader,
    incident_id: int,
    *,
    task_id: int | None = None,
    after_id: int = 0,
    limit: int = 5000,
) -> list[Entry]:
    """The incident's timeline the reader may read, oldest first."""
    query = select(incident_entries).where(
        incident_entries.c.incident_id == incident_id,
        incident_entries.c.id > after_id,
        entry_readable(reader),
    )
    if task_id is not None:
        query = query.where(incident_entries.c.task_id == task_id)
    query = query.order_by(incident_entries.c.id).limit(limit)
    return [row_to_entry(row) for row in conn.execute(query)]


def entry_or_raise(conn: Connection, reader: Reader, entry_id: int) -> Entry:
    row = conn.execute(
        select(incident_entries).where(incident_entries.c.id == entry_id, entry_readable(reader))
    ).first()
    if row is None:
        raise EntryNotFoundError(f"no entry with id {entry_id}")
    return row_to_entry(row)


def list_attachments(
    conn: Connection, reader: Reader, incident_id: int, *, task_id: int | None = None
) -> list[Attachment]:
    query = select(attachments).where(
        attachments.c.incident_id == incident_id, attachment_readable(reader)
    )
    if task_id is not None:
        query = query.where(attachments.c.task_id == task_id)
    return [row_to_attachment(row) for row in conn.execute(query.order_by(attachments.c.id))]


def attachment_or_raise(conn: Connection, reader: Reader, attachment_id: int) -> Attachment:
    row = conn.execute(
        select(attachments).where(attachments.c.id == attachment_id, attachment_readable(reader))
    ).first()
    if row is None:
        raise AttachmentNotFoundError(f"no attachment with id {attachment_id}")
    return row_to_attachment(row)


def incident_view(conn: Connection, reader: Reader, incident_id: int) -> IncidentView:
    """An incident and everything of it `reader` may read (IncidentNotFoundError if none)."""
    incident = incident_or_raise(conn, reader, incident_id)
    return IncidentView(
        incident=incident,
        roles=tuple(list_roles(conn, incident_id)),
        links=tuple(list_links(conn, incident_id)),
        tasks=tuple(list_tasks(conn, reader, incident_id=incident_id)),
        entries=tuple(list_entries(conn, reader, incident_id)),
        attachments=tuple(list_attachments(conn, reader, incident_id)),
    )


# --- notifications ---------------------------------------------------------------------------


def list_notifications(
    conn: Connection, principal: Principal, *, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """The user's own notifications and its agency's, newest first, of incidents (and tasks)
    the user still reads: a share taken back takes its notifications with it. An agency's
    notification is read or unread per user (notification_reads)."""
    read_by_me = (
        select(notification_reads.c.read_at)
        .where(
            notification_reads.c.notification_id == notifications.c.id,
            notification_reads.c.user_id == principal.user_id,
        )
        .correlate(notifications)
        .scalar_subquery()
    )
    read_at = func.coalesce(notifications.c.read_at, read_by_me).label("read_at_for_user")
    query = select(notifications, read_at).where(
        or_(
            notifications.c.user_id == principal.user_id,
            notifications.c.agency_id == principal.agency_id,
        ),
        exists(
            select(incidents.c.id).where(
                incidents.c.id == notifications.c.incident_id, incident_readable(principal)
            )
        ),
        or_(
            notifications.c.task_id.is_(None),
            exists(
                select(tasks.c.id).where(
                    tasks.c.id == notifications.c.task_id, task_readable(principal)
                )
            ),
        ),
    )
    if unread_only:
        query = query.where(read_at.is_(None))
    query = query.order_by(notifications.c.id.desc()).limit(min(limit, MAX_LIST))
    found = []
    for row in conn.execute(query):
        notification = row_to_notification(row)
        found.append(dataclasses.replace(notification, read_at=row._mapping["read_at_for_user"]))
    return found
