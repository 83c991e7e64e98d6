"""Share lists of incidents, tasks, timeline entries and attachments, and "who can see this,
and why" for each (issue 6). The rules on who may share with whom are accounts/access.py's
(explain_share) applied to the object's own marking; accounts/sharing.py writes (and audits).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from dcc.accounts.access import explain_access, require_permission, who_can_read
from dcc.accounts.errors import AccountNotFoundError
from dcc.accounts.queries import get_user_by_username, list_shares
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    LocalOperator,
    Marking,
    ObjectRef,
    Permission,
    Principal,
    Reader,
    Share,
)
from dcc.accounts.sharing import do_share, do_unshare
from dcc.coordination.marking import (
    attachment_marking,
    attachment_ref,
    entry_marking,
    entry_ref,
    incident_marking,
    incident_ref,
    inherited_marking,
    inherits,
    task_marking,
    task_ref,
)
from dcc.coordination.queries import (
    attachment_or_raise,
    entry_or_raise,
    incident_or_raise,
    task_or_raise,
)


class SharedObject(enum.StrEnum):
    INCIDENT = "incident"
    TASK = "task"
    ENTRY = "entry"
    ATTACHMENT = "attachment"


@dataclass(frozen=True, slots=True)
class CoordinationAccess:
    """Who can see an incident or a sub-object, and why ("who can see this")."""

    object_type: str
    object_id: int
    marking: Marking
    shares: tuple[Share, ...]
    who_can_read: str
    reason: str
    # The objects it hangs from, which a reader must read too ("incident 4", "task 9").
    requires: tuple[str, ...] = ()
    # Whom it is read by besides its own list ("readers of incident 4"), when it inherits.
    inherits_from: str | None = None


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


def _own(
    conn: Connection, reader: Reader, kind: SharedObject, object_id: int
) -> tuple[ObjectRef, Marking]:
    if kind is SharedObject.INCIDENT:
        incident = incident_or_raise(conn, reader, object_id)
        return incident_ref(object_id), incident_marking(conn, incident)
    if kind is SharedObject.TASK:
        task = task_or_raise(conn, reader, object_id)
        return task_ref(object_id), task_marking(conn, task)
    if kind is SharedObject.ENTRY:
        entry = entry_or_raise(conn, reader, object_id)
        return entry_ref(object_id), entry_marking(conn, entry)
    attachment = attachment_or_raise(conn, reader, object_id)
    return attachment_ref(object_id), attachment_marking(conn, attachment)


def _user_id(conn: Connection, username: str | None) -> int | None:
    if username is None:
        return None
    user = get_user_by_username(conn, username)
    if user is None:
        raise AccountNotFoundError(f"no user named {username!r}")
    return user.id


def do_share_object(
    engine: Engine,
    kind: SharedObject,
    object_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> Share:
    """Share an incident, task, entry or attachment with an agency or a named user.

    Not found (as if it did not exist) when `by` cannot read it; PermissionDeniedError when
    TLP or `by`'s role forbids this share; MarkingError for an agency on a RED object."""
    require_permission(by, Permission.SHARE, "change share lists")
    with engine.connect() as conn:
        ref, marking = _own(conn, _reader(by), SharedObject(kind), object_id)
        user_id = _user_id(conn, username)
    return do_share(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


def do_unshare_object(
    engine: Engine,
    kind: SharedObject,
    object_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> int:
    """Remove an agency or a named user from the object's own share list; how many went."""
    require_permission(by, Permission.SHARE, "change share lists")
    with engine.connect() as conn:
        ref, marking = _own(conn, _reader(by), SharedObject(kind), object_id)
        user_id = _user_id(conn, username)
    return do_unshare(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


def object_access(
    conn: Connection, reader: Reader, kind: SharedObject, object_id: int
) -> CoordinationAccess:
    """The object's marking, share list, who reads it and why `reader` does (not found when
    `reader` cannot read it)."""
    kind = SharedObject(kind)
    ref, marking = _own(conn, reader, kind, object_id)
    shares = tuple(list_shares(conn, ref))
    requires: list[str] = []
    inherits_from: str | None = None
    reason_marking = marking
    if kind is not SharedObject.INCIDENT:
        sub = (
            task_or_raise(conn, reader, object_id)
            if kind is SharedObject.TASK
            else entry_or_raise(conn, reader, object_id)
            if kind is SharedObject.ENTRY
            else attachment_or_raise(conn, reader, object_id)
        )
        incident = incident_or_raise(conn, LOCAL_OPERATOR, sub.incident_id)
        requires.append(f"incident {incident.id}")
        task = None
        task_id = getattr(sub, "task_id", None)
        if task_id is not None:
            task = task_or_raise(conn, LOCAL_OPERATOR, task_id)
            requires.append(f"task {task.id}")
        parent_tlp = task.tlp if task is not None else incident.tlp
        if inherits(
            str(marking.tlp), bool(getattr(sub, "inherits_shares", False)), parent_tlp=parent_tlp
        ):
            inherits_from = f"task {task.id}" if task is not None else f"incident {incident.id}"
            inherited = inherited_marking(
                conn,
                tlp=str(marking.tlp),
                author_id=marking.author_id,
                incident=incident,
                task=task,
            )
            if (
                not isinstance(reader, LocalOperator)
                and not explain_access(reader, marking).allowed
            ):
                reason_marking = inherited
    if isinstance(reader, LocalOperator):
        reason = "the local operator reads everything"
    else:
        reason = explain_access(reader, reason_marking).reason
        if reason_marking is not marking and inherits_from is not None:
            reason = f"{reason} (as a reader of {inherits_from})"
    words = who_can_read(marking)
    if inherits_from is not None:
        words = f"{words}; and whoever reads {inherits_from}, at TLP:{marking.tlp}"
    if requires:
        words = f"{words} — provided they can read {' and '.join(requires)}"
    return CoordinationAccess(
        object_type=kind.value,
        object_id=object_id,
        marking=marking,
        shares=shares,
        who_can_read=words,
        reason=reason,
        requires=tuple(requires),
        inherits_from=inherits_from,
    )
