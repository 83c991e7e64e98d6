"""What every coordination writer shares (issue 6): who may manage an incident, timeline
entries, automatic shares, audit snapshots, and refusals that are audited too."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from dcc.accounts.access import actor_name, parse_tlp, require_permission
from dcc.accounts.errors import PermissionDeniedError
from dcc.accounts.records import TLP, ObjectRef, Permission, Principal
from dcc.coordination.audit import record_audit
from dcc.coordination.errors import ClosedIncidentError, CoordinationError
from dcc.coordination.incidents import is_editable
from dcc.coordination.records import EntryKind, Incident, Task
from dcc.store.schema import incident_entries, incident_roles, object_shares

log = logging.getLogger("dcc.coordination")

# The actor name of DCC's own writes (escalations, reminders) in the timeline and the audit.
SYSTEM_ACTOR = "dcc:escalation"
MAX_TITLE = 300
MAX_TEXT = 20_000


# TLP labels from least to most restrictive.
_STRICTNESS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def stricter(a: str, b: str) -> str:
    """The more restrictive of two TLP labels (an incident opened from an alert is marked at
    least as strictly as the alert; a comment at least as strictly as its parent)."""
    return max(parse_tlp(a), parse_tlp(b), key=_STRICTNESS.index).value


def now_or(now: datetime | None) -> datetime:
    return now or datetime.now(tz=UTC)


def author_name(by: Principal | None) -> str:
    return actor_name(by) if by is not None else "local-operator"


def checked_title(title: str, *, what: str = "title") -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise CoordinationError(f"the {what} is empty")
    if len(cleaned) > MAX_TITLE:
        raise CoordinationError(f"the {what} is {len(cleaned)} characters; at most {MAX_TITLE}")
    return cleaned


def checked_text(text: str, *, what: str) -> str:
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT:
        raise CoordinationError(f"the {what} is {len(cleaned)} characters; at most {MAX_TEXT}")
    return cleaned


def holds_role(conn: Connection, incident_id: int, user_id: int) -> bool:
    found = conn.execute(
        select(incident_roles.c.role).where(
            incident_roles.c.incident_id == incident_id, incident_roles.c.user_id == user_id
        )
    ).first()
    return found is not None


def require_manager(conn: Connection, by: Principal | None, incident: Incident, doing: str) -> None:
    """Managing an incident (its status, roles, links, tasks, decisions) is for users of its
    owner agency and those holding one of its roles, with the work_incidents permission."""
    require_permission(by, Permission.WORK_INCIDENTS, doing)
    if by is None or by.agency_id == incident.owner_agency:
        return
    if holds_role(conn, incident.id, by.user_id):
        return
    log.warning("refused: %s may not %s on incident %s", by.username, doing, incident.id)
    raise PermissionDeniedError(
        f"only {incident.owner_agency} and the incident's role holders may {doing}"
    )


def require_editable(incident: Incident) -> None:
    if not is_editable(incident.status):
        raise ClosedIncidentError(
            f"incident {incident.id} is closed: reopen it (status active) before changing it"
        )


@contextmanager
def refusals_audited(
    engine: Engine, by: Principal | str | None, action: str, object_type: str, object_id: object
) -> Iterator[None]:
    """Record a refused write (bad input, an illegal transition, a closed incident, a role
    that may not) in the audit trail, in its own transaction, and re-raise it."""
    try:
        yield
    except (CoordinationError, PermissionDeniedError) as exc:
        with engine.begin() as conn:
            record_audit(
                conn,
                actor=by,
                action=f"{action}.refused",
                object_type=object_type,
                object_id=str(object_id),
                before=None,
                after={"reason": str(exc)},
            )
        raise


def add_entry(
    conn: Connection,
    incident: Incident,
    kind: EntryKind,
    body: str,
    *,
    by: Principal | str | None,
    at: datetime,
    data: Mapping[str, Any] | None = None,
    task: Task | None = None,
    tlp: str | None = None,
    owner_agency: str | None = None,
    inherits_shares: bool = True,
) -> int:
    """Append a timeline entry; its id. Marked like its parent (the task, else the incident)
    unless told otherwise; readers of the parent read it (inherits_shares)."""
    parent_tlp = task.tlp if task is not None else incident.tlp
    if isinstance(by, Principal):
        author_id: int | None = by.user_id
        name = by.username
        owner = owner_agency or by.agency_id
    else:
        author_id = None
        name = by if isinstance(by, str) else author_name(None)
        owner = owner_agency or (task.owner_agency if task is not None else incident.owner_agency)
    entry_id: int = conn.execute(
        insert(incident_entries)
        .values(
            incident_id=incident.id,
            task_id=task.id if task is not None else None,
            kind=kind.value,
            body=body,
            data=dict(data or {}),
            owner_agency=owner,
            tlp=tlp or parent_tlp,
            inherits_shares=inherits_shares,
            author_id=author_id,
            author_name=name,
            created_at=at,
        )
        .returning(incident_entries.c.id)
    ).scalar_one()
    return entry_id


def grant(
    conn: Connection,
    ref: ObjectRef,
    *,
    agency_id: str | None = None,
    user_id: int | None = None,
    by: Principal | str | None,
    at: datetime,
) -> bool:
    """Put an agency or a user on an object's share list as a consequence of a write DCC's
    rules make (a task given to an agency, an escalation); whether it was added. Audited."""
    target = (
        object_shares.c.agency_id == agency_id
        if agency_id is not None
        else object_shares.c.user_id == user_id
    )
    found = conn.execute(
        select(object_shares.c.id).where(
            object_shares.c.object_type == ref.object_type,
            object_shares.c.object_id == ref.object_id,
            target,
        )
    ).first()
    if found is not None:
        return False
    conn.execute(
        insert(object_shares).values(
            object_type=ref.object_type,
            object_id=ref.object_id,
            agency_id=agency_id,
            user_id=user_id,
            shared_by=by.user_id if isinstance(by, Principal) else None,
            shared_at=at,
        )
    )
    record_audit(
        conn,
        actor=by,
        action="share.add",
        object_type=ref.object_type,
        object_id=ref.object_id,
        before=None,
        after={"agency_id": agency_id, "user_id": user_id, "automatic": True},
        at=at,
    )
    return True


def snapshot(record: object) -> dict[str, Any]:
    """A record as the audit trail keeps it (before / after)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    raise TypeError(f"cannot snapshot {record!r}")
