"""Ingest local files and folders (`dcc ingest PATH`): offline loading of saved feeds and exports.

Each file becomes (or joins) a source: the one named with `--source`, or one derived from the
file's path, so re-ingesting the same file is recognised and adds nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from dcc.errors import DCCError, SourceConfigError, SourceError
from dcc.ingest.actions import (
    IngestOutcome,
    do_ensure_source,
    do_ingest_stream,
    do_record_fetch_failure,
    do_record_fetch_success,
)
from dcc.ingest.fetch import read_file_limited
from dcc.ingest.health import unusable_reason
from dcc.ingest.sniff import detect_kind
from dcc.ingest.sources import parse_content
from dcc.records import IngestReport, Source, SourceKind
from dcc.store.sources import get_source

# Files that describe data rather than hold it (SOURCE.md, schemas) are skipped in folders.
SKIPPED_SUFFIXES = {".md", ".txt", ".xsd", ".json.license", ".py", ".toml"}
BatchCallback = Callable[[IngestReport, list[int]], None]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    source_id: str
    outcome: IngestOutcome | None
    error: str | None = None


def iter_files(path: Path) -> Iterator[Path]:
    """The files under `path` (itself if a file), sorted, hidden files and data docs skipped."""
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        raise SourceConfigError(f"{path} is neither a file nor a folder")
    for candidate in sorted(path.rglob("*")):
        if not candidate.is_file() or any(p.startswith(".") for p in candidate.parts[-1:]):
            continue
        if candidate.suffix.lower() in SKIPPED_SUFFIXES:
            continue
        yield candidate


def file_source_id(path: Path) -> str:
    """A stable source id for a file: its name plus a short hash of its absolute path, so two
    files called data.jsonl in different folders stay apart."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "file"
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    return f"file-{stem}-{digest}"


def source_for_file(
    engine: Engine,
    path: Path,
    head: bytes,
    *,
    source_id: str | None,
    kind: SourceKind | None,
    mapping: dict[str, str],
    lang: str | None,
    country: str | None,
) -> Source:
    """The source a file's items are stored under: named, or derived from the file."""
    if source_id:
        with engine.connect() as conn:
            named = get_source(conn, source_id)
        if named is None:
            raise SourceConfigError(f"no source with id {source_id!r} (see `dcc sources list`)")
        if kind is None and not mapping:
            return named
        return replace(named, kind=kind or named.kind, mapping=mapping or named.mapping)
    detected = kind or detect_kind(path.name, head)
    if detected is None:
        raise SourceConfigError(
            f"{path}: cannot tell the format from its name or content; pass --kind "
            f"({', '.join(k.value for k in SourceKind)})"
        )
    if detected is SourceKind.CSV and not mapping:
        raise SourceConfigError(
            f"{path}: CSV needs a column mapping, for example --map id='tweet id' --map text=tweet"
        )
    source = Source(
        id=file_source_id(path),
        kind=detected,
        url=str(path.resolve()),
        name=path.name,
        lang=lang,
        country=country,
        tags=("file",),
        mapping=mapping,
    )
    stored = do_ensure_source(engine, source)
    # The mapping given now wins for this run (a first run may have had a wrong one).
    return replace(stored, mapping=mapping or stored.mapping)


def ingest_file(
    engine: Engine,
    path: Path,
    *,
    max_bytes: int,
    source_id: str | None = None,
    kind: SourceKind | None = None,
    mapping: dict[str, str] | None = None,
    lang: str | None = None,
    country: str | None = None,
    on_batch: BatchCallback | None = None,
) -> FileOutcome:
    """Store the items of one file; a file that cannot be read or parsed is reported, and the
    error kept on its source, without raising (one bad file never stops a folder)."""
    try:
        content = read_file_limited(path, max_bytes)
        source = source_for_file(
            engine,
            path,
            content[:4096],
            source_id=source_id,
            kind=kind,
            mapping=mapping or {},
            lang=lang,
            country=country,
        )
    except (DCCError, OSError) as exc:
        return FileOutcome(path, source_id or "", None, error=_reason(exc))
    try:
        outcome = do_ingest_stream(
            engine, parse_content(content, source), source_id=source.id, on_batch=on_batch
        )
    except SourceError as exc:
        do_record_fetch_failure(engine, source.id, f"{path.name}: {exc}")
        return FileOutcome(path, source.id, None, error=str(exc))
    reason = unusable_reason(outcome)
    if reason is not None:
        do_record_fetch_failure(engine, source.id, f"{path.name}: {reason}")
        return FileOutcome(path, source.id, outcome, error=reason)
    do_record_fetch_success(engine, source.id)
    return FileOutcome(path, source.id, outcome)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)
