"""The TLP 2.0 rules and role permissions as docs/accounts.md declares them, as plain data.

The permission matrix (tests/web/test_permission_matrix.py) and the property test of markings
(tests/alerts/test_marking_property.py) compute what each user should see from these tables,
never from dcc.accounts.access: a mistake there then shows as a mismatch here. Keep them in
step with the tables of docs/accounts.md ("Roles", "Markings: who reads what", "Who may extend
the share list"), not with the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# How a user may stand to an object (the words of docs/accounts.md's table).
SIGNED_IN = "every signed-in user"
COMMUNITY = "every signed-in user of every agency, except liaisons"
OWNER_AGENCY = "the users of the owner agency"
SHARED_AGENCY = "the users of every agency on the share list"
NAMED = "the users named on the share list"
AUTHOR = "the author"

# docs/accounts.md, "Markings: who reads what": label -> who reads. Any other label: nobody.
READERS: Mapping[str, frozenset[str]] = {
    "CLEAR": frozenset({SIGNED_IN}),
    "GREEN": frozenset({COMMUNITY, OWNER_AGENCY, SHARED_AGENCY, NAMED, AUTHOR}),
    "AMBER": frozenset({OWNER_AGENCY, SHARED_AGENCY, NAMED, AUTHOR}),
    "AMBER+STRICT": frozenset({OWNER_AGENCY, SHARED_AGENCY, NAMED, AUTHOR}),
    "RED": frozenset({NAMED, AUTHOR}),
}
LABELS = tuple(READERS)

# docs/accounts.md, "Roles": the permissions the matrix exercises, and who holds them.
ROLES = ("admin", "analyst", "officer", "liaison", "viewer")
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "manage_watchlists": frozenset({"admin", "analyst"}),
    "triage_alerts": frozenset({"admin", "analyst"}),
    "share": frozenset({"admin", "analyst", "officer", "liaison"}),
}


@dataclass(frozen=True)
class Person:
    """A user as the rules see one: name, agency, role."""

    name: str
    agency: str
    role: str

    def holds(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


@dataclass(frozen=True)
class Marked:
    """An object's marking as declared: owner agency, label, share list, author."""

    owner: str | None
    tlp: str
    agencies: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    author: str | None = None

    def shared(
        self, *, agencies: frozenset[str] = frozenset(), users: frozenset[str] = frozenset()
    ) -> Marked:
        return Marked(
            self.owner, self.tlp, self.agencies | agencies, self.users | users, self.author
        )


def relations(person: Person, marked: Marked) -> frozenset[str]:
    """How `person` stands to an object marked `marked`."""
    found = {SIGNED_IN}
    if person.role != "liaison":
        found.add(COMMUNITY)
    if marked.owner is not None and person.agency == marked.owner:
        found.add(OWNER_AGENCY)
    if person.agency in marked.agencies:
        found.add(SHARED_AGENCY)
    if person.name in marked.users:
        found.add(NAMED)
    if marked.author is not None and person.name == marked.author:
        found.add(AUTHOR)
    return frozenset(found)


def may_read(person: Person, marked: Marked) -> bool:
    return bool(relations(person, marked) & READERS.get(marked.tlp, frozenset()))


def may_share(
    person: Person,
    marked: Marked,
    *,
    agency: str | None = None,
    user_agency: str | None = None,
    parents: Mapping[str, str | None] | None = None,
) -> bool:
    """docs/accounts.md, "Who may extend the share list": whether `person` (who reads the
    object and holds `share`) may add `agency`, or a user of `user_agency`.

    `parents` maps each agency to the agency supervising it.
    """
    if not (person.holds("share") and may_read(person, marked)):
        return False
    is_owner = person.agency == marked.owner or person.name == marked.author
    if marked.tlp == "RED":  # the author only, with named people only
        return agency is None and person.name == marked.author
    if marked.tlp in ("CLEAR", "GREEN"):  # anyone who reads it
        return True
    if is_owner:  # AMBER, AMBER+STRICT: the owner agency and the author, with anyone
        return True
    if marked.tlp != "AMBER":  # AMBER+STRICT: no onward sharing
        return False
    # An AMBER recipient: its own users, and the agencies it supervises.
    if agency is not None:
        return (parents or {}).get(agency) == person.agency
    return user_agency == person.agency


def may_unshare(person: Person, marked: Marked, *, shared_by: str | None) -> bool:
    """Who removes a share: the owner agency, the author, or whoever added it (with share)."""
    if not person.holds("share"):
        return False
    return person.agency == marked.owner or person.name in (marked.author, shared_by)
