"""Records that the store's aggregate reads return: facets, time series, stories (issue 5).

Pages and the JSON API (web/api/dashboard.py) render these; nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# Width of a time bucket. Buckets are UTC hours or UTC days, labelled by their start.
Bucket = Literal["hour", "day"]
FacetName = Literal["lang", "country", "topic", "source", "sentiment", "stance"]
FACET_NAMES: tuple[FacetName, ...] = ("lang", "country", "topic", "source", "sentiment", "stance")


@dataclass(frozen=True, slots=True)
class ValueCount:
    """One facet value (a language code, a country code, a source id ...) and its count."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class TimeCount:
    start: datetime  # the bucket's start (UTC); it ends one bucket width later
    count: int


@dataclass(frozen=True, slots=True)
class Histogram:
    bucket: Bucket
    buckets: tuple[TimeCount, ...]  # every bucket from the first to the last, empty ones too


@dataclass(frozen=True, slots=True)
class Facets:
    """How the items matching a query divide by language, country, topic, source, sentiment,
    stance toward Indonesia, and time.

    With `is_sampled`, not every match was counted: the newest `sample_size` were (the UI
    says "of the latest 5,000"), or, for common words with a rare filter, the matches among
    the newest items holding the words; either way every match since `sampled_since` is.
    `country` counts an item under every value `country:XX` would match it with (its own
    country and those it is about), so the counts of a list facet may add up to more than
    `counted`; values beyond the first `limit_per_facet` are left out.
    """

    counted: int  # items counted (all matches, or the sample)
    is_sampled: bool
    sample_size: int
    sampled_since: datetime | None
    lang: tuple[ValueCount, ...]
    country: tuple[ValueCount, ...]
    topic: tuple[ValueCount, ...]
    source: tuple[ValueCount, ...]
    sentiment: tuple[ValueCount, ...]
    stance: tuple[ValueCount, ...]
    histogram: Histogram

    def facet(self, name: FacetName) -> tuple[ValueCount, ...]:
        found: tuple[ValueCount, ...] = getattr(self, name)
        return found


@dataclass(frozen=True, slots=True)
class DashboardFilters:
    """What the dashboard is narrowed to; empty tuples mean no filter. Values as the query
    language normalises them (`lang:`, `country:`, `topic:`, `source:`): an item passes when
    it matches one value of each non-empty filter."""

    langs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.langs or self.countries or self.topics or self.sources)


@dataclass(frozen=True, slots=True)
class LabelMix:
    """Items per sentiment (or stance) label; items without the label are in none of them."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0


@dataclass(frozen=True, slots=True)
class VolumePoint:
    start: datetime
    total: int  # every item of the bucket, labelled or not
    sentiment: LabelMix
    stance: LabelMix  # stance toward Indonesia; most items have none


@dataclass(frozen=True, slots=True)
class VolumeSeries:
    since: datetime
    until: datetime
    bucket: Bucket
    points: tuple[VolumePoint, ...]


@dataclass(frozen=True, slots=True)
class StorySpan:
    """A story at a glance: what lists of stories show."""

    title: str  # the title (else the start of the text) of its first item
    size: int  # all its items, at any time
    languages: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class RisingStory:
    """A story whose item count grew from the previous window to the recent one."""

    story_id: str
    recent: int  # items in the recent window
    previous: int  # items in the window before it
    span: StorySpan

    @property
    def growth(self) -> int:
        return self.recent - self.previous


@dataclass(frozen=True, slots=True)
class EntityCount:
    text: str
    type: str  # PER, ORG, LOC, EVT, MISC
    count: int


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What a story page shows besides its items: size, spread, labels."""

    story_id: str
    title: str
    size: int
    first_seen: datetime
    last_seen: datetime
    languages: tuple[ValueCount, ...]
    sources: tuple[ValueCount, ...]
    countries: tuple[ValueCount, ...]
    topics: tuple[ValueCount, ...]
    sentiment: LabelMix
    stance: LabelMix
    # Named entities of the story's newest `entities_over` items (all of them when smaller).
    entities: tuple[EntityCount, ...]
    entities_over: int
