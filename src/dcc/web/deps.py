"""Request dependencies shared by pages and API handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Header, Request
from sqlalchemy import Connection

from dcc.alerts.actions import who_or_default
from dcc.context import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def get_conn(request: Request) -> Iterator[Connection]:
    """A read connection for the request, closed when the response is sent."""
    with get_context(request).engine.connect() as conn:
        yield conn


def aware(value: datetime | None) -> datetime | None:
    """Query times without a zone are taken as UTC (STYLE rule 9)."""
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def requesting_user(x_dcc_user: Annotated[str | None, Header()] = None) -> str:
    """Who is asking: the X-DCC-User header, else "local".

    A stand-in until authentication (issue 5): the header is trusted as given, which is safe
    only because DCC listens on 127.0.0.1 alone until then.
    """
    return who_or_default(x_dcc_user)
