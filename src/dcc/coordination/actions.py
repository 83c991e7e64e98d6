"""Writers of incidents: open (by hand, from an alert, from a story), edit, move along the
workflow, hold roles, link items, stories and alerts (issue 6; STYLE rule 3).

Every write is one transaction with its timeline entry and its audit row; a refused write
(bad input, an illegal transition, a closed incident, a role that may not) raises a specific
error and is audited too (writing.refusals_audited). Tasks: task_actions.py; comments and
attachments: timeline_actions.py; share lists: sharing.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from dcc.accounts.access import can_read, parse_tlp, require_permission
from dcc.accounts.errors import AccountNotFoundError
from dcc.accounts.queries import agency_or_raise, get_user_by_username
from dcc.accounts.records import LOCAL_OPERATOR, TLP, Permission, Principal, Reader
from dcc.alerts.actions import escalate_alert_in
from dcc.alerts.broadcast import alert_broadcaster
from dcc.alerts.errors import AlertTransitionError
from dcc.alerts.queries import alert_or_raise
from dcc.coordination.audit import record_audit
from dcc.coordination.errors import CoordinationError
from dcc.coordination.incidents import next_status
from dcc.coordination.marking import incident_marking, incident_ref
from dcc.coordination.queries import get_incident, incident_or_raise
from dcc.coordination.records import (
    EntryKind,
    Incident,
    IncidentChanges,
    IncidentKind,
    IncidentRole,
    IncidentSpec,
    IncidentStatus,
    LinkType,
    Severity,
)
from dcc.coordination.writing import (
    add_entry,
    checked_text,
    checked_title,
    grant,
    now_or,
    refusals_audited,
    require_editable,
    require_manager,
    snapshot,
    stricter,
)
from dcc.settings import get_settings
from dcc.store.items import get_item
from dcc.store.schema import incident_links, incident_roles, incidents
from dcc.store.stories import story_summary

log = logging.getLogger("dcc.coordination")


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


# --- opening ---------------------------------------------------------------------------------


def do_open_incident(
    engine: Engine,
    spec: IncidentSpec,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
    opened_from: tuple[LinkType, str] | None = None,
    also_linked: Sequence[tuple[LinkType, str]] = (),
    and_then: Callable[[Connection, Incident], None] | None = None,
) -> Incident:
    """Open an incident (status new), owned by the opener's agency (the local operator names
    one, or DCC_DEFAULT_AGENCY). The opener becomes its incident commander. `opened_from` and
    `also_linked` (already checked by the caller) are linked in the same transaction, and
    `and_then(conn, incident)` runs in it last: if it raises, nothing was opened."""
    with refusals_audited(engine, by, "incident.open", "incident", "new"):
        require_permission(by, Permission.OPEN_INCIDENTS, "open incidents")
        at = now_or(now)
        title = checked_title(spec.title)
        summary = checked_text(spec.summary, what="summary")
        tlp = parse_tlp(spec.tlp).value
        kind = IncidentKind(spec.kind)
        severity = Severity(spec.severity)
        with engine.begin() as conn:
            owner = by.agency_id if by is not None else spec.owner_agency
            owner = agency_or_raise(conn, owner or get_settings().default_agency).id
            incident_id: int = conn.execute(
                insert(incidents)
                .values(
                    title=title,
                    summary=summary,
                    kind=kind.value,
                    severity=severity.value,
                    status=IncidentStatus.NEW.value,
                    owner_agency=owner,
                    tlp=tlp,
                    created_by=by.user_id if by is not None else None,
                    created_at=at,
                    updated_at=at,
                    status_changed_at=at,
                    opened_from_type=opened_from[0].value if opened_from else None,
                    opened_from_id=opened_from[1] if opened_from else None,
                )
                .returning(incidents.c.id)
            ).scalar_one()
            incident = incident_or_raise(conn, LOCAL_OPERATOR, incident_id)
            origin = f" from {opened_from[0].value} {opened_from[1]}" if opened_from else ""
            add_entry(
                conn,
                incident,
                EntryKind.STATUS,
                f"Incident opened{origin}",
                by=by,
                at=at,
                data={
                    "event": "opened",
                    "status": IncidentStatus.NEW.value,
                    "from_type": opened_from[0].value if opened_from else None,
                    "from_id": opened_from[1] if opened_from else None,
                },
                owner_agency=owner,
            )
            for kind_, target in [*([opened_from] if opened_from else []), *also_linked]:
                _insert_link(conn, incident, kind_, target, by, at)
            if by is not None:
                _set_role(conn, incident, IncidentRole.INCIDENT_COMMANDER, by.user_id, by, at)
            record_audit(
                conn,
                actor=by,
                action="incident.open",
                object_type="incident",
                object_id=incident_id,
                before=None,
                after=snapshot(incident),
                at=at,
            )
            if and_then is not None:
                and_then(conn, incident)
    log.info("incident %s opened by %s", incident_id, by.username if by else "local operator")
    return incident


def do_open_incident_from_alert(
    engine: Engine,
    alert_id: int,
    *,
    kind: IncidentKind,
    severity: Severity,
    title: str | None = None,
    summary: str = "",
    tlp: str | None = None,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Incident:
    """Escalate an alert into a new incident: the alert is linked (and its story), the
    incident is marked at least as strictly as the alert, and the alert becomes escalated."""
    with engine.connect() as conn:
        alert = alert_or_raise(conn, _reader(by), alert_id)
        story_id = alert.story_key.removeprefix("story:")
        has_story = alert.story_key.startswith("story:") and (
            story_summary(conn, story_id, limit_per_list=1) is not None
        )
    marking = stricter(tlp or TLP.AMBER.value, alert.tlp)
    require_permission(by, Permission.TRIAGE_ALERTS, "escalate alerts")
    escalated: list[bool] = []

    def escalate(conn: Connection, incident: Incident) -> None:
        # In the incident's transaction: an incident is never left without its alert moved
        # on, nor an alert escalated to an incident that failed to open.
        try:
            escalate_alert_in(
                conn, alert_id, note=f"incident #{incident.id}", by=by, at=incident.created_at
            )
            escalated.append(True)
        except AlertTransitionError:
            log.info(
                "alert %s was already escalated or dismissed; incident %s linked",
                alert_id,
                incident.id,
            )

    incident = do_open_incident(
        engine,
        IncidentSpec(
            title=title or alert.title,
            kind=kind,
            severity=severity,
            summary=summary,
            tlp=marking,
        ),
        by=by,
        now=now,
        opened_from=(LinkType.ALERT, str(alert_id)),
        also_linked=[(LinkType.STORY, story_id)] if has_story else [],
        and_then=escalate,
    )
    if escalated:
        alert_broadcaster.publish()
    return incident


def do_open_incident_from_story(
    engine: Engine,
    story_id: str,
    *,
    kind: IncidentKind,
    severity: Severity,
    title: str | None = None,
    summary: str = "",
    tlp: str = TLP.AMBER.value,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Incident:
    """Open an incident about a story (its title by default), linked to it."""
    with engine.connect() as conn:
        story = story_summary(conn, story_id)
    if story is None:
        raise CoordinationError(f"no story with id {story_id!r}")
    return do_open_incident(
        engine,
        IncidentSpec(
            title=title or story.title, kind=kind, severity=severity, summary=summary, tlp=tlp
        ),
        by=by,
        now=now,
        opened_from=(LinkType.STORY, story_id),
    )


# --- changing --------------------------------------------------------------------------------


def do_update_incident(
    engine: Engine,
    incident_id: int,
    changes: IncidentChanges,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Incident:
    """Change an open incident's title, summary, kind or severity."""
    with refusals_audited(engine, by, "incident.update", "incident", incident_id):
        at = now_or(now)
        with engine.begin() as conn:
            before = incident_or_raise(conn, _reader(by), incident_id)
            require_manager(conn, by, before, "change incidents")
            require_editable(before)
            values: dict[str, object] = {}
            if changes.title is not None:
                values["title"] = checked_title(changes.title)
            if changes.summary is not None:
                values["summary"] = checked_text(changes.summary, what="summary")
            if changes.kind is not None:
                values["kind"] = IncidentKind(changes.kind).value
            if changes.severity is not None:
                values["severity"] = Severity(changes.severity).value
            if not values:
                return before
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(**values, updated_at=at)
            )
            after = incident_or_raise(conn, LOCAL_OPERATOR, incident_id)
            said = ", ".join(f"{k} {v}" for k, v in values.items() if k != "summary")
            add_entry(
                conn,
                after,
                EntryKind.STATUS,
                f"Changed {said or 'the summary'}",
                by=by,
                at=at,
                data={"event": "changed", **{k: str(v) for k, v in values.items()}},
                owner_agency=after.owner_agency,
            )
            record_audit(
                conn,
                actor=by,
                action="incident.update",
                object_type="incident",
                object_id=incident_id,
                before=snapshot(before),
                after=snapshot(after),
                at=at,
            )
    return after


