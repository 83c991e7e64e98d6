"""The only code that writes sources, items and ingest problems (STYLE rule 3).

Raw items are committed in batches *before* any processing (DESIGN §2): a crash loses at most
the batch in flight, and running the same ingest again stores only what is missing, because
the database refuses a second row with the same (source_id, external_id).

Source administration (add, change, remove, through `by` the principal asking or None for the
local operator) is audited in the same transaction (coordination/audit.py); ingestion is
DCC's own work and is not (nor the ad-hoc sources `do_ensure_source` makes for it).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, update

from dcc.accounts.access import require_permission
from dcc.accounts.records import Permission, Principal
from dcc.coordination.audit import record_audit
from dcc.enrich.labels import Enrichment
from dcc.errors import SourceConfigError
from dcc.ingest.netguard import redact_url
from dcc.ingest.source_config import read_sources_file, write_sources_file
from dcc.records import IngestReport, ParseProblem, RawItem, Source
from dcc.store import sources as source_queries
from dcc.store.items import insert_new_items
from dcc.store.labels import label_rows, write_labels
from dcc.store.schema import ingest_problems, items, sources

# Items committed per transaction. Larger batches store faster; smaller ones lose less work
# when a process is killed. 1,000 keeps both well inside the targets (bench/ingest.py).
INGEST_BATCH = 1000
# Batches stored at once on PostgreSQL (see do_ingest_stream).
STORE_THREADS = 2
# Problems kept per source: enough to diagnose, bounded so a broken feed cannot fill the disk.
MAX_PROBLEMS_PER_SOURCE = 500
MAX_ERROR_LENGTH = 2000


@dataclass
class IngestOutcome:
    """An ingest's report plus the ids of the items it newly stored (to queue for processing)."""

    report: IngestReport = field(default_factory=IngestReport)
    new_item_ids: list[int] = field(default_factory=list)


# --- sources --------------------------------------------------------------------------------


def do_add_source(
    engine: Engine,
    source: Source,
    *,
    sources_file: Path | None = None,
    by: Principal | None = None,
) -> Source:
    """Add a source to the database and the sources file; refuse an id already in use."""
    require_permission(by, Permission.MANAGE_SOURCES, "manage sources")
    with engine.begin() as conn:
        if source_queries.get_source(conn, source.id) is not None:
            raise SourceConfigError(f"a source with id {source.id!r} already exists")
        conn.execute(insert(sources).values(**_new_source_values(source)))
        _audit_source(conn, by, "source.add", None, source)
    if sources_file is not None:
        _rewrite_file(engine, sources_file)
    return source


def do_remove_source(
    engine: Engine,
    source_id: str,
    *,
    sources_file: Path | None = None,
    by: Principal | None = None,
) -> None:
    """Remove a source definition. Its items stay: they are part of the record."""
    require_permission(by, Permission.MANAGE_SOURCES, "manage sources")
    with engine.begin() as conn:
        current = source_queries.get_source(conn, source_id)
        result = conn.execute(delete(sources).where(sources.c.id == source_id))
        if not result.rowcount or current is None:
            raise SourceConfigError(f"no source with id {source_id!r}")
        _audit_source(conn, by, "source.remove", current, None)
    if sources_file is not None:
        _rewrite_file(engine, sources_file)


def do_sync_sources(
    engine: Engine, wanted: Iterable[Source], *, by: Principal | None = None
) -> tuple[int, int]:
    """Insert new definitions and update changed ones (enabling or disabling included);
    return (added, updated). Health and items are kept; sources missing from `wanted` are
    left alone (removal is explicit)."""
    require_permission(by, Permission.MANAGE_SOURCES, "manage sources")
    added = updated = 0
    with engine.begin() as conn:
        for source in wanted:
            current = source_queries.get_source(conn, source.id)
            if current is None:
                conn.execute(insert(sources).values(**_new_source_values(source)))
                _audit_source(conn, by, "source.add", None, source)
                added += 1
            elif current != source:
                conn.execute(
                    update(sources)
                    .where(sources.c.id == source.id)
                    .values(**source_queries.source_row(source))
                )
                _audit_source(conn, by, "source.update", current, source)
                updated += 1
    return added, updated


def do_load_sources_file(
    engine: Engine, path: Path, *, by: Principal | None = None
) -> tuple[int, int]:
    """Load a TOML sources file into the database (see do_sync_sources)."""
    return do_sync_sources(engine, read_sources_file(path), by=by)


