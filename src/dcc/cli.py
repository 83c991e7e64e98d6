"""The `dcc` command line (DESIGN §4.3): thin commands that parse, call an action, respond.

Bad usage or bad input exits with code 2 and a one-line reason on stderr. Long work shows a
progress bar on a terminal and plain lines otherwise; `--json` where a script wants data.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dcc.accounts.records import AgencyKind
from dcc.cli_alerts import alerts_app, watchlists_app
from dcc.cli_audit import audit_app
from dcc.cli_incidents import contacts_app, incidents_app, oncall_app
from dcc.cli_support import context, err, fail, out, print_json
from dcc.cli_users import (
    DEFAULT_AGENCY,
    DEFAULT_AGENCY_NAME,
    InitAdmin,
    InitAgency,
    InitAgencyKind,
    InitAgencyName,
    PasswordStdin,
    agencies_app,
    init_first_admin,
    tokens_app,
    users_app,
)
from dcc.context import Context
from dcc.errors import DCCError, QueryError, SourceConfigError
from dcc.ingest import actions
from dcc.ingest.local import FileOutcome, ingest_file, iter_files
from dcc.ingest.source_config import read_sources_file, source_from_mapping
from dcc.records import IngestReport, SourceKind
from dcc.settings import DEFAULT_SOURCES_FILE, get_settings
from dcc.store import sources as source_queries
from dcc.store.items import count_items
from dcc.store.search import SearchQuery, search

app = typer.Typer(
    help="DCC — Digital Command Center for digital and cyber diplomacy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="Manage the sources DCC watches.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(alerts_app, name="alerts")
app.add_typer(incidents_app, name="incidents")
app.add_typer(oncall_app, name="oncall")
app.add_typer(contacts_app, name="contacts")
app.add_typer(users_app, name="users")
app.add_typer(agencies_app, name="agencies")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")

# --- set-up ---------------------------------------------------------------------------------


@app.command()
def init(
    no_sources: Annotated[bool, typer.Option(help="Do not load the default source list.")] = False,
    admin: InitAdmin = None,
    agency: InitAgency = DEFAULT_AGENCY,
    agency_name: InitAgencyName = DEFAULT_AGENCY_NAME,
    agency_kind: InitAgencyKind = AgencyKind.MINISTRY,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create the database, migrate it, load the default source list, and create the first
    administrator (password from --password-stdin, DCC_INIT_PASSWORD or a prompt)."""
    ctx = context()
    sources_file = ctx.settings.resolved_sources_file
    if not no_sources and not sources_file.exists():
        sources_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_SOURCES_FILE, sources_file)
    if sources_file.exists():
        added, updated = actions.do_load_sources_file(ctx.engine, sources_file)
        out.print(f"sources: {added} added, {updated} updated from {sources_file}")
    out.print(f"database ready: {_safe_url(ctx.settings.resolved_database_url)}")
    init_first_admin(
        ctx,
        admin=admin,
        agency=agency,
        agency_name=agency_name,
        agency_kind=agency_kind,
        password_stdin=password_stdin,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Upgrade the database schema to the latest version."""
    ctx = context()
    out.print(f"database at the latest schema: {_safe_url(ctx.settings.resolved_database_url)}")


def _safe_url(url: str) -> str:
    """The database URL without its password (secrets are never printed)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- serving --------------------------------------------------------------------------------


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the command center with the scheduler and workers in one process."""
    _serve(host, port, with_workers=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the web app and API only (workers run elsewhere: `dcc worker`)."""
    _serve(host, port, with_workers=False)


def _serve(host: str | None, port: int | None, *, with_workers: bool) -> None:
    import uvicorn

    from dcc.app import create_app

    ctx = context()
    settings = ctx.settings
    host = host or settings.host
    port = port or settings.port
    configure_logging()
    web = create_app(ctx, with_workers=with_workers)
    out.print(f"DCC command center on http://{host}:{port}/  (Ctrl+C to stop)")
    out.print(
        "  Sign in with the administrator `dcc init` created (more: `dcc users add`). Sources "
        "are fetched in the background;\n  to load files now: .venv/bin/dcc ingest "
        "../shared/data/gdacs-rss/ (see README, 'Loading local files')."
    )
    if not _is_loopback(host) and not settings.public_url.startswith("https://"):
        out.print(
            f"  [yellow]Listening on {host} without TLS:[/] passwords and session cookies "
            "cross the network in clear. Put a TLS reverse proxy in front and set "
            "DCC_PUBLIC_URL=https://..."
        )
    # Live alert streams never end by themselves: give them a few seconds, then stop.
    uvicorn.run(
        web, host=host, port=port, log_level="info", access_log=False, timeout_graceful_shutdown=3
    )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def configure_logging() -> None:
    """Timestamped log lines for long-running commands (serve, run, worker)."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command()
def worker(
    no_scheduler: Annotated[
        bool, typer.Option(help="Only run jobs; another process schedules sources.")
    ] = False,
) -> None:
    """Run fetch and processing workers (and the scheduler) until interrupted."""
    from dcc.runtime import run_workers_forever

    ctx = context()
    configure_logging()
    out.print("DCC worker started (Ctrl+C to stop)")
    try:
        asyncio.run(run_workers_forever(ctx, with_scheduler=not no_scheduler))
    except DCCError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        out.print("worker stopped")


# --- ingest ---------------------------------------------------------------------------------


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            fail(f"--map {pair!r} must look like field=column, for example text=tweet")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    source: Annotated[
        str | None, typer.Option("--source", help="Store items under this existing source.")
    ] = None,
    kind: Annotated[
        SourceKind | None, typer.Option(help="Format, when it cannot be told from the file.")
    ] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="CSV column mapping: field=column.")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language of the items (ISO 639).")] = None,
    country: Annotated[str | None, typer.Option(help="Country the source reports from.")] = None,
    allow_private: Annotated[
        bool, typer.Option(help="Allow a URL on a private network (intranet feed).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Store the items of files, folders or URLs, once each (re-running adds nothing)."""
    column_map = _parse_mapping(mapping or [])
    ctx = context()
    from dcc.runtime import queue_new_items

    files: list[Path] = []
    urls: list[str] = []
    for target in targets:
        if target.startswith(("http://", "https://")):
            urls.append(target)
            continue
        try:
            files.extend(iter_files(Path(target)))
        except SourceConfigError as exc:
            fail(str(exc))
    if not files and not urls:
        fail(f"nothing to ingest in {', '.join(targets)}")

    outcomes: list[FileOutcome] = []
    new_ids: list[int] = []
    show_bar = err.is_terminal and not as_json
    with _progress(show_bar) as progress:
        task = progress.add_task("ingest", total=len(files) + len(urls)) if progress else None
        for path in files:
            if progress is not None and task is not None:
                progress.update(task, description=path.name[:40])

            def moved(report: IngestReport, ids: list[int]) -> None:
                new_ids.extend(ids)

            outcome = ingest_file(
                ctx.engine,
                path,
                max_bytes=ctx.settings.max_file_bytes,
                source_id=source,
                kind=kind,
                mapping=column_map,
                lang=lang,
                country=country.upper() if country else None,
                on_batch=moved,
            )
            outcomes.append(outcome)
            if progress is not None and task is not None:
                progress.advance(task)
            elif not as_json:
                _print_outcome(outcome)
        for url in urls:
            outcome = asyncio.run(_ingest_one_url(ctx, url, source, kind, allow_private))
            if outcome.outcome:
                new_ids.extend(outcome.outcome.new_item_ids)
            outcomes.append(outcome)
            if progress is not None and task is not None:
                progress.advance(task)
            elif not as_json:
                _print_outcome(outcome)
    asyncio.run(queue_new_items(ctx, new_ids))

    report = IngestReport()
    for o in outcomes:
        if o.outcome:
            report = report.merged(o.outcome.report)
    failed = [o for o in outcomes if o.error]
    if as_json:
        print_json(
            {
                "files": [
                    {
                        "path": str(o.path),
                        "source": o.source_id,
                        "error": o.error,
                        "parsed": o.outcome.report.parsed if o.outcome else 0,
                        "stored": o.outcome.report.stored if o.outcome else 0,
                        "duplicates": o.outcome.report.duplicates if o.outcome else 0,
                        "problems": [str(p) for p in o.outcome.report.problems]
                        if o.outcome
                        else [],
                    }
                    for o in outcomes
                ],
                "stored": report.stored,
                "duplicates": report.duplicates,
                "problems": len(report.problems),
                "failed": len(failed),
            }
        )
    else:
        if show_bar:
            for o in outcomes:
                _print_outcome(o)
        out.print(
            f"total: {report.stored} new, {report.duplicates} already stored, "
            f"{len(report.problems)} problems, {len(failed)} failed"
        )
    if failed and len(failed) == len(outcomes):
        fail(failed[0].error or "nothing could be ingested")


async def _ingest_one_url(
    ctx: Context, url: str, source: str | None, kind: SourceKind | None, allow_private: bool
) -> FileOutcome:
    from dcc.ingest.fetch import Fetcher
    from dcc.ingest.remote import ingest_url

    async with Fetcher(ctx.settings) as fetcher:
        try:
            used, outcome = await ingest_url(
                ctx.engine, fetcher, url, source_id=source, kind=kind, allow_private=allow_private
            )
        except DCCError as exc:
            return FileOutcome(Path(url), source or "", None, error=str(exc))
    return FileOutcome(Path(url), used.id, outcome)


def _print_outcome(outcome: FileOutcome) -> None:
    if outcome.error:
        err.print(f"{outcome.path}: rejected: {outcome.error}", markup=False)
        return
    assert outcome.outcome is not None
    r = outcome.outcome.report
    out.print(
        f"{outcome.path}: {r.stored} new, {r.duplicates} already stored, "
        f"{len(r.problems)} problems (source {outcome.source_id})",
        markup=False,
    )
    for problem in r.problems[:5]:
        err.print(f"  {problem}", markup=False)
    if len(r.problems) > 5:
        err.print(f"  ... and {len(r.problems) - 5} more", markup=False)


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _progress(show: bool) -> Any:
    if not show:
        return _NoProgress()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


# --- search ---------------------------------------------------------------------------------


def _parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--{name} {value!r} is not an ISO 8601 date or time (for example 2026-11-01)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("search")
def search_command(
    query: Annotated[
        str,
        typer.Argument(
            help='The query language (docs/query-language.md): words, "phrases", prefix*, '
            "AND/OR/NOT, (groups), field:value, time:-24h."
        ),
    ] = "",
    source: Annotated[list[str] | None, typer.Option(help="Only these sources.")] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Only these languages.")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Only these countries.")] = None,
    sentiment: Annotated[
        list[str] | None, typer.Option(help="Only this sentiment (positive/neutral/negative).")
    ] = None,
    stance: Annotated[
        list[str] | None, typer.Option(help="Only this stance toward Indonesia.")
    ] = None,
    crisis: Annotated[
        bool | None,
        typer.Option("--crisis/--no-crisis", help="Only crisis-related items, or none."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    sort: Annotated[str | None, typer.Option(help="time or relevance.")] = None,
    page: Annotated[int, typer.Option(help="Page number.")] = 1,
    per_page: Annotated[int, typer.Option(help="Results per page.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search stored items by full text and filters."""
    if sort not in (None, "time", "relevance"):
        fail(f"--sort {sort!r} must be 'time' or 'relevance'")
    ctx = context()
    request = SearchQuery(
        text=query,
        sources=tuple(source or ()),
        langs=tuple(lang or ()),
        countries=tuple(country or ()),
        sentiments=tuple(sentiment or ()),
        stances=tuple(stance or ()),
        is_crisis=crisis,
        since=_parse_time(since, "since"),
        until=_parse_time(until, "until"),
        sort=sort,  # type: ignore[arg-type]  # checked above
        page=page,
        per_page=per_page,
    )
    try:
        with ctx.engine.connect() as conn:
            if query.strip():
                from dcc.query.compose import combined_query
                from dcc.query.search import search_items

                results = search_items(
                    conn,
                    combined_query(query, request),
                    sort=request.sort,
                    page=page,
                    per_page=per_page,
                )
            else:  # filters only: the structured search answers them from its indexes
                results = search(conn, request)
    except QueryError as exc:
        fail(str(exc))
    if as_json:
        from dcc.web.serialize import item_json

        print_json(
            {
                "query": query,
                "total": results.total,
                "total_is_capped": results.is_total_capped,
                "page": results.page,
                "per_page": results.per_page,
                "took_ms": round(results.took_ms, 1),
                "items": [item_json(i) for i in results.items],
            }
        )
        return
    plus = "+" if results.is_total_capped else ""
    out.print(f"{results.total:,}{plus} items ({results.took_ms:.0f} ms)")
    for item in results.items:
        when = item.published_at.strftime("%Y-%m-%d %H:%M") if item.published_at else "—"
        title = item.title or item.text[:80]
        out.print(f"[bold]{when}[/bold]  [{item.source_id}] {title}".replace("\n", " "))


# --- sources --------------------------------------------------------------------------------


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List sources."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = source_queries.list_sources(conn)
    if as_json:
        from dcc.web.serialize import source_json

        print_json([source_json(s) for s in found])
        return
    table = Table("id", "kind", "lang", "country", "every", "url")
    for s in found:
        table.add_row(
            s.id, s.kind.value, s.lang or "", s.country or "", f"{s.interval_s // 60} min", s.url
        )
    out.print(table)


@sources_app.command("add")
def sources_add(
    source_id: Annotated[str, typer.Argument(help="A short id: lowercase, digits, - _ .")],
    url: Annotated[str, typer.Argument(help="Feed or page URL (http/https) or a file path.")],
    kind: Annotated[SourceKind, typer.Option(help="Format of the source.")] = SourceKind.RSS,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    lang: Annotated[str | None, typer.Option(help="Language (ISO 639).")] = None,
    country: Annotated[str | None, typer.Option(help="Country (ISO 3166-1 alpha-2).")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Tags (repeat).")] = None,
    interval: Annotated[int, typer.Option(help="Seconds between fetches.")] = 900,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="CSV field=column.")] = None,
    allow_private: Annotated[bool, typer.Option(help="May fetch a private address.")] = False,
    auth: Annotated[
        str | None, typer.Option(help="A private source's auth scheme: bearer, basic or header.")
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option(help="The environment variable holding its secret (never the secret)."),
    ] = None,
    auth_header: Annotated[
        str | None, typer.Option(help='The header carrying the secret ("header" scheme).')
    ] = None,
) -> None:
    """Add a source (to the database and the sources file)."""
    data: dict[str, Any] = {
        "id": source_id,
        "kind": kind.value,
        "url": url,
        "name": name,
        "interval_s": interval,
        "tags": tag or [],
        "mapping": _parse_mapping(mapping or []),
        "allow_private": allow_private,
    }
    if lang:
        data["lang"] = lang
    if country:
        data["country"] = country.upper()
    if auth or secret_env or auth_header:
        data["auth"] = {"scheme": auth or "", "secret_env": secret_env or ""}
        if auth_header:
            data["auth"]["header"] = auth_header
    try:
        definition = source_from_mapping(data, where="source")
        if url.startswith(("http://", "https://")):
            from dcc.ingest.netguard import check_url

            check_url(url)
        ctx = context()
        actions.do_add_source(
            ctx.engine, definition, sources_file=ctx.settings.resolved_sources_file
        )
    except DCCError as exc:
        fail(str(exc))
    out.print(f"added source {source_id}")


@sources_app.command("remove")
def sources_remove(source_id: Annotated[str, typer.Argument()]) -> None:
    """Remove a source (its stored items are kept)."""
    ctx = context()
    try:
        actions.do_remove_source(
            ctx.engine, source_id, sources_file=ctx.settings.resolved_sources_file
        )
    except DCCError as exc:
        fail(str(exc))
    out.print(f"removed source {source_id} (its items are kept)")


@sources_app.command("load")
def sources_load(
    path: Annotated[Path, typer.Argument(help="A sources TOML file.")],
) -> None:
    """Load (add or update) the sources of a TOML file."""
    ctx = context()
    try:
        added, updated = actions.do_sync_sources(ctx.engine, read_sources_file(path))
    except DCCError as exc:
        fail(str(exc))
    out.print(f"sources: {added} added, {updated} updated")


@sources_app.command("health")
def sources_health(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show each source's last success, last error, items per day and failures."""
    ctx = context()
    with ctx.engine.connect() as conn:
        health = source_queries.list_health(conn)
    if as_json:
        from dcc.web.serialize import health_json

        print_json([health_json(h) for h in health])
        return
    table = Table(
        "source", "status", "last success", "items/24h", "total", "failures", "last error"
    )
    for h in health:
        status = (
            "ok" if h.is_healthy else ("never fetched" if h.last_attempt_at is None else "failing")
        )
        table.add_row(
            h.source_id,
            status,
            h.last_success_at.strftime("%Y-%m-%d %H:%M") if h.last_success_at else "—",
            str(h.items_last_day),
            str(h.items_total),
            str(h.consecutive_failures),
            (h.last_error or "")[:60],
        )
    out.print(table)


@app.command("enrich")
def enrich_command(
    input_path: Annotated[
        str, typer.Option("--input", help="JSON Lines documents (DESIGN §4.1), or - for stdin.")
    ] = "-",
    output_path: Annotated[
        str, typer.Option("--output", help="Where to write the labelled documents, or -.")
    ] = "-",
    processes: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            help="Worker processes (default: DCC_ENRICH_PROCESSES, else one per core).",
        ),
    ] = None,
) -> None:
    """Label documents: language, entities, countries, sentiment, stance, crisis, topics..."""
    import contextlib

    from dcc.enrich.parallel import open_enricher
    from dcc.enrich.stream import BATCH_SIZE, enrich_stream
    from dcc.settings import Settings

    with contextlib.ExitStack() as files:
        try:
            source = (
                sys.stdin
                if input_path == "-"
                else files.enter_context(open(input_path, encoding="utf-8", errors="replace"))
            )
            target = (
                sys.stdout
                if output_path == "-"
                else files.enter_context(open(output_path, "w", encoding="utf-8"))
            )
        except OSError as exc:
            fail(f"cannot open {exc.filename}: {exc.strerror}")
        show_bar = err.is_terminal and output_path != "-"
        with _progress(show_bar) as progress:
            task = progress.add_task("enrich", total=None) if progress else None

            def moved(counts: Any) -> None:
                if progress is not None and task is not None:
                    progress.update(task, completed=counts.written)

            interactive = source.isatty()  # answer each typed line at once
            if processes is None:
                processes = 1 if interactive else Settings().enrich_processes
            enricher = open_enricher(processes)
            try:
                counts = enrich_stream(
                    source,
                    target,
                    sys.stderr,
                    enricher=enricher,
                    on_line=moved,
                    batch_size=1 if interactive else BATCH_SIZE,
                )
            finally:
                enricher.close()
    sys.stderr.write(f"enriched {counts.written} documents, rejected {counts.rejected} lines\n")


@app.command("train")
def train_command(
    tasks: Annotated[
        list[str] | None, typer.Argument(help="Tasks to train (default: all).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="The datasets (default ../shared/data).")
    ] = None,
) -> None:
    """Train the enrichment models from the datasets; they are written under enrich/models."""
    from dcc.enrich.tasks import TASKS, require_data_dir, task_module

    try:
        data_dir = require_data_dir(data)
        modules = {name: task_module(name) for name in tasks or list(TASKS)}
        for name, module in modules.items():
            if not hasattr(module, "train"):
                continue  # evaluation-only tasks (geo) have nothing to train
            out.print(f"training {name} ...")
            summary = module.train(data_dir)
            out.print(f"  {name}: {json.dumps(summary, ensure_ascii=False, default=str)}")
    except DCCError as exc:
        fail(str(exc))


@app.command("eval")
def eval_command(
    tasks: Annotated[
        list[str] | None, typer.Argument(help="Tasks to evaluate (default: all).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="The datasets (default ../shared/data).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score the enrichment on the datasets' valid splits: DCC, baseline, published anchor."""
    from dcc.enrich.tasks import TASKS, require_data_dir, task_module

    rows = []
    try:
        data_dir = require_data_dir(data)
        for name in tasks or list(TASKS):
            rows.extend(task_module(name).evaluate(data_dir))
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json([row.as_json() for row in rows])
        return
    table = Table("task", "dataset", "metric", "DCC", "target", "baseline", "anchor", "n")
    for row in rows:
        table.add_row(
            row.task,
            row.dataset,
            row.metric,
            f"{row.score:.3f}",
            f"{row.target:.2f}" if row.target is not None else "",
            f"{row.baseline:.3f} ({row.baseline_name})" if row.baseline is not None else "",
            row.anchor,
            str(row.n),
        )
    out.print(table)


@app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Benchmark: ingest or enrich.")] = "ingest",
) -> None:
    """Run a benchmark from bench/ (in a source checkout); extra options are passed on."""
    import subprocess

    bench_dir = Path(__file__).resolve().parents[2] / "bench"
    script = bench_dir / f"{name}.py"
    if not script.is_file():
        known = sorted(p.stem for p in bench_dir.glob("*.py") if p.stem != "corpus")
        fail(
            f"no benchmark {name!r}"
            + (f"; known: {', '.join(known)}" if known else " (run from a source checkout)")
        )
    # The script is one of bench/*.py by name; the arguments are the caller's own.
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args]))  # noqa: S603


@app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Count stored items."""
    ctx = context()
    with ctx.engine.connect() as conn:
        total = count_items(conn)
    if as_json:
        print_json({"items": total})
    else:
        out.print(f"{total:,} items stored")


def main() -> None:
    """Entry point: run the app, turning any DCCError that escaped into exit code 2."""
    get_settings.cache_clear()
    try:
        app()
    except DCCError as exc:
        sys.stderr.write(f"dcc: error: {' '.join(str(exc).split())}\n")
        sys.exit(2)
