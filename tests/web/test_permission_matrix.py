"""The permission matrix (issue 5): every role of every kind of agency, against watchlists and
alerts of every TLP label, on every surface of the HTTP API, checked against what
docs/accounts.md declares.

The world (matrix_world.py) is declared as data: four agencies (the owner, an agency it
supervises, an agency on the share lists, an unrelated partner), one user per agency and role,
a watchlist per TLP label shared with the sharee agency (the RED one with one person by name)
and its alert, one alert shared on its own with the unrelated agency, and two detection
alerts (GREEN from public items; a burst on a watchlist, marked like it). The expected answer
of each case comes from tests/tlp_rules.py (the tables of docs/accounts.md), never from
dcc.accounts.access, so a bug there is caught here. The world is made once per module and
database; the cases then only read (or attempt changes that are refused, or change nothing).

Zero leaks: an object a user may not read never appears in a list, a search, a feed or the
live stream, not by id, title or count, and its detail answers exactly as a missing one.
No false denials: everything the rules allow is there and answers 200.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from matrix_world import (
    ALERTS,
    AUTHOR,
    BY_KEY,
    BY_NAME,
    OBJECTS,
    OWNER,
    PARENTS,
    PEOPLE,
    SUPERVISED,
    WATCHLISTS,
    MatrixObject,
    World,
    make_objects,
    make_people,
    reveals,
    sse_messages,
)
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from dcc.app import create_app
from dcc.context import Context
from dcc.settings import Settings, get_settings, normalise_database_url
from dcc.store.database import create_db_engine
from tlp_rules import Person, may_read, may_share

# Some 20 seconds a database: ~1,900 requests through the app, each a few thread hand-offs.
pytestmark = pytest.mark.slow
TOKEN = re.compile(r"mx[wad]\d+q")
MISSING_ID = 987654321

# Surfaces answered per object by a request of their own (the others read shared answers:
# lists, searches, feeds, the stream).
ATTEMPTED = frozenset(
    {"detail", "access", "history", "deliveries", "items", "change", "remove", "triage"}
    | {"share", "unshare"}
)
WATCHLIST_SURFACES = ("list", "detail", "access", "feed", "change", "remove", "share", "unshare")
ALERT_SURFACES = (
    "list",
    "search",
    "detail",
    "history",
    "deliveries",
    "items",
    "access",
    "stream",
    "feed",
    "triage",
    "share",
    "unshare",
)


# --- what the rules say --------------------------------------------------------------------


def share_target(obj: MatrixObject) -> dict[str, str]:
    """A share that changes no one's reading (the owner agency reads every labelled object
    but RED, whose author reads it): allowed or refused by the rules alone."""
    return {"user": AUTHOR} if obj.marked.tlp == "RED" else {"agency": OWNER}


def expected(person: Person, obj: MatrixObject, surface: str) -> int | bool:
    """What `person` should get from `surface` for `obj`: whether it appears (lists, search,
    stream, an alert in its watchlist's feed) or the HTTP status."""
    reads = may_read(person, obj.marked)
    if surface in ("list", "search", "stream"):
        return reads
    if surface == "feed" and obj.kind == "alert":
        return (
            obj.watchlist is not None and reads and may_read(person, BY_KEY[obj.watchlist].marked)
        )
    if surface in ("detail", "access", "feed", "history", "deliveries", "items"):
        return 200 if reads else 404
    if surface in ("change", "remove"):
        if not person.holds("manage_watchlists"):
            return 403
        if not reads:
            return 404
        if person.agency != obj.marked.owner and person.name != obj.marked.author:
            return 403
        return 200 if surface == "change" else 204
    if surface == "triage":
        if not person.holds("triage_alerts"):
            return 403
        return 409 if reads else 404  # every alert is escalated: a triage that passes is 409
    if not person.holds("share"):
        return 403
    if not reads:
        return 404
    if surface == "unshare":
        return 204  # an agency that was never on the list: nothing to remove
    target = share_target(obj)
    allowed = may_share(
        person,
        obj.marked,
        agency=target.get("agency"),
        user_agency=BY_NAME[target["user"]].agency if "user" in target else None,
        parents=PARENTS,
    )
    return 200 if allowed else 403


@dataclass(frozen=True)
class Case:
    person: Person
    obj: MatrixObject
    surface: str
    want: int | bool

    @property
    def id(self) -> str:
        return f"{self.person.name}-{self.obj.key}-{self.surface}-{self.want}"


def _cases() -> list[Case]:
    found = []
    for person in PEOPLE:
        for obj in OBJECTS:
            surfaces = WATCHLIST_SURFACES if obj.kind == "watchlist" else ALERT_SURFACES
            for surface in surfaces:
                want = expected(person, obj, surface)
                if surface == "remove" and want == 204:
                    continue  # removing is checked where refused; "change" shares its rule
                if surface == "feed" and obj.kind == "alert" and obj.watchlist is None:
                    continue  # not a watchlist's alert: in no feed
                found.append(Case(person, obj, surface, want))
    return found


CASES = _cases()


# --- the world, once per module and database -------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """conftest.py's isolation, once for the module rather than per case (a temporary
    directory per case would cost more than the thousands of checks themselves)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("DCC_") and not key.startswith(("DCC_TEST_", "DCC_DATA_DIR")):
                patch.delenv(key)
        patch.setenv("DCC_HOME", str(tmp_path_factory.mktemp("matrix-dcc-home")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    home = tmp_path_factory.mktemp("matrix-home")
    with ModuleDatabase(request, home) as url:
        settings = Settings(
            home=home, database_url=url, alert_heartbeat_s=0.25, default_agency=OWNER
        )
        ctx = Context(settings=settings, engine=create_db_engine(settings=settings))
        app = create_app(ctx)
        with TestClient(app) as client, LiveServer(app) as live_url:
            found = World(engine=ctx.engine, client=client, live_url=live_url)
            found.headers = make_people(ctx.engine)
            make_objects(found)
            _read_streams(found)
            _attempt_all(found)
            yield found
        ctx.close()


class ModuleDatabase:
    """A database for the module: a copy of the migrated SQLite template, or a PostgreSQL
    database made from the migrated template (conftest.py's session templates)."""

    def __init__(self, request: pytest.FixtureRequest, home: Path) -> None:
        self.request, self.home, self.drop = request, home, ""

    def __enter__(self) -> str:
        if self.request.param == "sqlite":
            template: Path = self.request.getfixturevalue("sqlite_template")
            path = self.home / "dcc.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        template_name: str = self.request.getfixturevalue("postgres_template")
        self.drop = f"dcc_mx_{uuid.uuid4().hex[:10]}"
        with self._admin() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.drop}" TEMPLATE "{template_name}"'))
        url = make_url(self._server_url()).set(database=self.drop)
        return url.render_as_string(hide_password=False)

    def __exit__(self, *_: object) -> None:
        if self.drop:
            with self._admin() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.drop}" WITH (FORCE)'))

    def _server_url(self) -> str:
        return normalise_database_url(os.environ["DCC_TEST_POSTGRES_URL"])

    @contextmanager
    def _admin(self) -> Iterator[Connection]:
        engine = create_engine(self._server_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


class LiveServer:
    """The app on a real uvicorn in a thread, for the live stream (TestClient buffers a
    response whole, and the stream never ends)."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def _read_stream(world: World, person: str) -> tuple[str, list[dict[str, str]], str]:
    """`person`'s stream from the start (every event until the first heartbeat), and the
    first line of a stream from now on ("connected after event N")."""
    with httpx.Client(base_url=world.live_url, headers=world.headers[person], timeout=10) as http:
        with http.stream("GET", "/api/v1/alerts/stream", params={"after": 0}) as stream:
            messages = sse_messages(stream.iter_lines())
            hello = next(messages)[""]
            events = []
            for message in messages:
                if message.get("") == "heartbeat":
                    break
                events.append(message)
        with http.stream("GET", "/api/v1/alerts/stream") as stream:
            live = next(sse_messages(stream.iter_lines()))[""]
    return hello, events, live


def _read_streams(world: World) -> None:
    """Every person's stream, at once (each waits for its heartbeat)."""
    with ThreadPoolExecutor(max_workers=len(PEOPLE)) as pool:
        found = pool.map(lambda p: _read_stream(world, p.name), PEOPLE)
        for person, streamed in zip(PEOPLE, found, strict=True):
            world.cache[("stream", person.name)] = streamed


def _attempt_all(world: World) -> None:
    """The request of every case that makes one, sent a few at a time (each costs some
    milliseconds of thread hand-offs in the app, mostly waiting: overlapping them halves the
    module's time). None changes what anyone reads, so their order does not matter."""
    asked = [c for c in CASES if c.surface in ATTEMPTED]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for case, response in zip(asked, pool.map(lambda c: attempt(world, c), asked), strict=True):
            world.cache[("attempt", case.id)] = response


# --- reading what a person gets ------------------------------------------------------------


def listed_ids(response: Any, field: str) -> set[int]:
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()[field]}


