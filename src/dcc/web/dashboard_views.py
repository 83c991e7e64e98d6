"""The dashboard (`/`, issue 5): new items and alerts live, rising stories, volume and
sentiment over time, the countries in the news, source health; narrowed by the query string
(`?country=ID&topic=disaster&lang=id&window=6h&wall=1`), so a wall screen's URL is a bookmark.

Live parts: the page polls `/dashboard/items?after=N` for items stored since (htmx), and
reloads its alerts panel (`/dashboard/alerts`) when the alert stream
(/api/v1/alerts/stream) says something happened (static/dashboard.js).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from dcc.alerts.queries import list_alerts
from dcc.web.dashboard_data import (
    DEFAULT_WINDOW,
    LATEST_ALERTS,
    WINDOWS,
    latest_arrivals,
    load_dashboard,
    parse_view,
    volume_json,
)
from dcc.web.deps import MAX_ROW_ID, get_conn
from dcc.web.pages import SignedInPage, render
from dcc.web.worldmap import VIEWBOX

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]
Value = Annotated[str, Query(max_length=100)]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    window: Value = DEFAULT_WINDOW,
    country: Value = "",
    topic: Value = "",
    lang: Value = "",
    wall: bool = False,
    q: Annotated[str, Query(max_length=4000)] = "",
) -> Response:
    if q.strip():  # the first home page searched here: its links now go to /search
        return RedirectResponse(f"/search?q={quote(q)}", status_code=303)
    view, ignored = parse_view(window=window, country=country, topic=topic, lang=lang, is_wall=wall)
    data = load_dashboard(conn, view, now=datetime.now(tz=UTC), reader=page_user.principal)
    context = {
        "section": "dashboard",
        "wall": view.is_wall,
        "view": view,
        "data": data,
        "ignored": ignored,
        "windows": list(WINDOWS),
        "volume": volume_json(data.volume),
        "viewbox": VIEWBOX,
    }
    return render(request, "dashboard.html", page_user, context)


@router.get("/dashboard/items", response_class=HTMLResponse)
def dashboard_items(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    window: Value = DEFAULT_WINDOW,
    country: Value = "",
    topic: Value = "",
    lang: Value = "",
    wall: bool = False,
) -> HTMLResponse:
    """The items stored after item `after` (a fragment: the poller and the new rows)."""
    view, _ = parse_view(window=window, country=country, topic=topic, lang=lang, is_wall=wall)
    found = latest_arrivals(conn, view, now=datetime.now(tz=UTC), after_id=after)
    context = {"view": view, "fresh": found, "after": max([after, *(i.id for i in found)])}
    return render(request, "_dashboard_items.html", page_user, context)


@router.get("/dashboard/alerts", response_class=HTMLResponse)
def dashboard_alerts(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    window: Value = DEFAULT_WINDOW,
    country: Value = "",
    topic: Value = "",
    lang: Value = "",
    wall: bool = False,
) -> HTMLResponse:
    """The dashboard's alerts panel alone (reloaded when the alert stream speaks)."""
    view, _ = parse_view(window=window, country=country, topic=topic, lang=lang, is_wall=wall)
    alerts = list_alerts(conn, page_user.principal, limit=LATEST_ALERTS)
    context = {"view": view, "alerts": alerts}
    return render(request, "_dashboard_alerts.html", page_user, context)
