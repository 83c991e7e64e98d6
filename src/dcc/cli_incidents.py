"""`dcc incidents ...`, `dcc oncall ...` and `dcc contacts ...`: thin commands over the
coordination package (issue 6). The command line is the local operator's: it reads every
incident, whatever its marking (docs/accounts.md, "Command line")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.records import Channel
from dcc.cli_support import context, fail, out, print_json
from dcc.coordination.contacts import (
    do_add_agency_channel,
    do_add_on_call,
    do_set_user_email,
    list_agency_channels,
    list_on_call,
)
from dcc.coordination.escalation import do_escalation_sweep
from dcc.coordination.queries import incident_view, list_incidents, list_tasks
from dcc.coordination.records import IncidentStatus
from dcc.coordination.serialize import incident_json, incident_view_json, task_json
from dcc.errors import DCCError

incidents_app = typer.Typer(help="Incidents and their tasks.", no_args_is_help=True)
oncall_app = typer.Typer(help="Who is on call for an agency (escalations).", no_args_is_help=True)
contacts_app = typer.Typer(
    help="Where notifications go: users' e-mail, agencies' mailboxes and webhooks.",
    no_args_is_help=True,
)
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _time(text: str, *, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{what} {text!r} is not an ISO 8601 time (2026-11-24T08:00+07:00)")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@incidents_app.command("list")
def incidents_list(
    status: Annotated[list[IncidentStatus] | None, typer.Option(help="Only these.")] = None,
    as_json: AsJson = False,
) -> None:
    """List incidents, most recently updated first."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_incidents(conn, LOCAL_OPERATOR, statuses=status or (), limit=500)
    if as_json:
        print_json([incident_json(i) for i in found])
        return
    table = Table("id", "status", "severity", "kind", "tlp", "owner", "title")
    for i in found:
        table.add_row(
            str(i.id),
            i.status.value,
            i.severity.value,
            i.kind.value,
            i.tlp,
            i.owner_agency,
            i.title,
        )
    out.print(table)


@incidents_app.command("show")
def incidents_show(incident_id: int, as_json: AsJson = False) -> None:
    """One incident with its tasks and timeline."""
    ctx = context()
    try:
        with ctx.engine.connect() as conn:
            view = incident_view(conn, LOCAL_OPERATOR, incident_id)
    except DCCError as exc:
        fail(str(exc))
    now = datetime.now(tz=UTC)
    if as_json:
        print_json(incident_view_json(view, now=now))
        return
    i = view.incident
    out.print(f"#{i.id} {i.title}  [{i.status.value}, {i.severity.value}, TLP:{i.tlp}]")
    tasks = Table("task", "agency", "status", "due (UTC)", "escalation", "title")
    for t in view.tasks:
        tasks.add_row(
            str(t.id),
            t.assigned_agency,
            t.status.value,
            f"{t.due_at:%Y-%m-%d %H:%M}",
            str(t.escalation_level),
            t.title,
        )
    out.print(tasks)
    for e in view.entries:
        out.print(f"{e.created_at:%Y-%m-%d %H:%M} {e.author_name}: {e.body}")


@incidents_app.command("tasks")
def incidents_tasks(
    agency: Annotated[str | None, typer.Option(help="Only this agency's tasks.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only late ones.")] = False,
    as_json: AsJson = False,
) -> None:
    """Tasks across incidents, by deadline."""
    ctx = context()
    now = datetime.now(tz=UTC)
    with ctx.engine.connect() as conn:
        found = list_tasks(
            conn, LOCAL_OPERATOR, agency_id=agency, overdue_at=now if overdue else None
        )
    if as_json:
        print_json([task_json(t, now=now) for t in found])
        return
    table = Table("task", "incident", "agency", "status", "due (UTC)", "escalation", "title")
    for t in found:
        table.add_row(
            str(t.id),
            str(t.incident_id),
            t.assigned_agency,
            t.status.value,
            f"{t.due_at:%Y-%m-%d %H:%M}",
            str(t.escalation_level),
            t.title,
        )
    out.print(table)


