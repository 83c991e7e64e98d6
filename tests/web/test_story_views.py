"""The story page and the item page: the timeline across languages, every label with its
evidence, and the 404 page for ids that are not there (issue 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from page_helpers import SOURCES, store_items

from dcc.accounts.records import Locale
from dcc.app import create_app
from dcc.context import Context
from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.records import RawItem
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
        sign_in_by_form(test_client, "ana")
        yield test_client


def test_a_story_shows_its_timeline_across_languages(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    page = client.get("/stories/s-gempa")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Gempa guncang Lombok</h1>" in text
    timeline = re.findall(r'<li class="timeline-item" lang="(\w+)">', text)
    assert timeline == ["id", "en"]  # oldest first, both languages
    assert text.index(f'href="/items/{ids[0]}"') < text.index(f'href="/items/{ids[1]}"')
    # Spread and labels: languages, countries, entities, sentiment and stance with evidence.
    assert "Indonesian" in text and "English" in text
    assert 'href="/search?q=country%3AID">Indonesia</a>' in text
    assert "Lombok</a>" in text and "place" in text
    assert 'aria-label="Sentiment: positive 0, neutral 0, negative 2"' in text
    assert 'aria-label="Stance toward Indonesia: positive 0, neutral 0, negative 1"' in text
    assert "<summary>Why</summary>" in text and "<dt>matched</dt><dd>gempa</dd>" in text
    newest = client.get("/stories/s-gempa", params={"order": "newest"}).text
    assert re.findall(r'<li class="timeline-item" lang="(\w+)">', newest) == ["en", "id"]


def test_an_item_shows_every_label_and_its_evidence(ctx: Context, client: TestClient) -> None:
    ids = store_items(ctx.engine, DOCS)
    page = client.get(f"/items/{ids[1]}")
    assert page.status_code == 200
    text = page.text
    for label in ("lang", "sentiment", "stance_id", "entities", "countries", "story_id"):
        assert f'<tr id="label-{label}">' in text
    assert '<mark class="entity entity-LOC" title="place">Lombok</mark>' in text
    assert 'href="/stories/s-gempa"' in text
    assert "confidence 90%" in text
    assert "<dt>places</dt><dd>Lombok</dd>" in text  # the evidence of `countries`
    assert "All labels as JSON" in text and '"story_id": "s-gempa"' in text
    assert 'href="https://bbc-en.example/d1" rel="noopener noreferrer"' in text


def test_an_item_not_analysed_yet_says_so(ctx: Context, client: TestClient) -> None:
    (item_id,) = store_items(ctx.engine, DOCS[:1], enrich=False)
    page = client.get(f"/items/{item_id}").text
    assert 'id="not-analysed"' in page and "Gempa guncang Lombok" in page


@pytest.mark.parametrize(
    "path",
    ["/items/999999", "/items/0", "/items/abc", "/items/99999999999999999999", "/stories/nope"],
)
def test_unknown_ids_answer_the_404_page(ctx: Context, client: TestClient, path: str) -> None:
    store_items(ctx.engine, DOCS)
    page = client.get(path)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "not shared with your agency" in page.text


def test_the_404_page_speaks_the_users_language(ctx: Context) -> None:
    make_user(ctx.engine, "sari", locale=Locale.ID)
    with TestClient(create_app(ctx)) as client:
        sign_in_by_form(client, "sari")
        page = client.get("/items/424242")
    assert page.status_code == 404 and "Tidak ditemukan" in page.text


def test_a_feeds_script_link_is_shown_not_linked(ctx: Context, client: TestClient) -> None:
    do_sync_sources(ctx.engine, SOURCES)
    outcome = do_ingest_stream(
        ctx.engine,
        [
            RawItem(
                source_id="antara-id",
                external_id="x",
                title="Hai",
                text="Hai",
                url="javascript:alert(1)",
            )
        ],
        source_id="antara-id",
    )
    page = client.get(f"/items/{outcome.new_item_ids[0]}").text
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