def feed_alert_ids(document: bytes) -> set[int]:
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(document)
    ids = (entry.findtext(f"{atom}id") or "" for entry in root.iter(f"{atom}entry"))
    return {int(i.rsplit("/", 1)[1]) for i in ids}


def stream_alert_ids(world: World, person: str) -> set[int]:
    _, events, _ = world.cache[("stream", person)]
    return {int(json.loads(e["data"])["event"]["alert_id"]) for e in events}


def search_params(world: World, obj: MatrixObject) -> dict[str, Any]:
    """A filtered alert list that should hold `obj` for its readers."""
    params: dict[str, Any] = {"kind": "burst" if obj.is_detection else "watchlist"}
    if obj.watchlist is not None:
        params["watchlist"] = world.ids[obj.watchlist]
    params["status"] = "escalated"
    return params


def not_found(kind: str, object_id: int) -> dict[str, Any]:
    """The answer for an object that does not exist (and for one the user may not read)."""
    return {"error": {"code": "not_found", "message": f"no {kind} with id {object_id}"}}


def attempt(world: World, case: Case) -> Any:
    """The request of a case (none changes what anyone reads)."""
    obj, person = case.obj, case.person.name
    headers = world.headers[person]
    object_id = world.ids[obj.key]
    base = f"/api/v1/{obj.kind}s/{object_id}"
    client = world.client
    match case.surface:
        case "detail":
            return client.get(base, headers=headers)
        case "access" | "history" | "deliveries" | "items":
            return client.get(f"{base}/{case.surface}", headers=headers)
        case "change":
            return client.patch(base, json={}, headers=headers)
        case "remove":
            return client.delete(base, headers=headers)
        case "triage":
            return client.post(f"{base}/ack", headers=headers)
        case "share":
            return client.post(f"{base}/shares", json=share_target(obj), headers=headers)
        case "unshare":
            return client.delete(f"{base}/shares/{SUPERVISED}", headers=headers)
    raise AssertionError(case.surface)


