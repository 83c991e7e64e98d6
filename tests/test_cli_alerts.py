"""`dcc watchlists ...` and `dcc alerts ...`: in-process for speed, one real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from dcc.accounts.actions import do_create_agency
from dcc.accounts.records import AgencyKind, AgencySpec
from dcc.alerts.actions import do_create_watchlist, do_record_matches
from dcc.alerts.delivery_actions import RetryPolicy, do_claim_deliveries, do_record_failure
from dcc.alerts.records import Channel, DeliveryStatus, WatchlistMatch, WatchlistSpec
from dcc.cli import app
from dcc.context import Context
from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.records import RawItem, Source, SourceKind
from dcc.store.database import create_db_engine
from web_helpers import make_user

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def dcc(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The commands in this process, over the test's database (closed after the test)."""
    monkeypatch.setattr("dcc.cli_alerts.context", lambda: ctx)
    return CliRunner()


def test_watchlists_add_list_test_remove(dcc: CliRunner, db_url: str) -> None:
    engine = create_db_engine(db_url)
    do_sync_sources(engine, [Source(id="antara-id", kind=SourceKind.RSS, url="https://a.example")])
    do_ingest_stream(
        engine,
        [RawItem(source_id="antara-id", external_id="1", title="Gempa guncang Lombok", text="")],
        source_id="antara-id",
    )
    engine.dispose()
    added = dcc.invoke(
        app,
        [
            *("watchlists", "add", "Gempa", "gempa OR tsunami", "--recipient", "duty"),
            *("--schedule", "digest", "--by", "ana", "--json"),
        ],
    )
    assert added.exit_code == 0, added.output
    created = json.loads(added.stdout)
    assert created["owner"] == "ana" and created["schedule"] == "digest"
    listed = json.loads(dcc.invoke(app, ["watchlists", "list", "--json"]).stdout)
    assert [w["id"] for w in listed] == [created["id"]]
    tried = dcc.invoke(app, ["watchlists", "test", "GEMPA lombok"])
    assert tried.exit_code == 0, tried.output
    assert "query: gempa lombok" in tried.stdout and "Gempa guncang Lombok" in tried.stdout
    removed = dcc.invoke(app, ["watchlists", "remove", str(created["id"])])
    assert removed.exit_code == 0 and "alerts are kept" in removed.stdout
    assert json.loads(dcc.invoke(app, ["watchlists", "list", "--json"]).stdout) == []


BAD_INPUT = [
    (["watchlists", "add", "x", "gempa lang:xx"], "'xx' is not a language code"),
    (["watchlists", "test", "(gempa"], "'(' is never closed"),
    (["watchlists", "remove", "424242"], "no watchlist with id 424242"),
    (["alerts", "ack", "424242"], "no alert with id 424242"),
]


def test_bad_input_exits_2_with_one_line(dcc: CliRunner) -> None:
    for args, says in BAD_INPUT:
        result = dcc.invoke(app, args)
        assert result.exit_code == 2, args
        [line] = result.stderr.splitlines()
        assert line.startswith("dcc: error:") and says in line, line


def test_alerts_list_ack_dismiss(dcc: CliRunner, db_url: str) -> None:
    engine = create_db_engine(db_url)
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    created = do_record_matches(
        engine,
        [
            WatchlistMatch(watchlist.id, item_id, f"story:{item_id}", "Gempa", None, "antara-id")
            for item_id in (1, 2)
        ],
        window=timedelta(hours=1),
    ).created
    engine.dispose()
    first, second = created
    listed = json.loads(dcc.invoke(app, ["alerts", "list", "--status", "new", "--json"]).stdout)
    assert [a["id"] for a in listed] == [second, first]
    acked = dcc.invoke(app, ["alerts", "ack", str(first), "--by", "ana"])
    assert acked.exit_code == 0 and f"alert {first} is acknowledged (by ana)" in acked.stdout
    again = dcc.invoke(app, ["alerts", "ack", str(first)])
    assert again.exit_code == 2 and "is acknowledged; it can be" in again.stderr
    dismissed = dcc.invoke(app, ["alerts", "dismiss", str(second), "--note", "drill"])
    assert dismissed.exit_code == 0 and "dismissed (by local)" in dismissed.stdout
    table = dcc.invoke(app, ["alerts", "list"])
    assert "acknowledged" in table.stdout and "dismissed" in table.stdout
    assert json.loads(dcc.invoke(app, ["alerts", "list", "--status", "new", "--json"]).stdout) == []


