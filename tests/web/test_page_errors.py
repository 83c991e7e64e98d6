"""Errors on pages are pages; the API keeps its JSON errors (web/page_errors.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dcc.accounts.records import Role
from dcc.app import create_app
from dcc.context import Context
from web_helpers import make_user, sign_in_by_form, sign_in_by_token


def test_pages_answer_with_pages_and_the_api_with_json(ctx: Context) -> None:
    vera = make_user(ctx.engine, "vera", role=Role.VIEWER)
    with TestClient(create_app(ctx)) as client:
        sign_in_by_form(client, "vera")
        page = client.get("/no/such/page")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Back to the dashboard" in page.text
        api = client.get("/api/v1/no/such/thing")
        assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
        missing_item = client.get("/api/v1/items/424242")
        assert missing_item.status_code == 404 and "error" in missing_item.json()
        sign_in_by_token(client, ctx.engine, vera)
        forbidden = client.post("/api/v1/watchlists", json={"name": "x", "query": "gempa"})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == "forbidden"


def test_a_bad_form_value_is_a_page_too(ctx: Context) -> None:
    make_user(ctx.engine, "adm", role=Role.ADMIN)
    with TestClient(create_app(ctx)) as client:
        csrf = sign_in_by_form(client, "adm")
        page = client.post(
            "/admin/sources",
            data={"csrf_token": csrf, "id": "x", "url": "https://x.example/", "interval_s": "5"},
        )
        assert page.status_code == 422 and "Some input was not valid" in page.text
        assert "interval_s" in page.text
