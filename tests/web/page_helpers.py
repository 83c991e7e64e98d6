"""Data for the page tests: stored items with their labels and evidence, watchlists and
alerts, made by the real actions; and a light enricher whose labels follow from the words,
so a test knows which story, country and sentiment an item gets without loading models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from dcc.alerts.actions import do_create_watchlist, do_record_matches
from dcc.alerts.detection_actions import do_record_detections
from dcc.alerts.detection_records import Detection, Finding
from dcc.alerts.records import AlertKind, WatchlistMatch, WatchlistSpec
from dcc.enrich.labels import Enrichment, Entity, Label
from dcc.enrich.pipeline import Document, Enricher
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment, do_sync_sources
from dcc.ingest.workers import item_text
from dcc.records import RawItem, Source, SourceKind

SOURCES = [
    Source(id="antara-id", kind=SourceKind.RSS, url="https://antara.example/rss", lang="id"),
    Source(id="bbc-en", kind=SourceKind.RSS, url="https://bbc.example/rss", lang="en"),
]
# word -> (story, country the item is about)
STORIES = {
    "gempa": ("s-gempa", "ID"),
    "earthquake": ("s-gempa", "ID"),
    "banjir": ("s-banjir", "MY"),
    "flood": ("s-banjir", "MY"),
}
NEGATIVE = {"gempa", "earthquake", "banjir", "flood", "tewas", "killed"}
PLACES = {"Lombok": "ID", "Jakarta": "ID", "Kelantan": "MY", "Dili": "TL"}


class LabelEnricher(Enricher):
    """Labels from the words: the story and country of STORIES, negative sentiment for
    NEGATIVE words, the places of PLACES as entities; each label with its evidence."""

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment]:
        return [label_document(doc.text, doc.lang) for doc in docs]


def label_document(text: str, lang: str | None) -> Enrichment:
    words = {w.lower() for w in re.findall(r"\w+", text)}
    story, country = next(
        (found for word, found in STORIES.items() if word in words), ("s-other", None)
    )
    matched = sorted(words & NEGATIVE)
    sentiment = Label("negative", 0.9) if matched else Label("neutral", 0.7)
    entities = tuple(
        Entity(place, "LOC", match.start(), match.end())
        for place in PLACES
        for match in re.finditer(re.escape(place), text)
    )
    countries = tuple(
        dict.fromkeys(([country] if country else []) + [PLACES[e.text] for e in entities])
    )
    stance = Label("negative", 0.8) if "indonesia" in words else None
    return Enrichment(
        lang=lang or "id",
        sentiment=sentiment,
        stance_id=stance,
        entities=entities,
        countries=countries,
        topics=("disaster",) if story != "s-other" else (),
        story_id=story,
        why={
            "sentiment": {"model": "words", "matched": matched, "score": sentiment.score},
            "countries": {"places": [e.text for e in entities]},
            "story_id": {"joined_by": "keyword", "story": story},
        },
    )


def store_items(
    engine: Engine,
    docs: Sequence[tuple[str, str, str]],
    *,
    prefix: str = "d",
    enrich: bool = True,
    now: datetime | None = None,
) -> list[int]:
    """Store (source id, lang, title) items, a minute apart ending at `now`, and their labels
    unless told not to; return their ids in order."""
    do_sync_sources(engine, SOURCES)
    moment = now or datetime.now(tz=UTC)
    ids: list[int] = []
    for n, (source_id, lang, title) in enumerate(docs):
        outcome = do_ingest_stream(
            engine,
            [
                RawItem(
                    source_id=source_id,
                    external_id=f"{prefix}{n}",
                    title=title,
                    text=f"{title}. Warga diminta tetap tenang.",
                    url=f"https://{source_id}.example/{prefix}{n}",
                    lang=lang,
                    published_at=moment - timedelta(minutes=len(docs) - n),
                )
            ],
            source_id=source_id,
        )
        ids.extend(outcome.new_item_ids)
    if enrich:
        labelled = [
            (
                item_id,
                label_document(item_text(title, f"{title}. Warga diminta tetap tenang."), lang),
            )
            for item_id, (_, lang, title) in zip(ids, docs, strict=True)
        ]
        do_store_enrichment(engine, labelled)
    return ids


def raise_watchlist_alert(
    engine: Engine,
    item_ids: Sequence[int],
    *,
    query: str = "gempa",
    story: str = "s-gempa",
    owner: str = "ana",
) -> int:
    """A watchlist on `query` of `owner` (that user's agency, else the default one) and the
    alert its matches of `item_ids` raise; the alert id."""
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query=query), owner=owner)
    matches = [
        WatchlistMatch(
            watchlist_id=watchlist.id,
            item_id=item_id,
            story_key=story,
            item_title=f"Gempa guncang Lombok ({item_id})",
            item_url=f"https://antara.example/{item_id}",
            source_id="antara-id",
            matched=(query,),
        )
        for item_id in item_ids
    ]
    (alert_id,) = do_record_matches(engine, matches, window=timedelta(hours=1)).created
    return alert_id


def burst_explanation(item_ids: Sequence[int]) -> dict[str, object]:
    """A burst's explanation as the detector writes it (docs/alerts.md)."""
    return {
        "detector": "burst",
        "profile": "hour",
        "dimension": "country",
        "key": "ID",
        "window": {
            "start": "2026-11-24T11:05:00Z",
            "end": "2026-11-24T12:05:00Z",
            "count": 30,
            "bucket_s": 300,
            "per_bucket": [0, 0, 0, 0, 0, 0, 0, 4, 8, 7, 8, 3],
        },
        "baseline": {
            "start": "2026-11-23T11:00:00Z",
            "end": "2026-11-24T11:00:00Z",
            "windows": 24,
            "total": 24,
            "mean": 1.0,
            "std": 0.0,
        },
        "expected": 1.0,
        "ratio": 30.0,
        "z": 29.0,
        "top_terms": [["gempa", 12], ["lombok", 9]],
        "top_sources": [["antara-id", 20]],
        "examples": [
            {"id": i, "title": f"Gempa Lombok {i}", "url": None, "source": "antara-id"}
            for i in item_ids
        ],
    }


def campaign_explanation(item_ids: Sequence[int]) -> dict[str, object]:
    """A copy-paste campaign's explanation as the detector writes it."""
    return {
        "detector": "campaign",
        "root_item_id": item_ids[0],
        "distinct_accounts": 6,
        "posts": 7,
        "window": {"start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:12:00Z", "span_s": 720},
        "accounts": ["@akun1", "@akun2", "@akun3", "@akun4", "@akun5", "@akun6"],
        "time_profile": {"start": "2026-11-24T10:00:00Z", "minute_s": 60, "per_minute": [3, 2, 2]},
        "template": "Indonesia gagal melindungi warganya, sebarkan!",
        "top_terms": [["sebarkan", 7]],
        "top_sources": [["x-posts", 7]],
        "examples": [
            {"id": i, "title": f"Post {i}", "url": None, "source": "x-posts"} for i in item_ids
        ],
    }


def raise_detection_alert(
    engine: Engine, kind: AlertKind, explanation: dict[str, object], *, key: str
) -> int:
    """An alert of a detector (burst, campaign) with this explanation; its id."""
    now = datetime.now(tz=UTC)
    finding = Finding(
        kind=kind,
        rule=f"{kind.value}:test",
        story_key=key,
        title=f"{kind.value} on {key}",
        count=7,
        window_start=now - timedelta(hours=1),
        window_end=now,
        alert_window=timedelta(hours=1),
        numbers={},
    )
    detection = Detection(
        finding=finding, explanation=explanation, first_item_id=None, last_item_id=None
    )
    (alert_id,) = do_record_detections(engine, [detection], now=now).created
    return alert_id
