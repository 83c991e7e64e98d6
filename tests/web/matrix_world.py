"""The declared world of the permission matrix: agencies, people, marked objects, and how to
make them for real (through the API where the API makes them).

Everything a test expects is computed from these declarations and tests/tlp_rules.py (the
rules of docs/accounts.md), never from dcc.accounts.access.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    AgencyKind,
    AgencySpec,
    Role,
    UserSpec,
)
from dcc.accounts.signin import do_create_api_token
from dcc.alerts.actions import do_escalate_alert, do_record_matches
from dcc.alerts.detection_actions import do_record_detections
from dcc.alerts.detection_records import Detection, Finding
from dcc.alerts.queries import alert_history
from dcc.alerts.records import AlertKind, WatchlistMatch
from dcc.store.schema import alerts
from tlp_rules import LABELS, ROLES, Marked, Person

OWNER = "kemlu"  # owns every object (and is DCC_DEFAULT_AGENCY: detection alerts)
SUPERVISED = "kemlu-dit"  # supervised by the owner: supervision grants nothing
SHAREE = "kbri-tokyo"  # on the share lists
UNRELATED = "bssn"  # a partner agency nothing is shared with (but one alert)
PARENTS: dict[str, str | None] = {OWNER: None, SUPERVISED: OWNER, SHAREE: None, UNRELATED: None}
KINDS = {
    OWNER: AgencyKind.MINISTRY,
    SUPERVISED: AgencyKind.MINISTRY_UNIT,
    SHAREE: AgencyKind.EMBASSY,
    UNRELATED: AgencyKind.PARTNER_AGENCY,
}
PEOPLE = tuple(Person(f"{agency}.{role}", agency, role) for agency in PARENTS for role in ROLES)
AUTHOR = f"{OWNER}.analyst"  # creates every watchlist
NAMED_USER = f"{SHAREE}.officer"  # a RED watchlist is shared with this person by name
BY_NAME = {p.name: p for p in PEOPLE}


@dataclass(frozen=True)
class MatrixObject:
    """One marked object of the world, as declared: what it is and who should read it."""

    key: str
    kind: str  # "watchlist" or "alert"
    marked: Marked
    token: str  # appears in its name or title, and in no other object's
    watchlist: str | None = None  # an alert's watchlist (its key)
    is_detection: bool = False


def _declare() -> tuple[MatrixObject, ...]:
    found: list[MatrixObject] = []
    for n, tlp in enumerate(LABELS):
        shares = (
            Marked(OWNER, tlp, users=frozenset({NAMED_USER}), author=AUTHOR)
            if tlp == "RED"
            else Marked(OWNER, tlp, agencies=frozenset({SHAREE}), author=AUTHOR)
        )
        found.append(MatrixObject(f"watchlist:{tlp}", "watchlist", shares, f"mxw{n}q"))
        found.append(MatrixObject(f"alert:{tlp}", "alert", shares, f"mxa{n}q", f"watchlist:{tlp}"))
    amber = next(o for o in found if o.key == "watchlist:AMBER").marked
    strict = next(o for o in found if o.key == "watchlist:AMBER+STRICT").marked
    green = next(o for o in found if o.key == "watchlist:GREEN").marked
    found += [
        # One alert of the AMBER watchlist shared on its own with an agency.
        MatrixObject(
            "alert:AMBER+own-share",
            "alert",
            amber.shared(agencies=frozenset({UNRELATED})),
            "mxa8q",
            "watchlist:AMBER",
        ),
        # One alert of the GREEN watchlist marked RED by the operator: the watchlist's
        # readers see the watchlist and its feed, not this alert (its share list is the
        # watchlist's, an agency: RED ignores it).
        MatrixObject(
            "alert:GREEN+marked-RED",
            "alert",
            Marked(OWNER, "RED", green.agencies, green.users, green.author),
            "mxa9q",
            "watchlist:GREEN",
        ),
        # Detection alerts: from public items (GREEN, the default agency's), and a burst on
        # a watchlist's matches, marked like the watchlist.
        MatrixObject("detection:country", "alert", Marked(OWNER, "GREEN"), "mxd1q", None, True),
        MatrixObject(
            "detection:watchlist", "alert", strict, "mxd2q", "watchlist:AMBER+STRICT", True
        ),
    ]
    return tuple(found)


OBJECTS = _declare()
BY_KEY = {o.key: o for o in OBJECTS}
WATCHLISTS = tuple(o for o in OBJECTS if o.kind == "watchlist")
ALERTS = tuple(o for o in OBJECTS if o.kind == "alert")


def reveals(obj: MatrixObject) -> frozenset[str]:
    """The tokens a reader of `obj` may see: its own, and an alert's watchlist's (an alert
    names its watchlist in its title and explanation)."""
    own = {obj.token}
    if obj.watchlist is not None:
        own.add(BY_KEY[obj.watchlist].token)
    return frozenset(own)


# --- making it -------------------------------------------------------------------------------


@dataclass
class World:
    """The objects made, their ids, a signed-in header per person, and answers read once."""

    engine: Engine
    client: TestClient
    live_url: str = ""
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # object key -> id
    events: dict[str, list[int]] = field(default_factory=dict)  # alert key -> event ids
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def get(self, person: str, path: str, **params: Any) -> Any:
        """A GET as `person`, answered once per module (lists, feeds, searches)."""
        key = (person, path, tuple(sorted(params.items())))
        if key not in self.cache:
            self.cache[key] = self.client.get(path, params=params, headers=self.headers[person])
        return self.cache[key]

    def alert_of(self, alert_id: int) -> str:
        return next(key for key, found in self.ids.items() if found == alert_id)


def make_people(engine: Engine) -> dict[str, dict[str, str]]:
    """The agencies and one user per agency and role (API tokens only); their headers."""
    for agency, parent in PARENTS.items():
        if parent is None:
            do_create_agency(engine, AgencySpec(agency, agency.upper(), KINDS[agency]))
    for agency, parent in PARENTS.items():
        if parent is not None:
            do_create_agency(engine, AgencySpec(agency, agency.upper(), KINDS[agency], parent))
    headers = {}
    for person in PEOPLE:
        spec = UserSpec(username=person.name, agency_id=person.agency, role=Role(person.role))
        user = do_create_user(engine, spec, None)
        token = do_create_api_token(engine, user.id, "matrix").token
        headers[person.name] = {"Authorization": f"Bearer {token}"}
    return headers


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def make_objects(world: World) -> None:
    """Every declared object, made as DCC makes it: watchlists created and shared by their
    author through the API, alerts raised by matches and detections, then escalated (so a
    triage attempt that passes every check is refused as a transition, changing nothing)."""
    client, engine, author = world.client, world.engine, world.headers[AUTHOR]
    for obj in WATCHLISTS:
        body = {"name": f"Gempa {obj.token}", "query": "gempa", "tlp": obj.marked.tlp}
        created = _ok(client.post("/api/v1/watchlists", json=body, headers=author), 201)
        world.ids[obj.key] = created["id"]
        share = {"user": NAMED_USER} if obj.marked.tlp == "RED" else {"agency": SHAREE}
        _ok(client.post(f"/api/v1/watchlists/{created['id']}/shares", json=share, headers=author))
    now = datetime.now(tz=UTC)
    for n, obj in enumerate(o for o in ALERTS if not o.is_detection):
        assert obj.watchlist is not None
        match = WatchlistMatch(
            watchlist_id=world.ids[obj.watchlist],
            item_id=1000 + n,
            story_key=f"story:{obj.token}",
            item_title=f"Gempa guncang Lombok {obj.token}",
            item_url=None,
            source_id="antara-id",
            matched=("gempa",),
        )
        (world.ids[obj.key],) = do_record_matches(
            engine, [match], window=timedelta(hours=1), now=now
        ).created
    for obj in ALERTS:  # an alert marked otherwise than its watchlist: as the operator would
        if obj.watchlist is not None and obj.marked.tlp != BY_KEY[obj.watchlist].marked.tlp:
            with engine.begin() as conn:
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == world.ids[obj.key])
                    .values(tlp=obj.marked.tlp)
                )
    shared = world.ids["alert:AMBER+own-share"]
    _ok(client.post(f"/api/v1/alerts/{shared}/shares", json={"agency": UNRELATED}, headers=author))
    for obj in (o for o in ALERTS if o.is_detection):
        key = "country:ID" if obj.watchlist is None else f"watchlist:{world.ids[obj.watchlist]}"
        finding = Finding(
            kind=AlertKind.BURST,
            rule=f"burst:{key.split(':')[0]}",
            story_key=key,
            title=f"Burst {obj.token}",
            count=12,
            window_start=now - timedelta(hours=1),
            window_end=now,
            alert_window=timedelta(hours=1),
            numbers={},
        )
        detection = Detection(finding, {"key": key}, first_item_id=2000, last_item_id=2000)
        (world.ids[obj.key],) = do_record_detections(
            engine, [detection], now=now, owner_agency=OWNER
        ).created
    for obj in ALERTS:
        do_escalate_alert(engine, world.ids[obj.key], who="operator")
    with engine.connect() as conn:
        for obj in ALERTS:
            history = alert_history(conn, LOCAL_OPERATOR, world.ids[obj.key])
            world.events[obj.key] = [e.id for e in history]


def sse_messages(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """SSE messages as their fields; comments under ""."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if fields:
                yield fields
                fields = {}
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        fields[name] = f"{fields[name]}\n{value}" if name in fields else value
