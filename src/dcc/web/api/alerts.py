"""/api/v1/alerts: the list, one alert and its history, deliveries and items, its lifecycle
(ack, dismiss, escalate), its share list and who can see it, the live stream.

Every read is of the alerts the signed-in user's markings let it read (alerts/marking.py, in
the queries): others answer 404 exactly as missing ones do, and never reach a list, a count,
the stream or a feed. Who acted is the signed-in user (web/auth.py); triage needs the
triage_alerts permission and an alert one can read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response
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
from dcc.alerts.queries import (
    MAX_LIST,
    alert_deliveries_of,
    alert_history,
    alert_item_ids,
    alert_or_raise,
    list_alerts,
)
from dcc.alerts.records import AlertKind, AlertStatus
from dcc.alerts.serialize import (
    access_json,
    alert_detail_json,
    alert_json,
    delivery_detail_json,
    event_json,
)
from dcc.alerts.sharing import alert_access, do_share_alert, do_unshare_alert
from dcc.context import Context
from dcc.web.api.shares import AgencyId, ShareIn, Username
from dcc.web.auth import CurrentPrincipal, require
from dcc.web.deps import MAX_ROW_ID, RowId, get_conn, get_context

router = APIRouter(tags=["alerts"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)


Note = Annotated[NoteIn | None, Body()]


@router.get("/alerts", summary="Alerts, newest first, with filters")
def read_alerts(
    conn: Conn,
    principal: CurrentPrincipal,
    status: AlertStatus | None = None,
    watchlist: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    kind: AlertKind | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="Only alerts with a lower id (paging).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> dict[str, Any]:
    found = list_alerts(
        conn,
        principal,
        status=status,
        watchlist_id=watchlist,
        kind=kind,
        before_id=before,
        limit=limit,
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
    principal: CurrentPrincipal,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[
        int | None, Query(ge=0, description="Resume after this event id (as Last-Event-ID).")
    ] = None,
) -> StreamingResponse:
    resume = after if after is not None else parse_last_event_id(last_event_id)
    events = alert_event_stream(
        ctx.engine, principal, after=resume, heartbeat_s=ctx.settings.alert_heartbeat_s
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alerts/{alert_id}", summary="One alert, its history, deliveries and items")
def read_alert(alert_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    alert = alert_or_raise(conn, principal, alert_id)
    return alert_detail_json(
        alert,
        alert_history(conn, principal, alert_id),
        alert_deliveries_of(conn, principal, alert_id),
        alert_item_ids(conn, principal, alert_id),
    )


@router.get("/alerts/{alert_id}/history", summary="What happened to an alert, oldest first")
def read_alert_history(alert_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    alert_or_raise(conn, principal, alert_id)
    return {"history": [event_json(e) for e in alert_history(conn, principal, alert_id)]}


@router.get("/alerts/{alert_id}/deliveries", summary="Where an alert went, and how it went")
def read_alert_deliveries(
    alert_id: RowId, conn: Conn, principal: CurrentPrincipal
) -> dict[str, Any]:
    alert_or_raise(conn, principal, alert_id)
    found = alert_deliveries_of(conn, principal, alert_id)
    return {"deliveries": [delivery_detail_json(d) for d in found]}


@router.get("/alerts/{alert_id}/items", summary="The ids of the items an alert gathered")
def read_alert_items(alert_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    alert_or_raise(conn, principal, alert_id)
    return {"item_ids": alert_item_ids(conn, principal, alert_id)}


@router.get("/alerts/{alert_id}/access", summary="Who can see this alert, and why")
def read_alert_access(alert_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    return access_json(alert_access(conn, principal, alert_id))


@router.post(
    "/alerts/{alert_id}/shares",
    summary="Share one alert with an agency or a named user (TLP rules)",
    dependencies=[require(Permission.SHARE)],
)
def share_alert(
    alert_id: RowId, body: ShareIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    do_share_alert(ctx.engine, alert_id, agency_id=body.agency, username=body.user, by=principal)
    with ctx.engine.connect() as conn:
        return access_json(alert_access(conn, principal, alert_id))


@router.delete(
    "/alerts/{alert_id}/shares/{agency}",
    status_code=204,
    summary="Stop sharing an alert with an agency (its watchlist's shares stay)",
    dependencies=[require(Permission.SHARE)],
)
def unshare_alert_agency(
    alert_id: RowId, agency: AgencyId, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    do_unshare_alert(ctx.engine, alert_id, agency_id=agency, by=principal)
    return Response(status_code=204)


@router.delete(
    "/alerts/{alert_id}/shares/users/{username}",
    status_code=204,
    summary="Stop sharing an alert with a named user",
    dependencies=[require(Permission.SHARE)],
)
def unshare_alert_user(
    alert_id: RowId, username: Username, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    do_unshare_alert(ctx.engine, alert_id, username=username, by=principal)
    return Response(status_code=204)


@router.post(
    "/alerts/{alert_id}/ack",
    summary="Acknowledge an alert (new -> acknowledged)",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def acknowledge_alert(
    alert_id: RowId, ctx: Ctx, principal: CurrentPrincipal, body: Note = None
) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_acknowledge_alert(ctx.engine, alert_id, note=note, by=principal))


@router.post(
    "/alerts/{alert_id}/dismiss",
    summary="Dismiss an alert",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def dismiss_alert(
    alert_id: RowId, ctx: Ctx, principal: CurrentPrincipal, body: Note = None
) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_dismiss_alert(ctx.engine, alert_id, note=note, by=principal))


@router.post(
    "/alerts/{alert_id}/escalate",
    summary="Escalate an alert (to coordination)",
    dependencies=[require(Permission.TRIAGE_ALERTS)],
)
def escalate_alert(
    alert_id: RowId, ctx: Ctx, principal: CurrentPrincipal, body: Note = None
) -> dict[str, Any]:
    note = body.note if body else None
    return alert_json(do_escalate_alert(ctx.engine, alert_id, note=note, by=principal))
