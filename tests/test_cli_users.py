"""`dcc init` (first administrator), `dcc users`, `dcc agencies`, `dcc tokens`: in-process
for speed, one real process for the scripted install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from dcc.accounts.passwords import use_hasher
from dcc.accounts.signin import do_login
from dcc.cli import app
from dcc.context import Context

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def dcc(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The commands in this process, over the test's database, hashing cheaply."""
    monkeypatch.setattr("dcc.cli.context", lambda: ctx)
    monkeypatch.setattr("dcc.cli_users.context", lambda: ctx)
    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield CliRunner()
    use_hasher(previous)


def one_line_error(result: object, says: str) -> None:
    assert getattr(result, "exit_code", None) == 2, getattr(result, "output", "")
    [line] = getattr(result, "stderr", "").splitlines()
    assert line.startswith("dcc: error:") and says in line, line


def test_init_creates_the_first_admin_once(dcc: CliRunner) -> None:
    created = dcc.invoke(
        app, ["init", "--no-sources", "--admin", "Rina", "--password-stdin"], input=PASSWORD
    )
    assert created.exit_code == 0, created.output
    assert "administrator rina created in kemlu" in created.stdout
    [admin] = json.loads(dcc.invoke(app, ["users", "list", "--json"]).stdout)
    assert (admin["username"], admin["role"], admin["agency"]) == ("rina", "admin", "kemlu")
    assert "password" not in json.dumps(admin).replace("password_changed_at", "").replace(
        "has_password", ""
    )
    [agency] = json.loads(dcc.invoke(app, ["agencies", "list", "--json"]).stdout)
    assert (agency["id"], agency["kind"]) == ("kemlu", "ministry")
    # Re-running is safe; asking for another first administrator is refused.
    again = dcc.invoke(app, ["init", "--no-sources"])
    assert again.exit_code == 0 and "accounts: administrator rina" in again.stdout
    refused = dcc.invoke(app, ["init", "--no-sources", "--password-stdin"], input=PASSWORD)
    one_line_error(refused, "an administrator exists already (rina)")


def test_init_without_a_password_source_writes_a_generated_one(
    dcc: CliRunner, ctx: Context
) -> None:
    """`make run` from a script: nobody to ask, so a random password goes to a file only the
    user can read, and it signs in."""
    result = dcc.invoke(app, ["init", "--no-sources"])
    assert result.exit_code == 0, result.output
    path = ctx.settings.home / "initial-admin-password"
    assert str(path) in result.stdout.replace("\n", "")
    assert path.stat().st_mode & 0o777 == 0o600
    password = path.read_text(encoding="utf-8").strip()
    assert len(password) >= 20 and password not in result.output
    [admin] = json.loads(dcc.invoke(app, ["users", "list", "--json"]).stdout)
    assert admin["username"] == "admin" and admin["role"] == "admin"
    signed = do_login(ctx.engine, "admin", password, client_address="127.0.0.1")
    assert signed.user.username == "admin"
    # Run again (make run does): nothing changes, the file is not rewritten.
    again = dcc.invoke(app, ["init", "--no-sources"])
    assert again.exit_code == 0 and path.read_text(encoding="utf-8").strip() == password


