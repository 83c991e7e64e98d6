"""Password hashing (argon2id through argon2-cffi) and the password policy.

Production uses argon2-cffi's defaults (RFC 9106 low-memory profile, argon2id). Tests swap in
a cheap hasher with `use_hasher`; the defaults here are never weakened. Hashes made with other
parameters still verify, and `needs_rehash` tells the login to store a fresh one.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dcc.accounts.errors import PasswordPolicyError

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash with `hasher` from now on (tests: low cost); returns the one it replaces."""
    global _hasher, _dummy_hash
    previous, _hasher, _dummy_hash = _hasher, hasher, None
    return previous


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, with a fresh salt, in PHC string format."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash` (a malformed hash matches nothing)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether `stored_hash` was made with other parameters than the current hasher's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def verify_dummy(password: str) -> None:
    """Spend the time a real verification takes, for logins of unknown users, so that the
    response time does not reveal whether a username exists."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("dcc: no such user, timing only")
    verify_password(_dummy_hash, password)


def check_password_policy(password: str, *, username: str) -> None:
    """Raise PasswordPolicyError unless `password` is 12 to 1024 characters and not the
    username (compared without case or surrounding spaces)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password is {len(password)} characters long; "
            f"it needs at least {MIN_PASSWORD_LENGTH}"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password is {len(password)} characters long; at most {MAX_PASSWORD_LENGTH}"
        )
    if password.strip().casefold() == username.strip().casefold():
        raise PasswordPolicyError("the password must not be the username")
