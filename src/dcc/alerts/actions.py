"""The only code that writes watchlists and alerts (STYLE rule 3).

Each action validates, writes in one transaction, and after the commit wakes this process's
live streams (broadcast.py). Every transaction that adds alert events first takes the alert
log lock (`lock_alert_log`), so that:
- event ids are committed in increasing order, and a live stream that resumes "after id N"
  never misses an event committed later with a lower id (PostgreSQL hands out sequence values
  before commit; the lock makes commit order follow them);
- two workers matching items of the same story at once cannot both open an alert for it.
Alerts are written seldom compared with items, so one lock costs nothing measurable.

Actions on one watchlist or alert take `by`: the signed-in principal asking (the web layer),
who must be able to read it (else the same "not found" as for a missing one) and whose role
must allow the action; or None for the local operator (the command line), who may do
anything. A watchlist is changed or removed only by its owner agency or its author: a share
lets an agency read a watchlist, not rewrite it.

What people do (watchlists created, changed, removed; alerts acknowledged, dismissed,
escalated) is audited in the same transaction (coordination/audit.py); what DCC does by
itself (matches, detections, deliveries) is not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, insert, select, update

from dcc.accounts.access import require_permission
from dcc.accounts.checks import checked_agency_id
from dcc.accounts.errors import PermissionDeniedError
from dcc.accounts.queries import agency_or_raise, get_user_by_username
from dcc.accounts.records import LOCAL_OPERATOR, Permission, Principal, Reader
from dcc.alerts.broadcast import alert_broadcaster
from dcc.alerts.channels.webhook import webhook_policy, webhook_refusal
from dcc.alerts.errors import DeliveryError, WatchlistError
from dcc.alerts.lifecycle import EVENT_FOR_STATUS, check_transition
from dcc.alerts.queries import alert_or_raise, row_to_alert, row_to_watchlist, watchlist_or_raise
from dcc.alerts.records import (
    Alert,
    AlertEventType,
    AlertKind,
    AlertStatus,
    Channel,
    DeliveryStatus,
    MatchOutcome,
    Schedule,
    Watchlist,
    WatchlistChanges,
    WatchlistMatch,
    WatchlistSpec,
    watchlist_rule,
)
from dcc.alerts.rules import checked_spec, recipients_for
from dcc.coordination.audit import record_audit
from dcc.ingest.netguard import redact_url
from dcc.settings import Settings, get_settings
from dcc.store.schema import (
    alert_deliveries,
    alert_events,
    alert_items,
    alert_state,
    alerts,
    watchlists,
)

# Who did something, when nobody said (authentication arrives with issue 5).
DEFAULT_WHO = "local"
MAX_WHO_LENGTH = 100
MAX_NOTE_LENGTH = 2000
MAX_TITLE_LENGTH = 300
# Alerts of one watchlist sent at once (e-mail, webhook) per window; later stories go to the
# watchlist's digest. DCC_ALERT_MAX_INSTANT_PER_WINDOW.
MAX_INSTANT_PER_WINDOW = 10


def who_or_default(who: str | None) -> str:
    """`who` trimmed to what is stored, or "local" when empty."""
    cleaned = " ".join((who or "").split())[:MAX_WHO_LENGTH]
    return cleaned or DEFAULT_WHO


def lock_alert_log(conn: Connection) -> None:
    """Serialise writers of alerts and alert events until this transaction ends.

    PostgreSQL: a row lock on the alert_state row. SQLite: a write to that row, which takes
    the database's write lock at once, so what this transaction reads next cannot be changed
    by another writer before it commits (SQLite has one writer; a transaction that only
    read first could act on a stale view).
    """
    where = alert_state.c.id == 1
    if conn.dialect.name == "sqlite":
        conn.execute(
            update(alert_state)
            .where(where)
            .values(watchlist_revision=alert_state.c.watchlist_revision)
        )
    else:
        conn.execute(select(alert_state.c.id).where(where).with_for_update())


# --- watchlists ------------------------------------------------------------------------------


def do_create_watchlist(
    engine: Engine,
    spec: WatchlistSpec,
    *,
    by: Principal | None = None,
    owner: str | None = None,
    owner_agency: str | None = None,
    settings: Settings | None = None,
) -> Watchlist:
    """Store a new watchlist, marked `spec.tlp` (default AMBER); matchers pick it up on
    their next batch.

    Created by `by` (the manage_watchlists permission): it is their agency's, they are its
    owner and author. Created by the local operator (`by` None): `owner` is who is recorded
    (a user's name makes that user its author), owned by `owner_agency`, else that user's
    agency, else DCC_DEFAULT_AGENCY.

    Raises WatchlistError for a bad definition (a webhook URL resolving to a private address
    included, an unknown TLP label), QuerySyntaxError for a bad query.
    """
    require_permission(by, Permission.MANAGE_WATCHLISTS, "create watchlists")
    spec, _ = checked_spec(spec)
    settings = settings or get_settings()
    check_webhook_destinations(spec, settings)
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        author: int | None
        if by is not None:
            who, agency, author = by.username, by.agency_id, by.user_id
        else:
            who = who_or_default(owner)
            user = get_user_by_username(conn, who)
            author = user.id if user is not None else None
            if owner_agency is not None:
                agency = agency_or_raise(conn, checked_agency_id(owner_agency)).id
            else:
                agency = user.agency_id if user is not None else settings.default_agency
        new_id = conn.execute(
            insert(watchlists)
            .values(
                **_spec_values(spec),
                owner=who,
                owner_agency=agency,
                tlp=spec.tlp,
                created_by=author,
                created_at=now,
                updated_at=now,
            )
            .returning(watchlists.c.id)
        ).scalar_one()
        _bump_revision(conn)
        created = watchlist_or_raise(conn, LOCAL_OPERATOR, int(new_id))
        _audit_watchlist(conn, by, "watchlist.create", None, created, now)
        return created


def do_update_watchlist(
    engine: Engine,
    watchlist_id: int,
    changes: WatchlistChanges,
    *,
    by: Principal | None = None,
    settings: Settings | None = None,
) -> Watchlist:
    """Change some fields of a watchlist; the result is checked as a whole, as on creation.
    Its marking stays as it was."""
    require_permission(by, Permission.MANAGE_WATCHLISTS, "change watchlists")
    with engine.begin() as conn:
        current = watchlist_or_raise(conn, _reader(by), watchlist_id)
        _require_owner(by, current, "change")
        spec, _ = checked_spec(changes.applied_to(current.spec))
        check_webhook_destinations(spec, settings or get_settings())
        now = datetime.now(tz=UTC)
        conn.execute(
            update(watchlists)
            .where(watchlists.c.id == watchlist_id)
            .values(**_spec_values(spec), updated_at=now)
        )
        _bump_revision(conn)
        changed = watchlist_or_raise(conn, LOCAL_OPERATOR, watchlist_id)
        _audit_watchlist(conn, by, "watchlist.update", current, changed, now)
        return changed


def do_delete_watchlist(engine: Engine, watchlist_id: int, *, by: Principal | None = None) -> None:
    """Remove a watchlist: it matches nothing more; its alerts are kept, with their history
    and marking."""
    require_permission(by, Permission.MANAGE_WATCHLISTS, "remove watchlists")
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        current = watchlist_or_raise(conn, _reader(by), watchlist_id)
        _require_owner(by, current, "remove")
        conn.execute(
            update(watchlists)
            .where(watchlists.c.id == watchlist_id)
            .values(deleted_at=now, updated_at=now, is_enabled=False)
        )
        _bump_revision(conn)
        _audit_watchlist(conn, by, "watchlist.delete", current, None, now)


def check_webhook_destinations(spec: WatchlistSpec, settings: Settings) -> None:
    """Refuse a webhook URL whose host does not resolve, or resolves to a non-public address
    that DCC_WEBHOOK_ALLOWED_PRIVATE does not allow (checked again at every send)."""
    if Channel.WEBHOOK.value not in spec.channels:
        return
    try:
        policy = webhook_policy(settings)
    except DeliveryError as exc:
        raise WatchlistError(str(exc)) from exc
    for url in recipients_for(Channel.WEBHOOK, spec.recipients, ""):
        reason = webhook_refusal(url, policy)
        if reason is not None:
            raise WatchlistError(
                f"webhook {redact_url(url)} refused: {reason} (a private receiver must be "
                "allowed in DCC_WEBHOOK_ALLOWED_PRIVATE)"
            )


def _spec_values(spec: WatchlistSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "query": spec.query,
        "recipients": list(spec.recipients),
        "channels": list(spec.channels),
        "schedule": spec.schedule,
        "is_enabled": spec.is_enabled,
    }


def _bump_revision(conn: Connection) -> None:
    conn.execute(
        update(alert_state)
        .where(alert_state.c.id == 1)
        .values(watchlist_revision=alert_state.c.watchlist_revision + 1)
    )


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


def _audit_watchlist(
    conn: Connection,
    by: Principal | None,
    action: str,
    before: Watchlist | None,
    after: Watchlist | None,
    at: datetime,
) -> None:
    ref = after or before
    if ref is None:
        return
    record_audit(
        conn,
        actor=by,
        action=action,
        object_type="watchlist",
        object_id=ref.id,
        before=_watchlist_audit(before) if before is not None else None,
        after=_watchlist_audit(after) if after is not None else None,
        at=at,
    )


def _watchlist_audit(watchlist: Watchlist) -> dict[str, object]:
    """A watchlist as the audit trail keeps it. A webhook URL is often itself the secret
    (its path or query carries the key), so it is kept as its host and a fingerprint."""
    return {
        "name": watchlist.name,
        "query": watchlist.query,
        "owner": watchlist.owner,
        "owner_agency": watchlist.owner_agency,
        "tlp": watchlist.tlp,
        "recipients": [_audited_recipient(r) for r in watchlist.recipients],
        "channels": watchlist.channels,
        "schedule": watchlist.schedule,
        "is_enabled": watchlist.is_enabled,
    }


def _audited_recipient(recipient: str) -> str:
    if "://" not in recipient:
        return recipient  # a user name or an e-mail address
    scheme, _, rest = recipient.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    fingerprint = hashlib.sha256(recipient.encode("utf-8")).hexdigest()[:12]
    return f"{scheme}://{host}/... (sha256 {fingerprint})"


def _require_owner(by: Principal | None, watchlist: Watchlist, doing: str) -> None:
    """Refuse (PermissionDeniedError) a reader who is neither of the owner agency nor the
    author: a share grants reading, not rewriting."""
    if by is None or by.agency_id == watchlist.owner_agency or by.user_id == watchlist.created_by:
        return
    raise PermissionDeniedError(
        f"only its owner agency ({watchlist.owner_agency or 'none'}) or its author may "
        f"{doing} watchlist {watchlist.id}"
    )


# --- matches to alerts -----------------------------------------------------------------------


def do_record_matches(
    engine: Engine,
    matches: Sequence[WatchlistMatch],
    *,
    window: timedelta,
    now: datetime | None = None,
    max_instant: int = MAX_INSTANT_PER_WINDOW,
) -> MatchOutcome:
    """Turn matches into alerts: at most one alert per watchlist and story per `window`,
    and at most `max_instant` of a watchlist's alerts sent at once per `window` (the rest
    go to its digest).

    A story's first match opens an alert (with its deliveries) that stays open for `window`;
    later matches of that story and watchlist are attached to it (count, last item), whatever
    its status. An item already recorded for a watchlist is skipped, so recording the same
    matches twice (a redelivered job) changes nothing.
    """
    if not matches:
        return MatchOutcome()
    now = now or datetime.now(tz=UTC)
    groups: dict[tuple[int, str], dict[int, WatchlistMatch]] = {}
    for match in matches:
        groups.setdefault((match.watchlist_id, match.story_key), {}).setdefault(
            match.item_id, match
        )
    created: list[int] = []
    updated: list[int] = []
    attached = 0
    # One statement per new alert (its id is needed); everything else in a few batched
    # statements, so that a busy stream costs a handful of round trips per job.
    with engine.begin() as conn:
        lock_alert_log(conn)
        active = _active_watchlists(conn, sorted({m.watchlist_id for m in matches}))
        rules = [watchlist_rule(w) for w in active]
        known = _recorded_items(conn, rules, sorted({m.item_id for m in matches}))
        open_alerts = _open_alerts(conn, rules, sorted({story for _, story in groups}), now)
        sent_at_once = _instant_alerts_since(conn, rules, now - window)
        events: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        # New alerts are inserted together at the end: (their row, watchlist, first matches).
        opening: list[tuple[dict[str, Any], Watchlist, list[WatchlistMatch]]] = []
        matched_watchlists: set[int] = set()
        for (watchlist_id, story), by_item in groups.items():
            watchlist = active.get(watchlist_id)
            if watchlist is None:  # removed or disabled since the matcher loaded it
                continue
            fresh = [m for m in by_item.values() if (watchlist.rule, m.item_id) not in known]
            if not fresh:
                continue
            open_alert = open_alerts.get((watchlist.rule, story))
            if open_alert is None:
                sent = sent_at_once.get(watchlist.rule, 0)
                row = _new_alert_row(watchlist, story, fresh, now, window, sent, max_instant)
                if row["schedule"] == Schedule.INSTANT.value:
                    sent_at_once[watchlist.rule] = sent + 1
                opening.append((row, watchlist, fresh))
            else:
                _attach(conn, open_alert, fresh, now)
                events.append(
                    _event_row(open_alert.id, AlertEventType.UPDATED, open_alert.status, now)
                )
                item_rows += _item_rows(open_alert.id, watchlist.rule, fresh, now)
                updated.append(open_alert.id)
            attached += len(fresh)
            matched_watchlists.add(watchlist_id)
        if opening:
            new_ids = conn.execute(
                insert(alerts).returning(alerts.c.id, sort_by_parameter_order=True),
                [row for row, _, _ in opening],
            ).scalars()
            deliveries: list[dict[str, Any]] = []
            for alert_id, (row, watchlist, fresh) in zip(new_ids, opening, strict=True):
                events.append(_event_row(alert_id, AlertEventType.CREATED, AlertStatus.NEW, now))
                item_rows += _item_rows(alert_id, watchlist.rule, fresh, now)
                deliveries += delivery_rows(
                    alert_id,
                    channels=watchlist.channels,
                    recipients=watchlist.recipients,
                    owner=watchlist.owner,
                    schedule=Schedule(row["schedule"]),
                    now=now,
                )
                created.append(alert_id)
            if deliveries:
                conn.execute(insert(alert_deliveries), deliveries)
        if events:
            conn.execute(insert(alert_events), events)
            conn.execute(insert(alert_items), item_rows)
        if matched_watchlists:
            conn.execute(
                update(watchlists)
                .where(watchlists.c.id.in_(sorted(matched_watchlists)))
                .values(last_matched_at=now)
            )
    if created or updated:
        alert_broadcaster.publish()
    return MatchOutcome(created=tuple(created), updated=tuple(updated), attached=attached)


def _active_watchlists(conn: Connection, ids: list[int]) -> dict[int, Watchlist]:
    rows = conn.execute(
        select(watchlists).where(
            watchlists.c.id.in_(ids),
            watchlists.c.deleted_at.is_(None),
            watchlists.c.is_enabled.is_(True),
        )
    )
    return {row.id: row_to_watchlist(row) for row in rows}


def _recorded_items(
    conn: Connection, rules: list[str], item_ids: list[int]
) -> set[tuple[str, int]]:
    if not rules or not item_ids:
        return set()
    rows = conn.execute(
        select(alert_items.c.rule, alert_items.c.item_id).where(
            alert_items.c.rule.in_(rules), alert_items.c.item_id.in_(item_ids)
        )
    )
    return {(row.rule, int(row.item_id)) for row in rows}


# Values per IN (...) list: far below SQLite's and PostgreSQL's limits on bound parameters.
_IN_CHUNK = 500


def _open_alerts(
    conn: Connection, rules: list[str], stories: list[str], now: datetime
) -> dict[tuple[str, str], Alert]:
    """The alert of each (rule, story) whose window is still open (the newest, if several)."""
    found: dict[tuple[str, str], Alert] = {}
    if not rules or not stories:
        return found
    for first in range(0, len(stories), _IN_CHUNK):
        rows = conn.execute(
            select(alerts)
            .where(
                alerts.c.rule.in_(rules),
                alerts.c.story_key.in_(stories[first : first + _IN_CHUNK]),
                alerts.c.window_ends_at > now,
            )
            .order_by(alerts.c.id)
        )
        for row in rows:
            found[(row.rule, row.story_key)] = row_to_alert(row)  # the newest wins
    return found


def _instant_alerts_since(conn: Connection, rules: list[str], since: datetime) -> dict[str, int]:
    """Per rule, its alerts created after `since` that were sent at once (not digested)."""
    if not rules:
        return {}
    rows = conn.execute(
        select(alerts.c.rule, func.count())
        .where(
            alerts.c.rule.in_(rules),
            alerts.c.created_at > since,
            alerts.c.schedule == Schedule.INSTANT.value,
        )
        .group_by(alerts.c.rule)
    )
    return {str(rule): int(count) for rule, count in rows}


def _event_row(
    alert_id: int, event: AlertEventType, status: AlertStatus, at: datetime
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "event": event.value,
        "status": status.value,
        "who": None,
        "note": None,
        "at": at,
    }


def _item_json(match: WatchlistMatch) -> dict[str, Any]:
    return {
        "id": match.item_id,
        "title": match.item_title,
        "url": match.item_url,
        "source": match.source_id,
    }


def _item_rows(
    alert_id: int, rule: str, fresh: list[WatchlistMatch], now: datetime
) -> list[dict[str, Any]]:
    return [
        {"alert_id": alert_id, "rule": rule, "item_id": m.item_id, "matched_at": now} for m in fresh
    ]


def _new_alert_row(
    watchlist: Watchlist,
    story: str,
    fresh: list[WatchlistMatch],
    now: datetime,
    window: timedelta,
    sent_at_once: int,
    max_instant: int,
) -> dict[str, Any]:
    """The row of a story's first alert; its schedule is the watchlist's, or digest once
    `sent_at_once` reached `max_instant`."""
    first, last = fresh[0], fresh[-1]
    explanation: dict[str, Any] = {
        "watchlist": {"id": watchlist.id, "name": watchlist.name, "query": watchlist.query},
        "story": story,
        "matched": list(first.matched),
        "first_item": _item_json(first),
        "last_item": _item_json(last),
    }
    schedule = watchlist.schedule
    if schedule is Schedule.INSTANT and sent_at_once >= max_instant:
        # One event often splits into many stories (tweets cluster less than articles):
        # past the cap, the watchlist's new stories wait for the digest instead of sending
        # one e-mail each (issue 4: "digests gather the rest").
        schedule = Schedule.DIGEST
        explanation["throttled"] = {
            "instant_alerts_in_window": sent_at_once,
            "max_instant_per_window": max_instant,
            "window_s": int(window.total_seconds()),
        }
    return {
        "kind": AlertKind.WATCHLIST.value,
        "rule": watchlist.rule,
        "watchlist_id": watchlist.id,
        "story_key": story,
        "title": f"{watchlist.name}: {first.item_title}"[:MAX_TITLE_LENGTH],
        # The watchlist's marking: who reads the watchlist reads its alerts (marking.py).
        "owner_agency": watchlist.owner_agency,
        "tlp": watchlist.tlp,
        "status": AlertStatus.NEW.value,
        "schedule": schedule.value,
        "item_count": len(fresh),
        "first_item_id": first.item_id,
        "last_item_id": last.item_id,
        "explanation": explanation,
        "created_at": now,
        "updated_at": now,
        "window_ends_at": now + window,
        "status_changed_at": None,
        "status_changed_by": None,
    }


def add_deliveries(
    conn: Connection,
    alert_id: int,
    *,
    channels: Iterable[Channel],
    recipients: Sequence[str],
    owner: str,
    schedule: Schedule,
    now: datetime,
) -> int:
    """Record one delivery per channel and the recipients it reaches; return how many.

    For the writer of a new alert, inside its transaction (any kind of alert: watchlists,
    bursts...). in_app reaches user names, else `owner`; email the e-mail addresses; webhook
    the URLs (rules.recipients_for). In-app delivery is the stored alert itself (list and
    live stream), so it is delivered at once; e-mail and webhooks are pending, due `now`,
    for the delivery worker. A digest schedule keeps every delivery for the digest instead.
    """
    rows = delivery_rows(
        alert_id, channels=channels, recipients=recipients, owner=owner, schedule=schedule, now=now
    )
    if rows:
        conn.execute(insert(alert_deliveries), rows)
    return len(rows)


def delivery_rows(
    alert_id: int,
    *,
    channels: Iterable[Channel],
    recipients: Sequence[str],
    owner: str,
    schedule: Schedule,
    now: datetime,
) -> list[dict[str, Any]]:
    """The delivery rows of a new alert (see add_deliveries)."""
    is_digest = schedule is Schedule.DIGEST
    rows: list[dict[str, Any]] = []
    for channel in channels:
        for recipient in recipients_for(channel, recipients, owner):
            row: dict[str, Any] = {
                "alert_id": alert_id,
                "channel": channel.value,
                "recipient": recipient,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "delivered_at": None,
                "next_attempt_at": now,
            }
            if is_digest:
                row["status"] = DeliveryStatus.AWAITING_DIGEST.value
            elif channel is Channel.IN_APP:
                row.update(
                    status=DeliveryStatus.DELIVERED.value,
                    attempts=1,
                    delivered_at=now,
                    next_attempt_at=None,
                )
            rows.append(row)
    return rows


def _attach(conn: Connection, alert: Alert, fresh: list[WatchlistMatch], now: datetime) -> None:
    explanation = dict(alert.explanation)
    explanation["last_item"] = _item_json(fresh[-1])
    conn.execute(
        update(alerts)
        .where(alerts.c.id == alert.id)
        .values(
            item_count=alerts.c.item_count + len(fresh),
            last_item_id=fresh[-1].item_id,
            explanation=explanation,
            updated_at=now,
        )
    )


def _add_event(
    conn: Connection,
    alert_id: int,
    event: AlertEventType,
    status: AlertStatus,
    who: str | None,
    note: str | None,
    at: datetime,
) -> None:
    conn.execute(
        insert(alert_events).values(
            alert_id=alert_id, event=event.value, status=status.value, who=who, note=note, at=at
        )
    )


# --- lifecycle -------------------------------------------------------------------------------


class AlertAction(Protocol):
    """The shape of the lifecycle actions below (for callers that pick one)."""

    def __call__(
        self,
        engine: Engine,
        alert_id: int,
        *,
        who: str | None = None,
        note: str | None = None,
        by: Principal | None = None,
    ) -> Alert: ...


def do_acknowledge_alert(
    engine: Engine,
    alert_id: int,
    *,
    who: str | None = None,
    note: str | None = None,
    by: Principal | None = None,
) -> Alert:
    """Someone has seen the alert and looks into it (new -> acknowledged)."""
    return _move(engine, alert_id, AlertStatus.ACKNOWLEDGED, who, note, by)


def do_dismiss_alert(
    engine: Engine,
    alert_id: int,
    *,
    who: str | None = None,
    note: str | None = None,
    by: Principal | None = None,
) -> Alert:
    """The alert needs nothing more (new or acknowledged -> dismissed)."""
    return _move(engine, alert_id, AlertStatus.DISMISSED, who, note, by)


def do_escalate_alert(
    engine: Engine,
    alert_id: int,
    *,
    who: str | None = None,
    note: str | None = None,
    by: Principal | None = None,
) -> Alert:
    """Hand the alert on (new or acknowledged -> escalated), recording who, when and why.
    Opening an incident from an alert escalates it in the incident's own transaction
    (`escalate_alert_in`)."""
    return _move(engine, alert_id, AlertStatus.ESCALATED, who, note, by)


def escalate_alert_in(
    conn: Connection, alert_id: int, *, note: str | None, by: Principal | None, at: datetime
) -> Alert:
    """`do_escalate_alert` inside the caller's transaction, which must call
    `alert_broadcaster.publish()` once committed. Raises AlertTransitionError, before writing
    anything, if the alert cannot be escalated (already escalated or dismissed)."""
    require_permission(by, Permission.TRIAGE_ALERTS, "triage alerts")
    actor = who_or_default(by.username if by is not None else None)
    return _move_in(conn, alert_id, AlertStatus.ESCALATED, actor, note, by, at)


# The audit trail's verb for each move (coordination/audit.py).
_AUDIT_ACTION = {
    AlertStatus.ACKNOWLEDGED: "alert.acknowledge",
    AlertStatus.DISMISSED: "alert.dismiss",
    AlertStatus.ESCALATED: "alert.escalate",
}


def _move(
    engine: Engine,
    alert_id: int,
    wanted: AlertStatus,
    who: str | None,
    note: str | None,
    by: Principal | None,
) -> Alert:
    """Move an alert to `wanted` if its lifecycle allows; raise AlertTransitionError if not.

    `by` (a signed-in principal) needs the triage_alerts permission and must be able to read
    the alert; who acted is then `by`'s username unless `who` says otherwise.
    """
    require_permission(by, Permission.TRIAGE_ALERTS, "triage alerts")
    now = datetime.now(tz=UTC)
    actor = who_or_default(who if who is not None or by is None else by.username)
    with engine.begin() as conn:
        moved = _move_in(conn, alert_id, wanted, actor, note, by, now)
    alert_broadcaster.publish()
    return moved


def _move_in(
    conn: Connection,
    alert_id: int,
    wanted: AlertStatus,
    actor: str,
    note: str | None,
    by: Principal | None,
    now: datetime,
) -> Alert:
    """The move in `conn`'s transaction: nothing is written if the lifecycle refuses it."""
    cleaned_note = (note or "").strip()[:MAX_NOTE_LENGTH] or None
    lock_alert_log(conn)
    alert = alert_or_raise(conn, _reader(by), alert_id)
    check_transition(alert_id, alert.status, wanted)
    conn.execute(
        update(alerts)
        .where(alerts.c.id == alert_id)
        .values(
            status=wanted.value,
            status_changed_at=now,
            status_changed_by=actor,
            updated_at=now,
        )
    )
    _add_event(conn, alert_id, EVENT_FOR_STATUS[wanted], wanted, actor, cleaned_note, now)
    moved = alert_or_raise(conn, LOCAL_OPERATOR, alert_id)
    record_audit(
        conn,
        actor=by,
        action=_AUDIT_ACTION.get(wanted, f"alert.{wanted.value}"),
        object_type="alert",
        object_id=alert_id,
        before={"status": alert.status},
        after={"status": moved.status, "who": actor, "note": cleaned_note},
        at=now,
    )
    return moved
