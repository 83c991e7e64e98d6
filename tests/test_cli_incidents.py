"""`dcc incidents`, `dcc oncall`, `dcc contacts`: in-process over the test's database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from dcc.accounts.queries import principal_of
from dcc.accounts.records import Role
from dcc.cli import app
from dcc.context import Context
from dcc.coordination.actions import do_open_incident
from dcc.coordination.records import IncidentKind, IncidentSpec, Severity, TaskSpec
from dcc.coordination.task_actions import do_create_task
from web_helpers import make_user


@pytest.fixture
def dcc(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setattr("dcc.cli_incidents.context", lambda: ctx)
    return CliRunner()


def test_incidents_tasks_and_a_sweep_at_a_given_time(dcc: CliRunner, ctx: Context) -> None:
    ana = principal_of(make_user(ctx.engine, "ana"))
    make_user(ctx.engine, "duty", agency="kemlu", role=Role.OFFICER)
    make_user(ctx.engine, "lia", agency="bnpb", role=Role.LIAISON)
    spec = IncidentSpec("Banjir Jakarta", IncidentKind.DISASTER, Severity.CRITICAL)
    incident = do_open_incident(ctx.engine, spec, by=ana)
    task = do_create_task(ctx.engine, incident.id, TaskSpec("Data pengungsi", "bnpb"), by=ana)
    listed = json.loads(dcc.invoke(app, ["incidents", "list", "--json"]).stdout)
    assert [i["title"] for i in listed] == ["Banjir Jakarta"]
    shown = json.loads(dcc.invoke(app, ["incidents", "show", str(incident.id), "--json"]).stdout)
    assert [t["agency"] for t in shown["tasks"]] == ["bnpb"]
    now = datetime.now(tz=UTC)
    added = dcc.invoke(
        app,
        ["oncall", "add", "kemlu", "duty", "--from", (now - timedelta(hours=1)).isoformat(),
         "--until", (now + timedelta(days=2)).isoformat()],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "duty is on call for kemlu" in added.stdout
    # bnpb has no supervising agency: the first rung is passed over to the on-call officer.
    later = (now + timedelta(hours=1)).isoformat()
    swept = json.loads(dcc.invoke(app, ["incidents", "sweep", "--now", later, "--json"]).stdout)
    assert [(s["task_id"], s["action"], s["level"]) for s in swept] == [(task.id, "escalated", 2)]
    overdue = json.loads(dcc.invoke(app, ["incidents", "tasks", "--overdue", "--json"]).stdout)
    assert overdue == []  # not yet overdue in real time


def test_contacts_and_bad_input(dcc: CliRunner, ctx: Context) -> None:
    make_user(ctx.engine, "ana")
    ok = dcc.invoke(app, ["contacts", "email", "ana", "ana@kemlu.go.id"])
    assert ok.exit_code == 0, ok.output
    added = dcc.invoke(app, ["contacts", "agency", "kemlu", "email", "piket@kemlu.go.id"])
    assert added.exit_code == 0 and "piket@kemlu.go.id" in added.stdout
    bad = dcc.invoke(app, ["contacts", "email", "ana", "not-an-address"])
    assert bad.exit_code == 2 and "not an e-mail address" in bad.stderr
    private = dcc.invoke(app, ["contacts", "agency", "kemlu", "webhook", "http://127.0.0.1:9/x"])
    assert private.exit_code == 2 and "refused" in private.stderr
    when = dcc.invoke(app, ["oncall", "add", "kemlu", "ana", "--from", "tomorrow", "--until", "x"])
    assert when.exit_code == 2 and "ISO 8601" in when.stderr
    missing = dcc.invoke(app, ["incidents", "show", "99"])
    assert missing.exit_code == 2 and "no incident with id 99" in missing.stderr
