"""The JSON API on a real database, in-process (STYLE 12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dcc.app import create_app
from dcc.context import Context
from dcc.ingest.actions import do_ingest_stream, do_record_fetch_failure, do_sync_sources
from dcc.records import ParseProblem, RawItem, Source, SourceKind
from web_helpers import make_user, sign_in_by_form

NOW = datetime.now(tz=UTC)


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    do_sync_sources(
        ctx.engine,
        [
            Source(
                id="antara-id",
                kind=SourceKind.RSS,
                url="https://antara.example/rss",
                lang="id",
                country="ID",
            ),
            Source(id="usgs", kind=SourceKind.GEOJSON, url="https://usgs.example/q.geojson"),
        ],
    )
    items = [
        RawItem(
            source_id="antara-id",
            external_id=f"a{i}",
            title=f"Gempa Lombok {i}",
            text="Gempa bumi mengguncang Lombok",
            lang="id",
            country="ID",
            published_at=NOW - timedelta(minutes=i),
        )
        for i in range(30)
    ]
    do_ingest_stream(
        ctx.engine, [*items, ParseProblem("line 7", "not JSON")], source_id="antara-id"
    )
    do_ingest_stream(
        ctx.engine,
        [
            RawItem(
                source_id="usgs",
                external_id="q1",
                kind="quake",
                title="M 6.1 - Banda Sea",
                text="M 6.1 quake",
                published_at=NOW,
            )
        ],
        source_id="usgs",
    )
    do_record_fetch_failure(ctx.engine, "usgs", "cannot connect to earthquake.usgs.gov")
    ana = make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as test_client:
        sign_in_by_form(test_client, ana.username)  # a browser session: pages and API
        yield test_client


def test_items_newest_first_with_paging(client: TestClient) -> None:
    body = client.get("/api/v1/items", params={"per_page": 10}).json()
    assert body["total"] == 31 and body["has_next"]
    assert body["items"][0]["published_at"] >= body["items"][1]["published_at"]
    page4 = client.get("/api/v1/items", params={"per_page": 10, "page": 4}).json()
    assert len(page4["items"]) == 1 and not page4["has_next"]


def test_items_filters(client: TestClient) -> None:
    body = client.get("/api/v1/items", params={"kind": "quake"}).json()
    assert [i["title"] for i in body["items"]] == ["M 6.1 - Banda Sea"]
    body = client.get("/api/v1/items", params={"source": ["usgs", "antara-id"], "lang": "id"})
    assert body.json()["total"] == 30


def test_item_detail_and_404(client: TestClient) -> None:
    first = client.get("/api/v1/items").json()["items"][0]
    detail = client.get(f"/api/v1/items/{first['id']}")
    assert detail.status_code == 200 and detail.json()["external_id"] == first["external_id"]
    missing = client.get("/api/v1/items/987654")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_search(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "banda"}).json()
    assert body["total"] == 1 and body["items"][0]["source"] == "usgs"
    body = client.get("/api/v1/search", params={"q": "lombok", "per_page": 5, "sort": "time"})
    assert body.json()["total"] == 30


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": "(gempa OR"}, 400, "invalid_query"),
        ({"q": "gempa lang:xx"}, 400, "invalid_query"),
        ({"q": "x", "per_page": 0}, 422, "invalid_request"),
        ({"q": "x", "sort": "sideways"}, 422, "invalid_request"),
        ({"since": "yesterday"}, 422, "invalid_request"),
        ({"q": "x" * 4001}, 422, "invalid_request"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, 400, "invalid_query"),
    ],
)
def test_bad_search_input(
    client: TestClient, params: dict[str, object], status: int, code: str
) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_a_syntax_error_says_where(client: TestClient) -> None:
    params = {"q": "gempa lang:xx", "country": "ID"}  # the filters do not shift the position
    error = client.get("/api/v1/search", params=params).json()["error"]
    assert error["position"] == len("gempa lang:") and "xx" in error["message"]


def test_search_takes_the_query_language_and_the_filters_together(client: TestClient) -> None:
    def total(**params: object) -> int:
        return int(client.get("/api/v1/search", params=params).json()["total"])

    assert total(q="lombok") == 30
    assert total(q="lombok OR zzzunknown") == 30
    assert total(q="lombok -lombok") == 0
    assert total(q="lombok", lang="jv") == 0
    assert total(q="(lombok) source:antara-id") == total(q="lombok", source="antara-id")


def test_sources_with_health_and_problems(client: TestClient) -> None:
    sources = {s["id"]: s for s in client.get("/api/v1/sources").json()["sources"]}
    assert sources["usgs"]["health"]["consecutive_failures"] == 1
    assert "earthquake.usgs.gov" in sources["usgs"]["health"]["last_error"]
    assert sources["antara-id"]["health"]["items_total"] == 30
    assert sources["antara-id"]["health"]["items_last_day"] == 30
    detail = client.get("/api/v1/sources/antara-id").json()
    assert detail["recent_problems"] == [{"location": "line 7", "message": "not JSON"}]
    assert client.get("/api/v1/sources/nope").status_code == 404


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/search",
        "/api/v1/sources",
        "/api/v1/sources/{source_id}",
    ):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 404  # no CDN-backed docs page


def test_home_page_lists_items_search_and_health(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Gempa Lombok 29" in page.text and "Source health" in page.text
    assert "unreachable (1)" in page.text
    # The first home page searched with ?q=; that search is the search page's now.
    found = client.get("/", params={"q": "banda"})
    assert found.url.path == "/search"
    assert "M 6.1 - Banda Sea" in found.text and "Gempa Lombok" not in found.text
    none = client.get("/search", params={"q": "zzzzunlikely"})
    assert "No items match" in none.text
    bad = client.get("/search", params={"q": "lang:xx"})
    assert bad.status_code == 200 and "is not a language code" in bad.text


def test_static_assets_are_local(client: TestClient) -> None:
    page = client.get("/").text
    assert "https://" not in page.split("<body>")[0]  # nothing loaded from elsewhere
    assert client.get("/static/dcc.css").status_code == 200
