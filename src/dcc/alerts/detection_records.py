"""Records of the detectors (bursts, novelty, campaigns, stance shifts; STYLE rule 5): what is
counted, what is read back, what a detector finds and what is stored as an alert."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dcc.alerts.records import AlertKind
from dcc.records import JSONValue


class Dimension(enum.StrEnum):
    """What activity is counted per (issue 4 item 3)."""

    COUNTRY = "country"  # the countries an item is about (enrichment `countries`)
    ENTITY = "entity"  # entity names, lower-cased as the query language's entity: filter
    TOPIC = "topic"
    STORY = "story"  # the enrichment's story_id
    WATCHLIST = "watchlist"  # the watchlists an item matched
    SOURCE_COUNTRY = "source_country"  # the item's own country: "a country's media"
    ALL = "all"  # every item, key "*": the global stance baseline


@dataclass(frozen=True, slots=True, order=True)
class ActivityKey:
    """One counted series: `country:ID`, `story:4f2a`, `watchlist:3`..."""

    dimension: Dimension
    key: str

    @property
    def story_key(self) -> str:
        """The alert's de-duplication key, as `story_key` on alerts."""
        return f"{self.dimension.value}:{self.key}"


@dataclass(frozen=True, slots=True)
class Counts:
    """Items, items with a stance toward Indonesia, and negative ones among them."""

    items: int = 0
    stanced: int = 0
    negative: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.items + other.items,
            self.stanced + other.stanced,
            self.negative + other.negative,
        )


@dataclass(frozen=True, slots=True)
class ItemActivity:
    """What one processed item adds to the counts."""

    item_id: int
    at: datetime  # published_at (never after processing), else ingested_at
    keys: tuple[ActivityKey, ...]
    is_stanced: bool
    is_negative: bool


@dataclass(frozen=True, slots=True)
class BucketIncrement:
    """What one batch adds to one bucket; `item_ids` are the items it adds, oldest first."""

    key: ActivityKey
    resolution: int  # bucket size in seconds
    bucket: int  # bucket start, seconds since the epoch (UTC)
    counts: Counts
    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CampaignPost:
    """One post of a near-duplicate group: `root_id` is the item the group copies."""

    item_id: int
    root_id: int
    account: str
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class Finding:
    """What a detector found, before the explanation is completed with example items.

    `numbers` are the figures that tripped it, with the thresholds; `details` what else the
    detector knows (a campaign's accounts and time profile).
    """

    kind: AlertKind
    rule: str  # "burst:country", "novelty:story", "campaign:copy_paste"...
    story_key: str  # "country:ID", "story:4f2a", "item:812"...
    title: str
    count: int  # shown as the alert's item_count
    window_start: datetime
    window_end: datetime
    alert_window: timedelta
    numbers: Mapping[str, JSONValue]
    details: Mapping[str, JSONValue] = field(default_factory=dict)
    # Items known to belong to it (campaign posts); bursts draw theirs from the examples.
    item_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Detection:
    """A finding ready to store: its full explanation and the items it names."""

    finding: Finding
    explanation: Mapping[str, JSONValue]
    first_item_id: int | None
    last_item_id: int | None


@dataclass(frozen=True, slots=True)
class DetectionOutcome:
    """Alerts opened and alerts updated by one evaluation."""

    created: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    findings: int = 0

    def merged(self, other: DetectionOutcome) -> DetectionOutcome:
        return DetectionOutcome(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            findings=self.findings + other.findings,
        )
