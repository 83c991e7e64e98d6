"""Helpers for the detector tests: stored items with chosen labels, authors, countries and
publication times (no models), and series of counts built by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alert_helpers import SOURCE
from sqlalchemy import Engine

from dcc.alerts.activity import Series, epoch, floor_to
from dcc.alerts.detection_records import Counts
from dcc.enrich.labels import Enrichment, Label
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment, do_sync_sources
from dcc.records import RawItem, StoredItem

# A fixed instant a little after a 5-minute boundary: windows are then easy to reason about.
NOW = datetime(2026, 11, 24, 12, 2, 30, tzinfo=UTC)


@dataclass(frozen=True)
class ItemSpec:
    """One item to store: what it says, when, who posted it, and its labels."""

    title: str
    published_at: datetime
    labels: Enrichment = field(default_factory=lambda: Enrichment(lang="id"))
    author: str | None = None
    country: str | None = "ID"  # the item's own (source) country
    text: str = ""


def labels(
    *,
    countries: Sequence[str] = (),
    story: str | None = None,
    stance: str | None = None,
    near: int | None = None,
    entities: Sequence[str] = (),
    topics: Sequence[str] = (),
) -> Enrichment:
    from dcc.enrich.labels import Entity

    return Enrichment(
        lang="id",
        countries=tuple(countries),
        story_id=story,
        stance_id=Label(stance, 0.9) if stance else None,
        near_duplicate_of=str(near) if near is not None else None,
        entities=tuple(Entity(e, "PER", 0, len(e)) for e in entities),
        topics=tuple(topics),
    )


def store_items(engine: Engine, specs: Sequence[ItemSpec], *, prefix: str) -> list[int]:
    """Store the items with their labels (stage "processed"); return their ids in order."""
    do_sync_sources(engine, [SOURCE])
    outcome = do_ingest_stream(
        engine,
        [
            RawItem(
                source_id=SOURCE.id,
                external_id=f"{prefix}{n}",
                title=spec.title,
                text=spec.text or f"{spec.title}. Warga diminta tetap tenang.",
                url=f"https://antara.example/{prefix}{n}",
                author=spec.author,
                lang="id",
                country=spec.country,
                published_at=spec.published_at,
            )
            for n, spec in enumerate(specs)
        ],
        source_id=SOURCE.id,
    )
    ids = sorted(outcome.new_item_ids)
    do_store_enrichment(engine, [(i, spec.labels) for i, spec in zip(ids, specs, strict=True)])
    return ids


def spread(count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` instants evenly spread over [start, end)."""
    step = (end - start) / count
    return [start + step * n for n in range(count)]


def hourly_series(
    per_hour: Mapping[int, int], *, now: datetime = NOW, recent: Sequence[int] = ()
) -> Series:
    """A series with `per_hour[h]` items in the hour bucket `h` hours before the one holding
    `now`, daily buckets summing them, and `recent` items per 5-minute bucket ending with the
    one holding `now` (also added to the hourly and daily buckets)."""
    now_s = epoch(now)
    hours: dict[int, Counts] = {}
    days: dict[int, Counts] = {}
    fives: dict[int, Counts] = {}

    def add(table: dict[int, Counts], bucket: int, n: int) -> None:
        table[bucket] = table.get(bucket, Counts()) + Counts(n, 0, 0)

    for back, n in per_hour.items():
        bucket = floor_to(now_s, 3600) - back * 3600
        add(hours, bucket, n)
        add(days, floor_to(bucket, 86400), n)
    last = floor_to(now_s, 300)
    for back, n in enumerate(reversed(list(recent))):
        bucket = last - back * 300
        add(fives, bucket, n)
        add(hours, floor_to(bucket, 3600), n)
        add(days, floor_to(bucket, 86400), n)
    return Series({300: fives, 3600: hours, 86400: days})


def stored(item_id: int, *, published_at: datetime, author: str | None = None) -> StoredItem:
    return StoredItem(
        id=item_id,
        source_id=SOURCE.id,
        external_id=str(item_id),
        title=f"item {item_id}",
        text="",
        url=None,
        author=author,
        published_at=published_at,
        ingested_at=published_at + timedelta(seconds=1),
        lang="id",
        country="ID",
        geo=None,
        kind="post",
        stage="processed",
        extra={},
        enrichment=None,
    )
