"""Reading watchlists, alerts, their events, items and deliveries (no writes: actions.py).

Every query takes who reads (`reader`): a signed-in Principal sees only what its markings
let it read (alerts/marking.py, in the WHERE clause, so limits, pages and counts are of
readable rows only); LOCAL_OPERATOR, the command line and DCC's own workers, sees all. An
alert's history, deliveries and items are read only through a readable alert. A row the
reader may not read is answered exactly as a missing one (None, [], "no alert with id 7").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from dcc.accounts.records import LOCAL_OPERATOR, LocalOperator, Reader
from dcc.alerts.errors import AlertNotFoundError, WatchlistNotFoundError
from dcc.alerts.marking import alert_readable, watchlist_readable
from dcc.alerts.records import (
    Alert,
    AlertEvent,
    AlertEventType,
    AlertKind,
    AlertStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Schedule,
    Watchlist,
)
from dcc.store.schema import (
    alert_deliveries,
    alert_events,
    alert_items,
    alert_state,
    alerts,
    watchlists,
)

log = logging.getLogger("dcc.alerts")

MAX_LIST = 500
KNOWN_CHANNELS = frozenset(c.value for c in Channel)


# --- watchlists ------------------------------------------------------------------------------


def row_to_watchlist(row: Row[Any]) -> Watchlist:
    m = row._mapping
    return Watchlist(
        id=m["id"],
        name=m["name"],
        query=m["query"],
        owner=m["owner"],
        recipients=tuple(m["recipients"] or ()),
        # A channel this version does not know (stored by a newer one) is left out.
        channels=tuple(Channel(c) for c in m["channels"] or () if c in KNOWN_CHANNELS),
        schedule=Schedule(m["schedule"]),
        is_enabled=bool(m["is_enabled"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        last_matched_at=m["last_matched_at"],
        owner_agency=m["owner_agency"],
        tlp=m["tlp"] or "",
        created_by=m["created_by"],
    )


def list_watchlists(
    conn: Connection, reader: Reader, *, only_enabled: bool = False
) -> list[Watchlist]:
    """Watchlists not removed that `reader` may read, oldest first."""
    query = (
        select(watchlists)
        .where(watchlists.c.deleted_at.is_(None), watchlist_readable(reader))
        .order_by(watchlists.c.id)
    )
    if only_enabled:
        query = query.where(watchlists.c.is_enabled.is_(True))
    return [row_to_watchlist(row) for row in conn.execute(query)]


def get_watchlist(conn: Connection, reader: Reader, watchlist_id: int) -> Watchlist | None:
    """The watchlist with this id, or None when there is none, it was removed, or `reader`
    may not read it."""
    row = conn.execute(
        select(watchlists).where(
            watchlists.c.id == watchlist_id,
            watchlists.c.deleted_at.is_(None),
            watchlist_readable(reader),
        )
    ).first()
    return row_to_watchlist(row) if row is not None else None


def watchlist_or_raise(conn: Connection, reader: Reader, watchlist_id: int) -> Watchlist:
    """The watchlist, or WatchlistNotFoundError worded alike whether it is missing or the
    reader may not read it (the refusal of an existing one is logged)."""
    found = get_watchlist(conn, reader, watchlist_id)
    if found is not None:
        return found
    if get_watchlist(conn, LOCAL_OPERATOR, watchlist_id) is not None:
        _log_refusal(reader, "watchlist", watchlist_id)
    raise WatchlistNotFoundError(f"no watchlist with id {watchlist_id}")


def _log_refusal(reader: Reader, object_type: str, object_id: int) -> None:
    if isinstance(reader, LocalOperator):  # reads everything: never refused
        return
    log.warning(
        "access refused: user %s (%s, %s) asked for %s %s",
        reader.username,
        reader.agency_id,
        reader.role.value,
        object_type,
        object_id,
    )


def watchlist_revision(conn: Connection) -> int:
    """A number that changes whenever any watchlist does (matchers reload on a change)."""
    value = conn.execute(select(alert_state.c.watchlist_revision).where(alert_state.c.id == 1))
    return int(value.scalar() or 0)


# --- alerts ----------------------------------------------------------------------------------


def row_to_alert(row: Row[Any]) -> Alert:
    m = row._mapping
    return Alert(
        id=m["id"],
        kind=AlertKind(m["kind"]),
        rule=m["rule"],
        watchlist_id=m["watchlist_id"],
        story_key=m["story_key"],
        title=m["title"],
        status=AlertStatus(m["status"]),
        schedule=Schedule(m["schedule"]),
        item_count=m["item_count"],
        first_item_id=m["first_item_id"],
        last_item_id=m["last_item_id"],
        explanation=m["explanation"] or {},
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        window_ends_at=m["window_ends_at"],
        status_changed_at=m["status_changed_at"],
        status_changed_by=m["status_changed_by"],
        owner_agency=m["owner_agency"],
        tlp=m["tlp"] or "",
    )


def get_alert(conn: Connection, reader: Reader, alert_id: int) -> Alert | None:
    """The alert with this id, or None when there is none or `reader` may not read it."""
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id, alert_readable(reader)))
    found = row.first()
    return row_to_alert(found) if found is not None else None


def alert_or_raise(conn: Connection, reader: Reader, alert_id: int) -> Alert:
    """The alert, or AlertNotFoundError worded alike whether it is missing or the reader
    may not read it (the refusal of an existing one is logged)."""
    found = get_alert(conn, reader, alert_id)
    if found is not None:
        return found
    if get_alert(conn, LOCAL_OPERATOR, alert_id) is not None:
        _log_refusal(reader, "alert", alert_id)
    raise AlertNotFoundError(f"no alert with id {alert_id}")


def get_alerts(conn: Connection, reader: Reader, ids: Sequence[int]) -> dict[int, Alert]:
    """The alerts among `ids` that exist and `reader` may read, by id."""
    if not ids:
        return {}
    rows = conn.execute(select(alerts).where(alerts.c.id.in_(list(ids)), alert_readable(reader)))
    return {row.id: row_to_alert(row) for row in rows}


def list_alerts(
    conn: Connection,
    reader: Reader,
    *,
    status: AlertStatus | None = None,
    watchlist_id: int | None = None,
    kind: AlertKind | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Alert]:
    """Alerts `reader` may read, newest first, filtered; `before_id` pages back (ids below
    it). The marking filter is in the query, so `limit` counts readable alerts only."""
    query = (
        select(alerts)
        .where(alert_readable(reader))
        .order_by(alerts.c.id.desc())
        .limit(max(1, min(limit, MAX_LIST)))
    )
    if status is not None:
        query = query.where(alerts.c.status == status.value)
    if watchlist_id is not None:
        query = query.where(alerts.c.watchlist_id == watchlist_id)
    if kind is not None:
        query = query.where(alerts.c.kind == kind.value)
    if before_id is not None:
        query = query.where(alerts.c.id < before_id)
    return [row_to_alert(row) for row in conn.execute(query)]


def alert_item_ids(
    conn: Connection, reader: Reader, alert_id: int, *, limit: int = 100
) -> list[int]:
    """Ids of the items an alert gathered, in the order they came ([] when `reader` may not
    read the alert)."""
    query = (
        select(alert_items.c.item_id)
        .join(alerts, alerts.c.id == alert_items.c.alert_id)
        .where(alert_items.c.alert_id == alert_id, alert_readable(reader))
        .order_by(alert_items.c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]


# --- events and deliveries -------------------------------------------------------------------


def row_to_event(row: Row[Any]) -> AlertEvent:
    m = row._mapping
    return AlertEvent(
        id=m["id"],
        alert_id=m["alert_id"],
        type=AlertEventType(m["event"]),
        status=AlertStatus(m["status"]),
        who=m["who"],
        note=m["note"],
        at=m["at"],
    )


def alert_history(conn: Connection, reader: Reader, alert_id: int) -> list[AlertEvent]:
    """Everything that happened to an alert, oldest first ([] when `reader` may not read
    the alert)."""
    query = (
        select(alert_events)
        .join(alerts, alerts.c.id == alert_events.c.alert_id)
        .where(alert_events.c.alert_id == alert_id, alert_readable(reader))
    )
    return [row_to_event(row) for row in conn.execute(query.order_by(alert_events.c.id))]


def latest_event_id(conn: Connection, reader: Reader) -> int:
    """The id of the newest alert event of an alert `reader` may read, 0 when none."""
    query = select(alert_events.c.id)
    if not isinstance(reader, LocalOperator):
        query = query.join(alerts, alerts.c.id == alert_events.c.alert_id).where(
            alert_readable(reader)
        )
    value = conn.execute(query.order_by(alert_events.c.id.desc()).limit(1))
    return int(value.scalar() or 0)


def events_after(
    conn: Connection,
    reader: Reader,
    after_id: int,
    *,
    up_to: int | None = None,
    limit: int = 200,
) -> list[AlertEvent]:
    """Events of alerts `reader` may read with an id above `after_id` (and at most `up_to`),
    oldest first: the live stream reads these.

    Ids are committed in increasing order (actions.lock_alert_log), so nothing committed
    later can appear below an id already read.
    """
    query = (
        select(alert_events)
        .join(alerts, alerts.c.id == alert_events.c.alert_id)
        .where(alert_events.c.id > after_id, alert_readable(reader))
        .order_by(alert_events.c.id)
        .limit(limit)
    )
    if up_to is not None:
        query = query.where(alert_events.c.id <= up_to)
    return [row_to_event(row) for row in conn.execute(query)]


def row_to_delivery(row: Row[Any]) -> Delivery:
    m = row._mapping
    return Delivery(
        id=m["id"],
        alert_id=m["alert_id"],
        channel=m["channel"],
        recipient=m["recipient"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        last_error=m["last_error"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        delivered_at=m["delivered_at"],
        next_attempt_at=m["next_attempt_at"],
    )


def alert_deliveries_of(conn: Connection, reader: Reader, alert_id: int) -> list[Delivery]:
    """Where an alert went, oldest first ([] when `reader` may not read the alert)."""
    query = (
        select(alert_deliveries)
        .join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
        .where(alert_deliveries.c.alert_id == alert_id, alert_readable(reader))
        .order_by(alert_deliveries.c.id)
    )
    return [row_to_delivery(row) for row in conn.execute(query)]


def list_deliveries(
    conn: Connection, reader: Reader, *, status: DeliveryStatus | None = None, limit: int = 50
) -> list[Delivery]:
    """Deliveries of alerts `reader` may read, newest first, optionally of one status
    (`dead`: the dead letters)."""
    query = (
        select(alert_deliveries)
        .join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
        .where(alert_readable(reader))
        .order_by(alert_deliveries.c.id.desc())
        .limit(max(1, min(limit, MAX_LIST)))
    )
    if status is not None:
        query = query.where(alert_deliveries.c.status == status.value)
    return [row_to_delivery(row) for row in conn.execute(query)]
