"""Checks on account input (pure): usernames, agency ids, names, share targets.

Each returns the cleaned value or raises AccountError naming the offending value.
"""

from __future__ import annotations

import re

from dcc.accounts.errors import AccountError
from dcc.accounts.records import AgencySpec, ObjectRef, UserSpec

MAX_NAME_LENGTH = 200
MAX_TOKEN_NAME_LENGTH = 100
MAX_OBJECT_ID_LENGTH = 200
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_OBJECT_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def lookup_username(username: str) -> str:
    """The form a typed username is looked up and rate-limited under (never raises)."""
    return username.strip().lower()[:64]


def checked_username(username: str) -> str:
    """A username in its stored form: 2 to 64 of a-z 0-9 . _ -, starting with a letter or a
    digit; upper case is folded to lower."""
    cleaned = username.strip().lower()
    if not _SLUG.fullmatch(cleaned):
        raise AccountError(
            f"{username!r} is not a valid username: use 2 to 64 of a-z 0-9 . _ - "
            "starting with a letter or digit"
        )
    return cleaned


def checked_agency_id(agency_id: str) -> str:
    """An agency id ("kemlu", "kbri-tokyo"): the same form as a username."""
    cleaned = agency_id.strip().lower()
    if not _SLUG.fullmatch(cleaned):
        raise AccountError(
            f"{agency_id!r} is not a valid agency id: use 2 to 64 of a-z 0-9 . _ - "
            "starting with a letter or digit"
        )
    return cleaned


def checked_name(name: str, *, what: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """A display name with its spaces normalised; not empty, at most `max_length`."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise AccountError(f"the {what} is empty")
    if len(cleaned) > max_length:
        raise AccountError(f"the {what} is {len(cleaned)} characters long; at most {max_length}")
    return cleaned


def checked_agency_spec(spec: AgencySpec) -> AgencySpec:
    parent = checked_agency_id(spec.parent_id) if spec.parent_id else None
    agency_id = checked_agency_id(spec.id)
    if parent == agency_id:
        raise AccountError(f"agency {agency_id!r} cannot supervise itself")
    return AgencySpec(
        id=agency_id,
        name=checked_name(spec.name, what="agency name"),
        kind=spec.kind,
        parent_id=parent,
    )


def checked_user_spec(spec: UserSpec) -> UserSpec:
    username = checked_username(spec.username)
    display = spec.display_name if spec.display_name.strip() else username
    return UserSpec(
        username=username,
        agency_id=checked_agency_id(spec.agency_id),
        role=spec.role,
        display_name=checked_name(display, what="display name"),
        locale=spec.locale,
    )


def checked_object_ref(ref: ObjectRef) -> ObjectRef:
    """An object's type ("incident") and id as object_shares stores them."""
    if not _OBJECT_TYPE.fullmatch(ref.object_type):
        raise AccountError(f"{ref.object_type!r} is not a valid object type (a-z 0-9 _)")
    if not ref.object_id or len(ref.object_id) > MAX_OBJECT_ID_LENGTH:
        raise AccountError(f"{ref.object_id!r} is not a valid object id (1 to 200 characters)")
    return ref
