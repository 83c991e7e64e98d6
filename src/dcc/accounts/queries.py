"""Reading agencies, users, sessions, API tokens and share lists (no writes: actions.py).

`resolve_session` and `resolve_api_token` turn a presented secret into the principal it signs
in, or None for anything not live (unknown, expired, idle, revoked, user deactivated); the
refusal is logged with the session or token id, never the secret.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, select

from dcc.accounts.checks import lookup_username
from dcc.accounts.errors import AccountNotFoundError
from dcc.accounts.policies import SessionPolicy
from dcc.accounts.records import (
    Agency,
    AgencyKind,
    ApiToken,
    Locale,
    Marking,
    ObjectRef,
    Principal,
    Role,
    Session,
    Share,
    SignedIn,
    TokenSignIn,
    User,
)
from dcc.accounts.tokens import is_plausible_token, token_hash
from dcc.store.schema import agencies, api_tokens, object_shares, sessions, users

log = logging.getLogger("dcc.accounts")

_ROLES = frozenset(r.value for r in Role)
DEFAULT_IDLE = SessionPolicy().idle


# --- agencies --------------------------------------------------------------------------------


def row_to_agency(row: Row[Any]) -> Agency:
    m = row._mapping
    return Agency(
        id=m["id"],
        name=m["name"],
        kind=AgencyKind(m["kind"]),
        parent_id=m["parent_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def get_agency(conn: Connection, agency_id: str) -> Agency | None:
    row = conn.execute(select(agencies).where(agencies.c.id == agency_id)).first()
    return row_to_agency(row) if row is not None else None


def agency_or_raise(conn: Connection, agency_id: str) -> Agency:
    """The agency with this id; AccountNotFoundError when there is none."""
    found = get_agency(conn, agency_id)
    if found is None:
        raise AccountNotFoundError(f"no agency with id {agency_id!r}")
    return found


def list_agencies(conn: Connection) -> list[Agency]:
    """Every agency, by id."""
    return [row_to_agency(row) for row in conn.execute(select(agencies).order_by(agencies.c.id))]


# --- users -----------------------------------------------------------------------------------


def row_to_user(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        username=m["username"],
        display_name=m["display_name"],
        agency_id=m["agency_id"],
        role=Role(m["role"]),
        locale=Locale(m["locale"]),
        is_active=bool(m["is_active"]),
        has_password=m["password_hash"] is not None,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        last_login_at=m["last_login_at"],
        password_changed_at=m["password_changed_at"],
    )


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return row_to_user(row) if row is not None else None


def user_or_raise(conn: Connection, user_id: int) -> User:
    """The user with this id; AccountNotFoundError when there is none."""
    found = get_user(conn, user_id)
    if found is None:
        raise AccountNotFoundError(f"no user with id {user_id}")
    return found


def get_user_by_username(conn: Connection, username: str) -> User | None:
    """The user with this username (any case), or None."""
    row = conn.execute(select(users).where(users.c.username == lookup_username(username))).first()
    return row_to_user(row) if row is not None else None


def list_users(
    conn: Connection, *, agency_id: str | None = None, is_active: bool | None = None
) -> list[User]:
    """Users by username, optionally of one agency, optionally only (in)active ones."""
    query = select(users).order_by(users.c.username)
    if agency_id is not None:
        query = query.where(users.c.agency_id == agency_id)
    if is_active is not None:
        query = query.where(users.c.is_active.is_(is_active))
    return [row_to_user(row) for row in conn.execute(query)]


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def active_admins(conn: Connection) -> list[User]:
    """The active administrators, by username."""
    return list_users_with_role(conn, Role.ADMIN)


def list_users_with_role(conn: Connection, role: Role) -> list[User]:
    query = (
        select(users)
        .where(users.c.role == role.value, users.c.is_active.is_(True))
        .order_by(users.c.username)
    )
    return [row_to_user(row) for row in conn.execute(query)]


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, agency_id=user.agency_id, role=user.role
    )


# --- sessions --------------------------------------------------------------------------------


def row_to_session(row: Row[Any]) -> Session:
    m = row._mapping
    return Session(
        id=m["id"],
        user_id=m["user_id"],
        created_at=m["created_at"],
        last_seen_at=m["last_seen_at"],
        expires_at=m["expires_at"],
        csrf_secret=m["csrf_secret"],
        client_address=m["client_address"],
        revoked_at=m["revoked_at"],
    )


def get_session(conn: Connection, session_id: int) -> Session | None:
    row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
    return row_to_session(row) if row is not None else None


def list_sessions(conn: Connection, user_id: int) -> list[Session]:
    """A user's sessions, newest first (live or not)."""
    query = select(sessions).where(sessions.c.user_id == user_id).order_by(sessions.c.id.desc())
    return [row_to_session(row) for row in conn.execute(query)]


