"""Signing in and out, and the language switch (issue 5).

The login form is protected against login CSRF (a site signing a victim into the attacker's
account) by a double-submit token: a random cookie that the form must repeat. Failed logins
are answered with one message whatever the reason, and rate-limited (accounts/signin.py).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dcc.accounts.actions import do_set_locale
from dcc.accounts.errors import LoginRefusedError, RateLimitedError
from dcc.accounts.policies import LoginPolicy, SessionPolicy
from dcc.accounts.records import Locale
from dcc.accounts.signin import do_login, do_logout
from dcc.web import i18n
from dcc.web.auth import SESSION_COOKIE, RequestAuth, signed_in
from dcc.web.deps import get_context
from dcc.web.pages import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "dcc_login_csrf"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_USERNAME = 100
MAX_PASSWORD = 1000
logger = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """A path on this site to go back to, never another host ("//evil", "/\\evil", "http:")."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target[:2000]
    return "/"


def _is_secure(request: Request) -> bool:
    settings = get_context(request).settings
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def _login_page(
    request: Request, next_page: str, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        {"next_page": next_page, "login_csrf": token, "error": error},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_is_secure(request),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_USERNAME)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next_page: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    target = safe_next(next_page)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        logger.warning("login form without its CSRF token from %s", _address(request))
        return _login_page(
            request,
            target,
            error=i18n.gettext("The form expired. Please sign in again."),
            status_code=403,
        )
    ctx = get_context(request)
    try:
        signed = await asyncio.to_thread(
            do_login,
            ctx.engine,
            username,
            password,
            client_address=_address(request),
            user_agent=request.headers.get("user-agent"),
            login_policy=LoginPolicy.from_settings(ctx.settings),
            session_policy=SessionPolicy.from_settings(ctx.settings),
        )
    except RateLimitedError as exc:
        page = _login_page(
            request,
            target,
            error=i18n.gettext("Too many failed sign-ins. Try again in %(seconds)s seconds.")
            % {"seconds": exc.retry_after_s},
            status_code=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    except LoginRefusedError:
        return _login_page(
            request,
            target,
            error=i18n.gettext("Wrong username or password."),
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(SessionPolicy.from_settings(ctx.settings).ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_is_secure(request),
    )
    response.set_cookie(
        i18n.LOCALE_COOKIE,
        signed.user.locale.value,
        max_age=LOCALE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, auth: Annotated[RequestAuth, Depends(signed_in)]) -> Response:
    if auth.session is not None:
        await asyncio.to_thread(do_logout, get_context(request).engine, auth.session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str = "/") -> RedirectResponse:
    """Before signing in: remember the language in a cookie and go back to the page."""
    return _with_locale_cookie(RedirectResponse(safe_next(next), status_code=303), locale)


@router.post("/lang/{locale}")
async def set_language(
    request: Request,
    locale: str,
    auth: Annotated[RequestAuth, Depends(signed_in)],
    next_page: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> RedirectResponse:
    """Signed in: the language becomes the user's own setting (and the cookie's)."""
    chosen = i18n.supported_locale(locale) or i18n.DEFAULT_LOCALE
    await asyncio.to_thread(
        do_set_locale, get_context(request).engine, auth.principal.user_id, Locale(chosen)
    )
    return _with_locale_cookie(RedirectResponse(safe_next(next_page), status_code=303), chosen)


def _with_locale_cookie(response: RedirectResponse, locale: str) -> RedirectResponse:
    chosen = i18n.supported_locale(locale) or i18n.DEFAULT_LOCALE
    response.set_cookie(
        i18n.LOCALE_COOKIE, chosen, max_age=LOCALE_COOKIE_MAX_AGE, httponly=True, samesite="lax"
    )
    return response


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None
