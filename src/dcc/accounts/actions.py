"""The only code that writes agencies and users (STYLE rule 3), and the one import point for
every accounts action: sign-in (signin.py) and share lists (sharing.py) are re-exported here.

Actions that manage accounts take `by`: the principal asking (the web layer passes the
signed-in user, whose role must allow the action), or None for the local operator (the
`dcc` command line, run by someone who already holds the database). Refusals are logged;
passwords and tokens never are. Each write is audited in its own transaction
(coordination/audit.py): that a password changed is recorded, never a hash.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dcc.accounts.access import actor_name, require_permission
from dcc.accounts.checks import checked_agency_id, checked_agency_spec, checked_user_spec
from dcc.accounts.errors import AccountConflictError, AccountError
from dcc.accounts.passwords import check_password_policy, hash_password
from dcc.accounts.queries import active_admins, agency_or_raise, get_agency, user_or_raise
from dcc.accounts.records import (
    Agency,
    AgencyChanges,
    AgencySpec,
    Locale,
    Permission,
    Principal,
    Role,
    User,
    UserSpec,
)

# Every accounts action is importable from here (their homes: signin.py, sharing.py).
from dcc.accounts.sharing import do_share, do_unshare
from dcc.accounts.signin import (
    do_authenticate_api_token,
    do_authenticate_session,
    do_create_api_token,
    do_login,
    do_logout,
    do_prune_login_history,
    do_revoke_api_token,
    do_touch_session,
    revoke_sessions,
)
from dcc.coordination.audit import record_audit
from dcc.store.schema import agencies, api_tokens, sessions, users

__all__ = [
    "do_authenticate_api_token",
    "do_authenticate_session",
    "do_change_role",
    "do_create_agency",
    "do_create_api_token",
    "do_create_first_admin",
    "do_create_user",
    "do_deactivate_user",
    "do_login",
    "do_logout",
    "do_prune_login_history",
    "do_revoke_api_token",
    "do_set_password",
    "do_share",
    "do_touch_session",
    "do_unshare",
    "do_update_agency",
]

log = logging.getLogger("dcc.accounts")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(tz=UTC)


# --- agencies --------------------------------------------------------------------------------


def do_create_agency(
    engine: Engine, spec: AgencySpec, *, by: Principal | None = None, now: datetime | None = None
) -> Agency:
    """Store a new agency. Raise AccountError for bad values, AccountConflictError when the
    id is taken, AccountNotFoundError for an unknown parent."""
    require_permission(by, Permission.MANAGE_AGENCIES, "manage agencies")
    spec = checked_agency_spec(spec)
    at = _now(now)
    with engine.begin() as conn:
        return _insert_agency(conn, spec, at, by)


def _insert_agency(
    conn: Connection, spec: AgencySpec, at: datetime, by: Principal | None
) -> Agency:
    if get_agency(conn, spec.id) is not None:
        raise AccountConflictError(f"agency {spec.id!r} exists already")
    if spec.parent_id is not None:
        agency_or_raise(conn, spec.parent_id)
    conn.execute(
        insert(agencies).values(
            id=spec.id,
            name=spec.name,
            kind=spec.kind.value,
            parent_id=spec.parent_id,
            created_at=at,
            updated_at=at,
        )
    )
    agency = agency_or_raise(conn, spec.id)
    record_audit(
        conn,
        actor=by,
        action="agency.create",
        object_type="agency",
        object_id=agency.id,
        before=None,
        after=asdict(agency),
        at=at,
    )
    return agency


def do_update_agency(
    engine: Engine,
    agency_id: str,
    changes: AgencyChanges,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Agency:
    """Change an agency's name, kind or supervising agency (never a loop of supervisors)."""
    require_permission(by, Permission.MANAGE_AGENCIES, "manage agencies")
    with engine.begin() as conn:
        current = agency_or_raise(conn, checked_agency_id(agency_id))
        parent = current.parent_id
        if changes.clear_parent:
            parent = None
        elif changes.parent_id is not None:
            parent = agency_or_raise(conn, checked_agency_id(changes.parent_id)).id
        spec = checked_agency_spec(
            AgencySpec(
                id=current.id,
                name=current.name if changes.name is None else changes.name,
                kind=current.kind if changes.kind is None else changes.kind,
                parent_id=parent,
            )
        )
        if parent is not None:
            _refuse_supervision_loop(conn, current.id, parent)
        at = _now(now)
        conn.execute(
            update(agencies)
            .where(agencies.c.id == current.id)
            .values(name=spec.name, kind=spec.kind.value, parent_id=spec.parent_id, updated_at=at)
        )
        updated = agency_or_raise(conn, current.id)
        record_audit(
            conn,
            actor=by,
            action="agency.update",
            object_type="agency",
            object_id=current.id,
            before=asdict(current),
            after=asdict(updated),
            at=at,
        )
        return updated


