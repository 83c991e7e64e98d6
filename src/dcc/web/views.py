"""Server-rendered pages. The full bilingual dashboard with login comes with the
command-center work; this first page shows the latest items, search and source health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from dcc.errors import QueryError
from dcc.store import sources as source_queries
from dcc.store.search import SearchQuery, search
from dcc.web import i18n
from dcc.web.deps import get_conn
from dcc.web.templating import TEMPLATES

# A year: the language is a lasting preference, not a session matter.
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    conn: Conn,
    q: Annotated[str, Query(max_length=500)] = "",
    source: Annotated[str, Query(max_length=100)] = "",
    lang: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> HTMLResponse:
    query = SearchQuery(
        text=q,
        sources=(source,) if source else (),
        langs=(lang,) if lang else (),
        page=page,
        per_page=25,
    )
    error = None
    results = None
    try:
        results = search(conn, query)
    except QueryError as exc:
        error = str(exc)
    health = source_queries.list_health(conn)
    context: dict[str, Any] = {
        "q": q,
        "source": source,
        "lang": lang,
        "results": results,
        "error": error,
        "health": health,
        "sources": {s.id: s for s in source_queries.list_sources(conn)},
        "failing": sum(1 for h in health if h.consecutive_failures),
    }
    return TEMPLATES.TemplateResponse(request, "home.html", context)


@router.get("/lang/{locale}")
def switch_language(
    locale: str, next_page: Annotated[str, Query(alias="next", max_length=2000)] = "/"
) -> RedirectResponse:
    """Remember the chosen language in a cookie and go back to the page (only pages of this
    site: `next` must be a path, never another host)."""
    chosen = i18n.supported_locale(locale) or i18n.DEFAULT_LOCALE
    is_local = next_page.startswith("/") and not next_page.startswith(("//", "/\\"))
    target = next_page if is_local else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        i18n.LOCALE_COOKIE, chosen, max_age=LOCALE_COOKIE_MAX_AGE, httponly=True, samesite="lax"
    )
    return response