def resolve_session(
    conn: Connection,
    token: str | None,
    *,
    idle: timedelta = DEFAULT_IDLE,
    now: datetime | None = None,
) -> SignedIn | None:
    """The live session a session token (the cookie) names, with its principal, or None when
    it is unknown, revoked, past its absolute end, idle for `idle` or more, or its user is
    deactivated. Reading only: actions.do_touch_session records the activity."""
    if token is None or not is_plausible_token(token):
        return None
    now = now or datetime.now(tz=UTC)
    row = conn.execute(
        select(sessions, *_principal_columns())
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        log.info("session refused: unknown token")
        return None
    session = row_to_session(row)
    refusal = _session_refusal(session, now, idle) or _user_refusal(row)
    if refusal:
        log.info("session %s of user %s refused: %s", session.id, row.username, refusal)
        return None
    return SignedIn(principal=_principal(row), session=session)


def _session_refusal(session: Session, now: datetime, idle: timedelta) -> str | None:
    if session.revoked_at is not None:
        return "signed out"
    if now >= session.expires_at:
        return "expired"
    if now >= session.last_seen_at + idle:
        return "idle too long"
    return None


# --- API tokens ------------------------------------------------------------------------------


def row_to_api_token(row: Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        id=m["id"],
        user_id=m["user_id"],
        name=m["name"],
        prefix=m["prefix"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def get_api_token(conn: Connection, token_id: int) -> ApiToken | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    return row_to_api_token(row) if row is not None else None


def api_token_or_raise(conn: Connection, token_id: int) -> ApiToken:
    """The API token with this id; AccountNotFoundError when there is none."""
    found = get_api_token(conn, token_id)
    if found is None:
        raise AccountNotFoundError(f"no API token with id {token_id}")
    return found


def list_api_tokens(conn: Connection, *, user_id: int | None = None) -> list[ApiToken]:
    """API tokens (revoked and expired ones too), oldest first."""
    query = select(api_tokens).order_by(api_tokens.c.id)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [row_to_api_token(row) for row in conn.execute(query)]


def resolve_api_token(
    conn: Connection, token: str | None, *, now: datetime | None = None
) -> TokenSignIn | None:
    """The live API token a bearer token names, with its principal, or None when it is
    unknown, revoked, expired, or its user is deactivated."""
    if token is None or not is_plausible_token(token):
        return None
    now = now or datetime.now(tz=UTC)
    row = conn.execute(
        select(api_tokens, *_principal_columns())
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        log.info("API token refused: unknown token")
        return None
    api_token = row_to_api_token(row)
    refusal = _token_refusal(api_token, now) or _user_refusal(row)
    if refusal:
        log.info("API token %s (%s) refused: %s", api_token.id, api_token.prefix, refusal)
        return None
    return TokenSignIn(principal=_principal(row), api_token=api_token)


def _token_refusal(api_token: ApiToken, now: datetime) -> str | None:
    if api_token.revoked_at is not None:
        return "revoked"
    if api_token.expires_at is not None and now >= api_token.expires_at:
        return "expired"
    return None


# --- principals ------------------------------------------------------------------------------


def _principal_columns() -> tuple[Any, ...]:
    return (
        users.c.username,
        users.c.agency_id,
        users.c.role,
        users.c.is_active,
    )


def _user_refusal(row: Row[Any]) -> str | None:
    if not row.is_active:
        return "user deactivated"
    if row.role not in _ROLES:  # stored by a newer version: deny rather than guess
        return f"unknown role {row.role!r}"
    return None


def _principal(row: Row[Any]) -> Principal:
    m = row._mapping
    return Principal(
        user_id=m["user_id"],
        username=m["username"],
        agency_id=m["agency_id"],
        role=Role(m["role"]),
    )


# --- share lists -----------------------------------------------------------------------------


def row_to_share(row: Row[Any]) -> Share:
    m = row._mapping
    return Share(
        id=m["id"],
        object_type=m["object_type"],
        object_id=m["object_id"],
        agency_id=m["agency_id"],
        user_id=m["user_id"],
        shared_by=m["shared_by"],
        shared_at=m["shared_at"],
    )


def list_shares(conn: Connection, ref: ObjectRef) -> list[Share]:
    """The share list of one object, oldest first."""
    query = (
        select(object_shares)
        .where(
            object_shares.c.object_type == ref.object_type,
            object_shares.c.object_id == ref.object_id,
        )
        .order_by(object_shares.c.id)
    )
    return [row_to_share(row) for row in conn.execute(query)]


def marking_of(
    conn: Connection,
    ref: ObjectRef,
    *,
    owner_agency: str,
    tlp: str,
    author_id: int | None = None,
) -> Marking:
    """An object's whole marking: its own columns plus its share list from object_shares."""
    shares = list_shares(conn, ref)
    return Marking(
        owner_agency=owner_agency,
        tlp=tlp,
        shared_with=frozenset(s.agency_id for s in shares if s.agency_id is not None),
        shared_with_users=frozenset(s.user_id for s in shares if s.user_id is not None),
        author_id=author_id,
    )