def _refuse_supervision_loop(conn: Connection, agency_id: str, parent_id: str) -> None:
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None and current not in seen:
        if current == agency_id:
            raise AccountError(f"agency {agency_id!r} would supervise itself through {parent_id!r}")
        seen.add(current)
        found = get_agency(conn, current)
        current = found.parent_id if found is not None else None


# --- users -----------------------------------------------------------------------------------


def do_create_user(
    engine: Engine,
    spec: UserSpec,
    password: str | None,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> User:
    """Store a new active user. `password` None makes an account that signs in with API
    tokens only. Raise AccountError / PasswordPolicyError for bad values,
    AccountConflictError for a taken username, AccountNotFoundError for an unknown agency."""
    require_permission(by, Permission.MANAGE_USERS, "manage users")
    spec = checked_user_spec(spec)
    password_hash = _new_password_hash(password, spec.username)
    at = _now(now)
    with engine.begin() as conn:
        return _insert_user(conn, spec, password_hash, at, by)


def do_create_first_admin(
    engine: Engine,
    agency: AgencySpec,
    spec: UserSpec,
    password: str,
    *,
    now: datetime | None = None,
) -> User:
    """`dcc init`: create an administrator, and its agency unless that exists, while there is
    no active administrator. Raise AccountConflictError when one exists."""
    agency = checked_agency_spec(agency)
    spec = checked_user_spec(replace(spec, role=Role.ADMIN))
    if spec.agency_id != agency.id:
        raise AccountError(f"the first administrator belongs to agency {agency.id!r}")
    password_hash = _new_password_hash(password, spec.username)
    at = _now(now)
    with engine.begin() as conn:
        admins = active_admins(conn)
        if admins:
            names = ", ".join(a.username for a in admins)
            raise AccountConflictError(
                f"an administrator exists already ({names}); add users with `dcc users add`"
            )
        if get_agency(conn, agency.id) is None:
            _insert_agency(conn, agency, at, None)
        return _insert_user(conn, spec, password_hash, at, None)


def _new_password_hash(password: str | None, username: str) -> str | None:
    if password is None:
        return None
    check_password_policy(password, username=username)
    return hash_password(password)


def _insert_user(
    conn: Connection, spec: UserSpec, password_hash: str | None, at: datetime, by: Principal | None
) -> User:
    agency_or_raise(conn, spec.agency_id)
    if conn.execute(select(users.c.id).where(users.c.username == spec.username)).first():
        raise AccountConflictError(f"username {spec.username!r} is taken")
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                insert(users)
                .values(
                    username=spec.username,
                    display_name=spec.display_name,
                    agency_id=spec.agency_id,
                    role=spec.role.value,
                    locale=spec.locale.value,
                    password_hash=password_hash,
                    is_active=True,
                    created_at=at,
                    updated_at=at,
                    password_changed_at=at if password_hash is not None else None,
                )
                .returning(users.c.id)
            ).scalar_one()
    except IntegrityError as exc:  # taken by a concurrent insert since the check above
        raise AccountConflictError(f"username {spec.username!r} is taken") from exc
    user = user_or_raise(conn, int(new_id))
    _audit_user(conn, by, "user.create", None, user, at)
    return user


