"""Who is asking: every page and API call is signed in (issue 5), checked here once.

A request signs in by one of:
- the session cookie `dcc_session` (browsers; set by POST /login, HttpOnly, SameSite=Lax),
  whose unsafe requests (POST, PUT, PATCH, DELETE) must also carry the session's CSRF token,
  in the `X-CSRF-Token` header or the `csrf_token` form field;
- `Authorization: Bearer <API token>` (scripts; `dcc tokens create`), which needs no CSRF
  token since a browser never adds it by itself.

Not signed in: API calls get 401 with a JSON error, pages a redirect to /login. What a signed-in
principal may *see* is decided by dcc.accounts.access in the queries; what it may *do*, by the
role's permissions (`require(Permission.X)`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, params

from dcc.accounts.csrf import check_csrf
from dcc.accounts.errors import PermissionDeniedError
from dcc.accounts.policies import SessionPolicy
from dcc.accounts.records import Permission, Principal, Session
from dcc.accounts.signin import do_authenticate_api_token, do_authenticate_session
from dcc.errors import DCCError
from dcc.web.deps import get_context

SESSION_COOKIE = "dcc_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
logger = logging.getLogger(__name__)


class SignInRequiredError(DCCError):
    """No live session or token: 401 for the API, a redirect to /login for pages."""


@dataclass(frozen=True, slots=True)
class RequestAuth:
    """How the request signed in: the principal, and the browser session if by cookie."""

    principal: Principal
    session: Session | None  # None when signed in by an API token


def _bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _authenticate(request: Request) -> RequestAuth | None:
    """The request's sign-in, checked against the database (a thread: it does I/O)."""
    ctx = get_context(request)
    token = _bearer_token(request)
    if token is not None:
        by_token = do_authenticate_api_token(ctx.engine, token)
        return RequestAuth(by_token.principal, None) if by_token is not None else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    by_cookie = do_authenticate_session(
        ctx.engine, cookie, policy=SessionPolicy.from_settings(ctx.settings)
    )
    return RequestAuth(by_cookie.principal, by_cookie.session) if by_cookie is not None else None


async def request_auth(request: Request) -> RequestAuth | None:
    """The request's sign-in or None, looked up once per request."""
    if not hasattr(request.state, "auth"):
        request.state.auth = await asyncio.to_thread(_authenticate, request)
    found: RequestAuth | None = request.state.auth
    return found


async def signed_in(request: Request) -> RequestAuth:
    """A router dependency: the request is signed in, and an unsafe request by cookie carries
    the session's CSRF token. Raises SignInRequiredError or CsrfError."""
    auth = await request_auth(request)
    if auth is None:
        raise SignInRequiredError("sign in first: a session cookie or a bearer API token")
    if request.method not in SAFE_METHODS and auth.session is not None:
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            field = form.get(CSRF_FIELD)
            presented = field if isinstance(field, str) else None
        try:
            check_csrf(auth.session, presented)
        except DCCError:
            logger.warning(
                "CSRF check refused %s %s for %s",
                request.method,
                request.url.path,
                auth.principal.username,
            )
            raise
    return auth


async def current_principal(auth: Annotated[RequestAuth, Depends(signed_in)]) -> Principal:
    return auth.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def acting_username(principal: CurrentPrincipal) -> str:
    """Who acts, as alert histories and watchlist owners record it."""
    return principal.username


ActingUser = Annotated[str, Depends(acting_username)]


def require(permission: Permission) -> params.Depends:
    """A dependency refusing (403) a principal whose role lacks `permission`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_permission(permission):
            logger.warning(
                "refused %s to %s (role %s)", permission.value, principal.username, principal.role
            )
            raise PermissionDeniedError(
                f"your role ({principal.role.value}) may not {permission.value.replace('_', ' ')}"
            )
        return principal

    dependency: params.Depends = Depends(check)
    return dependency