def test_the_real_command_refuses_a_bad_status(tmp_path: Path) -> None:
    env = {**os.environ, "DCC_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "dcc", "alerts", "list", "--status", "sideways"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2 and "sideways" in result.stderr


def test_alerts_show_and_deliveries(
    dcc: CliRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wide console: the tables are checked cell by cell, unwrapped.
    monkeypatch.setattr("dcc.cli_alerts.out", Console(width=200, highlight=False))
    engine = create_db_engine(db_url)
    spec = WatchlistSpec(
        name="Gempa",
        query="gempa",
        recipients=("duty", "ops@example.org"),
        channels=("in_app", "email"),
    )
    watchlist = do_create_watchlist(engine, spec)
    match = WatchlistMatch(watchlist.id, 1, "story:1", "Gempa [M6]", None, "antara-id")
    [alert_id] = do_record_matches(engine, [match], window=timedelta(hours=1)).created
    # A send that failed (no SMTP server configured): pending, with its error.
    [claim] = do_claim_deliveries(
        engine,
        datetime.now(tz=UTC),
        status=DeliveryStatus.PENDING,
        channels=[Channel.EMAIL],
        lease=timedelta(minutes=1),
        limit=10,
        max_attempts=1,
    )
    do_record_failure(
        engine,
        [claim],
        "DCC_SMTP_HOST is not set [Errno 0]",
        datetime.now(tz=UTC),
        retry=RetryPolicy(max_attempts=1, base_s=30, max_s=60),
    )
    engine.dispose()
    shown = dcc.invoke(app, ["alerts", "show", str(alert_id)])
    assert shown.exit_code == 0, shown.output
    assert f"alert {alert_id} [new] Gempa: Gempa [M6]" in shown.stdout
    assert "created" in shown.stdout and "ops@example.org" in shown.stdout
    assert "dead" in shown.stdout and "DCC_SMTP_HOST is not set [Errno 0]" in shown.stdout
    detail = json.loads(dcc.invoke(app, ["alerts", "show", str(alert_id), "--json"]).stdout)
    assert [(d["channel"], d["status"], d["attempts"]) for d in detail["deliveries"]] == [
        ("in_app", "delivered", 1),
        ("email", "dead", 1),
    ]
    dead = json.loads(
        dcc.invoke(app, ["alerts", "deliveries", "--status", "dead", "--json"]).stdout
    )
    assert [(d["id"], d["alert_id"], d["recipient"]) for d in dead] == [
        (claim.id, alert_id, "ops@example.org")
    ]
    assert dead[0]["last_error"] == "DCC_SMTP_HOST is not set [Errno 0]"
    table = dcc.invoke(app, ["alerts", "deliveries"])
    assert table.exit_code == 0 and "duty" in table.stdout and "dead" in table.stdout
    missing = dcc.invoke(app, ["alerts", "show", "424242"])
    assert missing.exit_code == 2 and "no alert with id 424242" in missing.stderr


def test_the_operator_marks_shares_and_reads_every_watchlist_and_alert(
    dcc: CliRunner, ctx: Context
) -> None:
    do_create_agency(ctx.engine, AgencySpec("bssn", "BSSN", AgencyKind.PARTNER_AGENCY))
    added = dcc.invoke(
        app,
        ["watchlists", "add", "Rahasia", "gempa", "--tlp", "amber+strict", "--agency", "bssn"],
    )
    assert added.exit_code == 0, added.output
    red = dcc.invoke(app, ["watchlists", "add", "Merah", "gempa", "--tlp", "RED", "--json"])
    created = json.loads(red.stdout)
    assert (created["tlp"], created["owner_agency"]) == ("RED", "kemlu")  # DCC_DEFAULT_AGENCY
    listed = dcc.invoke(app, ["watchlists", "list"])
    assert "AMBER+STRICT" in listed.stdout and "bssn" in listed.stdout and "RED" in listed.stdout
    # RED has no author here, so no user reads it; the operator does.
    match = WatchlistMatch(created["id"], 1, "story:a", "Gempa", None, "antara-id")
    [alert_id] = do_record_matches(ctx.engine, [match], window=timedelta(hours=1)).created
    shown = json.loads(dcc.invoke(app, ["alerts", "list", "--json"]).stdout)
    assert [(a["id"], a["tlp"]) for a in shown] == [(alert_id, "RED")]
    assert "TLP:RED of kemlu" in dcc.invoke(app, ["alerts", "show", str(alert_id)]).stdout
    wid = str(created["id"])
    refused = dcc.invoke(app, ["watchlists", "share", wid, "--agency", "bssn"])
    assert refused.exit_code == 2 and "never with a whole agency" in refused.stderr
    make_user(ctx.engine, "sari", agency="bssn")
    shared = dcc.invoke(app, ["watchlists", "share", wid, "--user", "sari"])
    assert shared.exit_code == 0 and f"watchlist {wid} shared with sari" in shared.stdout
    gone = dcc.invoke(app, ["watchlists", "unshare", wid, "--user", "sari"])
    assert "no longer shared with sari" in gone.stdout
    again = dcc.invoke(app, ["watchlists", "unshare", wid, "--user", "sari"])
    assert "was not shared with sari" in again.stdout
    bad = dcc.invoke(app, ["watchlists", "add", "x", "gempa", "--tlp", "PURPLE"])
    assert bad.exit_code == 2 and "not a TLP 2.0 label" in bad.stderr