# --- the matrix ------------------------------------------------------------------------------


def outcome(world: World, case: Case) -> int | bool:
    """What the case got: whether the object appeared, or the HTTP status (a refusal must
    read exactly as a missing object, or it counts as a leak: -1)."""
    obj, person, surface = case.obj, case.person.name, case.surface
    object_id = world.ids[obj.key]
    if surface == "list":
        field = f"{obj.kind}s"
        path = "/api/v1/watchlists" if obj.kind == "watchlist" else "/api/v1/alerts"
        params = {} if obj.kind == "watchlist" else {"limit": 500}
        return object_id in listed_ids(world.get(person, path, **params), field)
    if surface == "search":
        response = world.get(person, "/api/v1/alerts", **search_params(world, obj))
        return object_id in listed_ids(response, "alerts")
    if surface == "stream":
        return object_id in stream_alert_ids(world, person)
    if surface == "feed" and obj.kind == "alert":
        assert obj.watchlist is not None
        response = world.get(person, f"/api/v1/watchlists/{world.ids[obj.watchlist]}/feed.atom")
        return response.status_code == 200 and object_id in feed_alert_ids(response.content)
    response = (
        world.get(person, f"/api/v1/watchlists/{object_id}/feed.atom")
        if surface == "feed"
        else world.cache[("attempt", case.id)]
    )
    if response.status_code == 404 and response.json() != not_found(obj.kind, object_id):
        return -1
    if response.status_code == 200 and surface in ("detail", "access"):
        assert response.json()["id"] == object_id
    return int(response.status_code)


PAIRS = sorted({(c.person, c.obj.key) for c in CASES}, key=lambda p: (p[0].name, p[1]))


