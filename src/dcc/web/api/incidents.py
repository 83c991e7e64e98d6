"""/api/v1/incidents: the list, open (by hand, from an alert, from a story), one incident with
what the reader may see of it, edit, status, roles, links, the timeline (comments,
decisions, attachments), its tasks, share lists and "who can see this, and why" (issue 6).

Every read goes through the coordination queries, which filter by the reader's markings in
SQL: an incident or sub-object the reader may not read answers 404 as a missing one does.
Writes are coordination actions: they check roles and TLP, refuse bad input with a reason
(400, 409 for an illegal transition or a closed incident) and audit both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.context import Context
from dcc.coordination.actions import (
    do_assign_role,
    do_change_incident_status,
    do_link,
    do_open_incident,
    do_open_incident_from_alert,
    do_open_incident_from_story,
    do_update_incident,
)
from dcc.coordination.errors import AttachmentError, CoordinationError
from dcc.coordination.queries import (
    MAX_LIST,
    attachment_or_raise,
    incident_or_raise,
    incident_view,
    list_entries,
    list_incidents,
    list_tasks,
)
from dcc.coordination.records import (
    EntryKind,
    IncidentChanges,
    IncidentKind,
    IncidentRole,
    IncidentSpec,
    IncidentStatus,
    LinkType,
    Severity,
    TaskSpec,
)
from dcc.coordination.serialize import (
    attachment_json,
    coordination_access_json,
    entry_json,
    incident_json,
    incident_view_json,
    task_json,
)
from dcc.coordination.sharing import (
    SharedObject,
    do_share_object,
    do_unshare_object,
    object_access,
)
from dcc.coordination.task_actions import do_assign_tasks
from dcc.coordination.timeline_actions import do_add_attachment, do_comment, read_attachment
from dcc.web.api.shares import AgencyId, ShareIn, Username
from dcc.web.auth import CurrentPrincipal, require
from dcc.web.deps import MAX_ROW_ID, RowId, get_conn, get_context

router = APIRouter(tags=["incidents"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
TLPText = Annotated[str, Field(min_length=3, max_length=20)]


def _now() -> datetime:
    return datetime.now(tz=UTC)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    kind: IncidentKind
    severity: Severity
    summary: str = Field(default="", max_length=20_000)
    tlp: TLPText = "AMBER"


class FromAlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: IncidentKind
    severity: Severity
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str = Field(default="", max_length=20_000)
    tlp: TLPText | None = None


class FromStoryIn(FromAlertIn):
    story_id: str = Field(min_length=1, max_length=200)


class IncidentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    kind: IncidentKind | None = None
    severity: Severity | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: IncidentStatus
    note: str = Field(default="", max_length=2000)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: IncidentRole
    user: str = Field(min_length=2, max_length=64)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: LinkType
    id: str = Field(min_length=1, max_length=200)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=20_000)
    kind: Literal["comment", "decision"] = "comment"
    task_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    tlp: TLPText | None = None
    restricted: bool = Field(
        default=False,
        description="Read only by the author's agency and whom it is shared with, not by "
        "everyone reading the incident (or task).",
    )


class TasksIn(BaseModel):
    """One task for one agency, or the same task for several (`agencies`)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    agency: str | None = Field(default=None, min_length=2, max_length=64)
    agencies: list[Annotated[str, Field(min_length=2, max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    details: str = Field(default="", max_length=20_000)
    assignee: str | None = Field(default=None, min_length=2, max_length=64)
    due_at: datetime | None = None
    tlp: TLPText | None = None
    depends_on: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        default_factory=list, max_length=50
    )


@router.get("/incidents", summary="Incidents the user may read, most recently updated first")
def read_incidents(
    conn: Conn,
    principal: CurrentPrincipal,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    kind: IncidentKind | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    found = list_incidents(
        conn, principal, statuses=status or (), kind=kind, limit=limit, offset=offset
    )
    return {"incidents": [incident_json(i) for i in found]}


@router.post(
    "/incidents",
    status_code=201,
    summary="Open an incident by hand",
    dependencies=[require(Permission.OPEN_INCIDENTS)],
)
def open_incident(body: IncidentIn, ctx: Ctx, principal: CurrentPrincipal) -> dict[str, Any]:
    spec = IncidentSpec(
        title=body.title, kind=body.kind, severity=body.severity, summary=body.summary, tlp=body.tlp
    )
    return incident_json(do_open_incident(ctx.engine, spec, by=principal))


@router.post(
    "/incidents/from-alert/{alert_id}",
    status_code=201,
    summary="Escalate an alert into a new incident (the alert is linked and escalated)",
    dependencies=[require(Permission.OPEN_INCIDENTS)],
)
def open_incident_from_alert(
    alert_id: RowId, body: FromAlertIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    incident = do_open_incident_from_alert(
        ctx.engine,
        alert_id,
        kind=body.kind,
        severity=body.severity,
        title=body.title,
        summary=body.summary,
        tlp=body.tlp,
        by=principal,
    )
    return incident_json(incident)


@router.post(
    "/incidents/from-story",
    status_code=201,
    summary="Open an incident about a story (linked to it)",
    dependencies=[require(Permission.OPEN_INCIDENTS)],
)
def open_incident_from_story(
    body: FromStoryIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    incident = do_open_incident_from_story(
        ctx.engine,
        body.story_id,
        kind=body.kind,
        severity=body.severity,
        title=body.title,
        summary=body.summary,
        tlp=body.tlp or "AMBER",
        by=principal,
    )
    return incident_json(incident)


@router.get(
    "/incidents/{incident_id}",
    summary="One incident with its roles, links, tasks, timeline and attachments",
)
def read_incident(incident_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    return incident_view_json(incident_view(conn, principal, incident_id), now=_now())


@router.patch(
    "/incidents/{incident_id}",
    summary="Change an open incident's title, summary, kind or severity",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def update_incident(
    incident_id: RowId, body: IncidentPatch, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    changes = IncidentChanges(
        title=body.title, summary=body.summary, kind=body.kind, severity=body.severity
    )
    return incident_json(do_update_incident(ctx.engine, incident_id, changes, by=principal))


@router.post(
    "/incidents/{incident_id}/status",
    summary="Move an incident along new → triage → active → monitoring → closed",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def change_status(
    incident_id: RowId, body: StatusIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    incident = do_change_incident_status(
        ctx.engine, incident_id, body.status, note=body.note, by=principal
    )
    return incident_json(incident)


@router.post(
    "/incidents/{incident_id}/roles",
    summary="Give an ISO 22320 role on the incident to a user",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def assign_role(
    incident_id: RowId, body: RoleIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    do_assign_role(ctx.engine, incident_id, body.role, body.user, by=principal)
    with ctx.engine.connect() as conn:
        return incident_view_json(incident_view(conn, principal, incident_id), now=_now())


@router.post(
    "/incidents/{incident_id}/links",
    summary="Link an item, a story or an alert to the incident",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def link(incident_id: RowId, body: LinkIn, ctx: Ctx, principal: CurrentPrincipal) -> dict[str, Any]:
    added = do_link(ctx.engine, incident_id, body.type, body.id, by=principal)
    return {"added": added}


@router.get("/incidents/{incident_id}/timeline", summary="The timeline the user may read")
def read_timeline(
    incident_id: RowId,
    conn: Conn,
    principal: CurrentPrincipal,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="Entries after this id.")] = 0,
) -> dict[str, Any]:
    incident_or_raise(conn, principal, incident_id)
    entries = list_entries(conn, principal, incident_id, after_id=after)
    return {"timeline": [entry_json(e) for e in entries]}


@router.post(
    "/incidents/{incident_id}/comments",
    status_code=201,
    summary="Comment (with @mentions) or record a decision",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def comment(
    incident_id: RowId, body: CommentIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    entry = do_comment(
        ctx.engine,
        incident_id,
        body.body,
        task_id=body.task_id,
        kind=EntryKind(body.kind),
        tlp=body.tlp,
        restricted=body.restricted,
        by=principal,
    )
    return entry_json(entry)


@router.post(
    "/incidents/{incident_id}/attachments",
    status_code=201,
    summary="Attach a file (size-limited; its real type must match what it says it is)",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
async def attach(
    incident_id: RowId,
    ctx: Ctx,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File()],
    task_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
    tlp: Annotated[str | None, Form(min_length=3, max_length=20)] = None,
    restricted: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    limit = ctx.settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise AttachmentError(
            f"{file.filename or 'the file'} is over {limit:,} bytes, the most an attachment may be"
        )
    attachment = do_add_attachment(
        ctx.engine,
        incident_id,
        file.filename or "",
        content,
        declared_type=file.content_type,
        task_id=task_id,
        tlp=tlp,
        restricted=restricted,
        by=principal,
    )
    return attachment_json(attachment)


@router.get("/attachments/{attachment_id}", summary="An attachment's record")
def read_attachment_record(
    attachment_id: RowId, conn: Conn, principal: CurrentPrincipal
) -> dict[str, Any]:
    return attachment_json(attachment_or_raise(conn, principal, attachment_id))


@router.get(
    "/attachments/{attachment_id}/content",
    summary="An attachment's bytes (checked against its checksum)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_attachment(attachment_id: RowId, ctx: Ctx, principal: CurrentPrincipal) -> Response:
    attachment, content = read_attachment(ctx.engine, attachment_id, principal)
    safe_name = attachment.filename.replace('"', "_")
    return Response(
        content,
        media_type=attachment.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "X-DCC-SHA256": attachment.sha256,
        },
    )


@router.get("/incidents/{incident_id}/tasks", summary="The incident's tasks the user may read")
def read_incident_tasks(
    incident_id: RowId, conn: Conn, principal: CurrentPrincipal
) -> dict[str, Any]:
    incident_or_raise(conn, principal, incident_id)
    now = _now()
    return {
        "tasks": [
            task_json(t, now=now) for t in list_tasks(conn, principal, incident_id=incident_id)
        ]
    }


@router.post(
    "/incidents/{incident_id}/tasks",
    status_code=201,
    summary="Assign a task to an agency, or the same task to several (bulk)",
    dependencies=[require(Permission.WORK_INCIDENTS)],
)
def create_tasks(
    incident_id: RowId, body: TasksIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    agencies = list(dict.fromkeys([*([body.agency] if body.agency else []), *body.agencies]))
    if not agencies:
        raise CoordinationError("name the agency (or agencies) to assign the task to")
    specs = [
        TaskSpec(
            title=body.title,
            assigned_agency=agency,
            details=body.details,
            assignee=body.assignee if len(agencies) == 1 else None,
            due_at=body.due_at,
            tlp=body.tlp,
            depends_on=tuple(body.depends_on),
        )
        for agency in agencies
    ]
    created = do_assign_tasks(ctx.engine, incident_id, specs, by=principal)
    now = _now()
    return {"tasks": [task_json(t, now=now) for t in created]}


# --- share lists and who can see this ----------------------------------------------------------


def add_share_routes(kind: SharedObject, prefix: str) -> None:
    """GET .../access, POST .../shares, DELETE .../shares/{agency} and .../users/{username}."""

    def read_access(object_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
        return coordination_access_json(object_access(conn, principal, kind, object_id))

    def share(
        object_id: RowId, body: ShareIn, ctx: Ctx, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        do_share_object(
            ctx.engine, kind, object_id, agency_id=body.agency, username=body.user, by=principal
        )
        with ctx.engine.connect() as conn:
            return coordination_access_json(object_access(conn, principal, kind, object_id))

    def unshare_agency(
        object_id: RowId, agency: AgencyId, ctx: Ctx, principal: CurrentPrincipal
    ) -> Response:
        do_unshare_object(ctx.engine, kind, object_id, agency_id=agency, by=principal)
        return Response(status_code=204)

    def unshare_user(
        object_id: RowId, username: Username, ctx: Ctx, principal: CurrentPrincipal
    ) -> Response:
        do_unshare_object(ctx.engine, kind, object_id, username=username, by=principal)
        return Response(status_code=204)

    name = kind.value
    sharing = [require(Permission.SHARE)]
    router.add_api_route(
        f"{prefix}/{{object_id}}/access",
        read_access,
        methods=["GET"],
        summary=f"Who can see this {name}, and why",
        operation_id=f"read_{name}_access",
    )
    router.add_api_route(
        f"{prefix}/{{object_id}}/shares",
        share,
        methods=["POST"],
        summary=f"Share the {name} with an agency or a named user (TLP rules)",
        dependencies=sharing,
        operation_id=f"share_{name}",
    )
    router.add_api_route(
        f"{prefix}/{{object_id}}/shares/{{agency}}",
        unshare_agency,
        methods=["DELETE"],
        status_code=204,
        summary=f"Stop sharing the {name} with an agency",
        dependencies=sharing,
        operation_id=f"unshare_{name}_agency",
    )
    router.add_api_route(
        f"{prefix}/{{object_id}}/shares/users/{{username}}",
        unshare_user,
        methods=["DELETE"],
        status_code=204,
        summary=f"Stop sharing the {name} with a named user",
        dependencies=sharing,
        operation_id=f"unshare_{name}_user",
    )


for _kind, _prefix in (
    (SharedObject.INCIDENT, "/incidents"),
    (SharedObject.TASK, "/tasks"),
    (SharedObject.ENTRY, "/entries"),
    (SharedObject.ATTACHMENT, "/attachments"),
):
    add_share_routes(_kind, _prefix)
