"""The alerts page (`/alerts`, issue 5): alerts newest first, filtered by status and kind,
each with its explanation in words; acknowledge, dismiss and escalate are form posts carrying
the CSRF token, for roles with triage_alerts (others see no buttons and get 403).
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.alerts.actions import (
    MAX_NOTE_LENGTH,
    AlertAction,
    do_acknowledge_alert,
    do_dismiss_alert,
    do_escalate_alert,
)
from dcc.alerts.queries import list_alerts
from dcc.alerts.records import AlertKind, AlertStatus
from dcc.context import Context
from dcc.web.auth import require
from dcc.web.deps import MAX_ROW_ID, RowId, get_conn, get_context
from dcc.web.pages import SignedInPage, render
from dcc.web.signin_views import safe_next

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
PER_PAGE: Final = 30
ACTIONS: Final[dict[str, AlertAction]] = {
    "ack": do_acknowledge_alert,
    "dismiss": do_dismiss_alert,
    "escalate": do_escalate_alert,
}


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    status: AlertStatus | Literal[""] = "",
    kind: AlertKind | Literal[""] = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    found = list_alerts(
        conn,
        page_user.principal,
        status=status or None,
        kind=kind or None,
        before_id=before,
        limit=PER_PAGE,
    )
    context = {
        "section": "alerts",
        "alerts": found,
        "status": status,
        "kind": kind,
        "statuses": list(AlertStatus),
        "kinds": list(AlertKind),
        "next_before": found[-1].id if len(found) == PER_PAGE else None,
        "is_first_page": before is None,
    }
    return render(request, "alerts.html", page_user, context)


@router.post("/alerts/{alert_id}/{action}", dependencies=[require(Permission.TRIAGE_ALERTS)])
def triage_alert(
    page_user: SignedInPage,
    ctx: Ctx,
    alert_id: RowId,
    action: Literal["ack", "dismiss", "escalate"],
    next_page: Annotated[str, Form(alias="next", max_length=2000)] = "/alerts",
    note: Annotated[str, Form(max_length=MAX_NOTE_LENGTH)] = "",
) -> RedirectResponse:
    """Move the alert on, then back to the page the form was on (an unknown alert: 404
    page; a move its status does not allow: 409 page)."""
    ACTIONS[action](ctx.engine, alert_id, note=note or None, by=page_user.principal)
    target = safe_next(next_page)
    return RedirectResponse(f"{target}#alert-{alert_id}", status_code=303)
