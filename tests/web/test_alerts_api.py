"""/api/v1/watchlists and /api/v1/alerts on real databases: in-process for most, a live
uvicorn for the event stream, and a real `dcc serve` process for events written elsewhere."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dcc.alerts.actions import do_record_matches
from dcc.alerts.records import WatchlistMatch
from dcc.app import create_app
from dcc.context import Context
from web_helpers import bearer, make_user, sign_in_by_token

HOUR = timedelta(hours=1)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    """Signed in as ana, an analyst of kemlu, by API token."""
    ana = make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        yield sign_in_by_token(test_client, ctx.engine, ana)


def create_watchlist(client: TestClient | httpx.Client, **fields: object) -> dict[str, object]:
    body = {"name": "Gempa", "query": "gempa country:ID", **fields}
    response = client.post("/api/v1/watchlists", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def raise_alerts(engine: Engine, watchlist_id: int, stories: dict[str, list[int]]) -> list[int]:
    """Record matches of the items in each story; return the new alerts' ids."""
    matches = [
        WatchlistMatch(
            watchlist_id=watchlist_id,
            item_id=item_id,
            story_key=story,
            item_title=f"Gempa guncang Lombok ({item_id})",
            item_url=f"https://antara.example/{item_id}",
            source_id="antara-id",
            matched=("gempa",),
        )
        for story, item_ids in stories.items()
        for item_id in item_ids
    ]
    return list(do_record_matches(engine, matches, window=HOUR).created)


# --- watchlists ------------------------------------------------------------------------------


def test_watchlists_create_read_update_delete(client: TestClient) -> None:
    created = create_watchlist(client, recipients=["duty"], schedule="digest")
    assert created["owner"] == "ana" and created["channels"] == ["in_app"]
    assert created["schedule"] == "digest" and created["enabled"] is True
    path = f"/api/v1/watchlists/{created['id']}"
    assert client.get("/api/v1/watchlists").json()["watchlists"] == [created]
    assert client.get(path).json() == created
    changed = client.patch(path, json={"query": "gempa OR tsunami", "enabled": False}).json()
    assert changed["query"] == "gempa OR tsunami" and changed["enabled"] is False
    assert changed["recipients"] == ["duty"]
    assert client.delete(path).status_code == 204
    missing = client.get(path)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.delete(path).status_code == 404
    assert client.get("/api/v1/watchlists").json()["watchlists"] == []


BAD_WATCHLISTS = [
    ({"name": "x", "query": "gempa lang:xx"}, 400, "invalid_query"),
    ({"name": "x", "query": "(gempa OR"}, 400, "invalid_query"),
    ({"name": "x", "query": "gempa", "channels": ["email"]}, 400, "invalid_watchlist"),
    ({"name": "x", "query": "gempa", "schedule": "weekly"}, 400, "invalid_watchlist"),
    ({"name": " ", "query": "gempa"}, 400, "invalid_watchlist"),
    ({"query": "gempa"}, 422, "invalid_request"),
    ({"name": "x", "query": "gempa", "colour": "red"}, 422, "invalid_request"),
]


def test_bad_watchlists_are_refused_and_a_query_error_says_where(client: TestClient) -> None:
    for body, status, code in BAD_WATCHLISTS:
        response = client.post("/api/v1/watchlists", json=body)
        assert response.status_code == status, body
        assert response.json()["error"]["code"] == code, body
    assert client.get("/api/v1/watchlists").json()["watchlists"] == []
    error = client.post("/api/v1/watchlists", json={"name": "x", "query": "gempa lang:xx"})
    assert error.json()["error"]["position"] == len("gempa lang:")
    created = create_watchlist(client)
    patched = client.patch(f"/api/v1/watchlists/{created['id']}", json={"query": "a AND"})
    assert patched.status_code == 400 and "position" in patched.json()["error"]


# --- alerts ----------------------------------------------------------------------------------