@incidents_app.command("sweep")
def incidents_sweep(
    now: Annotated[
        str | None, typer.Option(help="Sweep as if at this time (default: now), ISO 8601.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Run the reminder and escalation sweep once (the workers run it every
    DCC_ESCALATION_INTERVAL_S)."""
    ctx = context()
    at = _time(now, what="--now") if now else datetime.now(tz=UTC)
    try:
        steps = do_escalation_sweep(ctx.engine, now=at)
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json(
            [
                {
                    "task_id": s.task_id,
                    "action": s.action,
                    "level": s.level,
                    "to_agency": s.to_agency,
                    "to_user_id": s.to_user,
                    "reason": s.reason,
                }
                for s in steps
            ]
        )
        return
    for s in steps:
        target = s.to_agency or (f"user {s.to_user}" if s.to_user else "")
        out.print(f"task {s.task_id}: {s.action} {target} {s.reason}".rstrip())
    out.print(f"{len(steps)} task(s) reminded or escalated")


@oncall_app.command("add")
def oncall_add(
    agency: str,
    username: str,
    starts: Annotated[str, typer.Option("--from", help="Start, ISO 8601.")],
    ends: Annotated[str, typer.Option("--until", help="End, ISO 8601.")],
) -> None:
    """Put a user on call for its agency."""
    ctx = context()
    try:
        shift = do_add_on_call(
            ctx.engine,
            agency,
            username,
            _time(starts, what="--from"),
            _time(ends, what="--until"),
        )
    except DCCError as exc:
        fail(str(exc))
    out.print(f"{shift.username} is on call for {shift.agency_id} (shift {shift.id})")


@oncall_app.command("list")
def oncall_list(
    agency: Annotated[str | None, typer.Argument()] = None,
    now_only: Annotated[bool, typer.Option("--now", help="Only shifts covering now.")] = False,
    as_json: AsJson = False,
) -> None:
    """On-call shifts, latest first."""
    ctx = context()
    with ctx.engine.connect() as conn:
        shifts = list_on_call(conn, agency_id=agency, at=datetime.now(tz=UTC) if now_only else None)
    if as_json:
        print_json(
            [
                {
                    "id": s.id,
                    "agency": s.agency_id,
                    "user": s.username,
                    "starts_at": s.starts_at.isoformat(),
                    "ends_at": s.ends_at.isoformat(),
                }
                for s in shifts
            ]
        )
        return
    table = Table("id", "agency", "user", "from (UTC)", "until (UTC)")
    for s in shifts:
        table.add_row(
            str(s.id),
            s.agency_id,
            s.username,
            f"{s.starts_at:%Y-%m-%d %H:%M}",
            f"{s.ends_at:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@contacts_app.command("email")
def contacts_email(
    username: str,
    address: Annotated[str | None, typer.Argument(help="Leave out to clear it.")] = None,
) -> None:
    """Set (or clear) where a user's notifications are e-mailed."""
    ctx = context()
    try:
        do_set_user_email(ctx.engine, username, address)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"{username}: {address or 'no e-mail'}")


@contacts_app.command("agency")
def contacts_agency(
    agency: str,
    channel: Annotated[Channel, typer.Argument(help="email or webhook")],
    address: str,
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="DCC_AGENCY_WEBHOOK_SECRET",
            help="A webhook's signing key (else DCC_WEBHOOK_SECRET).",
        ),
    ] = None,
) -> None:
    """Add a duty mailbox or a webhook to an agency's notification channels."""
    ctx = context()
    try:
        added = do_add_agency_channel(ctx.engine, agency, channel, address, secret=secret)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"{added.agency_id}: {added.channel} {added.address} (channel {added.id})")


@contacts_app.command("list")
def contacts_list(agency: Annotated[str | None, typer.Argument()] = None) -> None:
    """Agencies' notification channels (secrets are never shown)."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_agency_channels(conn, agency)
    table = Table("id", "agency", "channel", "address")
    for c in found:
        table.add_row(str(c.id), c.agency_id, c.channel, c.address)
    out.print(table)
