"""Errors on pages as pages: a 404 for an unknown or forged id, a 403 for a role that may not,
a 409 for an alert that moved on, in the reader's language (issue 5).

The JSON API keeps its `{"error": {...}}` bodies (errors.py): `install_page_error_handlers`
wraps the handlers installed there and answers with a page only outside the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from dcc.accounts.errors import (
    AccountNotFoundError,
    CsrfError,
    ObjectNotVisibleError,
    PermissionDeniedError,
)
from dcc.alerts.errors import AlertNotFoundError, AlertTransitionError, WatchlistNotFoundError
from dcc.web.errors import error_body
from dcc.web.i18n import gettext as _
from dcc.web.pages import PageUser, render

# Paths answered in JSON (or another machine format), never with a page.
MACHINE_PREFIXES: Final = ("/api/", "/taxii2/")


def is_page_request(request: Request) -> bool:
    return not request.url.path.startswith(MACHINE_PREFIXES)


def error_page(
    request: Request, status_code: int, *, detail: str = "", page_user: PageUser | None = None
) -> HTMLResponse:
    """The error page for `status_code`, with what went wrong and what to do next (with the
    page's header when the handler knows its user)."""
    titles = {
        403: _("You may not do this"),
        404: _("Not found"),
        405: _("Not found"),
        409: _("This has changed in the meantime"),
        422: _("Some input was not valid"),
    }
    advice = {
        403: _("Your role does not allow this. Ask an administrator if your work needs it."),
        404: _("The page or the object does not exist, or it is not shared with your agency."),
        405: _("The page or the object does not exist, or it is not shared with your agency."),
        409: _("Reload the page to see its current state."),
        422: _("Go back, correct the form and send it again."),
    }
    context = {
        "status": status_code,
        "title": titles.get(status_code, _("Something went wrong")),
        "advice": advice.get(status_code, _("Go back and try again.")),
        "detail": detail,
    }
    return render(request, "error.html", page_user, context, status_code=status_code)


def install_page_error_handlers(app: FastAPI) -> None:
    """Answer page requests' errors with pages; the API's stay as errors.py made them.
    Call after errors.install_error_handlers."""

    def wrap(kind: type[Exception], page: Callable[[Request, Exception], HTMLResponse]) -> None:
        api_handler = app.exception_handlers.get(kind)

        async def handle(request: Request, exc: Exception) -> Response:
            if is_page_request(request):
                return page(request, exc)
            if api_handler is not None:
                answer = api_handler(request, exc)
                return await answer if isinstance(answer, Awaitable) else answer
            return JSONResponse(error_body("not_found", str(exc)), status_code=404)

        app.add_exception_handler(kind, handle)

    def csrf(request: Request, _exc: Exception) -> HTMLResponse:
        return error_page(
            request, 403, detail=_("The form has expired. Reload the page and try again.")
        )

    def forbidden(request: Request, _exc: Exception) -> HTMLResponse:
        return error_page(request, 403)

    def not_found(request: Request, _exc: Exception) -> HTMLResponse:
        return error_page(request, 404)

    def conflict(request: Request, exc: Exception) -> HTMLResponse:
        return error_page(request, 409, detail=str(exc))

    def http_error(request: Request, exc: Exception) -> HTMLResponse:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return error_page(request, status)

    def invalid(request: Request, exc: Exception) -> HTMLResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        if any(error.get("loc", ("",))[0] == "path" for error in errors):
            return error_page(request, 404)  # /items/abc is no item, not a bad form
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        return error_page(request, 422, detail=where)

    wrap(CsrfError, csrf)
    wrap(PermissionDeniedError, forbidden)
    for missing in (
        ObjectNotVisibleError,
        AlertNotFoundError,
        WatchlistNotFoundError,
        AccountNotFoundError,
    ):
        wrap(missing, not_found)
    wrap(AlertTransitionError, conflict)
    wrap(HTTPException, http_error)
    wrap(RequestValidationError, invalid)
