"""Markings over HTTP (issue 5): choosing a watchlist's TLP, sharing watchlists and alerts,
"who can see this, and why", and an alert's sub-objects. The permission matrix
(test_permission_matrix.py) checks every role and agency; these check the shapes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dcc.accounts.records import Role
from dcc.alerts.actions import do_record_matches
from dcc.alerts.records import WatchlistMatch
from dcc.app import create_app
from dcc.context import Context
from web_helpers import bearer, make_user


@dataclass
class Clients:
    http: TestClient
    ana: dict[str, str]  # analyst of kemlu
    sari: dict[str, str]  # officer of kbri-tokyo
    budi: dict[str, str]  # liaison of bssn


@pytest.fixture
def clients(ctx: Context) -> Iterator[Clients]:
    ana = bearer(ctx.engine, make_user(ctx.engine, "ana"))
    sari = make_user(ctx.engine, "sari", agency="kbri-tokyo", role=Role.OFFICER)
    budi = make_user(ctx.engine, "budi", agency="bssn", role=Role.LIAISON)
    with TestClient(create_app(ctx)) as http:
        yield Clients(http, ana, bearer(ctx.engine, sari), bearer(ctx.engine, budi))


def create(c: Clients, **fields: object) -> dict[str, object]:
    body = {"name": "Gempa", "query": "gempa", **fields}
    response = c.http.post("/api/v1/watchlists", json=body, headers=c.ana)
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


def test_a_watchlist_is_amber_of_its_creators_agency_unless_told(clients: Clients) -> None:
    c = clients
    made = create(c)
    assert (made["tlp"], made["owner_agency"]) == ("AMBER", "kemlu")
    assert create(c, tlp="tlp:green")["tlp"] == "GREEN"
    bad = c.http.post(
        "/api/v1/watchlists", json={"name": "x", "query": "gempa", "tlp": "WHITE+"}, headers=c.ana
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_watchlist"
    patched = c.http.patch(f"/api/v1/watchlists/{made['id']}", json={"tlp": "RED"}, headers=c.ana)
    assert patched.status_code == 422  # the marking is chosen once


def test_sharing_a_watchlist_and_who_can_see_it(clients: Clients, ctx: Context) -> None:
    c = clients
    made = create(c)
    path = f"/api/v1/watchlists/{made['id']}"
    match = WatchlistMatch(int(str(made["id"])), 1, "story:a", "Gempa", None, "antara-id")
    [alert_id] = do_record_matches(ctx.engine, [match], window=timedelta(hours=1)).created
    assert c.http.get(path, headers=c.sari).status_code == 404
    assert c.http.get(f"/api/v1/alerts/{alert_id}", headers=c.sari).status_code == 404

    shared = c.http.post(f"{path}/shares", json={"agency": "kbri-tokyo"}, headers=c.ana)
    assert shared.status_code == 200, shared.text
    access = shared.json()
    assert {k: access[k] for k in ("object_type", "id", "owner_agency", "tlp")} == {
        "object_type": "watchlist",
        "id": made["id"],
        "owner_agency": "kemlu",
        "tlp": "AMBER",
    }
    [share] = access["shares"]
    assert (share["agency"], share["via"]) == ("kbri-tokyo", "own")
    assert access["who_can_read"] == "users of kemlu, kbri-tokyo and its author"
    assert access["why_you_can"] == "TLP:AMBER: you are its author"
    again = c.http.post(f"{path}/shares", json={"agency": "kbri-tokyo"}, headers=c.ana)
    assert again.json()["shares"] == access["shares"]  # sharing twice changes nothing
    # Tokyo reads the watchlist and its alert now, and sees why.
    assert c.http.get(path, headers=c.sari).status_code == 200
    seen = c.http.get(f"/api/v1/alerts/{alert_id}/access", headers=c.sari).json()
    assert seen["why_you_can"] == "TLP:AMBER: shared with your agency (kbri-tokyo)"
    assert [s["via"] for s in seen["shares"]] == ["watchlist"]
    # A recipient of AMBER shares only within its own organisation.
    onward = c.http.post(f"{path}/shares", json={"agency": "bssn"}, headers=c.sari)
    assert onward.status_code == 403 and "own organisation" in onward.json()["error"]["message"]

    removed = c.http.delete(f"{path}/shares/kbri-tokyo", headers=c.ana)
    assert removed.status_code == 204
    assert c.http.get(path, headers=c.sari).status_code == 404
    assert c.http.get(f"/api/v1/alerts/{alert_id}", headers=c.sari).status_code == 404


def test_share_requests_that_cannot_be(clients: Clients) -> None:
    c = clients
    red = create(c, tlp="RED")
    path = f"/api/v1/watchlists/{red['id']}/shares"
    for body in ({}, {"agency": "bssn", "user": "budi"}, {"agency": "bssn", "why": "x"}):
        assert c.http.post(path, json=body, headers=c.ana).status_code == 422, body
    to_agency = c.http.post(path, json={"agency": "bssn"}, headers=c.ana)
    assert to_agency.status_code == 400
    assert to_agency.json()["error"]["code"] == "invalid_marking"
    unknown = c.http.post(path, json={"user": "nobody"}, headers=c.ana)
    assert unknown.status_code == 404 and "no user named 'nobody'" in unknown.text
    amber = create(c)
    nowhere = c.http.post(
        f"/api/v1/watchlists/{amber['id']}/shares", json={"agency": "nowhere"}, headers=c.ana
    )
    assert nowhere.status_code == 404 and "no agency with id 'nowhere'" in nowhere.text
    named = c.http.post(path, json={"user": "budi"}, headers=c.ana)
    assert named.status_code == 200
    assert c.http.get(f"/api/v1/watchlists/{red['id']}", headers=c.budi).status_code == 200
    gone = c.http.delete(f"{path}/users/budi", headers=c.ana)
    assert gone.status_code == 204
    assert c.http.get(f"/api/v1/watchlists/{red['id']}", headers=c.budi).status_code == 404


def test_an_alert_is_shared_alone_and_its_parts_are_read_alone(
    clients: Clients, ctx: Context
) -> None:
    c = clients
    made = create(c)
    matches = [
        WatchlistMatch(int(str(made["id"])), n, f"story:{n}", "Gempa", None, "antara-id")
        for n in (1, 2)
    ]
    first, second = do_record_matches(ctx.engine, matches, window=timedelta(hours=1)).created
    path = f"/api/v1/alerts/{first}"
    shared = c.http.post(f"{path}/shares", json={"agency": "bssn"}, headers=c.ana)
    assert shared.status_code == 200 and shared.json()["shares"][0]["via"] == "own"
    # The liaison reads this alert and its parts, not its sibling nor its watchlist.
    assert c.http.get(path, headers=c.budi).status_code == 200
    history = c.http.get(f"{path}/history", headers=c.budi).json()["history"]
    assert [e["event"] for e in history] == ["created"]
    [delivery] = c.http.get(f"{path}/deliveries", headers=c.budi).json()["deliveries"]
    assert delivery["alert_id"] == first and delivery["recipient"] == "ana"
    assert c.http.get(f"{path}/items", headers=c.budi).json() == {"item_ids": [1]}
    for other in (f"/api/v1/alerts/{second}", f"/api/v1/watchlists/{made['id']}"):
        assert c.http.get(other, headers=c.budi).status_code == 404
    listed = c.http.get("/api/v1/alerts", headers=c.budi).json()["alerts"]
    assert [a["id"] for a in listed] == [first]
    assert c.http.delete(f"{path}/shares/bssn", headers=c.ana).status_code == 204
    assert c.http.get(f"{path}/history", headers=c.budi).status_code == 404


def test_openapi_describes_the_sharing_endpoints(clients: Clients) -> None:
    paths = clients.http.get("/api/v1/openapi.json", headers=clients.ana).json()["paths"]
    for kind, key in (("watchlists", "watchlist_id"), ("alerts", "alert_id")):
        for suffix in ("access", "shares", "shares/{agency}", "shares/users/{username}"):
            assert f"/api/v1/{kind}/{{{key}}}/{suffix}" in paths
    for suffix in ("history", "deliveries", "items"):
        assert f"/api/v1/alerts/{{alert_id}}/{suffix}" in paths
