"""Password hashing (argon2id), the policy, rehashing and the dummy verification."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from account_helpers import FAST_HASHER
from argon2 import PasswordHasher

from dcc.accounts import passwords
from dcc.accounts.errors import PasswordPolicyError
from dcc.accounts.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    use_hasher,
    verify_dummy,
    verify_password,
)


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = hash_password("correct horse battery staple")
    second = hash_password("correct horse battery staple")
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert verify_password(first, "correct horse battery staple")
    assert not verify_password(first, "correct horse battery stapl")
    assert not verify_password("not a hash", "correct horse battery staple")


def test_production_hasher_is_not_weakened() -> None:
    default = PasswordHasher()
    previous = use_hasher(default)
    try:
        assert passwords._hasher.time_cost >= 2 and passwords._hasher.memory_cost >= 19 * 1024
    finally:
        use_hasher(previous)


@pytest.fixture
def other_parameters() -> Iterator[None]:
    previous = use_hasher(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    yield
    use_hasher(previous)


def test_hashes_from_other_parameters_verify_and_need_rehash(other_parameters: None) -> None:
    old = FAST_HASHER.hash("correct horse battery staple")
    assert verify_password(old, "correct horse battery staple")
    assert needs_rehash(old)
    assert not needs_rehash(hash_password("correct horse battery staple"))
    assert needs_rehash("garbage")


def test_dummy_verification_does_not_raise() -> None:
    verify_dummy("anything")
    verify_dummy("")


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short", "it needs at least 12"),
        ("x" * 11, "11 characters long"),
        ("x" * 1025, "at most 1024"),
        ("Ana.Wijaya.2024", "must not be the username"),
        ("  ana.wijaya.2024 ", "must not be the username"),
    ],
)
def test_policy_refuses_with_a_clear_reason(password: str, says: str) -> None:
    with pytest.raises(PasswordPolicyError, match=says):
        check_password_policy(password, username="ana.wijaya.2024")


def test_policy_accepts_a_passphrase() -> None:
    check_password_policy("twelve chars", username="ana")
    check_password_policy("kata sandi yang panjang sekali", username="ana")
