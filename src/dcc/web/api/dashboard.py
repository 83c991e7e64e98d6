"""/api/v1/facets, /api/v1/dashboard/* and /api/v1/stories/{story_id} (issue 5): what the
search, dashboard and story pages read.

Times are UTC. A dashboard range is `since`..`until` (default: now), or the `window` (24h,
7d, 90m, 2w) before `until`. Bad values answer 400 {"error": {"code": "invalid_query",
"message"}}; a query that does not parse also gives the 0-based `position` of the problem.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import Connection

from dcc.errors import QueryError
from dcc.query.ast import Field
from dcc.query.compose import combined_query
from dcc.query.fields import field_value
from dcc.query.parser import MAX_QUERY_LENGTH
from dcc.store.dashboard import MAX_RISING, country_mentions, rising_stories, volume_series
from dcc.store.facets import FACET_SAMPLE, MAX_LIMIT_PER_FACET, MAX_SAMPLE, facet_counts
from dcc.store.records import (
    FACET_NAMES,
    Bucket,
    DashboardFilters,
    LabelMix,
    ValueCount,
)
from dcc.store.stories import MAX_STORY_ITEMS, story_items, story_summary
from dcc.web.api.items import Filters
from dcc.web.deps import aware, get_conn
from dcc.web.serialize import item_json

router = APIRouter(tags=["dashboard"])
Conn = Annotated[Connection, Depends(get_conn)]
Multi = Annotated[list[str] | None, Query()]
_WINDOW = re.compile(r"^([1-9][0-9]{0,4})([mhdw])$")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNIT["w"] = timedelta(weeks=1)


# --- response shapes (OpenAPI) ----------------------------------------------------------------


class ValueCountOut(BaseModel):
    value: str
    count: int


class TimeCountOut(BaseModel):
    start: datetime
    count: int


class HistogramOut(BaseModel):
    bucket: Literal["hour", "day"]
    buckets: list[TimeCountOut]


class FacetsOut(BaseModel):
    query: str
    counted: int
    sampled: bool
    sample_size: int
    sampled_since: datetime | None
    facets: dict[str, list[ValueCountOut]]
    histogram: HistogramOut
    took_ms: float


class MixOut(BaseModel):
    positive: int
    neutral: int
    negative: int


class VolumePointOut(BaseModel):
    start: datetime
    total: int
    sentiment: MixOut
    stance: MixOut


class VolumeOut(BaseModel):
    since: datetime
    until: datetime
    bucket: Literal["hour", "day"]
    points: list[VolumePointOut]


class CountriesOut(BaseModel):
    since: datetime
    until: datetime
    counts: dict[str, int]


class RisingStoryOut(BaseModel):
    story_id: str
    title: str
    size: int
    recent: int
    previous: int
    growth: int
    languages: list[str]
    first_seen: datetime
    last_seen: datetime


class RisingOut(BaseModel):
    since: datetime
    until: datetime
    stories: list[RisingStoryOut]


class EntityOut(BaseModel):
    text: str
    type: str
    count: int


class StoryOut(BaseModel):
    story_id: str
    title: str
    size: int
    first_seen: datetime
    last_seen: datetime
    languages: list[ValueCountOut]
    sources: list[ValueCountOut]
    countries: list[ValueCountOut]
    topics: list[ValueCountOut]
    sentiment: MixOut
    stance: MixOut
    entities: list[EntityOut]
    entities_over: int
    items: list[dict[str, Any]]


# --- shared parameters ------------------------------------------------------------------------


def dashboard_range(
    window: Annotated[
        str, Query(description="How far back from `until`: 90m, 24h, 7d, 2w.")
    ] = "24h",
    since: Annotated[datetime | None, Query(description="Start (instead of window).")] = None,
    until: Annotated[datetime | None, Query(description="End; default: now.")] = None,
) -> tuple[datetime, datetime]:
    """The [since, until) a dashboard read covers."""
    end = aware(until) or datetime.now(tz=UTC)
    start = aware(since) or end - parse_window(window)
    return start, end


def parse_window(text: str) -> timedelta:
    match = _WINDOW.match(text.strip())
    if match is None:
        raise QueryError(f"window {text!r} must be a number and m, h, d or w (for example 24h)")
    return int(match.group(1)) * _UNIT[match.group(2)]


def dashboard_filters(
    lang: Multi = None, country: Multi = None, topic: Multi = None, source: Multi = None
) -> DashboardFilters:
    """Filters as the query language reads their values (`lang:`, `country:` ...)."""
    return DashboardFilters(
        langs=_values(Field.LANG, lang),
        countries=_values(Field.COUNTRY, country),
        topics=_values(Field.TOPIC, topic),
        sources=_values(Field.SOURCE, source),
    )


def _values(field: Field, given: list[str] | None) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys(field_value(field, value.strip()) for value in given or ()))
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


Range = Annotated[tuple[datetime, datetime], Depends(dashboard_range)]
Narrowed = Annotated[DashboardFilters, Depends(dashboard_filters)]


# --- routes -----------------------------------------------------------------------------------


@router.get(
    "/facets",
    summary="Facet counts and a time histogram of a search",
    description="The items matching `q` (the query language) and the filters of /search, "
    "counted by language, country, topic, source, sentiment and stance, with a histogram "
    "(hourly up to 7 days, else daily). Over the newest `sample` matches only when there "
    "are more (`sampled`; `sampled_since` is the oldest counted item's time).",
    response_model=FacetsOut,
)
def read_facets(
    conn: Conn,
    filters: Filters,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT_PER_FACET)] = 10,
    sample: Annotated[int, Query(ge=1, le=MAX_SAMPLE)] = FACET_SAMPLE,
) -> FacetsOut:
    started = time.perf_counter()
    text = combined_query(q, filters)
    found = facet_counts(conn, text, now=datetime.now(tz=UTC), limit_per_facet=limit, sample=sample)
    return FacetsOut(
        query=q,
        counted=found.counted,
        sampled=found.is_sampled,
        sample_size=found.sample_size,
        sampled_since=found.sampled_since,
        facets={name: _counts(found.facet(name)) for name in FACET_NAMES},
        histogram=HistogramOut(
            bucket=found.histogram.bucket,
            buckets=[TimeCountOut(start=b.start, count=b.count) for b in found.histogram.buckets],
        ),
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )


@router.get(
    "/dashboard/volume",
    summary="Items per hour or day, with their sentiment and stance mix",
    description="Every item of the range per bucket (`total`), and how many were labelled "
    "positive, neutral or negative (sentiment; stance toward Indonesia, which most items "
    "lack). Bucket: hourly up to 7 days, else daily, unless `bucket` says.",
    response_model=VolumeOut,
)
def read_volume(
    conn: Conn, span: Range, filters: Narrowed, bucket: Bucket | None = None
) -> VolumeOut:
    since, until = span
    series = volume_series(conn, since=since, until=until, bucket=bucket, filters=filters)
    return VolumeOut(
        since=series.since,
        until=series.until,
        bucket=series.bucket,
        points=[
            VolumePointOut(
                start=point.start,
                total=point.total,
                sentiment=_mix(point.sentiment),
                stance=_mix(point.stance),
            )
            for point in series.points
        ],
    )


@router.get(
    "/dashboard/countries",
    summary="Items per country for the world map",
    description="ISO 3166-1 alpha-2 code -> items, most first. An item counts under every "
    "country `country:XX` matches it with: its own and those it is about.",
    response_model=CountriesOut,
)
def read_countries(conn: Conn, span: Range, filters: Narrowed) -> CountriesOut:
    since, until = span
    counts = country_mentions(conn, since=since, until=until, filters=filters)
    return CountriesOut(since=since, until=until, counts=counts)


@router.get(
    "/dashboard/stories/rising",
    summary="Stories growing fastest",
    description="Stories with more items in the window before `until` than in the window "
    "before that, largest growth first.",
    response_model=RisingOut,
)
def read_rising_stories(
    conn: Conn,
    window: Annotated[str, Query(description="90m, 24h, 7d, 2w.")] = "24h",
    until: Annotated[datetime | None, Query(description="End; default: now.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RISING)] = 10,
) -> RisingOut:
    end = aware(until) or datetime.now(tz=UTC)
    width = parse_window(window)
    rising = rising_stories(conn, now=end, window=width, limit=limit)
    return RisingOut(
        since=end - width,
        until=end,
        stories=[
            RisingStoryOut(
                story_id=story.story_id,
                title=story.span.title,
                size=story.span.size,
                recent=story.recent,
                previous=story.previous,
                growth=story.growth,
                languages=list(story.span.languages),
                first_seen=story.span.first_seen,
                last_seen=story.span.last_seen,
            )
            for story in rising
        ],
    )


@router.get(
    "/stories/{story_id}",
    summary="A story: its spread, labels and timeline",
    description="Size, time span, languages, sources, countries, topics, sentiment and "
    "stance mix and main entities (over its newest `entities_over` items), and its items "
    "oldest first (`order=newest` for the latest), at most `limit`.",
    response_model=StoryOut,
)
def read_story(
    story_id: str,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=MAX_STORY_ITEMS)] = 50,
    order: Literal["oldest", "newest"] = "oldest",
) -> StoryOut:
    summary = story_summary(conn, story_id)
    if summary is None:
        raise HTTPException(status_code=404, detail=f"no story with id {story_id!r}")
    timeline = story_items(conn, story_id, limit=limit, newest_first=order == "newest")
    return StoryOut(
        story_id=summary.story_id,
        title=summary.title,
        size=summary.size,
        first_seen=summary.first_seen,
        last_seen=summary.last_seen,
        languages=_counts(summary.languages),
        sources=_counts(summary.sources),
        countries=_counts(summary.countries),
        topics=_counts(summary.topics),
        sentiment=_mix(summary.sentiment),
        stance=_mix(summary.stance),
        entities=[EntityOut(text=e.text, type=e.type, count=e.count) for e in summary.entities],
        entities_over=summary.entities_over,
        items=[item_json(item) for item in timeline],
    )


def _counts(values: tuple[ValueCount, ...]) -> list[ValueCountOut]:
    return [ValueCountOut(value=v.value, count=v.count) for v in values]


def _mix(mix: LabelMix) -> MixOut:
    return MixOut(positive=mix.positive, neutral=mix.neutral, negative=mix.negative)
