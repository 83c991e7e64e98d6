"""`dcc audit ...`: check the hash-chained audit trail and read it (issue 6; docs/audit.md).

`dcc audit verify` exits 0 when the chain verifies, printing the rows checked and the head
hash (record it outside DCC to detect a wholesale rewrite), 1 with each problem on stdout
when it does not, and 2 on bad usage (DESIGN §4.3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from dcc.cli_support import context, fail, out, print_json
from dcc.coordination.audit import list_audit, verify_audit
from dcc.coordination.audit_records import AuditEntry, AuditReport

audit_app = typer.Typer(
    help="The audit trail: who changed what, and whether anyone changed the record.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@audit_app.command("verify")
def audit_verify(
    recorded: Annotated[
        list[str] | None,
        typer.Option(
            "--recorded",
            help="SEQ:HASH of a head printed earlier and kept outside DCC (repeat): row SEQ "
            "must still have that hash.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Check every row of the audit trail and its head; exit 1 if anything was changed,
    removed, reordered or added outside DCC."""
    known = _parsed_recorded(recorded or [])
    ctx = context()
    with ctx.engine.connect() as conn:
        report = verify_audit(conn, recorded=known)
    if as_json:
        print_json(report_json(report))
    elif report.ok:
        out.print(f"audit trail verifies: {report.rows_checked} rows checked")
        out.print(f"head: row {report.head_seq}, hash {report.head_hash}")
    else:
        for problem in report.problems:
            out.print(problem.what)
        out.print(
            f"audit trail does NOT verify: {len(report.problems)} problem(s) in "
            f"{report.rows_checked} rows checked (head: row {report.head_seq}, "
            f"hash {report.head_hash})"
        )
    if not report.ok:
        raise typer.Exit(code=1)


@audit_app.command("log")
def audit_log(
    object_ref: Annotated[
        str | None,
        typer.Option("--object", help="Only this object, as TYPE:ID (user:3, source:antara)."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor (a username, local-operator).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only entries at or after this ISO 8601 time (UTC).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    as_json: AsJson = False,
) -> None:
    """Show the newest audit entries, newest first."""
    object_type = object_id = None
    if object_ref is not None:
        object_type, colon, object_id = object_ref.partition(":")
        if not colon or not object_type or not object_id:
            fail(f"--object {object_ref!r} is not TYPE:ID (for example user:3)")
    since_at = _parsed_since(since) if since is not None else None
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_audit(
            conn,
            since=since_at,
            actor=actor,
            object_type=object_type,
            object_id=object_id,
            limit=limit,
        )
    if as_json:
        print_json([entry_json(e) for e in found])
        return
    table = Table("seq", "at (UTC)", "actor", "action", "object", "changed")
    for column in table.columns[:5]:
        column.no_wrap = True
    for e in found:
        actor = f"{e.actor} ({e.actor_agency})" if e.actor_agency else e.actor
        table.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            actor,
            e.action,
            f"{e.object_type}:{e.object_id}",
            changed_summary(e),
        )
    out.print(table)


def _parsed_recorded(values: list[str]) -> dict[int, str]:
    known: dict[int, str] = {}
    for value in values:
        seq, colon, digest = value.strip().partition(":")
        digest = digest.strip().lower()
        is_hash = len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
        if not colon or not seq.strip().isdigit() or not is_hash:
            fail(f"--recorded {value!r} is not SEQ:HASH (a row number and 64 hex digits)")
        known[int(seq)] = digest
    return known


def _parsed_since(since: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(since)
    except ValueError:
        fail(f"--since {since!r} is not an ISO 8601 time (for example 2025-01-31T08:00)")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def changed_summary(entry: AuditEntry) -> str:
    """What a row changed, in a few words: "new", "removed", or the keys that differ."""
    if entry.before is None:
        return "new" if entry.after is not None else ""
    if entry.after is None:
        return "removed"
    return ", ".join(k for k in changed_keys(entry) if k != "updated_at")


def changed_keys(entry: AuditEntry) -> list[str]:
    """The keys whose values differ between before and after (sorted)."""
    before, after = entry.before or {}, entry.after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_agency": entry.actor_agency,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def report_json(report: AuditReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows_checked": report.rows_checked,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "problems": [{"seq": p.seq, "what": p.what} for p in report.problems],
    }