@pytest.mark.parametrize(("person", "key"), PAIRS, ids=[f"{p.name}-{k}" for p, k in PAIRS])
def test_matrix(world: World, person: Person, key: str) -> None:
    """Every surface of one object for one person, against the declared rules; all
    mismatches are reported together."""
    cases = [c for c in CASES if c.person == person and c.obj.key == key]
    got = {c.surface: outcome(world, c) for c in cases}
    wrong = {
        c.surface: f"want {c.want}, got {got[c.surface]}" for c in cases if got[c.surface] != c.want
    }
    assert not wrong, wrong


# --- zero leaks, per person ------------------------------------------------------------------


def readable(person: Person, kind: str | None = None) -> list[MatrixObject]:
    return [o for o in OBJECTS if may_read(person, o.marked) and kind in (None, o.kind)]


def allowed_tokens(person: Person) -> set[str]:
    return {token for obj in readable(person) for token in reveals(obj)}


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_lists_hold_exactly_what_may_be_read(world: World, person: Person) -> None:
    watchlists = world.get(person.name, "/api/v1/watchlists")
    alerts = world.get(person.name, "/api/v1/alerts", limit=500)
    mine = {world.ids[o.key] for o in readable(person, "watchlist")}
    assert listed_ids(watchlists, "watchlists") == mine
    assert listed_ids(alerts, "alerts") == {world.ids[o.key] for o in readable(person, "alert")}
    assert alerts.json()["next_before"] is None
    for response in (watchlists, alerts):
        assert set(TOKEN.findall(response.text)) <= allowed_tokens(person)
    # Paging counts readable alerts only: one page of one holds the newest readable alert.
    first = world.client.get(
        "/api/v1/alerts", params={"limit": 1}, headers=world.headers[person.name]
    )
    newest = max((world.ids[o.key] for o in readable(person, "alert")), default=None)
    assert [a["id"] for a in first.json()["alerts"]] == ([newest] if newest else [])


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_stream_carries_exactly_the_events_that_may_be_read(world: World, person: Person) -> None:
    hello, events, live = world.cache[("stream", person.name)]
    wanted = sorted(e for o in readable(person, "alert") for e in world.events[o.key])
    assert [int(e["id"]) for e in events] == wanted
    assert hello == "connected after event 0"
    # A stream from now on names the newest event this person may read, no other id.
    assert live == f"connected after event {max(wanted, default=0)}"
    for event in events:
        assert set(TOKEN.findall(event["data"])) <= allowed_tokens(person)


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_feeds_hold_exactly_what_may_be_read(world: World, person: Person) -> None:
    for watchlist in WATCHLISTS:
        path = f"/api/v1/watchlists/{world.ids[watchlist.key]}/feed.atom"
        response = world.get(person.name, path)
        if not may_read(person, watchlist.marked):
            assert response.status_code == 404
            continue
        wanted = {
            world.ids[a.key]
            for a in ALERTS
            if a.watchlist == watchlist.key and may_read(person, a.marked)
        }
        assert feed_alert_ids(response.content) == wanted
        assert set(TOKEN.findall(response.text)) <= allowed_tokens(person)


def test_a_missing_id_answers_as_an_unreadable_one(world: World) -> None:
    """What the matrix compares every refusal with: the answer for an id that exists
    nowhere, on every path with an id."""
    headers = world.headers[AUTHOR]
    for kind, paths in (
        ("watchlist", ("", "/access", "/feed.atom")),
        ("alert", ("", "/history", "/deliveries", "/items", "/access")),
    ):
        for suffix in paths:
            response = world.client.get(f"/api/v1/{kind}s/{MISSING_ID}{suffix}", headers=headers)
            assert response.status_code == 404
            assert response.json() == not_found(kind, MISSING_ID)


def test_the_matrix_covers_every_label_role_agency_and_surface() -> None:
    labels = {c.obj.marked.tlp for c in CASES}
    assert labels == {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}
    assert {c.person.role for c in CASES} == {"admin", "analyst", "officer", "liaison", "viewer"}
    assert {c.person.agency for c in CASES} == set(PARENTS)
    assert {c.surface for c in CASES} == set(WATCHLIST_SURFACES) | set(ALERT_SURFACES)
    # Both answers occur on every surface: a matrix that only ever allows (or refuses) a
    # surface proves nothing about it.
    for surface in set(WATCHLIST_SURFACES) | set(ALERT_SURFACES):
        wants = {c.want for c in CASES if c.surface == surface}
        assert len(wants) > 1, surface