def _audit_source(
    conn: Connection,
    by: Principal | None,
    action: str,
    before: Source | None,
    after: Source | None,
) -> None:
    ref = after or before
    if ref is None:
        return
    record_audit(
        conn,
        actor=by,
        action=action,
        object_type="source",
        object_id=ref.id,
        before=_source_audit(before) if before is not None else None,
        after=_source_audit(after) if after is not None else None,
    )


def _source_audit(source: Source) -> dict[str, object]:
    """A source as the audit trail keeps it: its URL with credentials and query values
    masked (they may hold a key), and a fingerprint of the whole URL to show it changed."""
    kept = {f.name: getattr(source, f.name) for f in dataclasses.fields(source)}
    kept["url"] = redact_url(source.url)
    kept["url_sha256"] = hashlib.sha256(source.url.encode("utf-8")).hexdigest()[:12]
    return kept


def do_ensure_source(engine: Engine, source: Source) -> Source:
    """Store `source` unless one with its id exists; return the stored definition."""
    with engine.begin() as conn:
        current = source_queries.get_source(conn, source.id)
        if current is not None:
            return current
        conn.execute(insert(sources).values(**_new_source_values(source)))
    return source


def _new_source_values(source: Source) -> dict[str, object]:
    return {
        **source_queries.source_row(source),
        "created_at": datetime.now(tz=UTC),
        "consecutive_failures": 0,
        "items_total": 0,
    }


def _rewrite_file(engine: Engine, path: Path) -> None:
    with engine.connect() as conn:
        write_sources_file(path, source_queries.list_sources(conn))


# --- items ----------------------------------------------------------------------------------


def do_ingest_stream(
    engine: Engine,
    stream: Iterable[RawItem | ParseProblem],
    *,
    source_id: str,
    batch_size: int = INGEST_BATCH,
    on_batch: Callable[[IngestReport, list[int]], None] | None = None,
) -> IngestOutcome:
    """Store every item of `stream` not stored yet, committing batch by batch.

    Problems are recorded on the source as they come, and the stream goes on after each.
    `on_batch(report_of_batch, new_ids)` runs after each commit: the place to queue jobs
    (publish-on-commit) and to move a progress bar.
    """
    outcome = IngestOutcome()

    def record(new_ids: list[int], batch: list[RawItem], problems: list[ParseProblem]) -> None:
        batch_report = IngestReport(
            parsed=len(batch),
            stored=len(new_ids),
            duplicates=len(batch) - len(new_ids),
            problems=tuple(problems),
        )
        outcome.report = outcome.report.merged(batch_report)
        outcome.new_item_ids.extend(new_ids)
        if on_batch is not None:
            on_batch(batch_report, new_ids)

    if engine.dialect.name != "postgresql":
        # SQLite has one writer, and a storing thread would only fight the parser for the GIL
        # (measured: 30% slower), so batches are stored inline.
        for batch, problems in _batches(stream, batch_size):
            record(_store_batch(engine, source_id, batch, problems), batch, problems)
        return outcome

    # On PostgreSQL the index work runs in server processes, one per connection: storing
    # STORE_THREADS batches at once while the next is parsed uses both cores. Each batch is
    # atomic and the unique key makes the order of commits irrelevant: a crash leaves whole
    # batches stored, and running the same ingest again stores exactly the rest.
    in_flight: deque[tuple[Future[list[int]], list[RawItem], list[ParseProblem]]] = deque()
    with ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="dcc-store") as pool:
        try:
            for batch, problems in _batches(stream, batch_size):
                submitted = pool.submit(_store_batch, engine, source_id, batch, problems)
                in_flight.append((submitted, batch, problems))
                if len(in_flight) > STORE_THREADS:
                    stored, done_batch, done_problems = in_flight.popleft()
                    record(stored.result(), done_batch, done_problems)
        finally:
            # Also when the stream raised (a document broken half-way): what was parsed
            # before the error is stored and reported before the error goes on up.
            while in_flight:
                stored, done_batch, done_problems = in_flight.popleft()
                record(stored.result(), done_batch, done_problems)
    return outcome


def _batches(
    stream: Iterable[RawItem | ParseProblem], size: int
) -> Iterator[tuple[list[RawItem], list[ParseProblem]]]:
    batch: list[RawItem] = []
    problems: list[ParseProblem] = []
    try:
        for entry in stream:
            if isinstance(entry, ParseProblem):
                problems.append(entry)
            else:
                batch.append(entry)
            if len(batch) >= size or len(problems) >= size:
                yield batch, problems
                batch, problems = [], []
    except Exception:
        # The document broke half-way: what was read before the break is still stored.
        if batch or problems:
            yield batch, problems
        raise
    if batch or problems:
        yield batch, problems


