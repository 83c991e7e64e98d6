"""Signing in on the web (issue 5): every API call and page needs a session or a token;
bad passwords, missing CSRF tokens, wrong roles and oversized posts are refused cleanly."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dcc.accounts.records import Role
from dcc.app import create_app
from dcc.context import Context
from web_helpers import PASSWORD, bearer, make_user, sign_in_by_form

WATCHLIST = {"name": "Gempa", "query": "gempa country:ID"}


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


def login_token(client: TestClient) -> str:
    found = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def test_nothing_without_signing_in(client: TestClient) -> None:
    api = client.get("/api/v1/items")
    assert api.status_code == 401 and api.json()["error"]["code"] == "not_signed_in"
    assert api.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/v1/alerts/stream").status_code == 401
    page = client.get("/", params={"q": "gempa"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F%3Fq%3Dgempa"
    forged = client.get("/api/v1/items", headers={"Authorization": "Bearer dcc_forged"})
    assert forged.status_code == 401
    client.cookies.set("dcc_session", "forged")
    assert client.get("/api/v1/items").status_code == 401


def test_a_wrong_password_and_an_unknown_user_read_the_same(client: TestClient) -> None:
    answers = []
    for username in ("ana", "nobody"):
        response = client.post(
            "/login",
            data={"username": username, "password": "wrong", "login_csrf": login_token(client)},
        )
        assert response.status_code == 401
        answers.append(re.search(r'id="login-error">([^<]+)<', response.text))
    assert answers[0] and answers[1] and answers[0].group(1) == answers[1].group(1)


def test_repeated_failures_are_rate_limited(client: TestClient) -> None:
    statuses = [
        client.post(
            "/login",
            data={"username": "ana", "password": "wrong", "login_csrf": login_token(client)},
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits now; the answer says how long.
    limited = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "login_csrf": login_token(client)}
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_the_login_form_needs_its_own_token(client: TestClient) -> None:
    response = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 403
    assert "dcc_session" not in response.headers.get("set-cookie", "")


def test_a_session_writes_only_with_its_csrf_token(client: TestClient) -> None:
    csrf = sign_in_by_form(client, "ana")
    refused = client.post("/api/v1/watchlists", json=WATCHLIST)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    forged = client.post("/api/v1/watchlists", json=WATCHLIST, headers={"X-CSRF-Token": "a.b"})
    assert forged.status_code == 403
    created = client.post("/api/v1/watchlists", json=WATCHLIST, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201 and created.json()["owner"] == "ana"
    assert client.get("/api/v1/watchlists").status_code == 200  # reading needs no token


def test_a_token_needs_no_csrf_and_roles_decide_what_one_may_do(ctx: Context) -> None:
    viewer = make_user(ctx.engine, "vera", role=Role.VIEWER)
    analyst = make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as client:
        as_viewer = bearer(ctx.engine, viewer)
        refused = client.post("/api/v1/watchlists", json=WATCHLIST, headers=as_viewer)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert client.get("/api/v1/watchlists", headers=as_viewer).status_code == 200
        created = client.post(
            "/api/v1/watchlists", json=WATCHLIST, headers=bearer(ctx.engine, analyst)
        )
        assert created.status_code == 201


def test_signing_out_ends_the_session(client: TestClient) -> None:
    csrf = sign_in_by_form(client, "ana")
    assert client.get("/", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_oversized_post_is_refused_before_it_is_read(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        body = b"x" * (ctx.settings.max_request_bytes + 1)
        response = client.post(
            "/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_next_never_leads_to_another_site(client: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\\\evil.example"):
        page = client.get("/login", params={"next": target})
        assert 'name="next" value="/"' in page.text
