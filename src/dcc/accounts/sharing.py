"""Share lists of marked objects (STYLE rule 3: the only writer of object_shares). Who may
add or remove an entry is decided by access.py (explain_share, explain_unshare). Each entry
added or removed is audited ("share.add", "share.remove"; coordination/audit.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, delete, insert, select

from dcc.accounts.access import (
    actor_name,
    can_read,
    explain_share,
    explain_unshare,
    known_tlp,
    not_found,
)
from dcc.accounts.checks import checked_agency_id, checked_object_ref
from dcc.accounts.errors import AccountError, MarkingError, PermissionDeniedError
from dcc.accounts.queries import agency_or_raise, list_shares, row_to_share, user_or_raise
from dcc.accounts.records import TLP, Agency, Marking, ObjectRef, Principal, Share, User
from dcc.coordination.audit import record_audit
from dcc.store.schema import object_shares

log = logging.getLogger("dcc.accounts")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(tz=UTC)


# --- share lists -----------------------------------------------------------------------------


def do_share(
    engine: Engine,
    ref: ObjectRef,
    marking: Marking,
    *,
    agency_id: str | None = None,
    user_id: int | None = None,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Share:
    """Add an agency or a named user (exactly one) to an object's share list.

    `marking` is the object's current marking (queries.marking_of). A `by` who cannot read
    the object gets ObjectNotVisibleError (as if it did not exist); one whose role or
    position may not share gets PermissionDeniedError (access.explain_share has the rules).
    RED objects are shared with named users only (MarkingError). Sharing twice is a no-op.
    """
    ref = checked_object_ref(ref)
    if (agency_id is None) == (user_id is None):
        raise AccountError("share with exactly one agency or one user")
    tlp = known_tlp(marking.tlp)
    if tlp is None:
        raise MarkingError(f"{ref.object_type} {ref.object_id} has an unknown marking")
    if tlp is TLP.RED and agency_id is not None:
        raise MarkingError("TLP:RED is shared with named people, never with a whole agency")
    with engine.begin() as conn:
        agency = agency_or_raise(conn, checked_agency_id(agency_id)) if agency_id else None
        user = user_or_raise(conn, user_id) if user_id is not None else None
        if by is not None:
            _require_share(by, marking, ref, agency, user)
        target = (
            object_shares.c.agency_id == agency.id
            if agency is not None
            else object_shares.c.user_id == user_id
        )
        found = conn.execute(select(object_shares).where(_share_of(ref), target)).first()
        if found is not None:
            return row_to_share(found)
        at = _now(now)
        new_id = conn.execute(
            insert(object_shares)
            .values(
                object_type=ref.object_type,
                object_id=ref.object_id,
                agency_id=agency.id if agency is not None else None,
                user_id=user_id,
                shared_by=by.user_id if by is not None else None,
                shared_at=at,
            )
            .returning(object_shares.c.id)
        ).scalar_one()
        row = conn.execute(select(object_shares).where(object_shares.c.id == new_id)).one()
        record_audit(
            conn,
            actor=by,
            action="share.add",
            object_type=ref.object_type,
            object_id=ref.object_id,
            before=None,
            after=_share_audit(row_to_share(row)),
            at=at,
        )
    log.info(
        "%s %s shared with %s by %s",
        ref.object_type,
        ref.object_id,
        f"agency {agency.id}" if agency is not None else f"user {user_id}",
        actor_name(by),
    )
    return row_to_share(row)


def _require_share(
    by: Principal, marking: Marking, ref: ObjectRef, agency: Agency | None, user: User | None
) -> None:
    decision = explain_share(
        by, marking, agency=agency, user_agency_id=user.agency_id if user is not None else None
    )
    if decision.allowed:
        return
    log.warning(
        "share refused: user %s on %s %s: %s",
        by.username,
        ref.object_type,
        ref.object_id,
        decision.reason,
    )
    if decision.reason.startswith("you cannot read it"):
        raise not_found(ref.object_type, ref.object_id)
    raise PermissionDeniedError(
        f"cannot share {ref.object_type} {ref.object_id}: {decision.reason}"
    )


def do_unshare(
    engine: Engine,
    ref: ObjectRef,
    marking: Marking,
    *,
    agency_id: str | None = None,
    user_id: int | None = None,
    by: Principal | None = None,
) -> int:
    """Remove an agency or a named user from an object's share list; returns how many
    entries went (0 when it was not shared with them)."""
    ref = checked_object_ref(ref)
    if (agency_id is None) == (user_id is None):
        raise AccountError("unshare exactly one agency or one user")
    with engine.begin() as conn:
        shares = [
            s
            for s in list_shares(conn, ref)
            if (agency_id is not None and s.agency_id == agency_id)
            or (user_id is not None and s.user_id == user_id)
        ]
        if by is not None:
            if not can_read(by, marking):
                log.warning("unshare refused: user %s cannot read %s", by.username, ref)
                raise not_found(ref.object_type, ref.object_id)
            for share in shares:
                decision = explain_unshare(by, marking, share)
                if not decision.allowed:
                    log.warning("unshare refused: user %s: %s", by.username, decision.reason)
                    raise PermissionDeniedError(
                        f"cannot unshare {ref.object_type} {ref.object_id}: {decision.reason}"
                    )
        if shares:
            conn.execute(
                delete(object_shares).where(object_shares.c.id.in_([s.id for s in shares]))
            )
        for share in shares:
            record_audit(
                conn,
                actor=by,
                action="share.remove",
                object_type=ref.object_type,
                object_id=ref.object_id,
                before=_share_audit(share),
                after=None,
            )
    return len(shares)


def _share_audit(share: Share) -> dict[str, object]:
    """A share list entry as the audit trail keeps it (the object is the audit row's)."""
    return {
        "share_id": share.id,
        "agency_id": share.agency_id,
        "user_id": share.user_id,
        "shared_by": share.shared_by,
        "shared_at": share.shared_at,
    }


def _share_of(ref: ObjectRef) -> ColumnElement[bool]:
    return (object_shares.c.object_type == ref.object_type) & (
        object_shares.c.object_id == ref.object_id
    )
