"""API errors as {"error": {"code", "message"}} with the right status (DESIGN §4.4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from dcc.accounts.errors import (
    AccountError,
    AccountNotFoundError,
    CsrfError,
    MarkingError,
    ObjectNotVisibleError,
    PermissionDeniedError,
)
from dcc.alerts.errors import (
    AlertNotFoundError,
    AlertTransitionError,
    WatchlistError,
    WatchlistNotFoundError,
)
from dcc.coordination.errors import (
    AttachmentError,
    ClosedIncidentError,
    CoordinationError,
    IllegalTransitionError,
)
from dcc.errors import DCCError, QueryError, SourceConfigError
from dcc.query.errors import QuerySyntaxError
from dcc.web.auth import SignInRequiredError

API_PREFIX = "/api/"


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequiredError)
    async def _sign_in(request: Request, exc: SignInRequiredError) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse(
                error_body("not_signed_in", str(exc)),
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="dcc"'},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfError)
    async def _csrf(_: Request, exc: CsrfError) -> JSONResponse:
        return JSONResponse(error_body("csrf_failed", str(exc)), status_code=403)

    @app.exception_handler(PermissionDeniedError)
    async def _forbidden(_: Request, exc: PermissionDeniedError) -> JSONResponse:
        return JSONResponse(error_body("forbidden", str(exc)), status_code=403)

    @app.exception_handler(ObjectNotVisibleError)
    async def _not_visible(_: Request, exc: ObjectNotVisibleError) -> JSONResponse:
        # The same answer as for an object that does not exist (no probing of ids).
        return JSONResponse(error_body("not_found", str(exc)), status_code=404)

    @app.exception_handler(MarkingError)
    async def _marking(_: Request, exc: MarkingError) -> JSONResponse:
        # A TLP label that is none, an agency on a RED object's share list.
        return JSONResponse(error_body("invalid_marking", str(exc)), status_code=400)

    @app.exception_handler(AccountNotFoundError)
    async def _account_not_found(_: Request, exc: AccountNotFoundError) -> JSONResponse:
        # An agency or user named in a request body (a share) that does not exist.
        return JSONResponse(error_body("not_found", str(exc)), status_code=404)

    @app.exception_handler(AccountError)
    async def _account_error(_: Request, exc: AccountError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", str(exc)), status_code=400)

    @app.exception_handler(QueryError)
    async def _query_error(_: Request, exc: QueryError) -> JSONResponse:
        body: dict[str, Any] = error_body("invalid_query", str(exc))
        if isinstance(exc, QuerySyntaxError):  # where the query went wrong, for an editor
            body["error"]["position"] = exc.position
        return JSONResponse(body, status_code=400)

    @app.exception_handler(SourceConfigError)
    async def _source_error(_: Request, exc: SourceConfigError) -> JSONResponse:
        return JSONResponse(error_body("invalid_source", str(exc)), status_code=400)

    @app.exception_handler(WatchlistError)
    async def _watchlist_error(_: Request, exc: WatchlistError) -> JSONResponse:
        return JSONResponse(error_body("invalid_watchlist", str(exc)), status_code=400)

    @app.exception_handler(WatchlistNotFoundError)
    @app.exception_handler(AlertNotFoundError)
    async def _alerts_not_found(_: Request, exc: DCCError) -> JSONResponse:
        return JSONResponse(error_body("not_found", str(exc)), status_code=404)

    @app.exception_handler(IllegalTransitionError)
    @app.exception_handler(ClosedIncidentError)
    async def _coordination_conflict(_: Request, exc: CoordinationError) -> JSONResponse:
        code = "incident_closed" if isinstance(exc, ClosedIncidentError) else "invalid_transition"
        return JSONResponse(error_body(code, str(exc)), status_code=409)

    @app.exception_handler(AttachmentError)
    async def _attachment(_: Request, exc: AttachmentError) -> JSONResponse:
        return JSONResponse(error_body("invalid_attachment", str(exc)), status_code=400)

    @app.exception_handler(CoordinationError)
    async def _coordination(_: Request, exc: CoordinationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", str(exc)), status_code=400)

    @app.exception_handler(AlertTransitionError)
    async def _transition(_: Request, exc: AlertTransitionError) -> JSONResponse:
        return JSONResponse(error_body("invalid_transition", str(exc)), status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        message = f"{where}: {first.get('msg', 'invalid input')}" if where else "invalid input"
        return JSONResponse(error_body("invalid_request", message), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )
