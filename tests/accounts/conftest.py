"""Accounts tests hash passwords with cheap argon2 parameters (production keeps its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from account_helpers import FAST_HASHER

from dcc.accounts.passwords import use_hasher


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    previous = use_hasher(FAST_HASHER)
    yield
    use_hasher(previous)
