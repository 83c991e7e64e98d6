"""Who may read and share a marked object: the one place that decides (issue 5, DESIGN §5).

Every object carries a Marking: an owner agency, a TLP 2.0 label and a share list (agencies
and named users). A principal (a signed-in user: user, agency, role) may read an object when
the first matching rule below allows it; anything else is denied.

| label          | who reads                                                                  |
|----------------|----------------------------------------------------------------------------|
| CLEAR          | every signed-in user (public sources are CLEAR)                            |
| GREEN          | every signed-in user of every agency on this DCC (the community), except   |
|                | liaisons, who read GREEN only as AMBER (owned by or shared with them)      |
| AMBER          | the owner agency's users; users of agencies on the share list; named users |
| AMBER+STRICT   | the same readers as AMBER; only the owner agency (or the author) may share |
| RED            | the author and the users named on the share list, nobody else              |
| anything else  | nobody (default deny)                                                      |

The author (when the object has one) reads it at every known label. A RED object's owner
agency and any agency on its share list do not read it: RED is for named people only.

No role bypasses these rules, administrators included: need-to-know (TLP 2.0) holds for the
people who run DCC too; an admin manages accounts and sources, not other agencies' secrets.
A liaison of a partner agency works what is shared with its agency and nothing more (DESIGN
§1), so GREEN objects reach it only through its share list; CLEAR still does.

`can_read` (one object in Python) and `visible_filter` (a SQL WHERE clause for lists, search,
facets, streams and exports) express the same rule; tests/accounts/test_access.py checks that
they agree for every label, role, agency and share list. Apply `visible_filter` in the query,
never filter rows in Python after the fact (counts, pages and facets would be wrong).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, or_, select, true

from dcc.accounts.errors import MarkingError, ObjectNotVisibleError, PermissionDeniedError
from dcc.accounts.records import (
    TLP,
    Agency,
    LocalOperator,
    Marking,
    Permission,
    Principal,
    Reader,
    Role,
    Share,
)
from dcc.store.schema import object_shares

log = logging.getLogger("dcc.accounts.access")

# Labels under which the owner agency, the agencies on the share list and named users read.
_AGENCY_LABELS = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)
_KNOWN = frozenset(t.value for t in TLP)


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """Whether a principal may read (or share) an object, and the rule that decided."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def known_tlp(value: object) -> TLP | None:
    """The TLP label a stored value names exactly, or None (which denies access)."""
    return TLP(value) if isinstance(value, str) and value in _KNOWN else None


def parse_tlp(text: str) -> TLP:
    """A TLP label from user input: any case, an optional "TLP:" prefix, and TLP 1.0's WHITE
    read as CLEAR (its 2.0 name). Raise MarkingError for anything else."""
    cleaned = text.strip().upper().removeprefix("TLP:").strip()
    if cleaned == "WHITE":
        return TLP.CLEAR
    found = known_tlp(cleaned)
    if found is None:
        names = ", ".join(t.value for t in TLP)
        raise MarkingError(f"{text!r} is not a TLP 2.0 label ({names})")
    return found


# --- reading, one object ---------------------------------------------------------------------


def explain_access(principal: Principal | None, marking: Marking) -> AccessDecision:
    """Whether `principal` may read an object marked `marking`, and why (first rule that
    matches, in the order of the module's table)."""
    if principal is None:
        return AccessDecision(False, "not signed in")
    tlp = known_tlp(marking.tlp)
    if tlp is None:
        return AccessDecision(False, f"unknown marking {marking.tlp!r}: denied by default")
    if tlp is TLP.CLEAR:
        return AccessDecision(True, "TLP:CLEAR: every signed-in user")
    if marking.author_id is not None and marking.author_id == principal.user_id:
        return AccessDecision(True, f"TLP:{tlp.value}: you are its author")
    if tlp is TLP.RED:
        if principal.user_id in marking.shared_with_users:
            return AccessDecision(True, "TLP:RED: you are named on its share list")
        return AccessDecision(
            False, "TLP:RED: only its author and the people named on its share list"
        )
    if principal.agency_id == marking.owner_agency:
        return AccessDecision(True, f"TLP:{tlp.value}: your agency ({principal.agency_id}) owns it")
    if principal.agency_id in marking.shared_with:
        return AccessDecision(
            True, f"TLP:{tlp.value}: shared with your agency ({principal.agency_id})"
        )
    if principal.user_id in marking.shared_with_users:
        return AccessDecision(True, f"TLP:{tlp.value}: shared with you by name")
    if tlp is TLP.GREEN:
        if principal.role is Role.LIAISON:
            return AccessDecision(
                False, "TLP:GREEN: a liaison reads only what is shared with its agency"
            )
        return AccessDecision(True, "TLP:GREEN: every agency on this DCC (the community)")
    return AccessDecision(
        False,
        f"TLP:{tlp.value}: only the owner agency ({marking.owner_agency}) "
        "and the agencies or people it is shared with",
    )


