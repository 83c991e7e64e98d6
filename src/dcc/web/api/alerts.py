"""/api/v1/alerts: the list, one alert, its lifecycle (ack, dismiss, escalate), the live stream.

Who acted is the signed-in user (web/auth.py); triage needs the triage_alerts permission.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.alerts.actions import (
    MAX_NOTE_LENGTH,
    do_acknowledge_alert,
    do_dismiss_alert,
    do_escalate_alert,
)
from dcc.alerts.channels.sse import alert_event_stream, parse_last_event_id
from dcc.alerts.errors import AlertNotFoundError
from dcc.alerts.queries import (
    MAX_LIST,
    alert_deliveries_of,
    alert_history,
    alert_item_ids,
    get_alert,
    list_alerts,
)
from dcc.alerts.records import AlertKind, AlertStatus
from dcc.alerts.serialize import alert_detail_json, alert_json
from dcc.context import Context
from dcc.web.auth import ActingUser, require
from dcc.web.deps import MAX_ROW_ID, RowId, get_conn, get_context

router = APIRouter(tags=["alerts"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
User = ActingUser


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)


Note = Annotated[NoteIn | None, Body()]


@router.get("/alerts", summary="Alerts, newest first, with filters")
def read_alerts(
    conn: Conn,
    status: AlertStatus | None = None,
    watchlist: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    kind: AlertKind | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="Only alerts with a lower id (paging).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> dict[str, Any]:
    found = list_alerts(
        conn, status=status, watchlist_id=watchlist, kind=kind, before_id=before, limit=limit
    )
    return {
        "alerts": [alert_json(a) for a in found],
        "next_before": found[-1].id if len(found) == limit else None,
    }


@router.get(
    "/alerts/stream",
    summary="Live alert events (Server-Sent Events); resume with Last-Event-ID",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_alerts(
    ctx: Ctx,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[
        int | None, Query(ge=0, description="Resume after this event id (as Last-Event-ID).")
    ] = None,
) -> StreamingResponse:
    resume = after if after is not None else parse_last_event_id(last_event_id)
    events = alert_event_stream(
        ctx.engine, after=resume, heartbeat_s=ctx.settings.alert_heartbeat_s
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alerts/{alert_id}", summary="One alert, its history, deliveries and items")
def read_alert(alert_id: RowId, conn: Conn) -> dict[str, Any]:
    alert = get_alert(conn, alert_id)
    if alert is None:
        raise AlertNotFoundError(f"no alert with id {alert_id}")
    return alert_detail_json(
        alert,
        alert_history(conn, alert_id),
        alert_deliveries_of(conn, alert_id),
        alert_item_ids(conn, alert_id),
    )


@router.post(
    "/alerts/{alert_id}/ack",
    summary="Acknowledge an alert (new -> acknowledged)",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def acknowledge_alert(alert_id: RowId, ctx: Ctx, user: User, body: Note = None) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_acknowledge_alert(ctx.engine, alert_id, who=user, note=note))


@router.post(
    "/alerts/{alert_id}/dismiss",
    summary="Dismiss an alert",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def dismiss_alert(alert_id: RowId, ctx: Ctx, user: User, body: Note = None) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_dismiss_alert(ctx.engine, alert_id, who=user, note=note))


@router.post(
    "/alerts/{alert_id}/escalate",
    summary="Escalate an alert (to coordination)",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def escalate_alert(alert_id: RowId, ctx: Ctx, user: User, body: Note = None) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_escalate_alert(ctx.engine, alert_id, who=user, note=note))