def test_alerts_list_filters_and_detail(client: TestClient, ctx: Context) -> None:
    first = create_watchlist(client)
    second = create_watchlist(client, name="Tsunami", query="tsunami")
    one, two = raise_alerts(ctx.engine, int(first["id"]), {"story:a": [1, 2, 3], "story:b": [4]})
    three = raise_alerts(ctx.engine, int(second["id"]), {"story:a": [1]})[0]
    client.post(f"/api/v1/alerts/{one}/ack")

    def ids(**params: object) -> list[int]:
        response = client.get("/api/v1/alerts", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["alerts"]]

    assert ids() == [three, two, one]
    assert ids(status="new") == [three, two]
    assert ids(status="acknowledged") == [one]
    assert ids(watchlist=first["id"]) == [two, one]
    assert ids(kind="watchlist") == [three, two, one]
    assert ids(kind="burst") == []
    assert ids(limit=2) == [three, two]
    assert client.get("/api/v1/alerts", params={"limit": 2}).json()["next_before"] == two
    assert ids(before=two) == [one]
    assert client.get("/api/v1/alerts", params={"status": "open"}).status_code == 422

    detail = client.get(f"/api/v1/alerts/{one}").json()
    assert detail["item_count"] == 3 and detail["item_ids"] == [1, 2, 3]
    assert detail["explanation"]["watchlist"]["name"] == "Gempa"
    assert [e["event"] for e in detail["history"]] == ["created", "acknowledged"]
    assert detail["deliveries"] == [
        {
            "id": detail["deliveries"][0]["id"],
            "alert_id": one,
            "channel": "in_app",
            "recipient": "ana",
            "status": "delivered",
            "attempts": 1,
            "last_error": None,
            "created_at": detail["created_at"],
            "delivered_at": detail["created_at"],
            "updated_at": detail["created_at"],
            "next_attempt_at": None,
        }
    ]
    missing = client.get("/api/v1/alerts/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_alert_lifecycle_over_http(client: TestClient, ctx: Context) -> None:
    watchlist = create_watchlist(client)
    alert_id, other = raise_alerts(ctx.engine, int(watchlist["id"]), {"a": [1], "b": [2]})
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack")
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged" and acked.json()["status_changed_by"] == "ana"
    again = client.post(f"/api/v1/alerts/{alert_id}/ack")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "invalid_transition",
        "message": f"alert {alert_id} is acknowledged; it can be dismissed or escalated, "
        "not acknowledged",
    }
    escalated = client.post(
        f"/api/v1/alerts/{alert_id}/escalate", json={"note": "open an incident"}
    ).json()
    assert escalated["status"] == "escalated" and escalated["status_changed_by"] == "ana"
    history = client.get(f"/api/v1/alerts/{alert_id}").json()["history"]
    assert history[-1]["note"] == "open an incident" and history[-1]["who"] == "ana"
    assert client.post(f"/api/v1/alerts/{alert_id}/dismiss").status_code == 409
    assert client.post(f"/api/v1/alerts/{other}/dismiss").json()["status"] == "dismissed"
    assert client.post("/api/v1/alerts/999999/ack").status_code == 404
    bad_note = client.post(f"/api/v1/alerts/{other}/escalate", json={"note": "x" * 2001})
    assert bad_note.status_code == 422


