"""`dcc watchlists ...` and `dcc alerts ...`: thin commands over the alerts package.

Who acted is recorded as `--by`, else "local". The command line is run by the operator of the
machine, who holds the database already: it reads and changes every watchlist and alert,
whatever its marking (docs/accounts.md, "Command line").
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts import actions
from dcc.alerts.queries import (
    alert_deliveries_of,
    alert_history,
    alert_item_ids,
    get_alert,
    list_alerts,
    list_deliveries,
    list_watchlists,
)
from dcc.alerts.records import (
    DEFAULT_WATCHLIST_TLP,
    Alert,
    AlertKind,
    AlertStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Schedule,
    WatchlistSpec,
)
from dcc.alerts.serialize import (
    alert_detail_json,
    alert_json,
    delivery_detail_json,
    iso,
    watchlist_json,
)
from dcc.alerts.sharing import do_share_watchlist, do_unshare_watchlist
from dcc.cli_support import context, fail, out, print_json
from dcc.errors import DCCError

watchlists_app = typer.Typer(help="Saved queries matched on the stream.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts raised by watchlists.", no_args_is_help=True)

By = Annotated[str | None, typer.Option("--by", help="Who acts (default: local).")]
Note = Annotated[str | None, typer.Option(help="A note kept in the alert's history.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


# --- watchlists ------------------------------------------------------------------------------


@watchlists_app.command("list")
def watchlists_list(as_json: AsJson = False) -> None:
    """List watchlists."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_watchlists(conn, LOCAL_OPERATOR)
    if as_json:
        print_json([watchlist_json(w) for w in found])
        return
    table = Table("id", "name", "agency", "tlp", "schedule", "channels", "enabled", "query")
    for w in found:
        table.add_row(
            str(w.id),
            w.name,
            w.owner_agency or "",
            w.tlp,
            w.schedule.value,
            ",".join(c.value for c in w.channels),
            "yes" if w.is_enabled else "no",
            w.query,
        )
    out.print(table)


@watchlists_app.command("add")
def watchlists_add(
    name: Annotated[str, typer.Argument(help="A name for the watchlist.")],
    query: Annotated[str, typer.Argument(help="The query (docs/query-language.md).")],
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="Who is told (repeat).")
    ] = None,
    channel: Annotated[
        list[Channel] | None, typer.Option("--channel", help="How (repeat; default in_app).")
    ] = None,
    schedule: Annotated[Schedule, typer.Option(help="instant or digest.")] = Schedule.INSTANT,
    tlp: Annotated[
        str, typer.Option(help="TLP 2.0 label: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.")
    ] = DEFAULT_WATCHLIST_TLP,
    agency: Annotated[
        str | None,
        typer.Option(help="Owner agency (default: --by's agency, else DCC_DEFAULT_AGENCY)."),
    ] = None,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Add a watchlist; its query is checked as a search would check it."""
    spec = WatchlistSpec(
        name=name,
        query=query,
        recipients=tuple(recipient or ()),
        channels=tuple(c.value for c in channel or [Channel.IN_APP]),
        schedule=schedule.value,
        tlp=tlp,
    )
    ctx = context()
    try:
        created = actions.do_create_watchlist(
            ctx.engine, spec, owner=by, owner_agency=agency, settings=ctx.settings
        )
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json(watchlist_json(created))
    else:
        out.print(f"added watchlist {created.id}: {created.name}", markup=False)


@watchlists_app.command("remove")
def watchlists_remove(watchlist_id: Annotated[int, typer.Argument()]) -> None:
    """Remove a watchlist (its alerts are kept)."""
    ctx = context()
    try:
        actions.do_delete_watchlist(ctx.engine, watchlist_id)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"removed watchlist {watchlist_id} (its alerts are kept)")


ShareAgency = Annotated[str | None, typer.Option("--agency", help="An agency (id).")]
ShareUser = Annotated[str | None, typer.Option("--user", help="A user, by name.")]


@watchlists_app.command("share")
def watchlists_share(
    watchlist_id: Annotated[int, typer.Argument()],
    agency: ShareAgency = None,
    user: ShareUser = None,
) -> None:
    """Share a watchlist and its alerts with one agency or one user (RED: users only)."""
    ctx = context()
    try:
        do_share_watchlist(ctx.engine, watchlist_id, agency_id=agency, username=user)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"watchlist {watchlist_id} shared with {agency or user}", markup=False)


@watchlists_app.command("unshare")
def watchlists_unshare(
    watchlist_id: Annotated[int, typer.Argument()],
    agency: ShareAgency = None,
    user: ShareUser = None,
) -> None:
    """Stop sharing a watchlist with one agency or one user."""
    ctx = context()
    try:
        gone = do_unshare_watchlist(ctx.engine, watchlist_id, agency_id=agency, username=user)
    except DCCError as exc:
        fail(str(exc))
    what = "no longer shared with" if gone else "was not shared with"
    out.print(f"watchlist {watchlist_id} {what} {agency or user}", markup=False)


@watchlists_app.command("test")
def watchlists_test(
    query: Annotated[str, typer.Argument(help="The query to try.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="Items to show.")] = 10,
    as_json: AsJson = False,
) -> None:
    """Check a query and show the latest stored items it matches."""
    from dcc.query import format_query, parse_query
    from dcc.query.search import search_items

    ctx = context()
    try:
        normal = format_query(parse_query(query))
        with ctx.engine.connect() as conn:
            results = search_items(conn, query, sort="time", per_page=limit)
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        from dcc.web.serialize import item_json

        print_json(
            {
                "query": normal,
                "total": results.total,
                "total_is_capped": results.is_total_capped,
                "items": [item_json(i) for i in results.items],
            }
        )
        return
    plus = "+" if results.is_total_capped else ""
    out.print(f"query: {normal}", markup=False)
    out.print(f"{results.total:,}{plus} stored items match; the latest:")
    for item in results.items:
        when = item.published_at.strftime("%Y-%m-%d %H:%M") if item.published_at else "—"
        title = (item.title or item.text[:80]).replace("\n", " ")
        out.print(f"  {when}  [{item.source_id}] {title}", markup=False)


# --- alerts ----------------------------------------------------------------------------------


@alerts_app.command("list")
def alerts_list(
    status: Annotated[AlertStatus | None, typer.Option(help="Only this status.")] = None,
    watchlist: Annotated[int | None, typer.Option(help="Only this watchlist's.")] = None,
    kind: Annotated[AlertKind | None, typer.Option(help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 50,
    as_json: AsJson = False,
) -> None:
    """List alerts, newest first."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_alerts(
            conn, LOCAL_OPERATOR, status=status, watchlist_id=watchlist, kind=kind, limit=limit
        )
    if as_json:
        print_json([alert_json(a) for a in found])
        return
    table = Table("id", "status", "items", "updated", "title")
    for a in found:
        table.add_row(
            str(a.id),
            a.status.value,
            str(a.item_count),
            a.updated_at.strftime("%Y-%m-%d %H:%M"),
            a.title,
        )
    out.print(table)


