"""/api/v1/tasks: tasks across incidents ("my agency's tasks"), one task, working it
(acknowledge, start, done, cancel, reopen), reassigning it and moving its deadline; and
/api/v1/notifications, the user's and its agency's (issue 6)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.context import Context
from dcc.coordination.notify import do_mark_notifications_read
from dcc.coordination.queries import MAX_LIST, list_notifications, list_tasks, task_or_raise
from dcc.coordination.records import TaskStatus
from dcc.coordination.serialize import notification_json, task_json
from dcc.coordination.task_actions import (
    do_change_task_status,
    do_reassign_task,
    do_set_task_due,
)
from dcc.web.auth import CurrentPrincipal, require
from dcc.web.deps import MAX_ROW_ID, RowId, get_conn, get_context

router = APIRouter(tags=["tasks"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]


class TaskStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TaskStatus
    outcome: str = Field(default="", max_length=20_000)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=2, max_length=64)
    assignee: str | None = Field(default=None, min_length=2, max_length=64)


class DueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_at: datetime


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(max_length=500)


@router.get("/tasks", summary="Tasks the user may read; `agency=mine` for its agency's")
def read_tasks(
    conn: Conn,
    principal: CurrentPrincipal,
    agency: Annotated[str | None, Query(min_length=2, max_length=64)] = None,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 200,
) -> dict[str, Any]:
    now = datetime.now(tz=UTC)
    is_mine = agency == "mine"
    found = list_tasks(
        conn,
        principal,
        agency_id=principal.agency_id if is_mine else agency,
        # "mine": the agency's tasks and those given or escalated to the user in person.
        user_id=principal.user_id if is_mine else None,
        statuses=status or (),
        overdue_at=now if overdue else None,
        limit=limit,
    )
    return {"tasks": [task_json(t, now=now) for t in found]}


@router.get("/tasks/{task_id}", summary="One task")
def read_task(task_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    return task_json(task_or_raise(conn, principal, task_id), now=datetime.now(tz=UTC))


@router.post(
    "/tasks/{task_id}/status",
    summary="Acknowledge, start, finish, cancel or reopen a task",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def change_task_status(
    task_id: RowId, body: TaskStatusIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    task = do_change_task_status(
        ctx.engine, task_id, body.status, outcome=body.outcome, by=principal
    )
    return task_json(task, now=datetime.now(tz=UTC))


@router.post(
    "/tasks/{task_id}/reassign",
    summary="Give an open task to another agency (need-to-know moves with it)",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def reassign_task(
    task_id: RowId, body: ReassignIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    task = do_reassign_task(ctx.engine, task_id, body.agency, assignee=body.assignee, by=principal)
    return task_json(task, now=datetime.now(tz=UTC))


@router.post(
    "/tasks/{task_id}/due",
    summary="Move an open task's deadline (its escalation starts again)",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def set_task_due(
    task_id: RowId, body: DueIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    due = body.due_at if body.due_at.tzinfo else body.due_at.replace(tzinfo=UTC)
    task = do_set_task_due(ctx.engine, task_id, due, by=principal)
    return task_json(task, now=datetime.now(tz=UTC))


@router.get("/notifications", summary="The user's and its agency's notifications, newest first")
def read_notifications(
    conn: Conn,
    principal: CurrentPrincipal,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> dict[str, Any]:
    found = list_notifications(conn, principal, unread_only=unread, limit=limit)
    return {"notifications": [notification_json(n) for n in found]}


@router.post("/notifications/read", summary="Mark notifications read")
def mark_read(body: ReadIn, ctx: Ctx, principal: CurrentPrincipal) -> dict[str, int]:
    changed = do_mark_notifications_read(
        ctx.engine,
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        ids=list(body.ids),
        at=datetime.now(tz=UTC),
    )
    return {"marked": changed}
