"""Helpers for the alert tests: stored items with chosen labels, without the real models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from dcc.enrich.labels import Enrichment
from dcc.enrich.pipeline import Document, Enricher
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment, do_sync_sources
from dcc.records import RawItem, Source, SourceKind, StoredItem

SOURCE = Source(
    id="antara-id", kind=SourceKind.RSS, url="https://antara.example/rss", lang="id", country="ID"
)


class StoryEnricher(Enricher):
    """Labels every document Indonesian and puts it in one story: what throttling needs,
    without loading models."""

    def __init__(self, story_id: str = "story-1") -> None:
        super().__init__()
        self.story_id = story_id

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment]:
        return [Enrichment(lang="id", story_id=self.story_id, countries=("ID",)) for _ in docs]


def store_raw(engine: Engine, titles: Sequence[str], *, prefix: str = "x") -> list[int]:
    """Store items with these titles (stage "new"); return their ids in order."""
    do_sync_sources(engine, [SOURCE])
    now = datetime.now(tz=UTC)
    outcome = do_ingest_stream(
        engine,
        [
            RawItem(
                source_id=SOURCE.id,
                external_id=f"{prefix}{n}",
                title=title,
                text=f"{title}. Warga diminta tetap tenang.",
                url=f"https://antara.example/{prefix}{n}",
                lang="id",
                country="ID",
                published_at=now,
            )
            for n, title in enumerate(titles)
        ],
        source_id=SOURCE.id,
    )
    return sorted(outcome.new_item_ids)


def store_processed(
    engine: Engine, titles: Sequence[str], *, story_id: str | None = "story-1", prefix: str = "x"
) -> list[int]:
    """Store items and their labels (stage "processed"), all in story `story_id`."""
    ids = store_raw(engine, titles, prefix=prefix)
    do_store_enrichment(engine, [(i, Enrichment(lang="id", story_id=story_id)) for i in ids])
    return ids


def stored_item(item_id: int, title: str, *, story_id: str | None = None) -> StoredItem:
    """A processed item as a record, for the pure tests."""
    now = datetime.now(tz=UTC)
    return StoredItem(
        id=item_id,
        source_id=SOURCE.id,
        external_id=str(item_id),
        title=title,
        text="",
        url=f"https://antara.example/{item_id}",
        author=None,
        published_at=now,
        ingested_at=now,
        lang="id",
        country="ID",
        geo=None,
        kind="article",
        stage="processed",
        extra={},
        enrichment=Enrichment(lang="id", story_id=story_id).as_json(),
    )
