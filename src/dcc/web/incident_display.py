"""What the incident and task pages share (issue 6): task rows with what the reader may do to
each task, open and overdue counts per incident, the words of a `done` notice, the HTTP status
of a refusal, and due times typed in Western Indonesia Time.

Nothing here decides what a reader sees: the tasks and incidents come from the coordination
queries, already filtered by marking; this module only shapes them for the templates and
hides buttons the actions would refuse anyway (they check again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Connection

from dcc.accounts.errors import (
    AccountError,
    AccountNotFoundError,
    MarkingError,
    PermissionDeniedError,
)
from dcc.accounts.queries import get_user
from dcc.accounts.records import Permission, Principal
from dcc.coordination.errors import (
    ClosedIncidentError,
    CoordinationError,
    IllegalTransitionError,
)
from dcc.coordination.incidents import is_editable
from dcc.coordination.queries import MAX_LIST, OPEN_TASK_STATUSES, list_tasks
from dcc.coordination.records import Incident, Task, TaskStatus
from dcc.coordination.sla import is_overdue
from dcc.coordination.writing import holds_role
from dcc.web.i18n import DISPLAY_TIMEZONE, ngettext
from dcc.web.i18n import gettext as _

# Refusals a form shows with their reason (the page again, what was typed kept); a missing or
# unreadable incident or task is not one of them: it is the 404 page.
REFUSALS: Final = (
    CoordinationError,
    PermissionDeniedError,
    AccountNotFoundError,
    AccountError,
    MarkingError,
)
S = TaskStatus


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def refusal_status(exc: Exception) -> int:
    """409 for a move the workflow refuses or a closed incident, 403 for a role or TLP rule
    that forbids it, else 400 (bad input)."""
    if isinstance(exc, IllegalTransitionError | ClosedIncidentError):
        return 409
    if isinstance(exc, PermissionDeniedError):
        return 403
    return 400


def done_message(done: str) -> str:
    """The notice of a `done` code a form's redirect carries ("tasks:2" -> "2 tasks
    assigned."); "" for an unknown one, so a link cannot put words on the page."""
    code, _sep, number = done.partition(":")
    count = int(number[:4]) if number[:4].isdigit() else 1
    if code == "tasks":
        return ngettext("%(num)s task assigned.", "%(num)s tasks assigned.", count) % {"num": count}
    messages = {
        "opened": _("Incident opened."),
        "status": _("Status changed."),
        "comment": _("Comment added."),
        "decision": _("Decision recorded."),
        "attached": _("File attached."),
        "shared": _("Added to the share list."),
        "unshared": _("Removed from the share list."),
        "task": _("Task updated."),
        "read": _("Notifications marked read."),
    }
    return messages.get(code, "")


def parse_wib(text: str) -> datetime | None:
    """A due time typed in a datetime-local field, in Western Indonesia Time, as UTC; None
    when empty; CoordinationError when it is not a date and time."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        local = datetime.fromisoformat(cleaned)
    except ValueError:
        raise CoordinationError(f"the due time {cleaned!r} is not a date and time") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=DISPLAY_TIMEZONE)
    return local.astimezone(UTC)


def usernames(conn: Connection, user_ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> username, for the ids given (None skipped)."""
    names: dict[int, str] = {}
    for user_id in {uid for uid in user_ids if uid is not None}:
        user = get_user(conn, user_id)
        if user is not None:
            names[user_id] = user.username
    return names


def is_manager(conn: Connection, principal: Principal, incident: Incident) -> bool:
    """Whether the user manages the incident (its status, tasks, decisions): a user of its
    owner agency or one of its role holders, with the work_incidents permission."""
    if not principal.has_permission(Permission.WORK_INCIDENTS):
        return False
    return principal.agency_id == incident.owner_agency or holds_role(
        conn, incident.id, principal.user_id
    )


@dataclass(frozen=True, slots=True)
class TaskCounts:
    open: int = 0
    overdue: int = 0


def task_counts(conn: Connection, principal: Principal, now: datetime) -> dict[int, TaskCounts]:
    """Open and overdue tasks per incident, of the tasks the user may read."""
    counts: dict[int, TaskCounts] = {}
    for task in list_tasks(conn, principal, statuses=OPEN_TASK_STATUSES, limit=MAX_LIST):
        before = counts.get(task.incident_id, TaskCounts())
        counts[task.incident_id] = TaskCounts(
            before.open + 1, before.overdue + int(is_overdue(task, now))
        )
    return counts


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task as a page lists it: who it is assigned to, whether it is late, how far it was
    escalated and to whom, and the moves the reader may make (task statuses, in order)."""

    task: Task
    is_overdue: bool
    assignee: str
    escalated_to: str
    moves: tuple[TaskStatus, ...]


def task_moves(
    principal: Principal, task: Task, incident: Incident, *, manager: bool
) -> tuple[TaskStatus, ...]:
    """The statuses the user may move the task to (task_actions._require_worker's rule):
    its agency and the incident's managers work it, managers alone cancel it."""
    if not is_editable(incident.status) or not principal.has_permission(Permission.WORK_INCIDENTS):
        return ()
    works_it = manager or principal.agency_id == task.assigned_agency
    works_it = works_it or principal.user_id == task.assignee_id
    if not works_it:
        return ()
    moves = {
        S.OPEN: (S.ACKNOWLEDGED, S.IN_PROGRESS, S.DONE, S.CANCELLED),
        S.ACKNOWLEDGED: (S.IN_PROGRESS, S.DONE, S.CANCELLED),
        S.IN_PROGRESS: (S.DONE, S.CANCELLED),
        S.DONE: (S.IN_PROGRESS,),
        S.CANCELLED: (),
    }[task.status]
    return tuple(move for move in moves if move is not S.CANCELLED or manager)


def task_rows(
    conn: Connection,
    principal: Principal,
    tasks: Sequence[Task],
    incidents: Mapping[int, Incident],
    now: datetime,
) -> list[TaskRow]:
    """The rows of `tasks` (each of an incident in `incidents`)."""
    names = usernames(conn, [t.assignee_id for t in tasks] + [t.escalated_to_user for t in tasks])
    managed = {iid: is_manager(conn, principal, incident) for iid, incident in incidents.items()}
    rows: list[TaskRow] = []
    for task in tasks:
        incident = incidents[task.incident_id]
        escalated_to = task.escalated_to_agency or ""
        if task.escalated_to_user is not None:
            escalated_to = names.get(task.escalated_to_user, "")
        rows.append(
            TaskRow(
                task=task,
                is_overdue=is_overdue(task, now),
                assignee=names.get(task.assignee_id, "") if task.assignee_id else "",
                escalated_to=escalated_to,
                moves=task_moves(principal, task, incident, manager=managed[incident.id]),
            )
        )
    return rows
