"""docs/accounts.md and docs/settings.md keep up with the code: roles, permissions, labels,
agency kinds, settings and commands."""

from __future__ import annotations

import re
from pathlib import Path

from dcc.accounts.records import (
    ROLE_PERMISSIONS,
    TLP,
    AgencyKind,
    Permission,
    Role,
    has_permission,
)
from dcc.cli_users import agencies_app, tokens_app, users_app
from dcc.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_permission_table_is_documented_exactly() -> None:
    text = (DOCS / "accounts.md").read_text(encoding="utf-8")
    names = {p.value for p in Permission}
    rows = {
        found.group(1): line
        for line in text.splitlines()
        if (found := re.match(r"\| `([a-z_]+)`", line)) and found.group(1) in names
    }
    header = next(line for line in text.splitlines() if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.split("|")[2:-1]]
    assert roles == [r.value for r in Role]
    assert set(rows) == {p.value for p in Permission}
    for permission in Permission:
        cells = [c.strip() for c in rows[permission.value].split("|")[2:-1]]
        for role, cell in zip(Role, cells, strict=True):
            assert (cell == "yes") is has_permission(role, permission), (permission, role)
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_labels_kinds_and_commands_are_documented() -> None:
    text = (DOCS / "accounts.md").read_text(encoding="utf-8")
    for label in TLP:
        assert f"`{label.value}`" in text, label
    for kind in AgencyKind:
        assert f"`{kind.value}`" in text, kind
    for name, group in (("users", users_app), ("agencies", agencies_app), ("tokens", tokens_app)):
        for command in group.registered_commands:
            assert f"dcc {name} {command.name}" in text, command.name
    assert "dcc init" in text and "DCC_INIT_PASSWORD" in text


def test_account_settings_are_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith(("session_", "login_")):
            assert f"`DCC_{name.upper()}`" in text, name
