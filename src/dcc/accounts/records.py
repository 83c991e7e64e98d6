"""Records of the accounts package (STYLE rule 5): agencies, users, roles and what they may do,
sessions, API tokens, TLP 2.0 markings and the principal that authorisation reasons about.

docs/accounts.md describes the same rules for people; tests/accounts/test_records.py keeps the
permission table and that page in step.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

# --- agencies --------------------------------------------------------------------------------


class AgencyKind(enum.StrEnum):
    """What kind of organisation an agency is (issue 5)."""

    MINISTRY_UNIT = "ministry_unit"  # a directorate or bureau of the ministry
    EMBASSY = "embassy"
    CONSULATE = "consulate"
    PARTNER_AGENCY = "partner_agency"  # the cyber agency, the disaster agency ...
    MINISTRY = "ministry"  # the ministry itself, or another ministry
    PROVINCIAL_GOVERNMENT = "provincial_government"


@dataclass(frozen=True, slots=True)
class Agency:
    """An organisation whose members use DCC; objects are owned by and shared with agencies.

    `parent_id` is the supervising agency (a consulate's embassy, a unit's ministry), kept for
    escalation later; it grants no access by itself (access.py).
    """

    id: str  # a slug: "kemlu", "kbri-tokyo", "bssn"
    name: str
    kind: AgencyKind
    parent_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AgencySpec:
    """An agency as an administrator defines it."""

    id: str
    name: str
    kind: AgencyKind
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class AgencyChanges:
    """Fields of an agency to change; None leaves one as it is (`clear_parent` removes it)."""

    name: str | None = None
    kind: AgencyKind | None = None
    parent_id: str | None = None
    clear_parent: bool = False


# --- roles and permissions -------------------------------------------------------------------


class Role(enum.StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    OFFICER = "officer"
    LIAISON = "liaison"
    VIEWER = "viewer"


class Permission(enum.StrEnum):
    """Something a role may do. What a user may *see* is decided by access.py, not here."""

    READ = "read"  # read what access.py lets the user see
    MANAGE_USERS = "manage_users"  # add users, reset passwords, change roles, deactivate
    MANAGE_AGENCIES = "manage_agencies"
    MANAGE_SOURCES = "manage_sources"
    MANAGE_WATCHLISTS = "manage_watchlists"  # create, change and remove watchlists
    TRIAGE_ALERTS = "triage_alerts"  # acknowledge, dismiss, escalate alerts
    OPEN_INCIDENTS = "open_incidents"
    WORK_INCIDENTS = "work_incidents"  # update incidents and tasks, comment, attach
    SHARE = "share"  # add agencies or people to the share list of what one can see
    USE_API_TOKENS = "use_api_tokens"  # create API tokens for one's own scripts


_EVERYONE = frozenset({Permission.READ})
_WORKERS = _EVERYONE | {Permission.WORK_INCIDENTS, Permission.SHARE, Permission.USE_API_TOKENS}
_ANALYSTS = _WORKERS | {
    Permission.MANAGE_WATCHLISTS,
    Permission.TRIAGE_ALERTS,
    Permission.OPEN_INCIDENTS,
}

# The permission table (docs/accounts.md, "Roles"). An admin also holds every analyst
# permission, but no role bypasses TLP: access.py decides what each user can see.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMIN: _ANALYSTS
    | {Permission.MANAGE_USERS, Permission.MANAGE_AGENCIES, Permission.MANAGE_SOURCES},
    Role.ANALYST: _ANALYSTS,
    Role.OFFICER: _WORKERS,
    # A partner agency's liaison works what is shared with its agency (need-to-know, DESIGN
    # §1); access.py narrows what it sees, not only what it may do.
    Role.LIAISON: _WORKERS,
    Role.VIEWER: _EVERYONE,
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


# --- users -----------------------------------------------------------------------------------


class Locale(enum.StrEnum):
    ID = "id"
    EN = "en"


@dataclass(frozen=True, slots=True)
class User:
    """A person (or a script's account) who signs in; belongs to one agency, holds one role."""

    id: int
    username: str
    display_name: str
    agency_id: str
    role: Role
    locale: Locale
    is_active: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None
    password_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user as an administrator creates one (the password is given separately)."""

    username: str
    agency_id: str
    role: Role
    display_name: str = ""
    locale: Locale = Locale.ID


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as authorisation sees it: who, in which agency, with which role.

    Built only for an active user with a live session or token (queries.resolve_*).
    """

    user_id: int
    username: str
    agency_id: str
    role: Role

    def has_permission(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)


@dataclass(frozen=True, slots=True)
class LocalOperator:
    """Who reads through the command line and DCC's own workers: the operator of the machine,
    who already holds the database, reads every object (docs/accounts.md, "Command line").

    Never built from a web request: the web layer reads as the signed-in Principal.
    """


LOCAL_OPERATOR = LocalOperator()

# Who a query reads as: a signed-in user (markings apply) or the local operator (they do not).
Reader: TypeAlias = Principal | LocalOperator


# --- sessions and tokens ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    """A browser sign-in. Only a hash of its token is stored; the token is the cookie."""

    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # absolute end, whatever the activity
    csrf_secret: str = field(repr=False)  # the key CSRF tokens are derived from (csrf.py)
    client_address: str | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session and the principal it signs in."""

    principal: Principal
    session: Session


@dataclass(frozen=True, slots=True)
class NewSession:
    """What a successful login returns; `token` is shown once (the cookie) and never stored."""

    token: str = field(repr=False)
    session: Session
    user: User


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A bearer token for scripts, acting as its user. Only a hash is stored; `prefix` is
    the token's first characters, shown so that people can tell their tokens apart."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class NewApiToken:
    """What creating a token returns; `token` is shown once and never stored."""

    token: str = field(repr=False)
    api_token: ApiToken


@dataclass(frozen=True, slots=True)
class TokenSignIn:
    """A live API token and the principal it signs in."""

    principal: Principal
    api_token: ApiToken


# --- markings (TLP 2.0) ----------------------------------------------------------------------


class TLP(enum.StrEnum):
    """Traffic Light Protocol 2.0 labels, stored exactly as FIRST names them."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Names one marked object for the share list: its type ("incident") and id as text."""

    object_type: str
    object_id: str


@dataclass(frozen=True, slots=True)
class Marking:
    """Who owns an object, its TLP label and whom it is shared with (access.py reads this).

    `tlp` is what is stored; a value that is not a TLP 2.0 label denies access to everyone.
    `author_id` is the user who created the object, when it has one.
    """

    owner_agency: str
    tlp: TLP | str
    shared_with: frozenset[str] = frozenset()  # agency ids
    shared_with_users: frozenset[int] = frozenset()  # user ids
    author_id: int | None = None


@dataclass(frozen=True, slots=True)
class Share:
    """One entry of an object's share list: an agency or a named user."""

    id: int
    object_type: str
    object_id: str
    agency_id: str | None
    user_id: int | None
    shared_by: int | None
    shared_at: datetime
