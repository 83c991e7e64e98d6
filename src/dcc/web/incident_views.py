"""The incident pages (issue 6): the list with its filters and the "New incident" form
(`/incidents`), the board a wall screen shows (`/incidents/board`), one incident with its
tasks, timeline, links and share list (`/incidents/{id}`), and opening an incident from an
alert or a story.

What a reader sees comes from the coordination queries, which filter by marking in SQL (never
here): a forged id is the 404 page. The forms of an incident page post to incident_forms.py;
"my agency's tasks", a task's page and the notifications are task_views.py's. Writes are
POST forms with the session's CSRF token, answered by a redirect (POST/redirect/GET) with a
`done` code the page turns into words, or by the page again with the refusal's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from dcc.accounts.access import explain_unshare
from dcc.accounts.queries import list_agencies
from dcc.accounts.records import TLP, Permission
from dcc.alerts.queries import get_alerts
from dcc.context import Context
from dcc.coordination.actions import (
    do_open_incident,
    do_open_incident_from_alert,
    do_open_incident_from_story,
)
from dcc.coordination.incidents import allowed_next, is_editable
from dcc.coordination.queries import (
    count_incidents_by_status,
    incident_view,
    list_incidents,
)
from dcc.coordination.records import (
    IncidentKind,
    IncidentLink,
    IncidentSpec,
    IncidentStatus,
    LinkType,
    Severity,
)
from dcc.coordination.sharing import SharedObject, object_access
from dcc.store.items import get_items
from dcc.web.auth import require
from dcc.web.deps import RowId, get_conn, get_context
from dcc.web.incident_display import (
    REFUSALS,
    done_message,
    is_manager,
    refusal_status,
    task_counts,
    task_rows,
    usernames,
    utc_now,
)
from dcc.web.page_errors import error_page
from dcc.web.pages import PageUser, SignedInPage, render

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
Title = Annotated[str, Form(max_length=300)]
Summary = Annotated[str, Form(max_length=20_000)]
TlpField = Annotated[str, Form(max_length=20)]
StoryId = Annotated[str, Path(min_length=1, max_length=200)]
OPEN_INCIDENTS = [require(Permission.OPEN_INCIDENTS)]
# The board shows every incident still being worked, and the latest closed ones.
CLOSED_ON_BOARD: Final = 20
PER_COLUMN: Final = 200
LIST_LIMIT: Final = 200


def choices() -> dict[str, Any]:
    """What the incident forms offer: kinds, severities, TLP labels."""
    return {
        "kinds": list(IncidentKind),
        "severities": list(Severity),
        "tlps": [tlp.value for tlp in TLP],
        "statuses": list(IncidentStatus),
    }


# --- the list and the board ------------------------------------------------------------------


def incidents_page(
    request: Request,
    page_user: PageUser,
    conn: Connection,
    *,
    status: str = "",
    kind: str = "",
    done: str = "",
    error: str = "",
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    principal = page_user.principal
    found = list_incidents(
        conn,
        principal,
        statuses=[IncidentStatus(status)] if status else (),
        kind=IncidentKind(kind) if kind else None,
        limit=LIST_LIMIT,
    )
    context = {
        "section": "incidents",
        "incidents": found,
        "counts": task_counts(conn, principal, utc_now()),
        "agency_names": {agency.id: agency.name for agency in list_agencies(conn)},
        "status": status,
        "kind": kind,
        "done_message": done_message(done),
        "error": error,
        "form": form or {},
        "can_open": principal.has_permission(Permission.OPEN_INCIDENTS),
        **choices(),
    }
    return render(request, "incidents.html", page_user, context, status_code=status_code)


@router.get("/incidents", response_class=HTMLResponse)
def list_page(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    status: IncidentStatus | Literal[""] = "",
    kind: IncidentKind | Literal[""] = "",
    done: str = "",
) -> HTMLResponse:
    return incidents_page(request, page_user, conn, status=status, kind=kind, done=done[:40])


@router.post("/incidents", response_class=HTMLResponse, dependencies=OPEN_INCIDENTS)
def open_incident(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    title: Title,
    kind: Annotated[IncidentKind, Form()],
    severity: Annotated[Severity, Form()],
    tlp: TlpField = TLP.AMBER.value,
    summary: Summary = "",
) -> Response:
    """Open an incident by hand, then show it (refused: the list again, with the reason and
    what was typed)."""
    spec = IncidentSpec(title=title, kind=kind, severity=severity, summary=summary, tlp=tlp)
    try:
        incident = do_open_incident(ctx.engine, spec, by=page_user.principal)
    except REFUSALS as exc:
        form = {"title": title, "kind": kind.value, "severity": severity.value}
        form |= {"tlp": tlp, "summary": summary}
        with ctx.engine.connect() as conn:
            return incidents_page(
                request,
                page_user,
                conn,
                error=str(exc),
                form=form,
                status_code=refusal_status(exc),
            )
    return RedirectResponse(f"/incidents/{incident.id}?done=opened", status_code=303)


@router.get("/incidents/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    kind: IncidentKind | Literal[""] = "",
    wall: bool = False,
) -> HTMLResponse:
    """Columns new / triage / active / monitoring / closed, as a wall screen shows them
    (`?wall=1`: larger type, refreshed every minute)."""
    principal = page_user.principal
    columns = [
        (
            status,
            list_incidents(
                conn,
                principal,
                statuses=[status],
                kind=kind or None,
                limit=CLOSED_ON_BOARD if status is IncidentStatus.CLOSED else PER_COLUMN,
            ),
        )
        for status in IncidentStatus
    ]
    context = {
        "section": "incidents",
        "columns": columns,
        "totals": count_incidents_by_status(conn, principal),
        "counts": task_counts(conn, principal, utc_now()),
        "agency_names": {agency.id: agency.name for agency in list_agencies(conn)},
        "kind": kind,
        "kinds": list(IncidentKind),
        "wall": wall,
    }
    return render(request, "incident_board.html", page_user, context)


# --- one incident ----------------------------------------------------------------------------


def incident_page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    incident_id: int,
    *,
    done: str = "",
    error: str = "",
    forms: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The incident page (IncidentNotFoundError, the 404 page, when the user cannot read it),
    with a `done` notice or a refusal and the forms as they were typed."""
    principal = page_user.principal
    with ctx.engine.connect() as conn:
        view = incident_view(conn, principal, incident_id)
        incident = view.incident
        access = object_access(conn, principal, SharedObject.INCIDENT, incident_id)
        manager = is_manager(conn, principal, incident)
        rows = task_rows(conn, principal, view.tasks, {incident.id: incident}, utc_now())
        agencies = list_agencies(conn)
        names = usernames(conn, [share.user_id for share in access.shares] + [incident.created_by])
        links = linked(conn, page_user, view.links)
    editable = is_editable(incident.status)
    context = {
        "section": "incidents",
        "incident": incident,
        "view": view,
        "tasks": rows,
        "access": access,
        "links": links,
        "agencies": agencies,
        "agency_names": {agency.id: agency.name for agency in agencies},
        "usernames": names,
        "attachments": {attachment.id: attachment for attachment in view.attachments},
        "is_manager": manager,
        "is_editable": editable,
        "can_work": principal.has_permission(Permission.WORK_INCIDENTS),
        "can_share": principal.has_permission(Permission.SHARE),
        # Remove buttons only where the TLP rules let this user take the share off.
        "removable": [
            share.id
            for share in access.shares
            if explain_unshare(principal, access.marking, share).allowed
        ],
        "next_statuses": allowed_next(incident.status) if manager else [],
        "done_message": done_message(done),
        "error": error,
        "forms": forms or {},
        **choices(),
    }
    return render(request, "incident.html", page_user, context, status_code=status_code)


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A linked item, story or alert as the page lists it."""

    type: str
    href: str
    title: str


def linked(conn: Connection, page_user: PageUser, links: tuple[IncidentLink, ...]) -> list[LinkRow]:
    """The incident's links: items and alerts by title where the reader may read them (an
    alert it may not read stays a number), stories by id."""
    item_ids = [int(link.target_id) for link in links if link.target_type is LinkType.ITEM]
    alert_ids = [int(link.target_id) for link in links if link.target_type is LinkType.ALERT]
    items = {item.id: item for item in get_items(conn, item_ids)} if item_ids else {}
    alerts = get_alerts(conn, page_user.principal, alert_ids) if alert_ids else {}
    found: list[LinkRow] = []
    for link in links:
        target = link.target_id
        if link.target_type is LinkType.ITEM:
            item = items.get(int(target))
            title = (item.title or item.text[:120]) if item is not None else ""
            found.append(LinkRow("item", f"/items/{target}", title or target))
        elif link.target_type is LinkType.ALERT:
            alert = alerts.get(int(target))
            found.append(
                LinkRow("alert", f"/alerts#alert-{target}", alert.title if alert else target)
            )
        else:
            found.append(LinkRow("story", f"/stories/{quote(target)}", target))
    return found


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def one_incident(
    request: Request, page_user: SignedInPage, ctx: Ctx, incident_id: RowId, done: str = ""
) -> HTMLResponse:
    return incident_page(request, page_user, ctx, incident_id, done=done[:40])


# --- from an alert or a story ----------------------------------------------------------------


@router.post("/incidents/from-alert/{alert_id}", dependencies=OPEN_INCIDENTS)
def open_from_alert(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    alert_id: RowId,
    kind: Annotated[IncidentKind, Form()],
    severity: Annotated[Severity, Form()],
    tlp: TlpField = "",
) -> Response:
    """Escalate an alert into a new incident (linked, marked at least as strictly as the
    alert) and show it; an alert the user cannot read is the 404 page."""
    try:
        incident = do_open_incident_from_alert(
            ctx.engine,
            alert_id,
            kind=kind,
            severity=severity,
            tlp=tlp or None,
            by=page_user.principal,
        )
    except REFUSALS as exc:
        return error_page(request, refusal_status(exc), detail=str(exc), page_user=page_user)
    return RedirectResponse(f"/incidents/{incident.id}?done=opened", status_code=303)


@router.post("/incidents/from-story/{story_id}", dependencies=OPEN_INCIDENTS)
def open_from_story(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    story_id: StoryId,
    kind: Annotated[IncidentKind, Form()],
    severity: Annotated[Severity, Form()],
    tlp: TlpField = TLP.AMBER.value,
) -> Response:
    """Open an incident about a story (linked to it) and show it."""
    try:
        incident = do_open_incident_from_story(
            ctx.engine, story_id, kind=kind, severity=severity, tlp=tlp, by=page_user.principal
        )
    except REFUSALS as exc:
        return error_page(request, refusal_status(exc), detail=str(exc), page_user=page_user)
    return RedirectResponse(f"/incidents/{incident.id}?done=opened", status_code=303)
