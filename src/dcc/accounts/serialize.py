"""Accounts records as JSON (CLI `--json`, later the API). Never a hash, token or secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dcc.accounts.records import Agency, ApiToken, Share, User


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def agency_json(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "name": agency.name,
        "kind": agency.kind.value,
        "parent": agency.parent_id,
        "created_at": _time(agency.created_at),
        "updated_at": _time(agency.updated_at),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "agency": user.agency_id,
        "role": user.role.value,
        "locale": user.locale.value,
        "is_active": user.is_active,
        "has_password": user.has_password,
        "created_at": _time(user.created_at),
        "last_login_at": _time(user.last_login_at),
        "password_changed_at": _time(user.password_changed_at),
    }


def api_token_json(api_token: ApiToken) -> dict[str, Any]:
    return {
        "id": api_token.id,
        "user_id": api_token.user_id,
        "name": api_token.name,
        "prefix": api_token.prefix,
        "created_at": _time(api_token.created_at),
        "expires_at": _time(api_token.expires_at),
        "last_used_at": _time(api_token.last_used_at),
        "revoked_at": _time(api_token.revoked_at),
    }


def share_json(share: Share) -> dict[str, Any]:
    return {
        "id": share.id,
        "object_type": share.object_type,
        "object_id": share.object_id,
        "agency": share.agency_id,
        "user_id": share.user_id,
        "shared_by": share.shared_by,
        "shared_at": _time(share.shared_at),
    }