def test_init_reads_the_password_variable(dcc: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCC_INIT_PASSWORD", PASSWORD)
    result = dcc.invoke(app, ["init", "--no-sources", "--agency", "pusdatin"])
    assert result.exit_code == 0, result.output
    assert "administrator admin created in pusdatin" in result.stdout


def test_init_refuses_a_weak_password(dcc: CliRunner) -> None:
    result = dcc.invoke(app, ["init", "--no-sources", "--password-stdin"], input="admin\n")
    one_line_error(result, "it needs at least 12")


def test_users_add_list_role_passwd_deactivate(dcc: CliRunner) -> None:
    dcc.invoke(app, ["init", "--no-sources", "--password-stdin"], input=PASSWORD)
    added = dcc.invoke(
        app,
        ["agencies", "add", "kbri-tokyo", "KBRI Tokyo", "--kind", "embassy", "--parent", "kemlu"],
    )
    assert added.exit_code == 0 and "added agency kbri-tokyo" in added.stdout
    result = dcc.invoke(
        app,
        [
            *("users", "add", "Sari", "--agency", "kbri-tokyo", "--role", "officer"),
            *("--name", "Sari Dewi", "--locale", "en", "--password-stdin", "--json"),
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    sari = json.loads(result.stdout)
    assert (sari["username"], sari["role"], sari["locale"]) == ("sari", "officer", "en")
    listed = json.loads(
        dcc.invoke(app, ["users", "list", "--agency", "kbri-tokyo", "--json"]).stdout
    )
    assert [u["username"] for u in listed] == ["sari"]
    table = dcc.invoke(app, ["users", "list"])
    assert "sari" in table.stdout and "Sari Dewi" in table.stdout
    assert dcc.invoke(app, ["users", "role", "sari", "analyst"]).stdout.strip() == (
        "sari is now analyst"
    )
    changed = dcc.invoke(app, ["users", "passwd", "sari", "--password-stdin"], input="x" * 20)
    assert changed.exit_code == 0 and "sessions ended" in changed.stdout
    assert dcc.invoke(app, ["users", "deactivate", "sari"]).exit_code == 0
    active = json.loads(dcc.invoke(app, ["users", "list", "--json"]).stdout)
    everyone = json.loads(dcc.invoke(app, ["users", "list", "--all", "--json"]).stdout)
    assert [u["username"] for u in active] == ["admin"] and len(everyone) == 2


BAD_INPUT = [
    (["users", "add", "budi", "--agency", "nowhere", "--no-password"], "no agency with id"),
    (["users", "add", "budi wijaya", "--agency", "kemlu", "--no-password"], "not a valid username"),
    (["users", "add", "budi", "--agency", "kemlu"], "no password given"),
    (["users", "add", "admin", "--agency", "kemlu", "--no-password"], "'admin' is taken"),
    (["users", "role", "admin", "viewer"], "last active administrator"),
    (["users", "deactivate", "nobody"], "no user named 'nobody'"),
    (["users", "passwd", "admin", "--password-stdin"], "no password on standard input"),
    (["agencies", "add", "kemlu", "Again", "--kind", "ministry"], "exists already"),
    (["agencies", "add", "x y", "Bad", "--kind", "ministry"], "not a valid agency id"),
    (["tokens", "revoke", "4242"], "no API token with id 4242"),
    (["tokens", "create", "nobody", "x"], "no user named 'nobody'"),
]


def test_bad_input_exits_2_with_one_line(dcc: CliRunner) -> None:
    dcc.invoke(app, ["init", "--no-sources", "--password-stdin"], input=PASSWORD)
    for args, says in BAD_INPUT:
        one_line_error(dcc.invoke(app, args, input=""), says)
    unknown_role = dcc.invoke(app, ["users", "add", "budi", "--agency", "kemlu", "--role", "god"])
    assert unknown_role.exit_code == 2  # typer's own usage error


def test_tokens_create_list_revoke(dcc: CliRunner) -> None:
    dcc.invoke(app, ["init", "--no-sources", "--password-stdin"], input=PASSWORD)
    created = dcc.invoke(
        app, ["tokens", "create", "admin", "nightly export", "--expires-days", "30"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[-1]
    assert token.startswith("dcc_") and len(token) > 40
    listed = dcc.invoke(app, ["tokens", "list", "--json"])
    [entry] = json.loads(listed.stdout)
    assert token not in listed.stdout and entry["prefix"] == token[:12]
    assert entry["name"] == "nightly export" and entry["expires_at"] is not None
    revoked = dcc.invoke(app, ["tokens", "revoke", str(entry["id"])])
    assert revoked.exit_code == 0 and f"revoked token {entry['id']}" in revoked.stdout
    table = dcc.invoke(app, ["tokens", "list", "--user", "admin"])
    assert "revoked" in table.stdout and token not in table.stdout


def test_scripted_install_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "DCC_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "dcc", "init", "--no-sources", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "administrator admin created in kemlu" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