@alerts_app.command("show")
def alerts_show(alert_id: Annotated[int, typer.Argument()], as_json: AsJson = False) -> None:
    """Show one alert: what matched, its history, and its deliveries (status, attempts, error)."""
    ctx = context()
    with ctx.engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
        if alert is None:
            fail(f"no alert with id {alert_id}")
        history = alert_history(conn, LOCAL_OPERATOR, alert_id)
        deliveries = alert_deliveries_of(conn, LOCAL_OPERATOR, alert_id)
        item_ids = alert_item_ids(conn, LOCAL_OPERATOR, alert_id)
    if as_json:
        print_json(alert_detail_json(alert, history, deliveries, item_ids))
        return
    out.print(f"alert {alert.id} [{alert.status.value}] {alert.title}", markup=False)
    out.print(
        f"{alert.kind.value}, {alert.item_count} item(s), raised {iso(alert.created_at)}, "
        f"schedule {alert.schedule.value}, TLP:{alert.tlp or '?'} of {alert.owner_agency or '-'}",
        markup=False,
    )
    matched = alert.explanation.get("matched")
    if isinstance(matched, list) and matched:
        out.print("matched: " + ", ".join(str(m) for m in matched), markup=False)
    for event in history:
        who = f" by {event.who}" if event.who else ""
        note = f": {event.note}" if event.note else ""
        out.print(f"  {iso(event.at)}  {event.type.value}{who}{note}", markup=False)
    out.print(_deliveries_table(deliveries))


@alerts_app.command("deliveries")
def alerts_deliveries(
    status: Annotated[
        DeliveryStatus | None, typer.Option(help="Only this status (dead: given up).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 50,
    as_json: AsJson = False,
) -> None:
    """List alert deliveries, newest first (`--status dead` lists the dead letters)."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_deliveries(conn, LOCAL_OPERATOR, status=status, limit=limit)
    if as_json:
        print_json([delivery_detail_json(d) for d in found])
        return
    out.print(_deliveries_table(found, with_alert=True))


def _deliveries_table(deliveries: list[Delivery], *, with_alert: bool = False) -> Table:
    columns = ["id", *(["alert"] if with_alert else [])]
    table = Table(*columns, "channel", "recipient", "status", "attempts", "next", "last error")
    for d in deliveries:
        next_at = d.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") if d.next_attempt_at else ""
        table.add_row(
            str(d.id),
            *([str(d.alert_id)] if with_alert else []),
            d.channel,
            Text(d.recipient),  # Text: brackets in errors are not rich markup
            d.status.value,
            str(d.attempts),
            next_at,
            Text(d.last_error or ""),
        )
    return table


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument()], by: By = None, note: Note = None
) -> None:
    """Acknowledge an alert."""
    _report(_move(actions.do_acknowledge_alert, alert_id, by, note))


@alerts_app.command("dismiss")
def alerts_dismiss(
    alert_id: Annotated[int, typer.Argument()], by: By = None, note: Note = None
) -> None:
    """Dismiss an alert."""
    _report(_move(actions.do_dismiss_alert, alert_id, by, note))


@alerts_app.command("escalate")
def alerts_escalate(
    alert_id: Annotated[int, typer.Argument()], by: By = None, note: Note = None
) -> None:
    """Escalate an alert (to the coordination side)."""
    _report(_move(actions.do_escalate_alert, alert_id, by, note))


def _move(action: actions.AlertAction, alert_id: int, by: str | None, note: str | None) -> Alert:
    ctx = context()
    try:
        return action(ctx.engine, alert_id, who=by, note=note)
    except DCCError as exc:
        fail(str(exc))


def _report(alert: Alert) -> None:
    out.print(f"alert {alert.id} is {alert.status.value} (by {alert.status_changed_by})")
