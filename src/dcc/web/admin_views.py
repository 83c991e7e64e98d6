"""Administration of users and agencies (`/admin/users`, `/admin/agencies`, admin role,
issue 5): list, add (a user with a role and an agency), deactivate a user. The actions of
dcc.accounts run with `by=` the signed-in principal, so they check the permission too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dcc.accounts.actions import do_create_agency, do_create_user, do_deactivate_user
from dcc.accounts.errors import AccountConflictError, AccountError, AccountNotFoundError
from dcc.accounts.queries import list_agencies, list_users
from dcc.accounts.records import (
    AgencyKind,
    AgencySpec,
    Locale,
    Permission,
    Role,
    UserSpec,
)
from dcc.context import Context
from dcc.web.auth import require
from dcc.web.deps import RowId, get_context
from dcc.web.i18n import gettext as _
from dcc.web.pages import PageUser, SignedInPage, render

router = APIRouter(prefix="/admin", include_in_schema=False)
Ctx = Annotated[Context, Depends(get_context)]
Short = Annotated[str, Form(max_length=200)]
MANAGE_USERS = [require(Permission.MANAGE_USERS)]
MANAGE_AGENCIES = [require(Permission.MANAGE_AGENCIES)]


def _users_page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    *,
    form: dict[str, Any] | None = None,
    error: str = "",
    done: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    with ctx.engine.connect() as conn:
        users, agencies = list_users(conn), list_agencies(conn)
    context = {
        "section": "admin",
        "admin_tab": "users",
        "users": users,
        "agencies": {agency.id: agency for agency in agencies},
        "roles": [role.value for role in Role],
        "locales": [locale.value for locale in Locale],
        "form": form or {},
        "error": error,
        "done": done,
    }
    return render(request, "admin_users.html", page_user, context, status_code=status_code)


def _agencies_page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    *,
    form: dict[str, Any] | None = None,
    error: str = "",
    done: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    with ctx.engine.connect() as conn:
        agencies, users = list_agencies(conn), list_users(conn, is_active=True)
    members: dict[str, int] = {}
    for user in users:
        members[user.agency_id] = members.get(user.agency_id, 0) + 1
    context = {
        "section": "admin",
        "admin_tab": "agencies",
        "agencies": agencies,
        "members": members,
        "kinds": [kind.value for kind in AgencyKind],
        "form": form or {},
        "error": error,
        "done": done,
    }
    return render(request, "admin_agencies.html", page_user, context, status_code=status_code)


def _refused(exc: Exception) -> int:
    return 409 if isinstance(exc, AccountConflictError) else 400


@router.get("/users", response_class=HTMLResponse, dependencies=MANAGE_USERS)
def users_page(request: Request, page_user: SignedInPage, ctx: Ctx, done: str = "") -> HTMLResponse:
    return _users_page(request, page_user, ctx, done=done[:100])


@router.post("/users", response_class=HTMLResponse, dependencies=MANAGE_USERS)
def add_user(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    username: Short,
    agency_id: Short,
    role: Short,
    password: Annotated[str, Form(max_length=1000)],
    display_name: Short = "",
    locale: Short = Locale.ID.value,
) -> Response:
    form = {"username": username, "agency_id": agency_id, "role": role}
    form |= {"display_name": display_name, "locale": locale}
    try:
        spec = UserSpec(
            username=username.strip(),
            agency_id=agency_id.strip(),
            role=Role(role),
            display_name=display_name.strip(),
            locale=Locale(locale),
        )
        created = do_create_user(ctx.engine, spec, password, by=page_user.principal)
    except ValueError:
        message = _("Choose a role and a language from the lists.")
        return _users_page(request, page_user, ctx, form=form, error=message, status_code=400)
    except (AccountError, AccountConflictError, AccountNotFoundError) as exc:
        message = _("The user was not added: %(reason)s") % {"reason": exc}
        return _users_page(
            request, page_user, ctx, form=form, error=message, status_code=_refused(exc)
        )
    return RedirectResponse(f"/admin/users?done=added:{created.username}", status_code=303)


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse, dependencies=MANAGE_USERS)
def deactivate_user(
    request: Request, page_user: SignedInPage, ctx: Ctx, user_id: RowId
) -> Response:
    """No more sign-ins for the user; its sessions end, its tokens are revoked (an unknown
    id: 404 page; the last administrator: refused)."""
    try:
        user = do_deactivate_user(ctx.engine, user_id, by=page_user.principal)
    except AccountConflictError as exc:
        message = _("The user was not deactivated: %(reason)s") % {"reason": exc}
        return _users_page(request, page_user, ctx, error=message, status_code=409)
    return RedirectResponse(f"/admin/users?done=deactivated:{user.username}", status_code=303)


@router.get("/agencies", response_class=HTMLResponse, dependencies=MANAGE_AGENCIES)
def agencies_page(
    request: Request, page_user: SignedInPage, ctx: Ctx, done: str = ""
) -> HTMLResponse:
    return _agencies_page(request, page_user, ctx, done=done[:100])


@router.post("/agencies", response_class=HTMLResponse, dependencies=MANAGE_AGENCIES)
def add_agency(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    agency_id: Annotated[str, Form(alias="id", max_length=200)],
    name: Short,
    kind: Short,
    parent_id: Short = "",
) -> Response:
    form = {"id": agency_id, "name": name, "kind": kind, "parent_id": parent_id}
    try:
        spec = AgencySpec(
            id=agency_id.strip(),
            name=name.strip(),
            kind=AgencyKind(kind),
            parent_id=parent_id.strip() or None,
        )
        created = do_create_agency(ctx.engine, spec, by=page_user.principal)
    except ValueError:
        message = _("Choose a kind of agency from the list.")
        return _agencies_page(request, page_user, ctx, form=form, error=message, status_code=400)
    except (AccountError, AccountConflictError, AccountNotFoundError) as exc:
        message = _("The agency was not added: %(reason)s") % {"reason": exc}
        return _agencies_page(
            request, page_user, ctx, form=form, error=message, status_code=_refused(exc)
        )
    return RedirectResponse(f"/admin/agencies?done=added:{created.id}", status_code=303)
