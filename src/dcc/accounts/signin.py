"""Signing in and staying signed in (STYLE rule 3: the only writers of sessions, API tokens
and login attempts): login with rate limits, sessions with absolute and idle ends, API
tokens, and pruning old login history. Refusals are logged; passwords and tokens never are.

Sign-in and sign-out ("session.open", "session.close") and the creation and revocation of API
tokens (their name and prefix only) are audited (coordination/audit.py); failed logins are
kept in login_attempts instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, or_, select, update

from dcc.accounts.access import require_permission
from dcc.accounts.checks import MAX_TOKEN_NAME_LENGTH, checked_name, lookup_username
from dcc.accounts.errors import AccountError, LoginRefusedError, RateLimitedError
from dcc.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from dcc.accounts.policies import LoginPolicy, SessionPolicy
from dcc.accounts.queries import (
    api_token_or_raise,
    get_user,
    principal_of,
    resolve_api_token,
    resolve_session,
    row_to_session,
    user_or_raise,
)
from dcc.accounts.records import (
    ApiToken,
    NewApiToken,
    NewSession,
    Permission,
    Principal,
    Session,
    SignedIn,
    TokenSignIn,
)
from dcc.accounts.tokens import (
    api_token_prefix,
    new_api_token,
    new_csrf_secret,
    new_session_token,
    token_hash,
)
from dcc.coordination.audit import record_audit
from dcc.store.schema import api_tokens, login_attempts, sessions, users

log = logging.getLogger("dcc.accounts")

# Activity is recorded at most this often per session or token: the idle timeout does not
# need a finer clock, and a busy page must not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)
MAX_ADDRESS_LENGTH = 64
MAX_USER_AGENT_LENGTH = 300


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(tz=UTC)


# --- login and sessions ----------------------------------------------------------------------


def do_login(
    engine: Engine,
    username: str,
    password: str,
    *,
    client_address: str | None,
    user_agent: str | None = None,
    login_policy: LoginPolicy | None = None,
    session_policy: SessionPolicy | None = None,
    now: datetime | None = None,
) -> NewSession:
    """Check a username and password and open a session.

    Raise RateLimitedError (before any password check) when the username or the client
    address has failed too often recently, and LoginRefusedError, with the same words for an
    unknown user, a wrong password and a deactivated user, otherwise. Unknown users cost a
    dummy hash verification, so timing does not tell them apart either. Every attempt is
    recorded (rate limits hold across processes); a hash made with older parameters is
    replaced on success.
    """
    login_policy = login_policy or LoginPolicy()
    session_policy = session_policy or SessionPolicy()
    at = _now(now)
    name = lookup_username(username)
    address = (client_address or "unknown")[:MAX_ADDRESS_LENGTH]
    with engine.connect() as conn:
        wait = _rate_limit_wait(conn, name, address, login_policy, at)
        row = conn.execute(
            select(users.c.id, users.c.password_hash, users.c.is_active).where(
                users.c.username == name
            )
        ).first()
    found = _LoginRow(int(row.id), row.password_hash, bool(row.is_active)) if row else None
    if wait is not None:
        log.warning("login refused for %r from %s: rate limited", name, address)
        raise RateLimitedError(wait)
    refusal = _password_refusal(found, password)
    success = found if refusal is None else None
    rehash = (
        hash_password(password)
        if success is not None and success.password_hash and needs_rehash(success.password_hash)
        else None
    )
    with engine.begin() as conn:
        conn.execute(
            insert(login_attempts).values(
                username=name, client_address=address, is_success=success is not None, at=at
            )
        )
        if success is not None:
            token, session = _open_session(
                conn, success.id, address, user_agent, session_policy, at
            )
            values: dict[str, object] = {"last_login_at": at}
            if rehash is not None:
                values["password_hash"] = rehash
            conn.execute(update(users).where(users.c.id == success.id).values(**values))
            user = user_or_raise(conn, success.id)
            record_audit(
                conn,
                actor=principal_of(user),
                action="session.open",
                object_type="session",
                object_id=session.id,
                before=None,
                after={
                    "user_id": user.id,
                    "client_address": address,
                    "expires_at": session.expires_at,
                    "password_rehashed": rehash is not None,
                },
                at=at,
            )
            log.info("user %s signed in from %s (session %s)", name, address, session.id)
            return NewSession(token=token, session=session, user=user)
    # Recorded (committed above) before refusing, so the failure counts toward the limits.
    log.warning("login refused for %r from %s: %s", name, address, refusal)
    raise LoginRefusedError


def _password_refusal(found: _LoginRow | None, password: str) -> str | None:
    """Why a login fails (for the log only), or None; spends one verification either way."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password too long"
    if found is None or found.password_hash is None:
        verify_dummy(password)
        return "unknown user" if found is None else "user has no password"
    if not verify_password(found.password_hash, password):
        return "wrong password"
    if not found.is_active:
        return "user deactivated"
    return None


