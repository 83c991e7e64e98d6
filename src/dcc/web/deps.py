"""Request dependencies shared by pages and API handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fastapi import Request
from sqlalchemy import Connection

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
