"""UTC time buckets for counts over time: choosing a width, keys in SQL, the list of buckets.

Counts are grouped by UTC hour in the database (a text key 'YYYY-MM-DD HH' on `items`, an
hour number on `item_labels`) and rolled up into days here: days are whole UTC hours, so one
grouping serves both widths and the two databases give the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, String, cast, func, type_coerce

from dcc.store.records import Bucket, TimeCount
from dcc.store.schema import items

HOUR = timedelta(hours=1)
WIDTH: dict[Bucket, timedelta] = {"hour": HOUR, "day": timedelta(days=1)}
# Hourly buckets up to a week (168 bars), daily beyond.
HOURLY_UP_TO = timedelta(days=7)
US_PER_HOUR = 3_600_000_000


def auto_bucket(since: datetime, until: datetime) -> Bucket:
    """The bucket width for a chart from `since` to `until`."""
    return "hour" if until - since <= HOURLY_UP_TO else "day"


def floor_time(at: datetime, bucket: Bucket) -> datetime:
    """The start of the bucket holding `at` (UTC)."""
    at = at.astimezone(UTC)
    if bucket == "day":
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    return at.replace(minute=0, second=0, microsecond=0)


def bucket_starts(since: datetime, until: datetime, bucket: Bucket) -> list[datetime]:
    """The starts of every bucket that overlaps [since, until)."""
    starts: list[datetime] = []
    current = floor_time(since, bucket)
    while current < until:
        starts.append(current)
        current += WIDTH[bucket]
    return starts


def sort_at_text(dialect: str) -> ColumnElement[str]:
    """items.sort_at as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' on both databases (SQLite stores
    it so; reading it as text skips converting every row to a datetime)."""
    if dialect == "sqlite":
        return type_coerce(items.c.sort_at, String)
    utc = func.timezone("UTC", items.c.sort_at)
    return type_coerce(func.to_char(utc, "YYYY-MM-DD HH24:MI:SS.US"), String)


def sort_at_us(dialect: str) -> ColumnElement[int]:
    """items.sort_at as microseconds since the epoch, as item_labels.sort_at_us holds it."""
    if dialect == "sqlite":
        text = type_coerce(items.c.sort_at, String)
        # Whole seconds of the text without its fraction: strftime would round .9999995 up.
        seconds = cast(func.strftime("%s", func.substr(text, 1, 19)), Integer)
        micros = cast(func.substr(text, 21, 6), Integer)
        return type_coerce(seconds * 1_000_000 + micros, Integer)
    epoch = func.extract("epoch", items.c.sort_at) * 1_000_000
    return type_coerce(cast(epoch, BigInteger), Integer)


def hour_key(dialect: str) -> ColumnElement[str]:
    """items.sort_at's UTC hour as 'YYYY-MM-DD HH'."""
    return type_coerce(func.substr(sort_at_text(dialect), 1, 13), String)


def hour_of_key(key: str) -> datetime:
    """'YYYY-MM-DD HH' (hour_key) as the start of that hour."""
    return datetime.fromisoformat(key[:10] + "T" + key[11:13] + ":00").replace(tzinfo=UTC)


def hour_of_us(hour_number: int) -> datetime:
    """Hours since the epoch (sort_at_us // US_PER_HOUR) as the start of that hour."""
    return datetime(1970, 1, 1, tzinfo=UTC) + hour_number * HOUR


def rolled_up(counts: Mapping[datetime, Any], bucket: Bucket) -> dict[datetime, list[Any]]:
    """Hourly values grouped under the start of their bucket."""
    grouped: dict[datetime, list[Any]] = {}
    for hour, value in counts.items():
        grouped.setdefault(floor_time(hour, bucket), []).append(value)
    return grouped


def filled(counts: Mapping[datetime, int], starts: Iterable[datetime]) -> tuple[TimeCount, ...]:
    """A count for every bucket start, 0 where there is none."""
    return tuple(TimeCount(start, counts.get(start, 0)) for start in starts)
