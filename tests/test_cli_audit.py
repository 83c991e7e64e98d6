"""`dcc audit verify` and `dcc audit log` (issue 6): exit 0 on an intact trail with the head
hash, 1 with each problem after tampering, 2 on bad usage (DESIGN §4.3)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from dcc.accounts.actions import do_create_agency, do_create_user, do_update_agency
from dcc.accounts.queries import principal_of
from dcc.accounts.records import AgencyChanges, AgencyKind, AgencySpec, Role, UserSpec
from dcc.cli import app
from dcc.cli_audit import audit_app
from dcc.context import Context
from dcc.coordination.audit_records import GENESIS_HASH
from dcc.store.schema import audit_head, audit_log

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def dcc(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The commands in this process, over the test's database."""
    monkeypatch.setattr("dcc.cli_audit.context", lambda: ctx)
    return CliRunner()


@pytest.fixture
def audited(ctx: Context) -> Context:
    """A few audited writes: an agency and a user by the local operator, an agency change
    by that user."""
    engine = ctx.engine
    do_create_agency(engine, AgencySpec(id="kemlu", name="Kemlu", kind=AgencyKind.MINISTRY))
    rina = do_create_user(
        engine, UserSpec(username="rina", agency_id="kemlu", role=Role.ADMIN), None
    )
    do_update_agency(engine, "kemlu", AgencyChanges(name="Kemlu RI"), by=principal_of(rina))
    return ctx


def head_hash(ctx: Context) -> str:
    with ctx.engine.connect() as conn:
        return str(conn.execute(select(audit_head.c.last_hash)).scalar_one())


def drop_guards(ctx: Context) -> None:
    with ctx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")


def test_verify_an_empty_and_an_intact_trail(dcc: CliRunner, ctx: Context) -> None:
    empty = dcc.invoke(app, ["audit", "verify"])
    assert empty.exit_code == 0, empty.output
    assert "audit trail verifies: 0 rows checked" in empty.stdout
    assert f"head: row 0, hash {GENESIS_HASH}" in empty.stdout


def test_verify_prints_the_head_hash_to_record(dcc: CliRunner, audited: Context) -> None:
    result = dcc.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail verifies: 3 rows checked" in result.stdout
    assert f"head: row 3, hash {head_hash(audited)}" in result.stdout
    as_json = dcc.invoke(app, ["audit", "verify", "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {
        "ok": True,
        "rows_checked": 3,
        "head_seq": 3,
        "head_hash": head_hash(audited),
        "problems": [],
    }


def test_verify_fails_with_each_problem_after_tampering(dcc: CliRunner, audited: Context) -> None:
    drop_guards(audited)
    with audited.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="eve"))
        conn.execute(delete(audit_log).where(audit_log.c.seq == 3))
    result = dcc.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "row 1 was changed (hash mismatch)",
        "the last row was removed (head says 3, last row is 2)",
    ]
    assert lines[2].startswith("audit trail does NOT verify: 2 problem(s) in 2 rows checked")
    as_json = dcc.invoke(app, ["audit", "verify", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert report["problems"][0] == {"seq": 1, "what": "row 1 was changed (hash mismatch)"}


def test_log_filters_and_prints_json(dcc: CliRunner, audited: Context) -> None:
    table = dcc.invoke(app, ["audit", "log"])
    assert table.exit_code == 0, table.output
    assert "agency.update" in table.stdout and "user.create" in table.stdout
    by_object = dcc.invoke(app, ["audit", "log", "--object", "agency:kemlu", "--json"])
    assert by_object.exit_code == 0
    found = json.loads(by_object.stdout)
    assert [(e["seq"], e["action"], e["actor"]) for e in found] == [
        (3, "agency.update", "rina"),
        (1, "agency.create", "local-operator"),
    ]
    assert found[0]["before"]["name"] == "Kemlu" and found[0]["after"]["name"] == "Kemlu RI"
    by_actor = dcc.invoke(app, ["audit", "log", "--actor", "local-operator", "--json"])
    assert [e["seq"] for e in json.loads(by_actor.stdout)] == [2, 1]
    limited = dcc.invoke(app, ["audit", "log", "--limit", "1", "--json"])
    assert [e["seq"] for e in json.loads(limited.stdout)] == [3]
    since = dcc.invoke(app, ["audit", "log", "--since", "2999-01-01", "--json"])
    assert json.loads(since.stdout) == []


def test_verify_checks_recorded_heads(dcc: CliRunner, audited: Context) -> None:
    recorded = head_hash(audited)
    same = dcc.invoke(app, ["audit", "verify", "--recorded", f"3:{recorded.upper()}"])
    assert same.exit_code == 0, same.output
    other = dcc.invoke(app, ["audit", "verify", "--recorded", f"2:{recorded}"])
    assert other.exit_code == 1
    assert other.stdout.startswith("row 2's hash is not the one recorded")
    bad = dcc.invoke(app, ["audit", "verify", "--recorded", "3:abc"])
    assert bad.exit_code == 2 and "is not SEQ:HASH" in bad.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--object", "agency"], "is not TYPE:ID"),
        (["--object", ":3"], "is not TYPE:ID"),
        (["--since", "yesterday"], "is not an ISO 8601 time"),
    ],
)
def test_log_refuses_bad_usage(dcc: CliRunner, args: list[str], says: str) -> None:
    result = dcc.invoke(app, ["audit", "log", *args])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("dcc: error:") and says in line
    assert dcc.invoke(app, ["audit", "log", "--limit", "0"]).exit_code == 2


def test_verify_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "DCC_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "dcc", "audit", "verify", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def test_the_commands_and_the_audited_actions_are_documented() -> None:
    text = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    for command in audit_app.registered_commands:
        assert f"dcc audit {command.name}" in text, command.name
    hooked = [
        "accounts/actions.py",
        "accounts/signin.py",
        "accounts/sharing.py",
        "alerts/actions.py",
        "ingest/actions.py",
    ]
    verbs: set[str] = set()
    for name in hooked:
        source = (REPO / "src" / "dcc" / name).read_text(encoding="utf-8")
        verbs |= set(
            re.findall(
                r'"((?:agency|user|session|api_token|share|watchlist|alert|'
                r'source)\.[a-z_]+)"',
                source,
            )
        )
    assert len(verbs) >= 20, verbs
    for verb in verbs:
        assert f"`{verb}`" in text, verb
