"""Server-rendered pages (signed in): the latest items, search and source health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dcc.errors import QueryError
from dcc.store import sources as source_queries
from dcc.store.search import SearchQuery, search
from dcc.web.deps import get_conn
from dcc.web.pages import SignedInPage, render

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    page_user: SignedInPage,
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
    return render(request, "home.html", page_user, context)