def _store_batch(
    engine: Engine, source_id: str, batch: list[RawItem], problems: list[ParseProblem]
) -> list[int]:
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        new_ids = insert_new_items(conn, batch)
        if new_ids:
            conn.execute(
                update(sources)
                .where(sources.c.id == source_id)
                .values(items_total=sources.c.items_total + len(new_ids))
            )
        if problems:
            _record_problems(conn, source_id, problems, now)
    return new_ids


def do_record_problems(engine: Engine, source_id: str, problems: Iterable[ParseProblem]) -> None:
    with engine.begin() as conn:
        _record_problems(conn, source_id, list(problems), datetime.now(tz=UTC))


def _record_problems(
    conn: Connection, source_id: str, problems: list[ParseProblem], now: datetime
) -> None:
    conn.execute(
        insert(ingest_problems),
        [
            {
                "source_id": source_id,
                "location": p.location[:200],
                "message": p.message[:MAX_ERROR_LENGTH],
                "created_at": now,
            }
            for p in problems[-MAX_PROBLEMS_PER_SOURCE:]
        ],
    )
    # Keep only the newest problems per source.
    keep_from = conn.execute(
        select(ingest_problems.c.id)
        .where(ingest_problems.c.source_id == source_id)
        .order_by(ingest_problems.c.id.desc())
        .offset(MAX_PROBLEMS_PER_SOURCE)
        .limit(1)
    ).scalar()
    if keep_from is not None:
        conn.execute(
            delete(ingest_problems).where(
                ingest_problems.c.source_id == source_id, ingest_problems.c.id <= keep_from
            )
        )


# --- fetch outcomes (source health) ---------------------------------------------------------


def do_record_fetch_success(
    engine: Engine,
    source_id: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    at: datetime | None = None,
) -> None:
    """A fetch (or file read) worked: reset the failure count, remember HTTP validators."""
    at = at or datetime.now(tz=UTC)
    values: dict[str, object] = {
        "last_attempt_at": at,
        "last_success_at": at,
        "consecutive_failures": 0,
    }
    if etag is not None or last_modified is not None:
        values.update(etag=etag, last_modified=last_modified)
    with engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.id == source_id).values(**values))


def do_record_fetch_failure(
    engine: Engine, source_id: str, error: str, *, at: datetime | None = None
) -> None:
    """A fetch or parse failed: keep the reason on the source and count the failure."""
    at = at or datetime.now(tz=UTC)
    with engine.begin() as conn:
        conn.execute(
            update(sources)
            .where(sources.c.id == source_id)
            .values(
                last_attempt_at=at,
                last_error=error[:MAX_ERROR_LENGTH],
                last_error_at=at,
                consecutive_failures=sources.c.consecutive_failures + 1,
            )
        )


def do_store_enrichment(engine: Engine, labelled: Iterable[tuple[int, Enrichment]]) -> int:
    """Store each item's labels and move it to stage "processed"; return how many moved.

    The detected language replaces the source's hint unless detection was unsure ("und").
    Items already processed are left as they are, so a redelivered job changes nothing.
    """
    now = datetime.now(tz=UTC)
    moved = 0
    with engine.begin() as conn:
        index_rows: list[dict[str, object]] = []
        for item_id, labels in labelled:
            stored = labels.as_json()
            values: dict[str, object] = {
                "enrichment": stored,
                "sentiment": labels.sentiment.label if labels.sentiment else None,
                "stance": labels.stance_id.label if labels.stance_id else None,
                "is_crisis": labels.crisis.related if labels.crisis else None,
                "stage": "processed",
                "processed_at": now,
            }
            if labels.lang != "und":
                values["lang"] = labels.lang
            updated = conn.execute(
                update(items)
                .where(items.c.id == item_id, items.c.stage == "new")
                .values(**values)
                .returning(items.c.sort_at, items.c.country)
            ).first()
            if updated is not None:
                moved += 1
                # The label index (store/labels.py) is written with the labels it derives from.
                index_rows += label_rows(
                    item_id, stored, sort_at=updated.sort_at, country=updated.country
                )
        write_labels(conn, index_rows)
    return moved
