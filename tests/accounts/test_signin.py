"""Login, rate limits, sessions and API tokens: the refusals first-hand, with an injected
clock (no sleeping), on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from account_helpers import PASSWORD, make_agency, make_user
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from dcc.accounts.actions import (
    do_authenticate_api_token,
    do_authenticate_session,
    do_create_api_token,
    do_deactivate_user,
    do_login,
    do_logout,
    do_prune_login_history,
    do_revoke_api_token,
    do_set_password,
)
from dcc.accounts.errors import AccountError, LoginRefusedError, RateLimitedError
from dcc.accounts.passwords import needs_rehash, use_hasher
from dcc.accounts.policies import LoginPolicy, SessionPolicy
from dcc.accounts.queries import get_api_token, resolve_api_token, resolve_session
from dcc.accounts.records import NewSession, Role, User
from dcc.accounts.tokens import token_hash
from dcc.store.schema import api_tokens, login_attempts, sessions, users

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ADDRESS = "203.0.113.7"


@pytest.fixture
def ana(engine: Engine) -> User:
    make_agency(engine, "kemlu")
    return make_user(engine, "ana", "kemlu", role=Role.ANALYST)


def login(
    engine: Engine,
    username: str = "ana",
    password: str = PASSWORD,
    *,
    at: datetime = T0,
    address: str = ADDRESS,
    policy: LoginPolicy | None = None,
) -> NewSession:
    return do_login(engine, username, password, client_address=address, login_policy=policy, now=at)


# --- login -----------------------------------------------------------------------------------


def test_login_opens_a_session_storing_only_hashes(engine: Engine, ana: User) -> None:
    signed_in = login(engine, "  ANA ")  # usernames are not case-sensitive
    assert signed_in.user.id == ana.id and signed_in.user.last_login_at == T0
    assert signed_in.session.expires_at == T0 + timedelta(hours=12)
    assert signed_in.token not in repr(signed_in)
    with engine.connect() as conn:
        row = conn.execute(select(sessions)).one()
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert row.token_hash == token_hash(signed_in.token)
    assert signed_in.token not in " ".join(str(v) for v in row)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    resolved = resolve_session_at(engine, signed_in.token, T0)
    assert resolved is not None and resolved.principal.username == "ana"
    assert resolved.principal.agency_id == "kemlu" and resolved.principal.role is Role.ANALYST


def test_unknown_user_wrong_password_and_deactivated_read_the_same(
    engine: Engine, ana: User, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(engine, "budi", "kemlu")
    budi = make_user(engine, "citra", "kemlu")
    do_deactivate_user(engine, budi.id)
    refusals = []
    for username, password in [
        ("ana", "wrong password here"),
        ("nobody", PASSWORD),
        ("citra", PASSWORD),
        ("ana", ""),
        ("ana", "x" * 5000),
    ]:
        with pytest.raises(LoginRefusedError) as refused:
            login(engine, username, password)
        refusals.append(str(refused.value))
    assert set(refusals) == {"wrong username or password"}
    # The log says why, for the administrator, never with the password.
    assert "wrong password" in caplog.text and "unknown user" in caplog.text
    assert "user deactivated" in caplog.text
    assert PASSWORD not in caplog.text and "wrong password here" not in caplog.text
    with engine.connect() as conn:
        recorded = conn.execute(select(login_attempts.c.username, login_attempts.c.is_success))
        assert sorted(recorded) == sorted(
            [("ana", False), ("nobody", False), ("citra", False), ("ana", False), ("ana", False)]
        )


def test_rate_limit_per_username_kicks_in_and_expires(engine: Engine, ana: User) -> None:
    for minute in range(5):
        with pytest.raises(LoginRefusedError):
            login(engine, password="not the password", at=T0 + timedelta(minutes=minute))
    # The sixth try is refused before the password is checked, even the right one.
    with pytest.raises(RateLimitedError) as limited:
        login(engine, at=T0 + timedelta(minutes=5))
    # It ends when the oldest of the five failures leaves the 15-minute window.
    assert limited.value.retry_after == timedelta(minutes=10)
    assert limited.value.retry_after_s == 600 and "600 s" in str(limited.value)
    with pytest.raises(RateLimitedError):
        login(engine, at=T0 + timedelta(minutes=14, seconds=59))
    assert login(engine, at=T0 + timedelta(minutes=15)).user.id == ana.id


def test_rate_limit_applies_to_unknown_usernames_alike(engine: Engine, ana: User) -> None:
    for _ in range(5):
        with pytest.raises(LoginRefusedError):
            login(engine, "nobody", at=T0)
    with pytest.raises(RateLimitedError):
        login(engine, "nobody", at=T0)
    assert login(engine, at=T0).user.id == ana.id  # other usernames are not affected


def test_a_success_restarts_the_username_count(engine: Engine, ana: User) -> None:
    for _ in range(4):
        with pytest.raises(LoginRefusedError):
            login(engine, password="not the password", at=T0)
    login(engine, at=T0 + timedelta(seconds=1))
    for _ in range(4):
        with pytest.raises(LoginRefusedError):
            login(engine, password="not the password", at=T0 + timedelta(seconds=2))
    login(engine, at=T0 + timedelta(seconds=3))


def test_rate_limit_per_address(engine: Engine, ana: User) -> None:
    policy = LoginPolicy(max_failures=5, max_failures_per_address=3)
    for n in range(3):
        with pytest.raises(LoginRefusedError):
            login(engine, f"guess{n}", at=T0, policy=policy)
    with pytest.raises(RateLimitedError):
        login(engine, at=T0, policy=policy)  # the right password, from that address
    assert login(engine, at=T0, address="198.51.100.1", policy=policy).user.id == ana.id


@pytest.fixture
def stronger_hashing() -> object:
    previous = use_hasher(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    yield
    use_hasher(previous)


def test_login_rehashes_a_hash_made_with_older_parameters(
    engine: Engine, ana: User, stronger_hashing: object
) -> None:
    with engine.connect() as conn:
        before = conn.execute(select(users.c.password_hash)).scalar_one()
    assert needs_rehash(before)
    login(engine)
    with engine.connect() as conn:
        after = conn.execute(select(users.c.password_hash)).scalar_one()
    assert after != before and not needs_rehash(after)
    login(engine, at=T0 + timedelta(seconds=1))  # the new hash verifies


# --- sessions --------------------------------------------------------------------------------


def resolve_session_at(engine: Engine, token: str, at: datetime) -> object:
    with engine.connect() as conn:
        return resolve_session(conn, token, idle=SessionPolicy().idle, now=at)


def test_session_ends_after_idle_time(engine: Engine, ana: User) -> None:
    token = login(engine).token
    assert resolve_session_at(engine, token, T0 + timedelta(hours=1, minutes=59)) is not None
    assert resolve_session_at(engine, token, T0 + timedelta(hours=2)) is None


def test_activity_keeps_a_session_until_its_absolute_end(engine: Engine, ana: User) -> None:
    token = login(engine).token
    for hour in range(0, 12):
        at = T0 + timedelta(hours=hour, minutes=30)
        assert do_authenticate_session(engine, token, now=at) is not None, at
    assert do_authenticate_session(engine, token, now=T0 + timedelta(hours=12)) is None


def test_activity_is_recorded_at_most_once_a_minute(engine: Engine, ana: User) -> None:
    signed_in = login(engine)
    do_authenticate_session(engine, signed_in.token, now=T0 + timedelta(seconds=30))
    do_authenticate_session(engine, signed_in.token, now=T0 + timedelta(seconds=90))
    do_authenticate_session(engine, signed_in.token, now=T0 + timedelta(seconds=100))
    with engine.connect() as conn:
        seen = conn.execute(select(sessions.c.last_seen_at)).scalar_one()
    assert seen == T0 + timedelta(seconds=90)


def test_logout_deactivation_and_new_password_end_sessions(
    engine: Engine, ana: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dcc.accounts")
    first, second, third = (login(engine, at=T0 + timedelta(seconds=n)) for n in range(3))
    do_logout(engine, first.session.id)
    assert resolve_session_at(engine, first.token, T0) is None
    assert f"session {first.session.id} of user ana refused: signed out" in caplog.text
    assert first.token not in caplog.text
    do_set_password(engine, ana.id, "a new long passphrase", keep_session_id=third.session.id)
    assert resolve_session_at(engine, second.token, T0) is None
    assert resolve_session_at(engine, third.token, T0) is not None
    make_user(engine, "admin", "kemlu", role=Role.ADMIN)
    do_deactivate_user(engine, ana.id)
    assert resolve_session_at(engine, third.token, T0) is None


def test_unknown_or_malformed_session_tokens_resolve_to_none(engine: Engine, ana: User) -> None:
    login(engine)
    for token in ("", "x" * 5000, "not-a-token", None):
        assert do_authenticate_session(engine, token, now=T0) is None


def test_prune_removes_old_attempts_and_ended_sessions(engine: Engine, ana: User) -> None:
    login(engine)
    with pytest.raises(LoginRefusedError):
        login(engine, password="not the password")
    assert do_prune_login_history(engine, now=T0 + timedelta(days=1)) == 0
    assert do_prune_login_history(engine, now=T0 + timedelta(days=31)) == 3


# --- API tokens ------------------------------------------------------------------------------


def test_api_token_resolves_until_revoked(engine: Engine, ana: User) -> None:
    created = do_create_api_token(engine, ana.id, "nightly export", now=T0)
    assert created.token.startswith("dcc_") and created.token not in repr(created)
    assert created.api_token.prefix == created.token[:12]
    with engine.connect() as conn:
        row = conn.execute(select(api_tokens)).one()
    assert row.token_hash == token_hash(created.token)
    assert created.token not in " ".join(str(v) for v in row)
    signed_in = do_authenticate_api_token(engine, created.token, now=T0 + timedelta(hours=1))
    assert signed_in is not None and signed_in.principal.username == "ana"
    with engine.connect() as conn:
        used = get_api_token(conn, created.api_token.id)
    assert used is not None and used.last_used_at == T0 + timedelta(hours=1)
    do_revoke_api_token(engine, created.api_token.id, now=T0 + timedelta(hours=2))
    assert do_authenticate_api_token(engine, created.token, now=T0 + timedelta(hours=3)) is None
    assert do_authenticate_api_token(engine, created.token + "x") is None


def test_api_token_expires(engine: Engine, ana: User) -> None:
    created = do_create_api_token(
        engine, ana.id, "short", expires_at=T0 + timedelta(days=1), now=T0
    )
    with engine.connect() as conn:
        assert resolve_api_token(conn, created.token, now=T0 + timedelta(hours=23)) is not None
        assert resolve_api_token(conn, created.token, now=T0 + timedelta(days=1)) is None
    with pytest.raises(AccountError, match="expire in the past"):
        do_create_api_token(engine, ana.id, "late", expires_at=T0, now=T0)


def test_deactivating_a_user_revokes_its_tokens(engine: Engine, ana: User) -> None:
    created = do_create_api_token(engine, ana.id, "script")
    make_user(engine, "admin", "kemlu", role=Role.ADMIN)
    do_deactivate_user(engine, ana.id)
    assert do_authenticate_api_token(engine, created.token) is None
    with engine.connect() as conn:
        assert conn.execute(select(api_tokens.c.revoked_at)).scalar_one() is not None