def can_read(principal: Principal | None, marking: Marking) -> bool:
    """Whether `principal` may read an object marked `marking` (see explain_access)."""
    return explain_access(principal, marking).allowed


def require_readable(
    principal: Principal | None, marking: Marking, *, object_type: str, object_id: object
) -> None:
    """Raise ObjectNotVisibleError, worded exactly as "not found", unless `principal` may
    read the object; log the refusal (a forged id of another agency's object is a 404)."""
    decision = explain_access(principal, marking)
    if decision.allowed:
        return
    log.warning(
        "access refused: %s asked for %s %s (%s)",
        _who(principal),
        object_type,
        object_id,
        decision.reason,
    )
    raise not_found(object_type, object_id)


def not_found(object_type: str, object_id: object) -> ObjectNotVisibleError:
    """The error for a missing object and for one the user may not read: the same words."""
    return ObjectNotVisibleError(f"no {object_type} with id {object_id}")


def who_can_read(marking: Marking) -> str:
    """In words, who may read an object with this marking ("who can see this, and why")."""
    tlp = known_tlp(marking.tlp)
    author = " and its author" if marking.author_id is not None else ""
    shared = _shared_words(marking)
    if tlp is None:
        return f"nobody: {marking.tlp!r} is not a TLP 2.0 label"
    if tlp is TLP.CLEAR:
        return "every signed-in user"
    if tlp is TLP.GREEN:
        return (
            "every signed-in user except partner liaisons, who read it only when it is "
            f"shared with their agency ({marking.owner_agency}{shared}){author}"
        )
    if tlp is TLP.RED:
        people = len(marking.shared_with_users)
        return f"only the {people} people named on its share list{author}"
    return f"users of {marking.owner_agency}{shared}{author}"


def _shared_words(marking: Marking) -> str:
    parts = sorted(marking.shared_with)
    if marking.shared_with_users:
        parts.append(f"{len(marking.shared_with_users)} named people")
    return ", " + ", ".join(parts) if parts else ""


def _who(principal: Principal | None) -> str:
    if principal is None:
        return "an anonymous request"
    return f"user {principal.username} ({principal.agency_id}, {principal.role.value})"


# --- doing -----------------------------------------------------------------------------------


def require_permission(by: Principal | None, permission: Permission, doing: str) -> None:
    """Raise PermissionDeniedError (and log it) unless `by` holds `permission`; None is the
    local operator (the command line), who already holds the database."""
    if by is None or by.has_permission(permission):
        return
    log.warning("refused: %s may not %s", _who(by), doing)
    raise PermissionDeniedError(f"the {by.role.value} role may not {doing}")


def actor_name(by: Principal | None) -> str:
    """Who acts, for logs: a username, or the local operator."""
    return "the local operator" if by is None else by.username


# --- reading, in SQL -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkedColumns:
    """Where a table keeps an object's marking, for visible_filter.

    `object_type` is the name under which the object's shares are kept in object_shares
    ("incident", "task"); `id` its id column (compared as text with object_shares.object_id);
    `author` the column of the user who created it, when the table has one.
    """

    object_type: str
    id: ColumnElement[Any]
    owner_agency: ColumnElement[Any]
    tlp: ColumnElement[Any]
    author: ColumnElement[Any] | None = None


def readable_filter(reader: Reader, columns: MarkedColumns) -> ColumnElement[bool]:
    """visible_filter for a signed-in principal; every row for the local operator (the
    command line and DCC's own workers, who hold the database anyway)."""
    if isinstance(reader, LocalOperator):
        return true()
    return visible_filter(reader, columns)


