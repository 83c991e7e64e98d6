"""/api/v1/watchlists: saved queries matched on the stream, and each one's Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.alerts.actions import do_create_watchlist, do_delete_watchlist, do_update_watchlist
from dcc.alerts.channels.feed import FEED_SIZE, watchlist_feed
from dcc.alerts.errors import WatchlistNotFoundError
from dcc.alerts.queries import get_watchlist, list_alerts, list_watchlists
from dcc.alerts.records import Watchlist, WatchlistChanges, WatchlistSpec
from dcc.alerts.rules import MAX_NAME_LENGTH, MAX_RECIPIENTS
from dcc.alerts.serialize import watchlist_json
from dcc.context import Context
from dcc.query.parser import MAX_QUERY_LENGTH
from dcc.web.auth import ActingUser, require
from dcc.web.deps import RowId, get_conn, get_context

router = APIRouter(tags=["watchlists"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]
User = ActingUser


class WatchlistIn(BaseModel):
    """A new watchlist. The query is the search language (docs/query-language.md)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=MAX_NAME_LENGTH)
    query: str = Field(max_length=MAX_QUERY_LENGTH)
    recipients: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    channels: list[str] = Field(default_factory=lambda: ["in_app"])
    schedule: str = Field(default="instant", description="instant or digest")
    enabled: bool = True

    def spec(self) -> WatchlistSpec:
        return WatchlistSpec(
            name=self.name,
            query=self.query,
            recipients=tuple(self.recipients),
            channels=tuple(self.channels),
            schedule=self.schedule,
            is_enabled=self.enabled,
        )


class WatchlistPatch(BaseModel):
    """The fields to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    query: str | None = Field(default=None, max_length=MAX_QUERY_LENGTH)
    recipients: list[str] | None = Field(default=None, max_length=MAX_RECIPIENTS)
    channels: list[str] | None = None
    schedule: str | None = None
    enabled: bool | None = None

    def changes(self) -> WatchlistChanges:
        return WatchlistChanges(
            name=self.name,
            query=self.query,
            recipients=tuple(self.recipients) if self.recipients is not None else None,
            channels=tuple(self.channels) if self.channels is not None else None,
            schedule=self.schedule,
            is_enabled=self.enabled,
        )


def _found(conn: Connection, watchlist_id: int) -> Watchlist:
    watchlist = get_watchlist(conn, watchlist_id)
    if watchlist is None:
        raise WatchlistNotFoundError(f"no watchlist with id {watchlist_id}")
    return watchlist


@router.get("/watchlists", summary="Watchlists, oldest first")
def read_watchlists(conn: Conn) -> dict[str, Any]:
    return {"watchlists": [watchlist_json(w) for w in list_watchlists(conn)]}


@router.post(
    "/watchlists",
    status_code=201,
    summary="Create a watchlist (the query is checked)",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def create_watchlist(body: WatchlistIn, ctx: Ctx, user: User) -> dict[str, Any]:
    return watchlist_json(do_create_watchlist(ctx.engine, body.spec(), owner=user))


@router.get("/watchlists/{watchlist_id}", summary="One watchlist")
def read_watchlist(watchlist_id: RowId, conn: Conn) -> dict[str, Any]:
    return watchlist_json(_found(conn, watchlist_id))


@router.patch(
    "/watchlists/{watchlist_id}",
    summary="Change some fields of a watchlist",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def update_watchlist(watchlist_id: RowId, body: WatchlistPatch, ctx: Ctx) -> dict[str, Any]:
    return watchlist_json(do_update_watchlist(ctx.engine, watchlist_id, body.changes()))


@router.delete(
    "/watchlists/{watchlist_id}",
    status_code=204,
    summary="Remove a watchlist",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def delete_watchlist(watchlist_id: RowId, ctx: Ctx) -> Response:
    do_delete_watchlist(ctx.engine, watchlist_id)
    return Response(status_code=204)


@router.get(
    "/watchlists/{watchlist_id}/feed.atom",
    summary="The watchlist's latest alerts as an Atom feed",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def read_watchlist_feed(watchlist_id: RowId, conn: Conn, request: Request) -> Response:
    watchlist = _found(conn, watchlist_id)
    alerts = list_alerts(conn, watchlist_id=watchlist_id, limit=FEED_SIZE)
    document = watchlist_feed(
        watchlist, alerts, base_url=str(request.base_url), now=datetime.now(tz=UTC)
    )
    return Response(document, media_type="application/atom+xml; charset=utf-8")
