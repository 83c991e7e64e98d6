"""The search page (`/search`): results, facets that add field filters, a time histogram,
syntax errors shown where they are, and "Save as watchlist" for those who may (issue 5)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from page_helpers import store_items
from sqlalchemy import select

from dcc.accounts.records import Role
from dcc.app import create_app
from dcc.context import Context
from dcc.store.schema import watchlists
from web_helpers import make_user, sign_in_by_form

DOCS = [
    ("antara-id", "id", "Gempa guncang Lombok"),
    ("bbc-en", "en", "Earthquake hits Lombok, Indonesia"),
    ("antara-id", "id", "Gempa susulan di Lombok Utara"),
    ("antara-id", "id", "Banjir rendam Kelantan"),
]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    store_items(ctx.engine, DOCS)
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        sign_in_by_form(test_client, "ana")
        yield test_client


def hrefs(page: str) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_results_with_facets_and_a_histogram(client: TestClient) -> None:
    page = client.get("/search", params={"q": "gempa"})
    assert page.status_code == 200
    text = page.text
    assert "2 items ·" in text
    assert len(re.findall(r'<li class="item" id="item-\d+"', text)) == 2
    # Each facet value adds its filter to the query (the query language's field:value).
    assert "/search?q=gempa+lang%3Aid" in hrefs(text)
    assert "/search?q=gempa+country%3AID" in hrefs(text)
    assert "/search?q=gempa+topic%3Adisaster" in hrefs(text)
    assert "/search?q=gempa+source%3Aantara-id" in hrefs(text)
    assert "/search?q=gempa+sentiment%3Anegative" in hrefs(text)
    assert re.search(r'<h3 id="facet-lang">Language</h3>', text)
    assert ">Indonesian</a>" in text.replace("\n", "").replace("  ", "")
    # The histogram: a bar per hour, each narrowing the search to its hour.
    bars = [h for h in hrefs(text) if "time%3A%3E%3D" in h]
    assert bars and all("gempa+time%3A%3E%3D" in h for h in bars)


def test_a_facet_link_narrows_and_an_active_one_widens_again(client: TestClient) -> None:
    narrowed = client.get("/search", params={"q": "lombok lang:en"}).text
    assert "1 item ·" in narrowed
    assert 'aria-current="true"' in narrowed
    assert "/search?q=lombok" in hrefs(narrowed)  # the active lang:en, to take off


def test_a_query_that_cannot_be_read_says_why_and_where(client: TestClient) -> None:
    page = client.get("/search", params={"q": "gempa lang:xx"})
    assert page.status_code == 200
    text = page.text
    assert 'role="alert" id="query-error"' in text
    assert "lang: &#39;xx&#39; is not a language code" in text
    assert '<code>gempa lang:<mark id="query-error-mark">x</mark>x</code>' in text
    assert 'aria-invalid="true" aria-describedby="query-error"' in text
    assert "Save as watchlist" not in text
    unclosed = client.get("/search", params={"q": "(gempa"}).text
    assert '<mark id="query-error-mark">(</mark>gempa' in unclosed


def test_save_as_watchlist_in_one_click(ctx: Context, client: TestClient) -> None:
    page = client.get("/search", params={"q": "gempa lang:id"}).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf and 'action="/search/watchlist"' in page
    saved = client.post(
        "/search/watchlist",
        data={"csrf_token": csrf.group(1), "q": "gempa lang:id", "name": "Gempa (id)"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/search?q=gempa%20lang%3Aid&saved=")
    notice = client.get(saved.headers["location"]).text
    assert "Saved as the watchlist “Gempa (id)”" in notice
    assert 'action="/search/watchlist"' not in notice  # saved: no second click to double it
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(watchlists.c.name, watchlists.c.query, watchlists.c.owner)).all()
    assert [tuple(r) for r in rows] == [("Gempa (id)", "gempa lang:id", "ana")]


def test_a_watchlist_with_a_bad_query_is_refused_with_the_reason(client: TestClient) -> None:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/search").text)
    assert csrf
    refused = client.post(
        "/search/watchlist", data={"csrf_token": csrf.group(1), "q": "gempa lang:xx"}
    )
    assert refused.status_code == 400
    assert "The watchlist was not saved" in refused.text


def test_without_manage_watchlists_there_is_no_button_and_a_post_is_refused(ctx: Context) -> None:
    store_items(ctx.engine, DOCS)
    make_user(ctx.engine, "vera", role=Role.VIEWER)
    with TestClient(create_app(ctx)) as client:
        csrf = sign_in_by_form(client, "vera")
        page = client.get("/search", params={"q": "gempa"}).text
        assert "Save as watchlist" not in page and "2 items ·" in page
        refused = client.post("/search/watchlist", data={"csrf_token": csrf, "q": "gempa"})
        assert refused.status_code == 403
        assert "You may not do this" in refused.text and "<html" in refused.text
    with ctx.engine.connect() as conn:
        assert conn.execute(select(watchlists.c.id)).all() == []


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    refused = client.post("/search/watchlist", data={"q": "gempa"})
    assert refused.status_code == 403
    assert "The form has expired" in refused.text


def test_an_empty_search_lists_the_latest_and_says_how_to_start(ctx: Context) -> None:
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as client:
        sign_in_by_form(client, "ana")
        empty = client.get("/search").text
        assert "dcc ingest" in empty and "Latest items" in empty
        store_items(ctx.engine, DOCS)
        assert "No items match “tsunami”" in client.get("/search", params={"q": "tsunami"}).text