def _audit_user(
    conn: Connection,
    by: Principal | None,
    action: str,
    before: User | None,
    after: User,
    at: datetime,
    **extra: object,
) -> None:
    """Audit a write to a user: its record before and after (User holds no password hash)."""
    record_audit(
        conn,
        actor=by,
        action=action,
        object_type="user",
        object_id=after.id,
        before=asdict(before) if before is not None else None,
        after={**asdict(after), **extra},
        at=at,
    )


def do_set_password(
    engine: Engine,
    user_id: int,
    password: str,
    *,
    by: Principal | None = None,
    keep_session_id: int | None = None,
    now: datetime | None = None,
) -> User:
    """Set a user's password (users change their own; admins anyone's) and end the user's
    other sessions: whoever knew the old password is signed out."""
    if by is not None and by.user_id != user_id:
        require_permission(by, Permission.MANAGE_USERS, "set other users' passwords")
    at = _now(now)
    with engine.begin() as conn:
        user = user_or_raise(conn, user_id)
        password_hash = _new_password_hash(password, user.username)
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(password_hash=password_hash, password_changed_at=at, updated_at=at)
        )
        ending = sessions.c.user_id == user_id
        if keep_session_id is not None:
            ending = ending & (sessions.c.id != keep_session_id)
        revoke_sessions(conn, ending, at)
        changed = user_or_raise(conn, user_id)
        # That it changed, by whom (one's own change or a reset), never the hash.
        is_own = by is not None and by.user_id == user_id
        action = "user.password_change" if is_own else "user.password_reset"
        _audit_user(conn, by, action, user, changed, at, password_changed=True)
        return changed


def do_deactivate_user(
    engine: Engine, user_id: int, *, by: Principal | None = None, now: datetime | None = None
) -> User:
    """Deactivate a user: no more sign-ins, its sessions end and its API tokens are revoked.
    The account is kept (what it did stays attributed). The last active administrator
    cannot be deactivated (AccountConflictError)."""
    require_permission(by, Permission.MANAGE_USERS, "manage users")
    at = _now(now)
    with engine.begin() as conn:
        user = user_or_raise(conn, user_id)
        if user.role is Role.ADMIN and user.is_active:
            _refuse_last_admin(conn, user, "deactivate")
        conn.execute(
            update(users).where(users.c.id == user_id).values(is_active=False, updated_at=at)
        )
        revoke_sessions(conn, sessions.c.user_id == user_id, at)
        revoked = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        log.info("user %s deactivated by %s", user.username, actor_name(by))
        deactivated = user_or_raise(conn, user_id)
        _audit_user(
            conn,
            by,
            "user.deactivate",
            user,
            deactivated,
            at,
            api_tokens_revoked=int(revoked.rowcount or 0),
        )
        return deactivated


def do_change_role(
    engine: Engine,
    user_id: int,
    role: Role,
    *,
    by: Principal | None = None,
    now: datetime | None = None,
) -> User:
    """Give a user another role (never taking the last active administrator's away)."""
    require_permission(by, Permission.MANAGE_USERS, "manage users")
    at = _now(now)
    with engine.begin() as conn:
        user = user_or_raise(conn, user_id)
        if user.role is Role.ADMIN and role is not Role.ADMIN and user.is_active:
            _refuse_last_admin(conn, user, "change the role of")
        conn.execute(
            update(users).where(users.c.id == user_id).values(role=role.value, updated_at=at)
        )
        log.info("user %s: role %s -> %s by %s", user.username, user.role, role, actor_name(by))
        changed = user_or_raise(conn, user_id)
        _audit_user(conn, by, "user.role_change", user, changed, at)
        return changed


def _refuse_last_admin(conn: Connection, user: User, doing: str) -> None:
    if [a.id for a in active_admins(conn)] == [user.id]:
        raise AccountConflictError(
            f"cannot {doing} {user.username!r}: it is the last active administrator"
        )


def do_set_locale(
    engine: Engine, user_id: int, locale: Locale, *, now: datetime | None = None
) -> User:
    """A user's own choice of language for the pages (anyone may set their own)."""
    at = now or datetime.now(tz=UTC)
    with engine.begin() as conn:
        user_or_raise(conn, user_id)
        conn.execute(
            update(users).where(users.c.id == user_id).values(locale=locale.value, updated_at=at)
        )
        return user_or_raise(conn, user_id)
