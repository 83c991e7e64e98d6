"""My agency's tasks (`/tasks`, issue 6): the tasks assigned to the signed-in user's agency
and those escalated to it, overdue first, with the moves the user may make, and the user's
and its agency's notifications (mark read); one task's page (`/tasks/{id}`); and the count of
unread notifications the navigation shows on every page.

The tasks come from the coordination queries, filtered by marking in SQL: another agency's
task is not in the list, and its page is the 404 page.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dcc.accounts.records import TLP, Permission
from dcc.context import Context
from dcc.coordination.incidents import is_editable
from dcc.coordination.notify import do_mark_notifications_read
from dcc.coordination.notify_text import notification_text
from dcc.coordination.queries import (
    MAX_LIST,
    OPEN_TASK_STATUSES,
    get_incident,
    incident_or_raise,
    list_attachments,
    list_entries,
    list_notifications,
    list_tasks,
    task_or_raise,
)
from dcc.coordination.records import Incident, Notification, TaskStatus
from dcc.coordination.task_actions import do_change_task_status
from dcc.web.auth import require
from dcc.web.deps import MAX_ROW_ID, RowId, get_context
from dcc.web.i18n import gettext
from dcc.web.incident_display import (
    REFUSALS,
    TaskRow,
    done_message,
    refusal_status,
    task_rows,
    utc_now,
)
from dcc.web.incident_views import incident_page
from dcc.web.pages import PageUser, SignedInPage, render
from dcc.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Context, Depends(get_context)]
WORK = [require(Permission.WORK_INCIDENTS)]
NOTIFICATIONS_SHOWN: Final = 50
# The navigation says "99+" beyond this many unread notifications.
UNREAD_COUNTED: Final = 99
Back = Literal["incident", "tasks", "task"]


def _order(row: TaskRow) -> tuple[int, Any]:
    """Overdue first, then open by deadline, then finished."""
    rank = 0 if row.is_overdue else 1 if row.task.is_open else 2
    return rank, row.task.due_at


def tasks_page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    *,
    show: str = "open",
    done: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    principal = page_user.principal
    with ctx.engine.connect() as conn:
        found = list_tasks(
            conn,
            principal,
            agency_id=principal.agency_id,
            user_id=principal.user_id,
            statuses=OPEN_TASK_STATUSES if show == "open" else (),
            limit=MAX_LIST,
        )
        incidents: dict[int, Incident] = {}
        for incident_id in {task.incident_id for task in found}:
            incident = get_incident(conn, principal, incident_id)
            if incident is not None:
                incidents[incident_id] = incident
        visible = [task for task in found if task.incident_id in incidents]
        rows = sorted(task_rows(conn, principal, visible, incidents, utc_now()), key=_order)
        notifications = list_notifications(conn, principal, limit=NOTIFICATIONS_SHOWN)
    context = {
        "section": "tasks",
        "tasks": rows,
        "incidents": incidents,
        "show": show,
        "notifications": notifications,
        "unread_ids": [n.id for n in notifications if n.read_at is None],
        "done_message": done_message(done),
        "error": error,
    }
    return render(request, "tasks.html", page_user, context, status_code=status_code)


@router.get("/tasks", response_class=HTMLResponse)
def my_tasks(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    show: Literal["open", "all"] = "open",
    done: str = "",
) -> HTMLResponse:
    return tasks_page(request, page_user, ctx, show=show, done=done[:40])


def task_page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    task_id: int,
    *,
    done: str = "",
    error: str = "",
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """One task with its part of the timeline (TaskNotFoundError, the 404 page, when the
    user cannot read it)."""
    principal = page_user.principal
    with ctx.engine.connect() as conn:
        task = task_or_raise(conn, principal, task_id)
        incident = incident_or_raise(conn, principal, task.incident_id)
        (row,) = task_rows(conn, principal, [task], {incident.id: incident}, utc_now())
        entries = list_entries(conn, principal, incident.id, task_id=task_id)
        attachments = list_attachments(conn, principal, incident.id, task_id=task_id)
    context = {
        "section": "tasks",
        "row": row,
        "incident": incident,
        "entries": entries,
        "attachments": {attachment.id: attachment for attachment in attachments},
        "can_work": principal.has_permission(Permission.WORK_INCIDENTS),
        "is_editable": is_editable(incident.status),
        "tlps": [tlp.value for tlp in TLP],
        "done_message": done_message(done),
        "error": error,
        "form": form or {},
    }
    return render(request, "task.html", page_user, context, status_code=status_code)


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def one_task(
    request: Request, page_user: SignedInPage, ctx: Ctx, task_id: RowId, done: str = ""
) -> HTMLResponse:
    return task_page(request, page_user, ctx, task_id, done=done[:40])


@router.post("/tasks/{task_id}/status", response_class=HTMLResponse, dependencies=WORK)
def move_task(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    task_id: RowId,
    status: Annotated[TaskStatus, Form()],
    outcome: Annotated[str, Form(max_length=20_000)] = "",
    back: Annotated[Back, Form()] = "incident",
) -> Response:
    """Acknowledge, start, finish (with its outcome), cancel or reopen a task, then back to
    the page the form was on."""
    try:
        task = do_change_task_status(
            ctx.engine, task_id, status, outcome=outcome, by=page_user.principal
        )
    except REFUSALS as exc:
        message, code = str(exc), refusal_status(exc)
        if back == "tasks":
            return tasks_page(request, page_user, ctx, error=message, status_code=code)
        if back == "task":
            return task_page(request, page_user, ctx, task_id, error=message, status_code=code)
        with ctx.engine.connect() as conn:
            incident_id = task_or_raise(conn, page_user.principal, task_id).incident_id
        return incident_page(request, page_user, ctx, incident_id, error=message, status_code=code)
    targets = {
        "incident": f"/incidents/{task.incident_id}?done=task#task-{task_id}",
        "tasks": f"/tasks?done=task#task-{task_id}",
        "task": f"/tasks/{task_id}?done=task",
    }
    return RedirectResponse(targets[back], status_code=303)


@router.post("/notifications/read")
def mark_read(
    page_user: SignedInPage,
    ctx: Ctx,
    ids: Annotated[list[int] | None, Form(max_length=MAX_LIST)] = None,
) -> RedirectResponse:
    """Mark the user's (or its agency's) notifications read; ids of others are ignored."""
    principal = page_user.principal
    do_mark_notifications_read(
        ctx.engine,
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        ids=[n for n in ids or () if 1 <= n <= MAX_ROW_ID],
        at=utc_now(),
    )
    return RedirectResponse("/tasks?done=read#notifications", status_code=303)


def unread_notifications(request: Request, page_user: PageUser | None) -> int:
    """How many of the user's and its agency's notifications are unread (at most
    UNREAD_COUNTED + 1), for the navigation of every page."""
    if page_user is None:
        return 0
    with get_context(request).engine.connect() as conn:
        unread = list_notifications(
            conn, page_user.principal, unread_only=True, limit=UNREAD_COUNTED + 1
        )
    return len(unread)


def notification_title(notification: Notification) -> str:
    """The notification's sentence in the page's language (notify_text); the stored English
    title for notifications written before they kept their parameters."""
    if not notification.params:
        return notification.title
    try:
        return notification_text(notification.kind, notification.params, gettext)
    except (KeyError, TypeError, ValueError):  # parameters of an older sentence
        return notification.title


TEMPLATES.env.globals["unread_notifications"] = unread_notifications
TEMPLATES.env.filters["notification_title"] = notification_title
