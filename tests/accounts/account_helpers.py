"""Helpers for the accounts tests: agencies, users and principals in a few lines."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import Engine

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.queries import principal_of
from dcc.accounts.records import (
    Agency,
    AgencyKind,
    AgencySpec,
    Principal,
    Role,
    User,
    UserSpec,
)

# argon2id with the least work argon2 accepts: tests hash hundreds of passwords.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"


def make_agency(
    engine: Engine,
    agency_id: str,
    *,
    kind: AgencyKind = AgencyKind.MINISTRY_UNIT,
    parent: str | None = None,
) -> Agency:
    return do_create_agency(
        engine, AgencySpec(id=agency_id, name=agency_id.upper(), kind=kind, parent_id=parent)
    )


def make_user(
    engine: Engine,
    username: str,
    agency_id: str,
    *,
    role: Role = Role.ANALYST,
    password: str | None = PASSWORD,
) -> User:
    return do_create_user(
        engine, UserSpec(username=username, agency_id=agency_id, role=role), password
    )


def as_principal(user: User) -> Principal:
    return principal_of(user)