def do_change_incident_status(
    engine: Engine,
    incident_id: int,
    wanted: IncidentStatus,
    *,
    note: str = "",
    by: Principal | None = None,
    now: datetime | None = None,
) -> Incident:
    """Move an incident one step along its workflow (incidents.py); closing it makes it
    read-only, reopening (closed -> active) makes it editable again."""
    with refusals_audited(engine, by, "incident.status", "incident", incident_id):
        at = now_or(now)
        text = checked_text(note, what="note")
        with engine.begin() as conn:
            before = incident_or_raise(conn, _reader(by), incident_id)
            require_manager(conn, by, before, "change an incident's status")
            status = next_status(before.status, IncidentStatus(wanted))
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id, incidents.c.status == before.status.value)
                .values(
                    status=status.value,
                    status_changed_at=at,
                    updated_at=at,
                    closed_at=at if status is IncidentStatus.CLOSED else None,
                )
            )
            after = incident_or_raise(conn, LOCAL_OPERATOR, incident_id)
            body = f"Status {before.status.value} → {status.value}"
            add_entry(
                conn,
                after,
                EntryKind.STATUS,
                f"{body}: {text}" if text else body,
                by=by,
                at=at,
                data={
                    "event": "status",
                    "from": before.status.value,
                    "status": status.value,
                    "note": text,
                },
                owner_agency=after.owner_agency,
            )
            record_audit(
                conn,
                actor=by,
                action="incident.status",
                object_type="incident",
                object_id=incident_id,
                before={"status": before.status.value},
                after={"status": status.value, "note": text},
                at=at,
            )
    return after


