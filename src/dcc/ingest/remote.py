"""Ingest one URL on demand (`dcc ingest URL`), outside the schedule."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from sqlalchemy import Engine

from dcc.errors import DCCError, SourceConfigError
from dcc.ingest.actions import (
    IngestOutcome,
    do_ensure_source,
    do_ingest_stream,
    do_record_fetch_failure,
    do_record_fetch_success,
)
from dcc.ingest.fetch import Fetcher
from dcc.ingest.sniff import detect_kind
from dcc.ingest.source_auth import credentials_for
from dcc.ingest.sources import parse_content
from dcc.records import Source, SourceKind
from dcc.store.sources import get_source


def url_source_id(url: str) -> str:
    host = re.sub(r"[^a-z0-9]+", "-", (urlsplit(url).hostname or "url").lower()).strip("-")
    return f"url-{host[:60]}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


async def ingest_url(
    engine: Engine,
    fetcher: Fetcher,
    url: str,
    *,
    source_id: str | None = None,
    kind: SourceKind | None = None,
    allow_private: bool = False,
) -> tuple[Source, IngestOutcome]:
    """Fetch `url` once and store its items under the named source or one derived from the
    URL. Failures are recorded on that source and raised to the caller."""
    source: Source | None = None
    if source_id:
        with engine.connect() as conn:
            source = get_source(conn, source_id)
        if source is None:
            raise SourceConfigError(f"no source with id {source_id!r} (see `dcc sources list`)")
    result = None
    try:
        result = await fetcher.fetch(
            url,
            allow_private=allow_private or bool(source and source.is_private_allowed),
            credentials=credentials_for(source, url) if source else None,
        )
        if source is None:
            detected = kind or detect_kind(
                PurePosixPath(urlsplit(url).path).name or "index", result.content[:4096]
            )
            if detected is None:
                raise SourceConfigError(f"{url}: cannot tell the format; pass --kind")
            source = do_ensure_source(
                engine,
                Source(
                    id=url_source_id(url),
                    kind=detected,
                    url=url,
                    name=url,
                    tags=("adhoc",),
                    is_private_allowed=allow_private,
                ),
            )
        elif kind is not None:
            source = replace(source, kind=kind)
        parsed_source = source
        outcome = await asyncio.to_thread(
            lambda: do_ingest_stream(
                engine, parse_content(result.content, parsed_source), source_id=parsed_source.id
            )
        )
    except DCCError as exc:
        if source is not None:
            do_record_fetch_failure(engine, source.id, str(exc))
        raise
    do_record_fetch_success(engine, source.id)
    return source, outcome
