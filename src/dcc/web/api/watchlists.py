"""/api/v1/watchlists: saved queries matched on the stream, each one's Atom feed, its share
list and who can see it.

A user sees the watchlists its markings let it read (alerts/marking.py): others answer 404
exactly as missing ones do. Changing and removing one also takes its owner agency or author.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from dcc.accounts.records import Permission
from dcc.alerts.actions import do_create_watchlist, do_delete_watchlist, do_update_watchlist
from dcc.alerts.channels.feed import FEED_SIZE, watchlist_feed
from dcc.alerts.queries import list_alerts, list_watchlists, watchlist_or_raise
from dcc.alerts.records import DEFAULT_WATCHLIST_TLP, WatchlistChanges, WatchlistSpec
from dcc.alerts.rules import MAX_NAME_LENGTH, MAX_RECIPIENTS
from dcc.alerts.serialize import access_json, watchlist_json
from dcc.alerts.sharing import do_share_watchlist, do_unshare_watchlist, watchlist_access
from dcc.context import Context
from dcc.query.parser import MAX_QUERY_LENGTH
from dcc.web.api.shares import AgencyId, ShareIn, Username
from dcc.web.auth import CurrentPrincipal, require
from dcc.web.deps import RowId, get_conn, get_context

router = APIRouter(tags=["watchlists"])
Conn = Annotated[Connection, Depends(get_conn)]
Ctx = Annotated[Context, Depends(get_context)]


class WatchlistIn(BaseModel):
    """A new watchlist. The query is the search language (docs/query-language.md)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=MAX_NAME_LENGTH)
    query: str = Field(max_length=MAX_QUERY_LENGTH)
    recipients: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    channels: list[str] = Field(default_factory=lambda: ["in_app"])
    schedule: str = Field(default="instant", description="instant or digest")
    enabled: bool = True
    tlp: str = Field(
        default=DEFAULT_WATCHLIST_TLP,
        max_length=20,
        description="TLP 2.0 label: CLEAR, GREEN, AMBER (default), AMBER+STRICT or RED; "
        "its alerts get the same. It is owned by the creator's agency.",
    )

    def spec(self) -> WatchlistSpec:
        return WatchlistSpec(
            name=self.name,
            query=self.query,
            recipients=tuple(self.recipients),
            channels=tuple(self.channels),
            schedule=self.schedule,
            is_enabled=self.enabled,
            tlp=self.tlp,
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


@router.get("/watchlists", summary="The watchlists you may read, oldest first")
def read_watchlists(conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    return {"watchlists": [watchlist_json(w) for w in list_watchlists(conn, principal)]}


@router.post(
    "/watchlists",
    status_code=201,
    summary="Create a watchlist (the query is checked)",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def create_watchlist(body: WatchlistIn, ctx: Ctx, principal: CurrentPrincipal) -> dict[str, Any]:
    return watchlist_json(do_create_watchlist(ctx.engine, body.spec(), by=principal))


@router.get("/watchlists/{watchlist_id}", summary="One watchlist")
def read_watchlist(watchlist_id: RowId, conn: Conn, principal: CurrentPrincipal) -> dict[str, Any]:
    return watchlist_json(watchlist_or_raise(conn, principal, watchlist_id))


@router.patch(
    "/watchlists/{watchlist_id}",
    summary="Change some fields of a watchlist",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def update_watchlist(
    watchlist_id: RowId, body: WatchlistPatch, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    changed = do_update_watchlist(ctx.engine, watchlist_id, body.changes(), by=principal)
    return watchlist_json(changed)


@router.delete(
    "/watchlists/{watchlist_id}",
    status_code=204,
    summary="Remove a watchlist",
    dependencies=[require(Permission.MANAGE_WATCHLISTS)],
)
def delete_watchlist(watchlist_id: RowId, ctx: Ctx, principal: CurrentPrincipal) -> Response:
    do_delete_watchlist(ctx.engine, watchlist_id, by=principal)
    return Response(status_code=204)


@router.get(
    "/watchlists/{watchlist_id}/feed.atom",
    summary="The watchlist's latest alerts as an Atom feed",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def read_watchlist_feed(
    watchlist_id: RowId, conn: Conn, request: Request, principal: CurrentPrincipal
) -> Response:
    watchlist = watchlist_or_raise(conn, principal, watchlist_id)
    alerts = list_alerts(conn, principal, watchlist_id=watchlist_id, limit=FEED_SIZE)
    document = watchlist_feed(
        watchlist, alerts, base_url=str(request.base_url), now=datetime.now(tz=UTC)
    )
    return Response(document, media_type="application/atom+xml; charset=utf-8")


@router.get(
    "/watchlists/{watchlist_id}/access",
    summary="Who can see this watchlist (and its alerts), and why",
)
def read_watchlist_access(
    watchlist_id: RowId, conn: Conn, principal: CurrentPrincipal
) -> dict[str, Any]:
    return access_json(watchlist_access(conn, principal, watchlist_id))


@router.post(
    "/watchlists/{watchlist_id}/shares",
    summary="Share a watchlist and its alerts with an agency or a named user (TLP rules)",
    dependencies=[require(Permission.SHARE)],
)
def share_watchlist(
    watchlist_id: RowId, body: ShareIn, ctx: Ctx, principal: CurrentPrincipal
) -> dict[str, Any]:
    do_share_watchlist(
        ctx.engine, watchlist_id, agency_id=body.agency, username=body.user, by=principal
    )
    with ctx.engine.connect() as conn:
        return access_json(watchlist_access(conn, principal, watchlist_id))


@router.delete(
    "/watchlists/{watchlist_id}/shares/{agency}",
    status_code=204,
    summary="Stop sharing a watchlist with an agency",
    dependencies=[require(Permission.SHARE)],
)
def unshare_watchlist_agency(
    watchlist_id: RowId, agency: AgencyId, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    do_unshare_watchlist(ctx.engine, watchlist_id, agency_id=agency, by=principal)
    return Response(status_code=204)


@router.delete(
    "/watchlists/{watchlist_id}/shares/users/{username}",
    status_code=204,
    summary="Stop sharing a watchlist with a named user",
    dependencies=[require(Permission.SHARE)],
)
def unshare_watchlist_user(
    watchlist_id: RowId, username: Username, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    do_unshare_watchlist(ctx.engine, watchlist_id, username=username, by=principal)
    return Response(status_code=204)