def test_watchlist_feed_is_atom(client: TestClient, ctx: Context) -> None:
    watchlist = create_watchlist(client, name="Gempa Lombok")
    raise_alerts(ctx.engine, int(watchlist["id"]), {"story:a": [1, 2], "story:b": [3]})
    response = client.get(f"/api/v1/watchlists/{watchlist['id']}/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    assert feed.feed.title == "DCC watchlist: Gempa Lombok"
    assert [e.title for e in feed.entries] == [
        "Gempa Lombok: Gempa guncang Lombok (3)",
        "Gempa Lombok: Gempa guncang Lombok (1) (2 items)",
    ]
    assert feed.entries[1].link == "https://antara.example/2"
    assert (
        feed.feed.links[0].href
        == f"http://testserver/api/v1/watchlists/{watchlist['id']}/feed.atom"
    )
    assert client.get("/api/v1/watchlists/999999/feed.atom").status_code == 404


def test_openapi_describes_watchlists_and_alerts(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/watchlists",
        "/api/v1/watchlists/{watchlist_id}",
        "/api/v1/watchlists/{watchlist_id}/feed.atom",
        "/api/v1/alerts",
        "/api/v1/alerts/stream",
        "/api/v1/alerts/{alert_id}",
        "/api/v1/alerts/{alert_id}/ack",
        "/api/v1/alerts/{alert_id}/dismiss",
        "/api/v1/alerts/{alert_id}/escalate",
    ):
        assert path in paths, path


# --- the live stream over real HTTP ------------------------------------------------------------


def read_message(lines: Iterator[str]) -> dict[str, str]:
    """The next SSE message (fields up to a blank line); comments under ":"."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if fields:
                return fields
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        fields[name] = f"{fields[name]}\n{value}" if name in fields else value
    raise AssertionError(f"the stream ended; read {fields}")


@pytest.fixture
def live_server(ctx: Context) -> Iterator[str]:
    """The app on a real uvicorn in a thread. The socket listens before uvicorn starts, so
    a client can connect at once (the backlog holds it): no waiting for start-up."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    config = uvicorn.Config(
        create_app(ctx), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_stream_sends_new_alerts_and_status_changes_and_resumes(
    live_server: str, ctx: Context
) -> None:
    ana = bearer(ctx.engine, make_user(ctx.engine, "ana"))
    budi = bearer(ctx.engine, make_user(ctx.engine, "budi"))
    with httpx.Client(base_url=live_server, timeout=10, headers=ana) as http:
        watchlist = create_watchlist(http)
        with http.stream("GET", "/api/v1/alerts/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            hello = read_message(lines)
            assert hello["retry"] == "2000" and hello[""].startswith("connected")
            [alert_id] = raise_alerts(ctx.engine, int(watchlist["id"]), {"story:a": [1]})
            created = read_message(lines)
            assert created["event"] == "alert.created"
            assert json.loads(created["data"])["alert"]["id"] == alert_id
            http.post(f"/api/v1/alerts/{alert_id}/ack", headers=budi)
            acked = read_message(lines)
            assert acked["event"] == "alert.acknowledged"
            assert json.loads(acked["data"])["event"]["who"] == "budi"
        # A client that lost the stream after the first event gets the rest on reconnecting.
        resume = {"Last-Event-ID": created["id"]}
        with http.stream("GET", "/api/v1/alerts/stream", headers=resume) as stream:
            lines = stream.iter_lines()
            read_message(lines)
            assert read_message(lines)["id"] == acked["id"]


def test_stream_of_dcc_serve_sees_alerts_written_by_another_process(
    db_url: str, ctx: Context, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DCC_DATABASE_URL": db_url,
        "DCC_HOME": str(tmp_path / "serve-home"),
        "DCC_ALERT_HEARTBEAT_S": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dcc", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    output: queue.Queue[str] = queue.Queue()
    pump = threading.Thread(target=pump_lines, args=(process, output))
    pump.start()
    try:
        wait_for_line(output, "Uvicorn running on")
        ana = bearer(ctx.engine, make_user(ctx.engine, "ana"))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, headers=ana) as http:
            watchlist = create_watchlist(http)
            with http.stream("GET", "/api/v1/alerts/stream") as stream:
                lines = stream.iter_lines()
                read_message(lines)
                assert read_message(lines) == {"": "heartbeat"}  # idle: heartbeats
                # Written by this test process: the server can only find it in the table.
                [alert_id] = raise_alerts(ctx.engine, int(watchlist["id"]), {"story:a": [1]})
                message = read_message(lines)
                while message.get("") == "heartbeat":
                    message = read_message(lines)
                assert message["event"] == "alert.created"
                assert json.loads(message["data"])["alert"]["id"] == alert_id
    finally:
        process.terminate()
        process.wait(timeout=15)
        pump.join(timeout=15)
        assert process.stderr is not None
        process.stderr.close()


def pump_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    """Copy the process's stderr lines into `lines`, then "" at the end."""
    assert process.stderr is not None
    for line in process.stderr:
        lines.put(line)
    lines.put("")


def wait_for_line(lines: queue.Queue[str], text: str, timeout: float = 60) -> None:
    """Block until a line holding `text` comes (or the output ends: fail)."""
    seen: list[str] = []
    while True:
        line = lines.get(timeout=timeout)
        if not line:
            raise AssertionError("dcc serve exited:\n" + "".join(seen))
        seen.append(line)
        if text in line:
            return
