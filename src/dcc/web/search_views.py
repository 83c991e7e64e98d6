"""The search page (`/search?q=`, issue 5): results of the query language with facets by
language, country, topic, source, sentiment and stance and a time histogram; a facet adds its
field filter to the query, a bar its hour or day. A query that cannot be read shows why and
where. "Save as watchlist" turns the query into a watchlist in one click (POST, for roles
with manage_watchlists).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine

from dcc.accounts.records import Permission
from dcc.alerts.actions import do_create_watchlist
from dcc.alerts.errors import WatchlistError
from dcc.alerts.queries import get_watchlist
from dcc.alerts.records import Watchlist, WatchlistSpec
from dcc.alerts.rules import MAX_NAME_LENGTH
from dcc.context import Context
from dcc.errors import QueryError
from dcc.query.errors import QuerySyntaxError
from dcc.query.parser import MAX_QUERY_LENGTH
from dcc.query.search import search_items
from dcc.store.facets import facet_counts
from dcc.store.records import FACET_NAMES, FacetName, Facets
from dcc.store.search import MAX_PAGE, SearchResults
from dcc.store.timebuckets import WIDTH
from dcc.web.auth import require
from dcc.web.deps import MAX_ROW_ID, get_conn, get_context
from dcc.web.display import country_name, label_name, topic_name
from dcc.web.i18n import gettext as _
from dcc.web.i18n import language_name
from dcc.web.pages import PageUser, SignedInPage, render
from dcc.web.query_links import active_filters, add_filter, add_time_range, remove_filter

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class FacetEntry:
    value: str
    label: str
    count: int
    href: str  # the search with this filter added, or taken off when it is active
    is_active: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    name: FacetName
    title: str
    entries: list[FacetEntry]


@dataclass(frozen=True, slots=True)
class Bar:
    start: datetime
    count: int
    href: str
    height: float  # 0..1 of the tallest bar


@dataclass(frozen=True, slots=True)
class SearchPage:
    """What the search page shows for one query."""

    query: str
    results: SearchResults | None = None
    facets: Facets | None = None
    groups: list[FacetGroup] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    error: QueryError | None = None

    @property
    def syntax_error(self) -> QuerySyntaxError | None:
        return self.error if isinstance(self.error, QuerySyntaxError) else None


def search_href(query: str) -> str:
    return "/search?" + urlencode({"q": query}) if query else "/search"


# The facet counts run beside the search, on a connection of their own: they are independent
# reads of the same query, and SQLite lets go of the GIL while it reads, so the page waits for
# the slower of the two instead of their sum (bench/web.py: the "word lang:" page).
_FACET_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dcc-facets")


def run_search(
    conn: Connection, query: str, *, page: int, now: datetime, engine: Engine | None = None
) -> SearchPage:
    """One page of results and the facets of `query`, or the error it raises. Given the
    engine, the facets are counted at the same time on a second connection."""
    try:
        if engine is None:
            results = search_items(conn, query, page=page, per_page=PER_PAGE, sort="time", now=now)
            facets = facet_counts(conn, query, now=now)
        else:
            counting = _FACET_THREADS.submit(_facets_apart, engine, query, now)
            try:
                results = search_items(
                    conn, query, page=page, per_page=PER_PAGE, sort="time", now=now
                )
            finally:
                facets = counting.result()
    except QueryError as exc:
        return SearchPage(query=query, error=exc)
    return SearchPage(
        query=query,
        results=results,
        facets=facets,
        groups=facet_groups(query, facets),
        bars=histogram_bars(query, facets),
    )


def _facets_apart(engine: Engine, query: str, now: datetime) -> Facets:
    with engine.connect() as conn:
        return facet_counts(conn, query, now=now)


def facet_groups(query: str, facets: Facets) -> list[FacetGroup]:
    """Each facet's values as links that add (or take off) their filter."""
    titles: dict[FacetName, str] = {
        "lang": _("Language"),
        "country": _("Country"),
        "topic": _("Topic"),
        "source": _("Source"),
        "sentiment": _("Sentiment"),
        "stance": _("Stance toward Indonesia"),
    }
    namers: dict[FacetName, Any] = {
        "lang": language_name,
        "country": country_name,
        "topic": topic_name,
        "source": str,
        "sentiment": label_name,
        "stance": label_name,
    }
    active = active_filters(query)
    groups = []
    for name in FACET_NAMES:
        entries = []
        for found in facets.facet(name):
            is_active = (name, found.value) in active
            changed = (
                remove_filter(query, name, found.value)
                if is_active
                else add_filter(query, name, found.value)
            )
            entries.append(
                FacetEntry(
                    value=found.value,
                    label=namers[name](found.value),
                    count=found.count,
                    href=search_href(changed),
                    is_active=is_active,
                )
            )
        if entries:
            groups.append(FacetGroup(name=name, title=titles[name], entries=entries))
    return groups


def histogram_bars(query: str, facets: Facets) -> list[Bar]:
    """The histogram's buckets as bars linking to the search narrowed to each."""
    width = WIDTH[facets.histogram.bucket]
    tallest = max((b.count for b in facets.histogram.buckets), default=0) or 1
    return [
        Bar(
            start=b.start,
            count=b.count,
            href=search_href(add_time_range(query, b.start, b.start + width)),
            height=b.count / tallest,
        )
        for b in facets.histogram.buckets
    ]


def _page(
    request: Request,
    page_user: PageUser,
    found: SearchPage,
    *,
    saved: Watchlist | None = None,
    save_error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "search",
        "q": found.query,
        "found": found,
        "saved": saved,
        "save_error": save_error,
        "name_limit": MAX_NAME_LENGTH,
        "can_save": page_user.principal.has_permission(Permission.MANAGE_WATCHLISTS),
        "bucket": found.facets.histogram.bucket if found.facets else "hour",
    }
    return render(request, "search.html", page_user, context, status_code=status_code)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    ctx: Ctx,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    saved: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    found = run_search(conn, q.strip(), page=page, now=datetime.now(tz=UTC), engine=ctx.engine)
    watchlist = get_watchlist(conn, page_user.principal, saved) if saved is not None else None
    return _page(request, page_user, found, saved=watchlist)


@router.post(
    "/search/watchlist",
    response_class=HTMLResponse,
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def save_watchlist(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    q: Annotated[str, Form(max_length=MAX_QUERY_LENGTH)],
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH)] = "",
) -> Response:
    """The query as a new watchlist of the signed-in user, then back to the search."""
    query = q.strip()
    spec = WatchlistSpec(name=name.strip() or query[:MAX_NAME_LENGTH], query=query)
    try:
        created = do_create_watchlist(
            ctx.engine, spec, by=page_user.principal, settings=ctx.settings
        )
    except (QueryError, WatchlistError) as exc:
        with ctx.engine.connect() as conn:
            found = run_search(conn, query, page=1, now=datetime.now(tz=UTC))
        return _page(request, page_user, found, save_error=str(exc), status_code=400)
    return RedirectResponse(f"/search?q={quote(query)}&saved={created.id}", status_code=303)
