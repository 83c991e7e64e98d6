"""The alerts page: the list with its explanations in words, the status filter, and triage
by form posts with the CSRF token, for roles that may (issue 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from page_helpers import (
    burst_explanation,
    campaign_explanation,
    raise_detection_alert,
    raise_watchlist_alert,
    store_items,
)

from dcc.accounts.records import LOCAL_OPERATOR, Role
from dcc.alerts.queries import get_alert
from dcc.alerts.records import AlertKind, AlertStatus
from dcc.app import create_app
from dcc.context import Context
from web_helpers import make_user, sign_in_by_form

DOCS = [
    ("antara-id", "id", "Gempa guncang Lombok"),
    ("bbc-en", "en", "Earthquake hits Lombok, Indonesia"),
    ("antara-id", "id", "Banjir rendam Kelantan"),
]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        test_client.headers["x-test-csrf"] = sign_in_by_form(test_client, "ana")
        yield test_client


def csrf_of(client: TestClient) -> str:
    return client.headers["x-test-csrf"]


def status_of(ctx: Context, alert_id: int) -> AlertStatus:
    with ctx.engine.connect() as conn:
        found = get_alert(conn, LOCAL_OPERATOR, alert_id)
    assert found is not None
    return found.status


def test_each_kind_of_alert_explains_itself(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    raise_watchlist_alert(ctx.engine, ids[:2])
    raise_detection_alert(ctx.engine, AlertKind.BURST, burst_explanation(ids[:2]), key="country:ID")
    raise_detection_alert(
        ctx.engine, AlertKind.CAMPAIGN, campaign_explanation(ids[1:]), key=f"item:{ids[1]}"
    )
    page = client.get("/alerts")
    assert page.status_code == 200
    text = page.text
    assert len(re.findall(r'<li class="alert status-new" id="alert-\d+">', text)) == 3
    # watchlist: its query and the clauses that matched, the first and latest items
    assert "Watchlist <strong>Gempa</strong>" in text and '<code class="chip">gempa</code>' in text
    assert f'First item:</span> <a href="/items/{ids[0]}">' in text
    # burst: the numbers, the baseline, top terms and examples
    assert "30 items about Indonesia from" in text and "30 times as many (z = 29)" in text
    assert "Baseline: 24 items in 24 windows" in text
    assert 'href="/search?q=gempa">gempa <span class="count">12</span>' in text
    assert f'<a href="/items/{ids[0]}">Gempa Lombok {ids[0]}</a>' in text
    # campaign: accounts, posts, the template text
    assert "6 accounts posted 7 near-identical posts within 12 minutes." in text
    assert "@akun6" in text and "Indonesia gagal melindungi warganya, sebarkan!" in text
    assert 'aria-label="Posts per minute: 3, 2, 2"' in text


def test_the_status_filter(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    first = raise_watchlist_alert(ctx.engine, ids[:1])
    second = raise_watchlist_alert(ctx.engine, ids[2:], query="banjir", story="s-banjir")
    assert (
        client.post(
            f"/alerts/{first}/ack", data={"csrf_token": csrf_of(client)}, follow_redirects=False
        ).status_code
        == 303
    )
    acknowledged = client.get("/alerts", params={"status": "acknowledged"}).text
    assert f'id="alert-{first}"' in acknowledged and f'id="alert-{second}"' not in acknowledged
    assert '<option value="acknowledged" selected>' in acknowledged
    fresh = client.get("/alerts", params={"status": "new", "kind": "watchlist"}).text
    assert f'id="alert-{second}"' in fresh and f'id="alert-{first}"' not in fresh
    nothing = client.get("/alerts", params={"status": "escalated"}).text
    assert "No alert with this status or kind." in nothing


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("ack", AlertStatus.ACKNOWLEDGED),
        ("dismiss", AlertStatus.DISMISSED),
        ("escalate", AlertStatus.ESCALATED),
    ],
)
def test_triage_by_form(ctx: Context, client: TestClient, action: str, status: AlertStatus) -> None:
    ids = store_items(ctx.engine, DOCS)
    alert_id = raise_watchlist_alert(ctx.engine, ids[:1])
    page = client.get("/alerts").text
    assert f'action="/alerts/{alert_id}/{action}"' in page
    moved = client.post(
        f"/alerts/{alert_id}/{action}",
        data={"csrf_token": csrf_of(client), "next": "/alerts?status=new"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/alerts?status=new#alert-{alert_id}"
    assert status_of(ctx, alert_id) is status
    after = client.get("/alerts").text
    assert f'action="/alerts/{alert_id}/ack"' not in after
    if status is not AlertStatus.ACKNOWLEDGED:  # final: no more buttons
        assert f'action="/alerts/{alert_id}/' not in after
    assert f"{status.value} by ana" in after


def test_a_move_the_lifecycle_refuses_answers_409(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    alert_id = raise_watchlist_alert(ctx.engine, ids[:1])
    data = {"csrf_token": csrf_of(client)}
    client.post(f"/alerts/{alert_id}/dismiss", data=data)
    again = client.post(f"/alerts/{alert_id}/ack", data=data)
    assert again.status_code == 409
    assert "This has changed in the meantime" in again.text and "final" in again.text


def test_redirects_stay_on_this_site(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    alert_id = raise_watchlist_alert(ctx.engine, ids[:1])
    moved = client.post(
        f"/alerts/{alert_id}/ack",
        data={"csrf_token": csrf_of(client), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert moved.headers["location"] == f"/#alert-{alert_id}"


def test_refusals(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    alert_id = raise_watchlist_alert(ctx.engine, ids[:1])
    no_token = client.post(f"/alerts/{alert_id}/ack", data={})
    assert no_token.status_code == 403 and "The form has expired" in no_token.text
    missing = client.post("/alerts/987654/ack", data={"csrf_token": csrf_of(client)})
    assert missing.status_code == 404 and "Not found" in missing.text
    bad_action = client.post(f"/alerts/{alert_id}/delete", data={"csrf_token": csrf_of(client)})
    assert bad_action.status_code in (404, 422)
    assert status_of(ctx, alert_id) is AlertStatus.NEW


def test_another_agencys_alert_is_not_there(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    make_user(ctx.engine, "budi", agency="bssn")
    theirs = raise_watchlist_alert(ctx.engine, ids[:1], owner="budi")
    assert f'id="alert-{theirs}"' not in client.get("/alerts").text
    forged = client.post(f"/alerts/{theirs}/ack", data={"csrf_token": csrf_of(client)})
    assert forged.status_code == 404 and "Not found" in forged.text
    assert status_of(ctx, theirs) is AlertStatus.NEW


def test_roles_without_triage_see_no_buttons_and_get_403(ctx: Context) -> None:
    ids = store_items(ctx.engine, DOCS)
    alert_id = raise_watchlist_alert(ctx.engine, ids[:1])
    make_user(ctx.engine, "vera", role=Role.VIEWER)
    with TestClient(create_app(ctx)) as client:
        csrf = sign_in_by_form(client, "vera")
        page = client.get("/alerts").text
        assert f'id="alert-{alert_id}"' in page and "Acknowledge" not in page
        refused = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": csrf})
        assert refused.status_code == 403 and "You may not do this" in refused.text
    assert status_of(ctx, alert_id) is AlertStatus.NEW


def test_no_alerts_says_how_to_get_some(client: TestClient) -> None:
    page = client.get("/alerts").text
    assert 'id="alerts-empty"' in page and "Save as watchlist" in page