@dataclass(frozen=True, slots=True)
class _LoginRow:
    id: int
    password_hash: str | None
    is_active: bool


def _rate_limit_wait(
    conn: Connection, name: str, address: str, policy: LoginPolicy, now: datetime
) -> timedelta | None:
    """How long until a login for `name` from `address` may be tried, or None if now."""
    since = now - policy.window
    last_success = conn.execute(
        select(func.max(login_attempts.c.at)).where(
            login_attempts.c.username == name,
            login_attempts.c.is_success.is_(True),
            login_attempts.c.at > since,
        )
    ).scalar()
    waits = [
        _wait_after_failures(
            conn,
            login_attempts.c.username == name,
            max(since, last_success) if last_success is not None else since,
            policy.max_failures,
            policy.window,
            now,
        ),
        _wait_after_failures(
            conn,
            login_attempts.c.client_address == address,
            since,
            policy.max_failures_per_address,
            policy.window,
            now,
        ),
    ]
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def _wait_after_failures(
    conn: Connection,
    who: ColumnElement[bool],
    since: datetime,
    limit: int,
    window: timedelta,
    now: datetime,
) -> timedelta | None:
    # The newest `limit` failures after `since`: when there are `limit` of them, logins
    # resume once the oldest of them leaves the window.
    times = (
        conn.execute(
            select(login_attempts.c.at)
            .where(who, login_attempts.c.is_success.is_(False), login_attempts.c.at > since)
            .order_by(login_attempts.c.at.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if len(times) < limit:
        return None
    wait = times[-1] + window - now
    return wait if wait > timedelta(0) else None


def _open_session(
    conn: Connection,
    user_id: int,
    address: str,
    user_agent: str | None,
    policy: SessionPolicy,
    at: datetime,
) -> tuple[str, Session]:
    token = new_session_token()
    session_id = conn.execute(
        insert(sessions)
        .values(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_secret=new_csrf_secret(),
            created_at=at,
            last_seen_at=at,
            expires_at=at + policy.ttl,
            client_address=address,
            user_agent=(user_agent or "")[:MAX_USER_AGENT_LENGTH] or None,
        )
        .returning(sessions.c.id)
    ).scalar_one()
    row = conn.execute(select(sessions).where(sessions.c.id == session_id)).one()
    return token, row_to_session(row)


def do_logout(engine: Engine, session_id: int, *, now: datetime | None = None) -> None:
    """End a session (signing out); ending one already ended changes nothing."""
    at = _now(now)
    with engine.begin() as conn:
        ended = conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(sessions.c.user_id)
        ).first()
        if ended is None:
            return
        user = get_user(conn, int(ended.user_id))
        record_audit(
            conn,
            actor=principal_of(user) if user is not None else None,
            action="session.close",
            object_type="session",
            object_id=session_id,
            before=None,
            after={"user_id": int(ended.user_id), "ended_at": at},
            at=at,
        )


def revoke_sessions(conn: Connection, where: ColumnElement[bool], at: datetime) -> None:
    """End the still-open sessions `where` selects, in the caller's transaction."""
    conn.execute(
        update(sessions).where(where, sessions.c.revoked_at.is_(None)).values(revoked_at=at)
    )


def do_authenticate_session(
    engine: Engine,
    token: str | None,
    *,
    policy: SessionPolicy | None = None,
    now: datetime | None = None,
) -> SignedIn | None:
    """The web layer's sign-in check for a session cookie: the live session and its
    principal (queries.resolve_session), with its activity recorded; None when not live."""
    policy = policy or SessionPolicy()
    at = _now(now)
    with engine.connect() as conn:
        signed_in = resolve_session(conn, token, idle=policy.idle, now=at)
    # Most requests come within a minute of the last one and write nothing (SQLite has one
    # writer; a page's requests must not queue behind it).
    if signed_in is not None and signed_in.session.last_seen_at <= at - TOUCH_INTERVAL:
        do_touch_session(engine, signed_in.session.id, now=at)
    return signed_in


def do_touch_session(engine: Engine, session_id: int, *, now: datetime | None = None) -> None:
    """Record activity on a session (for the idle timeout), at most once a minute."""
    at = _now(now)
    with engine.begin() as conn:
        conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.last_seen_at <= at - TOUCH_INTERVAL)
            .values(last_seen_at=at)
        )


