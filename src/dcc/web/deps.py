"""Request dependencies shared by pages and API handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Path, Request
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


# Ids are 64-bit integers in both databases: a larger number is refused as invalid input
# (422) instead of overflowing the driver (found by schemathesis).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
