"""The forms of an incident page (issue 6): move its status, assign a task to one agency or
the same task to several at once, comment or record a decision, attach a file, share the
incident with an agency or a person (and take them off again).

Each form posts with the session's CSRF token and calls one coordination action as the
signed-in user, which checks roles and TLP itself. Done: a redirect back to the page with a
notice (POST/redirect/GET). Refused: the page again with the action's reason in words, what
was typed kept, status 400 (bad input), 403 (a rule forbids it) or 409 (the workflow or a
closed incident refuses it). An incident or task the user cannot read: the 404 page.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from dcc.accounts.records import Permission
from dcc.context import Context
from dcc.coordination.actions import do_change_incident_status
from dcc.coordination.errors import AttachmentError, CoordinationError
from dcc.coordination.records import EntryKind, IncidentStatus, TaskSpec
from dcc.coordination.sharing import SharedObject, do_share_object, do_unshare_object
from dcc.coordination.task_actions import do_assign_tasks
from dcc.coordination.timeline_actions import do_add_attachment, do_comment
from dcc.web.auth import require
from dcc.web.deps import MAX_ROW_ID, RowId, get_context
from dcc.web.incident_display import REFUSALS, parse_wib, refusal_status
from dcc.web.incident_views import incident_page
from dcc.web.pages import SignedInPage
from dcc.web.task_views import task_page

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Context, Depends(get_context)]
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=300)]
Name = Annotated[str, Form(max_length=64)]
TlpField = Annotated[str, Form(max_length=20)]
WORK = [require(Permission.WORK_INCIDENTS)]
SHARE = [require(Permission.SHARE)]


def _back(incident_id: int, done: str, anchor: str = "") -> RedirectResponse:
    target = f"/incidents/{incident_id}?done={done}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)


@router.post("/incidents/{incident_id}/status", response_class=HTMLResponse, dependencies=WORK)
def change_status(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    status: Annotated[IncidentStatus, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        do_change_incident_status(
            ctx.engine, incident_id, status, note=note, by=page_user.principal
        )
    except REFUSALS as exc:
        return incident_page(
            request,
            page_user,
            ctx,
            incident_id,
            error=str(exc),
            forms={"status": {"note": note}},
            status_code=refusal_status(exc),
        )
    return _back(incident_id, "status")


@router.post("/incidents/{incident_id}/tasks", response_class=HTMLResponse, dependencies=WORK)
def assign_tasks(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    title: Short,
    agencies: Annotated[list[str] | None, Form(max_length=50)] = None,
    assignee: Name = "",
    due_at: Annotated[str, Form(max_length=40)] = "",
    details: Text = "",
    tlp: TlpField = "",
) -> Response:
    """The same task for each agency ticked (one task each, so that each agency sees only
    its own), all or none; a named assignee only when one agency is."""
    chosen = list(dict.fromkeys(a.strip() for a in agencies or () if a.strip()))
    typed = {"title": title, "agencies": chosen, "assignee": assignee, "due_at": due_at}
    typed |= {"details": details, "tlp": tlp}
    try:
        if not chosen:
            raise CoordinationError("tick the agency (or agencies) to assign the task to")
        if assignee.strip() and len(chosen) > 1:
            raise CoordinationError("name an assignee only when the task goes to one agency")
        due = parse_wib(due_at)
        specs = [
            TaskSpec(
                title=title,
                assigned_agency=agency,
                details=details,
                assignee=assignee.strip() or None,
                due_at=due,
                tlp=tlp or None,
            )
            for agency in chosen
        ]
        created = do_assign_tasks(ctx.engine, incident_id, specs, by=page_user.principal)
    except REFUSALS as exc:
        return incident_page(
            request,
            page_user,
            ctx,
            incident_id,
            error=str(exc),
            forms={"task": typed},
            status_code=refusal_status(exc),
        )
    return _back(incident_id, f"tasks:{len(created)}", "tasks")


@router.post("/incidents/{incident_id}/comments", response_class=HTMLResponse, dependencies=WORK)
def comment(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    body: Text,
    kind: Annotated[Literal["comment", "decision"], Form()] = "comment",
    task_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
    tlp: TlpField = "",
    restricted: Annotated[bool, Form()] = False,
) -> Response:
    """A comment or a decision on the incident (or on one of its tasks: then back to the
    task's page)."""
    try:
        do_comment(
            ctx.engine,
            incident_id,
            body,
            task_id=task_id,
            kind=EntryKind(kind),
            tlp=tlp or None,
            restricted=restricted,
            by=page_user.principal,
        )
    except REFUSALS as exc:
        typed: dict[str, Any] = {"body": body, "kind": kind, "tlp": tlp, "restricted": restricted}
        if task_id is not None:
            return task_page(
                request,
                page_user,
                ctx,
                task_id,
                error=str(exc),
                form=typed,
                status_code=refusal_status(exc),
            )
        return incident_page(
            request,
            page_user,
            ctx,
            incident_id,
            error=str(exc),
            forms={"comment": typed},
            status_code=refusal_status(exc),
        )
    if task_id is not None:
        return RedirectResponse(f"/tasks/{task_id}?done={kind}#timeline", status_code=303)
    return _back(incident_id, kind, "timeline")


@router.post("/incidents/{incident_id}/attachments", response_class=HTMLResponse, dependencies=WORK)
async def attach(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    file: Annotated[UploadFile, File()],
    tlp: TlpField = "",
    restricted: Annotated[bool, Form()] = False,
) -> Response:
    """A file on the incident's timeline (checked: size, real type against its name)."""
    limit = ctx.settings.max_attachment_bytes
    content = await file.read(limit + 1)
    name = file.filename or ""

    def store() -> Response:
        try:
            if not name:
                raise AttachmentError("choose a file to attach")
            if len(content) > limit:
                raise AttachmentError(
                    f"{name} is over {limit:,} bytes, the most an attachment may be"
                )
            do_add_attachment(
                ctx.engine,
                incident_id,
                name,
                content,
                declared_type=file.content_type,
                tlp=tlp or None,
                restricted=restricted,
                by=page_user.principal,
            )
        except REFUSALS as exc:
            return incident_page(
                request,
                page_user,
                ctx,
                incident_id,
                error=str(exc),
                forms={"attachment": {"tlp": tlp, "restricted": restricted}},
                status_code=refusal_status(exc),
            )
        return _back(incident_id, "attached", "timeline")

    return await run_in_threadpool(store)


@router.post("/incidents/{incident_id}/shares", response_class=HTMLResponse, dependencies=SHARE)
def share(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    agency: Name = "",
    username: Name = "",
) -> Response:
    """Put an agency or a named person on the incident's share list (TLP 2.0's rules)."""
    try:
        if bool(agency.strip()) == bool(username.strip()):
            raise CoordinationError("choose an agency or type a username (one of the two)")
        do_share_object(
            ctx.engine,
            SharedObject.INCIDENT,
            incident_id,
            agency_id=agency.strip() or None,
            username=username.strip() or None,
            by=page_user.principal,
        )
    except REFUSALS as exc:
        return incident_page(
            request,
            page_user,
            ctx,
            incident_id,
            error=str(exc),
            forms={"share": {"agency": agency, "username": username}},
            status_code=refusal_status(exc),
        )
    return _back(incident_id, "shared", "access")


@router.post("/incidents/{incident_id}/unshare", response_class=HTMLResponse, dependencies=SHARE)
def unshare(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    incident_id: RowId,
    agency: Name = "",
    username: Name = "",
) -> Response:
    """Take an agency or a person off the incident's own share list."""
    try:
        if bool(agency.strip()) == bool(username.strip()):
            raise CoordinationError("name the agency or the user to take off the share list")
        do_unshare_object(
            ctx.engine,
            SharedObject.INCIDENT,
            incident_id,
            agency_id=agency.strip() or None,
            username=username.strip() or None,
            by=page_user.principal,
        )
    except REFUSALS as exc:
        return incident_page(
            request, page_user, ctx, incident_id, error=str(exc), status_code=refusal_status(exc)
        )
    return _back(incident_id, "unshared", "access")
