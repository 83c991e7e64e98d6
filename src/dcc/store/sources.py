"""Queries over sources and their health. Writes are called from ingest/actions.py only."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, select

from dcc.records import Source, SourceAuth, SourceHealth, SourceKind
from dcc.store.schema import ingest_problems, items, sources


def source_row(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "kind": source.kind.value,
        "url": source.url,
        "name": source.name,
        "lang": source.lang,
        "country": source.country,
        "tags": list(source.tags),
        "mapping": dict(source.mapping),
        "interval_s": source.interval_s,
        "is_private_allowed": source.is_private_allowed,
        "is_enabled": source.is_enabled,
        # How it authenticates and where its secret is: never the secret (ingest/source_auth).
        "auth": asdict(source.auth) if source.auth else None,
    }


def row_to_source(row: Row[Any]) -> Source:
    m = row._mapping
    return Source(
        id=m["id"],
        kind=SourceKind(m["kind"]),
        url=m["url"],
        name=m["name"],
        lang=m["lang"],
        country=m["country"],
        tags=tuple(m["tags"] or ()),
        interval_s=m["interval_s"],
        is_private_allowed=m["is_private_allowed"],
        is_enabled=m["is_enabled"],
        mapping=m["mapping"] or {},
        auth=SourceAuth(**m["auth"]) if m["auth"] else None,
    )


def get_source(conn: Connection, source_id: str) -> Source | None:
    row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
    return row_to_source(row) if row else None


def list_sources(conn: Connection) -> list[Source]:
    return [row_to_source(r) for r in conn.execute(select(sources).order_by(sources.c.id))]


def list_health(conn: Connection, *, now: datetime | None = None) -> list[SourceHealth]:
    """Health of every source, with items stored in the last 24 hours."""
    now = now or datetime.now(tz=UTC)
    day_counts: dict[str, int] = dict(
        conn.execute(
            select(items.c.source_id, func.count())
            .where(items.c.ingested_at >= now - timedelta(days=1))
            .group_by(items.c.source_id)
        ).all()
    )
    return [
        SourceHealth(
            source_id=row.id,
            last_attempt_at=row.last_attempt_at,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
            consecutive_failures=row.consecutive_failures,
            items_total=row.items_total,
            items_last_day=int(day_counts.get(row.id, 0)),
        )
        for row in conn.execute(select(sources).order_by(sources.c.id))
    ]


def due_sources(conn: Connection, *, now: datetime) -> list[tuple[Source, datetime | None]]:
    """Enabled URL sources whose interval has passed since their last attempt, each with
    that attempt's time (for a claim that fails if another scheduler moved it).

    A source that keeps failing is retried less often (interval doubled per consecutive
    failure, at most 8 times its interval) so that a dead feed does not hammer its host.
    """
    due: list[tuple[Source, datetime | None]] = []
    rows = conn.execute(select(sources).where(sources.c.is_enabled.is_(True))).all()
    for row in rows:
        if not str(row.url).startswith(("http://", "https://")):
            continue
        backoff = min(2 ** min(row.consecutive_failures, 3), 8)
        if (
            row.last_attempt_at is None
            or row.last_attempt_at + timedelta(seconds=row.interval_s * backoff) <= now
        ):
            due.append((row_to_source(row), row.last_attempt_at))
    return due


def fetch_validators(conn: Connection, source_id: str) -> tuple[str | None, str | None]:
    """The (ETag, Last-Modified) pair remembered for conditional GET."""
    row = conn.execute(
        select(sources.c.etag, sources.c.last_modified).where(sources.c.id == source_id)
    ).first()
    return (row.etag, row.last_modified) if row else (None, None)


def recent_problems(conn: Connection, source_id: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """The latest (location, message) problems recorded for a source, newest first."""
    rows = conn.execute(
        select(ingest_problems.c.location, ingest_problems.c.message)
        .where(ingest_problems.c.source_id == source_id)
        .order_by(ingest_problems.c.id.desc())
        .limit(limit)
    ).all()
    return [(row.location, row.message) for row in rows]
