"""The story page (`/stories/{story_id}`) and the item page (`/items/{id}`) (issue 5): a
story's items across languages on a timeline, with its entities, countries, sentiment and
stance; an item with every label and the evidence (`why`) of each (DESIGN §4.2). An unknown
id answers the 404 page.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dcc.ingest.workers import item_text
from dcc.store.items import get_item
from dcc.store.stories import story_items, story_summary
from dcc.web.deps import RowId, get_conn
from dcc.web.page_errors import error_page
from dcc.web.pages import SignedInPage, render

router = APIRouter(include_in_schema=False)
Conn = Annotated[Connection, Depends(get_conn)]
StoryId = Annotated[str, Path(min_length=1, max_length=200)]
TIMELINE_ITEMS: Final = 100
# The labels of an item in the order the page lists them (DESIGN §4.2).
LABELS: Final = (
    "lang",
    "sentiment",
    "stance_id",
    "emotion",
    "entities",
    "countries",
    "places",
    "crisis",
    "topics",
    "near_duplicate_of",
    "story_id",
)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(
    request: Request,
    page_user: SignedInPage,
    conn: Conn,
    story_id: StoryId,
    order: Literal["oldest", "newest"] = "oldest",
) -> HTMLResponse:
    summary = story_summary(conn, story_id)
    if summary is None:
        return error_page(request, 404, page_user=page_user)
    timeline = story_items(conn, story_id, limit=TIMELINE_ITEMS, newest_first=order == "newest")
    context = {"summary": summary, "timeline": timeline, "order": order}
    return render(request, "story.html", page_user, context)


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request, page_user: SignedInPage, conn: Conn, item_id: RowId
) -> HTMLResponse:
    item = get_item(conn, item_id)
    if item is None:
        return error_page(request, 404, page_user=page_user)
    context = {
        "item": item,
        "labels": LABELS,
        # Entity offsets point into the text the enrichment read: the title, then the text.
        "analysed": item_text(item.title, item.text),
    }
    return render(request, "item.html", page_user, context)