def visible_filter(principal: Principal | None, columns: MarkedColumns) -> ColumnElement[bool]:
    """A WHERE clause keeping exactly the rows `principal` may read (the rule of can_read).

        query = select(incidents).where(visible_filter(principal, INCIDENT_MARKING))

    Shares are looked up with correlated EXISTS subqueries on object_shares' indexes, so the
    clause composes with any other filter, count, facet or page.
    """
    if principal is None:
        return false()
    object_id = columns.id if isinstance(columns.id.type, String) else cast(columns.id, String(200))
    share_of_this = and_(
        object_shares.c.object_type == columns.object_type,
        object_shares.c.object_id == object_id,
    )
    named = exists(
        select(object_shares.c.id).where(
            share_of_this, object_shares.c.user_id == principal.user_id
        )
    )
    agency_or_named = exists(
        select(object_shares.c.id).where(
            share_of_this,
            or_(
                object_shares.c.agency_id == principal.agency_id,
                object_shares.c.user_id == principal.user_id,
            ),
        )
    )
    agency_labels = [t.value for t in _AGENCY_LABELS]
    rules: list[ColumnElement[bool]] = [
        columns.tlp == TLP.CLEAR.value,
        and_(columns.tlp == TLP.RED.value, named),
        and_(
            columns.tlp.in_(agency_labels),
            or_(columns.owner_agency == principal.agency_id, agency_or_named),
        ),
    ]
    if columns.author is not None:
        rules.append(and_(columns.tlp.in_(sorted(_KNOWN)), columns.author == principal.user_id))
    if principal.role is not Role.LIAISON:
        rules.append(columns.tlp == TLP.GREEN.value)
    return or_(*rules)


# --- sharing ---------------------------------------------------------------------------------


def explain_share(
    principal: Principal | None,
    marking: Marking,
    *,
    agency: Agency | None = None,
    user_agency_id: str | None = None,
) -> AccessDecision:
    """Whether `principal` may add `agency` (or a user of `user_agency_id`) to the share list.

    The sharer must read the object and hold the share permission; then, by label:
    - CLEAR, GREEN: any such reader;
    - AMBER: the owner agency's users and the author share with anyone; a recipient shares
      onward only within its own organisation: its own agency's users and the agencies it
      supervises (TLP 2.0: "their own organization and its clients");
    - AMBER+STRICT: only the owner agency's users and the author (no onward sharing);
    - RED: only the author, and only with named users (never a whole agency).
    """
    if principal is None:
        return AccessDecision(False, "not signed in")
    if not principal.has_permission(Permission.SHARE):
        return AccessDecision(False, f"the {principal.role.value} role may not share")
    read = explain_access(principal, marking)
    if not read.allowed:
        return AccessDecision(False, f"you cannot read it ({read.reason})")
    tlp = known_tlp(marking.tlp)
    is_author = marking.author_id is not None and marking.author_id == principal.user_id
    is_owner = is_author or principal.agency_id == marking.owner_agency
    if tlp is TLP.RED:
        if agency is not None:
            return AccessDecision(False, "TLP:RED is shared with named people, never agencies")
        if is_author:
            return AccessDecision(True, "TLP:RED: the author names who reads it")
        return AccessDecision(False, "TLP:RED: only its author may name more people")
    if tlp in (TLP.CLEAR, TLP.GREEN) or is_owner:
        return AccessDecision(True, f"TLP:{marking.tlp}: you may share what you read")
    if tlp is TLP.AMBER_STRICT:
        return AccessDecision(
            False, "TLP:AMBER+STRICT: only the owner agency shares it (no onward sharing)"
        )
    # AMBER, and the principal is a recipient: within its own organisation only.
    if agency is not None and agency.parent_id == principal.agency_id:
        return AccessDecision(True, "TLP:AMBER: onward to an agency you supervise")
    if agency is None and user_agency_id == principal.agency_id:
        return AccessDecision(True, "TLP:AMBER: onward to someone of your own agency")
    return AccessDecision(
        False, "TLP:AMBER: a recipient shares only within its own organisation and its clients"
    )


def explain_unshare(principal: Principal | None, marking: Marking, share: Share) -> AccessDecision:
    """Whether `principal` may remove `share`: the owner agency's sharers, the author, or
    whoever added it (with the share permission)."""
    if principal is None:
        return AccessDecision(False, "not signed in")
    if not principal.has_permission(Permission.SHARE):
        return AccessDecision(False, f"the {principal.role.value} role may not share")
    if principal.agency_id == marking.owner_agency:
        return AccessDecision(True, "your agency owns it")
    if marking.author_id is not None and marking.author_id == principal.user_id:
        return AccessDecision(True, "you are its author")
    if share.shared_by == principal.user_id:
        return AccessDecision(True, "you added this share")
    return AccessDecision(False, "only the owner agency, the author or the sharer removes it")