# --- roles and links -------------------------------------------------------------------------


def do_assign_role(
    engine: Engine,
    incident_id: int,
    role: IncidentRole,
    username: str,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Incident:
    """Give an ISO 22320 role on the incident to a user (replacing its holder). Someone who
    cannot read the incident yet is put on its share list by name."""
    with refusals_audited(engine, by, "incident.role", "incident", incident_id):
        at = now_or(now)
        with engine.begin() as conn:
            incident = incident_or_raise(conn, _reader(by), incident_id)
            require_manager(conn, by, incident, "assign incident roles")
            require_editable(incident)
            user = get_user_by_username(conn, username)
            if user is None or not user.is_active:
                raise AccountNotFoundError(f"no active user named {username!r}")
            holder = Principal(user.id, user.username, user.agency_id, user.role)
            if not can_read(holder, incident_marking(conn, incident)):
                grant(conn, incident_ref(incident.id), user_id=user.id, by=by, at=at)
            _set_role(conn, incident, IncidentRole(role), user.id, by, at)
            add_entry(
                conn,
                incident,
                EntryKind.ROLE,
                f"{user.username} is {IncidentRole(role).value.replace('_', ' ')}",
                by=by,
                at=at,
                data={"role": IncidentRole(role).value, "user": user.username},
                owner_agency=incident.owner_agency,
            )
            record_audit(
                conn,
                actor=by,
                action="incident.role",
                object_type="incident",
                object_id=incident_id,
                before=None,
                after={"role": IncidentRole(role).value, "user": user.username},
                at=at,
            )
            _touch(conn, incident_id, at)
    return incident


def _set_role(
    conn: Connection,
    incident: Incident,
    role: IncidentRole,
    user_id: int,
    by: Principal | None,
    at: datetime,
) -> None:
    conn.execute(
        incident_roles.delete().where(
            incident_roles.c.incident_id == incident.id, incident_roles.c.role == role.value
        )
    )
    conn.execute(
        insert(incident_roles).values(
            incident_id=incident.id,
            role=role.value,
            user_id=user_id,
            assigned_by=by.user_id if by is not None else None,
            assigned_at=at,
        )
    )


def do_link(
    engine: Engine,
    incident_id: int,
    target_type: LinkType,
    target_id: str,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> bool:
    """Link an item, a story or an alert the user can see to the incident; whether it was
    new. Linking gives nobody access to the linked object: its own marking still decides."""
    with refusals_audited(engine, by, "incident.link", "incident", incident_id):
        at = now_or(now)
        kind = LinkType(target_type)
        with engine.begin() as conn:
            incident = incident_or_raise(conn, _reader(by), incident_id)
            require_manager(conn, by, incident, "link to incidents")
            require_editable(incident)
            target = _checked_target(conn, _reader(by), kind, target_id)
            added = _insert_link(conn, incident, kind, target, by, at)
            if added:
                _touch(conn, incident_id, at)
    return added


def _checked_target(conn: Connection, reader: Reader, kind: LinkType, target_id: str) -> str:
    text = str(target_id).strip()
    if kind is LinkType.ITEM:
        if not text.isdigit() or get_item(conn, int(text)) is None:
            raise CoordinationError(f"no item with id {target_id!r}")
    elif kind is LinkType.ALERT:
        if not text.isdigit():
            raise CoordinationError(f"no alert with id {target_id!r}")
        alert_or_raise(conn, reader, int(text))
    elif story_summary(conn, text) is None:
        raise CoordinationError(f"no story with id {target_id!r}")
    return text


def _insert_link(
    conn: Connection,
    incident: Incident,
    kind: LinkType,
    target_id: str,
    by: Principal | None,
    at: datetime,
) -> bool:
    exists = conn.execute(
        select(incident_links.c.id).where(
            incident_links.c.incident_id == incident.id,
            incident_links.c.target_type == kind.value,
            incident_links.c.target_id == target_id,
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        insert(incident_links).values(
            incident_id=incident.id,
            target_type=kind.value,
            target_id=target_id,
            added_by=by.user_id if by is not None else None,
            added_at=at,
        )
    )
    add_entry(
        conn,
        incident,
        EntryKind.LINK,
        f"Linked {kind.value} {target_id}",
        by=by,
        at=at,
        data={"target_type": kind.value, "target_id": target_id},
        owner_agency=incident.owner_agency,
    )
    record_audit(
        conn,
        actor=by,
        action="incident.link",
        object_type="incident",
        object_id=incident.id,
        before=None,
        after={"target_type": kind.value, "target_id": target_id},
        at=at,
    )
    return True


def _touch(conn: Connection, incident_id: int, at: datetime) -> None:
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(updated_at=at))


def incident_exists(engine: Engine, incident_id: int, reader: Reader) -> bool:
    with engine.connect() as conn:
        return get_incident(conn, reader, incident_id) is not None
