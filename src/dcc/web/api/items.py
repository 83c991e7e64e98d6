"""/api/v1/items and /api/v1/search."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import Connection

from dcc.query.compose import combined_query
from dcc.query.parser import MAX_QUERY_LENGTH
from dcc.query.search import search_items as query_search
from dcc.store.items import get_item
from dcc.store.search import MAX_PER_PAGE, SearchQuery, SearchResults, search
from dcc.web.deps import RowId, aware, get_conn
from dcc.web.serialize import item_json

router = APIRouter(tags=["items"])
Conn = Annotated[Connection, Depends(get_conn)]
Multi = Annotated[list[str] | None, Query()]


def _page(results: SearchResults, **echo: Any) -> dict[str, Any]:
    return {
        **echo,
        "total": results.total,
        "total_is_capped": results.is_total_capped,
        "page": results.page,
        "per_page": results.per_page,
        "has_next": results.has_next,
        "took_ms": round(results.took_ms, 1),
        "items": [item_json(i) for i in results.items],
    }


def item_filters(
    source: Multi = None,
    lang: Multi = None,
    country: Multi = None,
    kind: Multi = None,
    sentiment: Multi = None,
    stance: Multi = None,
    crisis: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> SearchQuery:
    """The filters and paging shared by /items and /search, as a query without text."""
    return SearchQuery(
        sources=tuple(source or ()),
        langs=tuple(lang or ()),
        countries=tuple(country or ()),
        kinds=tuple(kind or ()),
        sentiments=tuple(sentiment or ()),
        stances=tuple(stance or ()),
        is_crisis=crisis,
        since=aware(since),
        until=aware(until),
        page=page,
        per_page=per_page,
    )


Filters = Annotated[SearchQuery, Depends(item_filters)]


@router.get("/items", summary="Latest items, newest first, with filters")
def list_items(conn: Conn, filters: Filters) -> dict[str, Any]:
    return _page(search(conn, replace(filters, sort="time")))


@router.get("/items/{item_id}", summary="One item")
def read_item(item_id: RowId, conn: Conn) -> dict[str, Any]:
    item = get_item(conn, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"no item with id {item_id}")
    return item_json(item)


@router.get("/search", summary="Search with the query language and filters")
def search_items(
    conn: Conn,
    filters: Filters,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description='The query language (docs/query-language.md): words, "phrases", '
            "prefix*, AND/OR/NOT, parentheses, field:value filters, time ranges.",
        ),
    ] = "",
    sort: Literal["time", "relevance"] | None = None,
) -> dict[str, Any]:
    if not q.strip():  # filters only: the structured search answers them from its indexes
        return _page(search(conn, replace(filters, sort=sort)), query=q)
    results = query_search(
        conn,
        combined_query(q, filters),
        sort=sort,
        page=filters.page,
        per_page=filters.per_page,
    )
    return _page(results, query=q)
