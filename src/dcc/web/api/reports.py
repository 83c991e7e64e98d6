"""/api/v1/incidents/{id}/sitrep.{json,html,pdf} and .../after-action.{json,html,pdf}: the
situation report and the after-action report of an incident (issue 6), built from what the
signed-in user may read of it (coordination.queries.incident_view filters every sub-object),
marked with the strictest TLP label among what they include."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import Connection, select

from dcc.accounts.queries import list_agencies
from dcc.briefings.sitrep import (
    after_action_html,
    after_action_json,
    after_action_pdf,
    after_action_report,
    sitrep_html,
    sitrep_json,
    sitrep_pdf,
    situation_report,
)
from dcc.coordination.queries import incident_view
from dcc.coordination.records import IncidentView
from dcc.store.schema import users
from dcc.web.auth import CurrentPrincipal
from dcc.web.deps import RowId, get_conn

router = APIRouter(tags=["incidents"])
Conn = Annotated[Connection, Depends(get_conn)]
Format = Literal["json", "html", "pdf"]
Locale = Annotated[Literal["en", "id"], Query(description="Language of the HTML and PDF.")]
# The report's own markup has no script; the header keeps it so if it is ever opened inline.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
}


def _names(conn: Connection, view: IncidentView) -> tuple[dict[str, str], dict[int, str]]:
    agencies = {a.id: a.name for a in list_agencies(conn)}
    ids = {r.user_id for r in view.roles} | {
        i for i in (*(t.assignee_id for t in view.tasks), *(e.author_id for e in view.entries)) if i
    }
    people = {
        row.id: row.display_name or row.username
        for row in conn.execute(
            select(users.c.id, users.c.username, users.c.display_name).where(users.c.id.in_(ids))
        )
    }
    return agencies, people


def _filename(view: IncidentView, kind: str, fmt: str) -> str:
    return f"incident-{view.incident.id}-{kind}.{fmt}"


@router.get(
    "/incidents/{incident_id}/sitrep.{fmt}",
    summary="The incident's situation report (JSON, HTML or PDF)",
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
def read_sitrep(
    incident_id: RowId, fmt: Format, conn: Conn, principal: CurrentPrincipal, locale: Locale = "en"
) -> Response:
    view = incident_view(conn, principal, incident_id)
    agencies, people = _names(conn, view)
    report = situation_report(
        view, now=datetime.now(tz=UTC), agency_names=agencies, user_names=people
    )
    if fmt == "json":
        return JSONResponse(sitrep_json(report))
    if fmt == "html":
        return HTMLResponse(sitrep_html(report, locale=locale), headers=_HEADERS)
    return _pdf(sitrep_pdf(report, locale=locale), _filename(view, "sitrep", "pdf"))


@router.get(
    "/incidents/{incident_id}/after-action.{fmt}",
    summary="The incident's after-action report with the full timeline (JSON, HTML or PDF)",
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
def read_after_action(
    incident_id: RowId, fmt: Format, conn: Conn, principal: CurrentPrincipal, locale: Locale = "en"
) -> Response:
    view = incident_view(conn, principal, incident_id)
    agencies, people = _names(conn, view)
    report = after_action_report(
        view, now=datetime.now(tz=UTC), agency_names=agencies, user_names=people
    )
    if fmt == "json":
        return JSONResponse(after_action_json(report))
    if fmt == "html":
        return HTMLResponse(after_action_html(report, locale=locale), headers=_HEADERS)
    return _pdf(after_action_pdf(report, locale=locale), _filename(view, "after-action", "pdf"))


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **_HEADERS},
    )
