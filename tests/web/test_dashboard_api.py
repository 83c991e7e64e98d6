"""/api/v1/facets, /api/v1/dashboard/* and /api/v1/stories/{id} in-process, signed in by API
token, on SQLite and PostgreSQL: shapes, values, and 400s that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dcc.app import create_app
from dcc.context import Context
from dcc.enrich.labels import Enrichment, Entity, Label
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment, do_sync_sources
from dcc.records import RawItem, Source, SourceKind
from dcc.store.schema import items
from web_helpers import make_user, sign_in_by_token

# Whole hours ago, so the dashboard's buckets are the same whenever the test runs.
NOW = datetime.now(tz=UTC).replace(minute=30, second=0, microsecond=0)
DOCS = [
    # (source, lang, country, hours ago, sentiment, stance, about, topics, story)
    ("antara-id", "id", "ID", 1, "negative", "negative", ("ID",), ("disaster",), "s1"),
    ("antara-id", "id", "ID", 2, "negative", None, ("ID",), ("disaster",), "s1"),
    ("bbc", "en", "GB", 3, "neutral", "neutral", ("ID", "AU"), ("disaster",), "s1"),
    ("star-my", "ms", "MY", 4, "positive", None, ("MY",), ("diplomacy",), "s2"),
    ("antara-id", "id", "ID", 30, "neutral", None, ("TL",), (), "s2"),
    ("antara-id", "id", "ID", 31, "neutral", None, (), (), "s2"),
]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    do_sync_sources(
        ctx.engine,
        [Source(id=s, kind=SourceKind.RSS, url=f"https://{s}.example/rss") for s in ("antara-id",)],
    )
    do_ingest_stream(
        ctx.engine,
        [
            RawItem(
                source_id=source,
                external_id=f"d{i}",
                title=f"Gempa Lombok {i}",
                text="Gempa bumi mengguncang Lombok",
                lang=lang,
                country=country,
                published_at=NOW - timedelta(hours=hours),
            )
            for i, (source, lang, country, hours, *_) in enumerate(DOCS)
        ],
        source_id="antara-id",
    )
    with ctx.engine.connect() as conn:
        ids = {key: i for key, i in conn.execute(select(items.c.external_id, items.c.id))}
    do_store_enrichment(
        ctx.engine,
        [
            (
                ids[f"d{i}"],
                Enrichment(
                    lang=lang,
                    sentiment=Label(sentiment, 0.9),
                    stance_id=Label(stance, 0.8) if stance else None,
                    countries=about,
                    topics=topics,
                    entities=(Entity("BNPB", "ORG", 0, 4),),
                    story_id=story,
                ),
            )
            for i, (_, lang, _, _, sentiment, stance, about, topics, story) in enumerate(DOCS)
        ],
    )
    with TestClient(create_app(ctx)) as test_client:
        yield sign_in_by_token(test_client, ctx.engine, make_user(ctx.engine, "ana"))


def test_facets(client: TestClient) -> None:
    response = client.get("/api/v1/facets", params={"q": "gempa", "lang": ["id", "en"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == "gempa" and body["counted"] == 5 and body["sampled"] is False
    assert body["facets"]["lang"] == [{"value": "id", "count": 4}, {"value": "en", "count": 1}]
    assert body["facets"]["country"][0] == {"value": "ID", "count": 5}
    assert {"value": "GB", "count": 1} in body["facets"]["country"]
    assert body["facets"]["topic"] == [{"value": "disaster", "count": 3}]
    assert set(body["facets"]) == {"lang", "country", "topic", "source", "sentiment", "stance"}
    histogram = body["histogram"]
    assert histogram["bucket"] == "hour"
    assert sum(b["count"] for b in histogram["buckets"]) == 5
    assert histogram["buckets"][0]["start"].endswith("Z")
    sampled = client.get("/api/v1/facets", params={"q": "gempa", "sample": 2}).json()
    assert sampled["sampled"] is True and sampled["counted"] == 2
    assert sampled["sampled_since"] is not None


def test_facets_bad_query_is_a_400_with_its_position(client: TestClient) -> None:
    response = client.get("/api/v1/facets", params={"q": "gempa lang:xx"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_query" and error["position"] == 11
    assert "'xx'" in error["message"]
    unclosed = client.get("/api/v1/facets", params={"q": '"gempa'}).json()["error"]
    assert unclosed["position"] == 0 and "never closed" in unclosed["message"]


def test_volume(client: TestClient) -> None:
    until = NOW.isoformat()
    body = client.get("/api/v1/dashboard/volume", params={"window": "24h", "until": until})
    assert body.status_code == 200, body.text
    volume = body.json()
    # From 30 minutes past an hour to 30 minutes past: 25 hours are touched.
    assert volume["bucket"] == "hour" and len(volume["points"]) == 25
    assert sum(p["total"] for p in volume["points"]) == 4
    negatives = sum(p["sentiment"]["negative"] for p in volume["points"])
    assert negatives == 2
    assert sum(p["stance"]["neutral"] for p in volume["points"]) == 1
    daily = client.get(
        "/api/v1/dashboard/volume",
        params={"window": "3d", "until": until, "bucket": "day", "country": "my"},
    ).json()
    assert daily["bucket"] == "day" and sum(p["total"] for p in daily["points"]) == 1


def test_countries_and_filters(client: TestClient) -> None:
    params = {"since": (NOW - timedelta(days=2)).isoformat(), "until": NOW.isoformat()}
    counts = client.get("/api/v1/dashboard/countries", params=params).json()["counts"]
    assert counts == {"ID": 5, "MY": 1, "AU": 1, "GB": 1, "TL": 1}
    assert list(counts) == ["ID", "AU", "GB", "MY", "TL"]
    filtered = client.get(
        "/api/v1/dashboard/countries", params={**params, "topic": "disaster", "lang": "en"}
    ).json()["counts"]
    assert filtered == {"AU": 1, "GB": 1, "ID": 1}


def test_rising_stories(client: TestClient) -> None:
    body = client.get(
        "/api/v1/dashboard/stories/rising", params={"window": "1d", "until": NOW.isoformat()}
    ).json()
    assert [(s["story_id"], s["growth"]) for s in body["stories"]] == [("s1", 3)]
    story = body["stories"][0]
    assert story["size"] == 3 and story["languages"] == ["en", "id"]
    assert story["title"] == "Gempa Lombok 2"


def test_story(client: TestClient) -> None:
    body = client.get("/api/v1/stories/s2", params={"order": "newest", "limit": 2}).json()
    assert body["size"] == 3 and body["title"] == "Gempa Lombok 5"
    assert [i["title"] for i in body["items"]] == ["Gempa Lombok 3", "Gempa Lombok 4"]
    assert body["items"][0]["labels"]["story_id"] == "s2"
    assert body["countries"][0] == {"value": "ID", "count": 2}
    assert body["sentiment"] == {"positive": 1, "neutral": 2, "negative": 0}
    assert body["entities"] == [{"text": "BNPB", "type": "ORG", "count": 3}]
    missing = client.get("/api/v1/stories/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [
        ("/api/v1/dashboard/volume", {"window": "forever"}, "window 'forever'"),
        ("/api/v1/dashboard/volume", {"country": "XX"}, "country: 'XX'"),
        ("/api/v1/dashboard/countries", {"topic": "gossip"}, "topic: 'gossip'"),
        ("/api/v1/dashboard/volume", {"window": "800d"}, "366 days"),
        (
            "/api/v1/dashboard/countries",
            {"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
            "empty",
        ),
        ("/api/v1/dashboard/stories/rising", {"window": "0h"}, "window '0h'"),
    ],
)
def test_bad_parameters_are_400s(
    client: TestClient, path: str, params: dict[str, str], needle: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_query"
    assert needle in response.json()["error"]["message"]


def test_signed_in_only(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as anonymous:
        assert anonymous.get("/api/v1/dashboard/volume").status_code == 401


def test_openapi_documents_the_shapes(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/facets",
        "/api/v1/dashboard/volume",
        "/api/v1/dashboard/countries",
        "/api/v1/dashboard/stories/rising",
        "/api/v1/stories/{story_id}",
    ):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in schema["schema"], path
    assert "histogram" in spec["components"]["schemas"]["FacetsOut"]["properties"]
