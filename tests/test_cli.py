"""The `dcc` command line end to end, as a user runs it (real processes, real database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dcc.app import create_app
from dcc.context import open_context
from dcc.ingest.source_config import read_sources_file
from dcc.records import SourceAuth
from dcc.settings import Settings
from web_helpers import bearer, make_user, sign_in_by_form

REPO = Path(__file__).resolve().parents[1]


def dcc(
    *args: str, home: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DCC_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dcc", *args],
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
        timeout=300,
        cwd=REPO,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_init_loads_default_sources(home: Path) -> None:
    result = dcc("init", home=home)
    assert result.returncode == 0, result.stderr
    assert (home / "sources.toml").exists()
    listed = json.loads(dcc("sources", "list", "--json", home=home).stdout)
    ids = {s["id"] for s in listed}
    assert {"antara-id", "antara-en", "usgs-significant", "gdacs", "kemlu-press"} <= ids
    assert all(s["lang"] for s in listed)


def test_bad_usage_exits_2_with_one_line(home: Path, tmp_path: Path) -> None:
    cases = [
        ("ingest", str(tmp_path / "missing.jsonl")),
        ("search", "-x"),
        ("search", "x", "--sort", "sideways"),
        ("search", "x", "--since", "yesterday"),
        ("sources", "add", "Bad Id", "https://example.org/rss"),
        ("sources", "add", "ok", "ftp://example.org/rss"),
        ("sources", "remove", "nope"),
        ("ingest", "--map", "nonsense", "x.csv"),
    ]
    for args in cases:
        result = dcc(*args, home=home)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines and lines[-1].startswith(("dcc: error:", "Error", "Usage", "╰", "│")), args


def test_sources_add_list_remove_keeps_file_in_step(home: Path) -> None:
    dcc("init", "--no-sources", home=home)
    added = dcc(
        "sources",
        "add",
        "jakpost",
        "https://www.thejakartapost.com/rss",
        "--lang",
        "en",
        "--country",
        "id",
        "--tag",
        "news",
        home=home,
    )
    assert added.returncode == 0, added.stderr
    assert 'id = "jakpost"' in (home / "sources.toml").read_text()
    duplicate = dcc("sources", "add", "jakpost", "https://example.org/rss", home=home)
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    health = json.loads(dcc("sources", "health", "--json", home=home).stdout)
    assert health[0]["source"] == "jakpost" and health[0]["last_success_at"] is None
    assert dcc("sources", "remove", "jakpost", home=home).returncode == 0
    assert "jakpost" not in (home / "sources.toml").read_text()


def test_a_private_source_is_added_with_where_its_secret_is(home: Path) -> None:
    dcc("init", "--no-sources", home=home)
    auth = ["--auth", "header", "--secret-env", "DCC_SOURCE_SECRET_WIRE"]
    auth += ["--auth-header", "X-Api-Key"]
    added = dcc("sources", "add", "wire", "https://wire.example/rss", *auth, home=home)
    assert added.returncode == 0, added.stderr
    written = read_sources_file(home / "sources.toml")
    assert written[0].auth == SourceAuth("header", "DCC_SOURCE_SECRET_WIRE", "X-Api-Key")
    plain = dcc("sources", "add", "leaky", "http://wire.example/rss", "--auth", "bearer",
                "--secret-env", "DCC_SOURCE_SECRET_WIRE", home=home)  # fmt: skip
    assert plain.returncode == 2 and "only over https" in plain.stderr
    assert "leaky" not in (home / "sources.toml").read_text()


def test_real_data_ingest_is_searchable_and_idempotent(home: Path, shared_data: Path) -> None:
    csv_file = next((shared_data / "crisislex-t6").glob("2013_Boston_Bombings/*.csv"))
    targets = [str(shared_data / d) for d in ("gdacs-rss", "usgs-geojson", "cap-alerts")]
    first = dcc("ingest", "--json", *targets, home=home)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["stored"] > 100
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert by_name["gdacs-rss.xml"]["stored"] == 16
    assert by_name["all_day.geojson"]["stored"] > 100

    tweets = dcc(
        "ingest", "--json", "--map", "id=tweet id", "--map", "text=tweet", str(csv_file), home=home
    )
    assert tweets.returncode == 0, tweets.stderr
    assert json.loads(tweets.stdout)["stored"] > 9000

    again = dcc("ingest", "--json", *targets, home=home)
    assert json.loads(again.stdout)["stored"] == 0
    again_csv = dcc(
        "ingest", "--json", "--map", "id=tweet id", "--map", "text=tweet", str(csv_file), home=home
    )
    assert json.loads(again_csv.stdout)["stored"] == 0

    for query, expected_source in [
        ("cyclone", "gdacs"),
        ("marathon", "2013-boston"),
        ("earthquake", ""),
    ]:
        found = json.loads(dcc("search", query, "--json", home=home).stdout)
        assert found["total"] > 0, query
        assert expected_source in found["items"][0]["source"]

    # The same items through the API and the page, served from the same database.
    ctx = open_context(Settings(home=home))
    try:
        analyst = make_user(ctx.engine, "ana")
        with TestClient(create_app(ctx), headers=bearer(ctx.engine, analyst)) as client:
            api = client.get("/api/v1/search", params={"q": "cyclone"}).json()
            assert api["total"] > 0 and "gdacs" in api["items"][0]["source"]
            quakes = client.get("/api/v1/items", params={"kind": "quake"}).json()
            assert quakes["total"] > 100 and quakes["items"][0]["geo"] is not None
            del client.headers["Authorization"]  # pages are for browser sessions
            sign_in_by_form(client, "ana")
            page = client.get("/", params={"q": "marathon"}).text
            assert "No items match" not in page and "Boston" in page
    finally:
        ctx.close()


def test_invalid_cap_is_rejected_with_schema_error(
    home: Path, tmp_path: Path, shared_data: Path
) -> None:
    good = (shared_data / "cap-alerts" / "australia.cap").read_text(encoding="utf-8")
    broken = tmp_path / "broken.cap"
    broken.write_text(
        good.replace("<cap:category>Fire</cap:category>", "<cap:category>Wildfire</cap:category>"),
        encoding="utf-8",
    )
    result = dcc("ingest", str(broken), home=home)
    assert result.returncode == 2
    assert "schema" in result.stderr.lower() and "Wildfire" in result.stderr


def test_jsonl_from_stdin_file_with_bad_lines(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(
        '{"id": "1", "text": "Banjir di Jakarta"}\n'
        "{not json}\n"
        '{"text": "no id"}\n'
        '{"id": "2", "text": "Gempa di Lombok", "extra_field": [1, 2]}\n',
        encoding="utf-8",
    )
    result = dcc("ingest", str(path), home=home)
    assert result.returncode == 0, result.stderr
    assert "2 new" in result.stdout and "2 problems" in result.stdout
    assert "line 2" in result.stderr and "line 3" in result.stderr
    found = json.loads(dcc("search", "lombok", "--json", home=home).stdout)
    assert found["items"][0]["extra"]["extra_field"] == [1, 2]
