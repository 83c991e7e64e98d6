"""CSRF tokens: bound to one session, fresh each time, checked in constant time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dcc.accounts.csrf import check_csrf, is_csrf_token_valid, new_csrf_token
from dcc.accounts.errors import CsrfError
from dcc.accounts.records import Session
from dcc.accounts.tokens import new_csrf_secret

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def session(session_id: int = 1, secret: str | None = None) -> Session:
    return Session(
        id=session_id,
        user_id=1,
        created_at=T0,
        last_seen_at=T0,
        expires_at=T0,
        csrf_secret=secret or new_csrf_secret(),
    )


def test_token_is_valid_for_its_session_only() -> None:
    mine, other = session(1), session(2)
    token = new_csrf_token(mine)
    assert is_csrf_token_valid(mine, token)
    check_csrf(mine, token)
    assert not is_csrf_token_valid(other, token)
    # The same secret under another session id does not pass either.
    assert not is_csrf_token_valid(session(3, mine.csrf_secret), token)


def test_every_token_differs_and_each_stays_valid() -> None:
    mine = session()
    tokens = {new_csrf_token(mine) for _ in range(5)}
    assert len(tokens) == 5 and all(is_csrf_token_valid(mine, t) for t in tokens)


@pytest.mark.parametrize(
    ("presented", "says"),
    [(None, "missing"), ("", "missing"), ("garbage", "invalid"), (".abc", "invalid")],
)
def test_missing_or_forged_tokens_are_refused(presented: str | None, says: str) -> None:
    with pytest.raises(CsrfError, match=f"the CSRF token is {says}"):
        check_csrf(session(), presented)


def test_tampered_token_is_refused() -> None:
    mine = session()
    nonce, _, signature = new_csrf_token(mine).partition(".")
    assert not is_csrf_token_valid(mine, f"{nonce}x.{signature}")
    flipped = "1" if signature[-1] == "0" else "0"
    assert not is_csrf_token_valid(mine, f"{nonce}.{signature[:-1]}{flipped}")
    assert not is_csrf_token_valid(mine, f"{nonce}.{signature}" + "0" * 500)


def test_the_secret_is_kept_out_of_reprs() -> None:
    mine = session()
    assert mine.csrf_secret not in repr(mine)
