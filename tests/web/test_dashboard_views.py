"""The dashboard (`/`) and its live fragments, in-process on a real database (issue 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from page_helpers import raise_watchlist_alert, store_items

from dcc.accounts.records import Role
from dcc.app import create_app
from dcc.context import Context
from dcc.ingest.actions import do_record_fetch_failure
from web_helpers import bearer, make_user, sign_in_by_form

DOCS = [
    ("antara-id", "id", "Gempa guncang Lombok"),
    ("bbc-en", "en", "Earthquake hits Lombok, Indonesia"),
    ("antara-id", "id", "Banjir rendam Kelantan"),
]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        sign_in_by_form(test_client, "ana")
        yield test_client


def test_every_panel_shows_what_was_stored(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    raise_watchlist_alert(ctx.engine, ids[:2])
    do_record_fetch_failure(ctx.engine, "bbc-en", "HTTP 503 fetching https://bbc.example/rss")
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    # New items, newest stored first, linking to their item pages.
    listed = re.findall(r'<li class="item" id="item-(\d+)"', html)
    assert listed == [str(i) for i in reversed(ids)]
    assert f'href="/items/{ids[0]}"' in html
    # The alert, with its triage buttons for an analyst, carrying the CSRF token.
    assert "Gempa: Gempa guncang Lombok" in html
    assert re.search(r'action="/alerts/\d+/ack"', html)
    assert 'name="csrf_token"' in html
    # The map: Indonesia and Malaysia shaded, each a link to a filtered search, with a title.
    assert re.search(
        r'<a href="/search\?q=country%3AID[^"]*" aria-label="Indonesia: 2 items">', html
    )
    assert "<title>Malaysia: 1 item</title>" in html
    assert 'class="shade-5"' in html
    # Rising stories, source health, the chart data, the live parts.
    assert "/stories/s-gempa" in html
    assert "unreachable (1)" in html
    assert '<script type="application/json" id="volume-data">' in html
    assert 'hx-get="/dashboard/items?after=' + str(max(ids)) + '"' in html
    assert "/static/vendor/htmx.min.js" in html and "cdn" not in html.lower()


def test_filters_come_from_the_query_string(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    page = client.get("/", params={"country": "my", "window": "6h", "wall": "1"})
    html = page.text
    assert re.findall(r'<li class="item" id="item-(\d+)"', html) == [str(ids[2])]
    assert '<option value="MY" selected>' in html and '<option value="6h" selected>' in html
    assert '<body class="wall">' in html
    # Links and the poller keep the view, so a wall screen's URL stays a bookmark.
    assert "/dashboard/items?window=6h&amp;country=MY&amp;wall=1&amp;after=" in html
    assert "q=country%3AMY%20time%3A%3Enow-6h" in html
    topic = client.get("/", params={"topic": "disaster", "lang": "en"}).text
    assert re.findall(r'<li class="item" id="item-(\d+)"', topic) == [str(ids[1])]


def test_values_not_understood_are_named_and_left_out(ctx: Context, client: TestClient) -> None:
    store_items(ctx.engine, DOCS)
    page = client.get("/", params={"country": "XX", "window": "1y", "lang": "en"})
    assert page.status_code == 200
    assert "not understood: window=1y, country=XX" in page.text
    assert len(re.findall(r'<li class="item" id="item-', page.text)) == 1  # lang=en kept


def test_an_empty_dashboard_says_what_to_do_next(client: TestClient) -> None:
    html = client.get("/").text
    assert "dcc ingest" in html and 'id="items-empty"' in html
    assert "No alerts yet" in html and "Save as watchlist" in html
    assert 'id="alerts-empty"' in html


def test_new_items_arrive_through_the_poller(ctx: Context, client: TestClient) -> None:
    first = store_items(ctx.engine, DOCS[:1], prefix="a")
    nothing = client.get("/dashboard/items", params={"after": first[0]}).text
    assert "hx-swap-oob" not in nothing and f"after={first[0]}" in nothing
    later = store_items(ctx.engine, DOCS[1:], prefix="b", enrich=False)
    fragment = client.get("/dashboard/items", params={"after": first[0]}).text
    assert re.findall(r'id="item-(\d+)"', fragment) == [str(i) for i in reversed(later)]
    assert 'hx-swap-oob="afterbegin:#latest-items"' in fragment
    assert f"after={max(later)}" in fragment and "2 new items just now" in fragment
    narrowed = client.get("/dashboard/items", params={"after": 0, "lang": "en"}).text
    assert re.findall(r'id="item-(\d+)"', narrowed) == [str(later[0])]
    assert "lang=en&amp;after=" in narrowed


def test_the_alerts_panel_reloads_alone(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    assert 'id="alerts-empty"' in client.get("/dashboard/alerts").text
    raise_watchlist_alert(ctx.engine, ids[:1])
    panel = client.get("/dashboard/alerts", params={"country": "ID"}).text
    assert panel.lstrip().startswith('<section class="panel panel-alerts" id="alerts-panel"')
    assert "Gempa: Gempa guncang Lombok" in panel
    assert 'hx-get="/dashboard/alerts?country=ID"' in panel
    assert "<html" not in panel


def test_a_viewer_sees_alerts_without_triage_buttons(ctx: Context) -> None:
    ids = store_items(ctx.engine, DOCS)
    raise_watchlist_alert(ctx.engine, ids[:1])
    make_user(ctx.engine, "vera", role=Role.VIEWER)
    with TestClient(create_app(ctx)) as client:
        sign_in_by_form(client, "vera")
        html = client.get("/").text
    assert "Gempa: Gempa guncang Lombok" in html
    assert "/ack" not in html and "Acknowledge" not in html
    assert "/admin/sources" not in html


def test_the_old_home_search_goes_to_the_search_page(client: TestClient) -> None:
    moved = client.get("/", params={"q": "gempa lombok"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/search?q=gempa%20lombok"


def test_pages_need_a_browser_session(ctx: Context) -> None:
    ana = make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as client:
        anonymous = client.get("/dashboard/items", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == "/login?next=%2Fdashboard%2Fitems"
        by_token = client.get("/", headers=bearer(ctx.engine, ana), follow_redirects=False)
        assert by_token.status_code == 303 and by_token.headers["location"].startswith("/login")