# --- API tokens ------------------------------------------------------------------------------


def do_create_api_token(
    engine: Engine,
    user_id: int,
    name: str,
    *,
    expires_at: datetime | None = None,
    by: Principal | None = None,
    now: datetime | None = None,
) -> NewApiToken:
    """Create an API token acting as `user_id`. The token is in the result only: it is
    stored as a hash. Users make their own; admins anyone's."""
    _require_token_owner(by, user_id, "create API tokens")
    cleaned = checked_name(name, what="token name", max_length=MAX_TOKEN_NAME_LENGTH)
    at = _now(now)
    if expires_at is not None and expires_at <= at:
        raise AccountError(f"the token would expire in the past ({expires_at.isoformat()})")
    token = new_api_token()
    with engine.begin() as conn:
        user = user_or_raise(conn, user_id)
        if not user.is_active:
            raise AccountError(f"user {user.username!r} is deactivated")
        token_id = conn.execute(
            insert(api_tokens)
            .values(
                user_id=user_id,
                name=cleaned,
                prefix=api_token_prefix(token),
                token_hash=token_hash(token),
                created_at=at,
                expires_at=expires_at,
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        api_token = api_token_or_raise(conn, int(token_id))
        record_audit(
            conn,
            actor=by,
            action="api_token.create",
            object_type="api_token",
            object_id=api_token.id,
            before=None,
            after=_token_audit(api_token),
            at=at,
        )
    log.info("API token %s (%s) created for user %s", api_token.id, api_token.prefix, user_id)
    return NewApiToken(token=token, api_token=api_token)


def do_revoke_api_token(
    engine: Engine, token_id: int, *, by: Principal | None = None, now: datetime | None = None
) -> ApiToken:
    """Revoke an API token for good (revoking it again changes nothing)."""
    at = _now(now)
    with engine.begin() as conn:
        found = api_token_or_raise(conn, token_id)
        _require_token_owner(by, found.user_id, "revoke other users' API tokens")
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        revoked = api_token_or_raise(conn, token_id)
        if found.revoked_at is None:
            record_audit(
                conn,
                actor=by,
                action="api_token.revoke",
                object_type="api_token",
                object_id=token_id,
                before=_token_audit(found),
                after=_token_audit(revoked),
                at=at,
            )
        return revoked


def _token_audit(api_token: ApiToken) -> dict[str, object]:
    """What the audit trail keeps of an API token: its name and prefix, never the token or
    its hash."""
    return {
        "user_id": api_token.user_id,
        "name": api_token.name,
        "prefix": api_token.prefix,
        "expires_at": api_token.expires_at,
        "revoked_at": api_token.revoked_at,
    }


def _require_token_owner(by: Principal | None, user_id: int, doing: str) -> None:
    if by is not None and by.user_id == user_id:
        require_permission(by, Permission.USE_API_TOKENS, "use API tokens")
    else:
        require_permission(by, Permission.MANAGE_USERS, doing)


def do_authenticate_api_token(
    engine: Engine, token: str | None, *, now: datetime | None = None
) -> TokenSignIn | None:
    """The API's sign-in check for a bearer token: the live token and its principal
    (queries.resolve_api_token), with its use recorded; None when not live."""
    at = _now(now)
    with engine.connect() as conn:
        signed_in = resolve_api_token(conn, token, now=at)
    last_used = signed_in.api_token.last_used_at if signed_in is not None else None
    if signed_in is not None and (last_used is None or last_used <= at - TOUCH_INTERVAL):
        with engine.begin() as conn:
            conn.execute(
                update(api_tokens)
                .where(
                    api_tokens.c.id == signed_in.api_token.id,
                    or_(
                        api_tokens.c.last_used_at.is_(None),
                        api_tokens.c.last_used_at <= at - TOUCH_INTERVAL,
                    ),
                )
                .values(last_used_at=at)
            )
    return signed_in


# --- housekeeping ----------------------------------------------------------------------------


def do_prune_login_history(
    engine: Engine, *, keep: timedelta = timedelta(days=30), now: datetime | None = None
) -> int:
    """Delete login attempts, and sessions that ended, older than `keep` (rate limits only
    need the last window); returns how many rows went."""
    before = _now(now) - keep
    with engine.begin() as conn:
        attempts = conn.execute(delete(login_attempts).where(login_attempts.c.at < before))
        ended = conn.execute(
            delete(sessions).where(
                or_(sessions.c.expires_at < before, sessions.c.revoked_at < before)
            )
        )
        return int(attempts.rowcount or 0) + int(ended.rowcount or 0)
