"""What the dashboard shows, read in one place: the view its query string asks for (filters
by country, topic, language and time, bookmarkable for a wall screen) and the reads of
store/dashboard.py, the alerts and source health for that view.

The one read written here is `latest_arrivals`, the live stream of items newest stored first
(store/dashboard.py counts and ranks; it lists no items): the ids of the items passing the
view's filters above the last one shown, through the same index as the volume counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any, Final
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from dcc.accounts.records import Reader
from dcc.alerts.queries import list_alerts
from dcc.alerts.records import Alert
from dcc.query.ast import Field
from dcc.query.fields import field_value
from dcc.records import SourceHealth, StoredItem
from dcc.store.dashboard import country_mentions, passing, rising_stories, volume_series
from dcc.store.items import get_items
from dcc.store.labels import FILTERS_INDEX
from dcc.store.records import DashboardFilters, RisingStory, VolumeSeries
from dcc.store.schema import items
from dcc.store.sources import list_health
from dcc.web.worldmap import VIEWBOX, country_paths, shade

# The time windows a dashboard offers, most recent first; 24 hours unless asked.
WINDOWS: Final = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
DEFAULT_WINDOW: Final = "24h"
LATEST_ITEMS: Final = 25
LATEST_ALERTS: Final = 8
RISING_STORIES: Final = 8
_HALF_WIDTH: Final = int(VIEWBOX.split()[2]) // 2


@dataclass(frozen=True, slots=True)
class DashboardView:
    """What the dashboard is narrowed to: a time window and at most one value per filter,
    normalised as the query language writes them (`country:ID`, `lang:id`)."""

    window: str = DEFAULT_WINDOW
    country: str = ""
    topic: str = ""
    lang: str = ""
    is_wall: bool = False

    @property
    def span(self) -> timedelta:
        return WINDOWS[self.window]

    @property
    def filters(self) -> DashboardFilters:
        return DashboardFilters(
            langs=(self.lang,) if self.lang else (),
            countries=(self.country,) if self.country else (),
            topics=(self.topic,) if self.topic else (),
        )

    def params(self, *, with_wall: bool = True) -> dict[str, str]:
        """The query-string parameters that rebuild this view (defaults left out)."""
        found = {
            "window": self.window if self.window != DEFAULT_WINDOW else "",
            "country": self.country,
            "topic": self.topic,
            "lang": self.lang,
            "wall": "1" if self.is_wall and with_wall else "",
        }
        return {key: value for key, value in found.items() if value}

    @property
    def query_string(self) -> str:
        return urlencode(self.params())

    @property
    def search_query(self) -> str:
        """The view's filters in the query language (a search of the same items)."""
        return self.search_for()

    def search_for(self, *, country: str = "") -> str:
        """The view's search, its country replaced by `country` when one is given (a country
        of the map)."""
        chosen = country or self.country
        parts = [
            f"country:{chosen}" if chosen else "",
            f"topic:{self.topic}" if self.topic else "",
            f"lang:{self.lang}" if self.lang else "",
            f"time:>now-{self.window}",
        ]
        return " ".join(part for part in parts if part)


def parse_view(
    *, window: str, country: str, topic: str, lang: str, is_wall: bool
) -> tuple[DashboardView, list[str]]:
    """The view a query string asks for, and the values it had to leave out (each named:
    a wall screen's URL with a typo still shows a dashboard, and says what it ignored)."""
    ignored: list[str] = []
    chosen = window if window in WINDOWS else DEFAULT_WINDOW
    if window and window not in WINDOWS:
        ignored.append(f"window={window}")
    values: dict[Field, str] = {}
    for name, given in ((Field.COUNTRY, country), (Field.TOPIC, topic), (Field.LANG, lang)):
        if not given.strip():
            continue
        try:
            values[name] = field_value(name, given.strip())
        except ValueError:
            ignored.append(f"{name}={given}")
    view = DashboardView(
        window=chosen,
        country=values.get(Field.COUNTRY, ""),
        topic=values.get(Field.TOPIC, ""),
        lang=values.get(Field.LANG, ""),
        is_wall=is_wall,
    )
    return view, ignored


@dataclass(frozen=True, slots=True)
class MapCountry:
    """One country of the world map: its outline and how often the news names it."""

    code: str
    path: str
    count: int
    shade: int  # 0 (none) .. 5 (the most mentioned)


@dataclass(frozen=True, slots=True)
class Dashboard:
    view: DashboardView
    now: datetime
    since: datetime
    items: list[StoredItem]
    volume: VolumeSeries
    countries: dict[str, int]
    rising: list[RisingStory]
    alerts: list[Alert]
    health: list[SourceHealth]
    map: list[MapCountry] = field(default_factory=list)

    @property
    def last_item_id(self) -> int:
        return max((item.id for item in self.items), default=0)

    @property
    def failing_sources(self) -> int:
        return sum(1 for h in self.health if h.consecutive_failures)


def load_dashboard(
    conn: Connection, view: DashboardView, *, now: datetime, reader: Reader
) -> Dashboard:
    """Every panel of the dashboard for `view` at `now`; the alerts `reader` may read."""
    since = now - view.span
    filters = view.filters
    countries = country_mentions(conn, since=since, until=now, filters=filters)
    health = sorted(
        list_health(conn, now=now), key=lambda h: (-h.consecutive_failures, h.source_id)
    )
    return Dashboard(
        view=view,
        now=now,
        since=since,
        items=latest_arrivals(conn, view, now=now),
        volume=volume_series(conn, since=since, until=now, filters=filters),
        countries=countries,
        rising=rising_stories(conn, now=now, window=view.span, limit=RISING_STORIES),
        alerts=list_alerts(conn, reader, limit=LATEST_ALERTS),
        health=health,
        map=world_map(countries),
    )


def latest_arrivals(
    conn: Connection,
    view: DashboardView,
    *,
    now: datetime,
    after_id: int = 0,
    limit: int = LATEST_ITEMS,
) -> list[StoredItem]:
    """The items of the view's window passing its filters, newest stored first, only those
    stored after item `after_id` (what a live page has not shown yet)."""
    conditions = passing(conn, now - view.span, now, view.filters, None)
    if conditions is None:
        return []
    ids = list(
        conn.execute(
            select(items.c.id)
            .where(*conditions, items.c.id > after_id)
            .order_by(items.c.id.desc())
            .limit(limit)
            .with_hint(items, f"INDEXED BY {FILTERS_INDEX}", "sqlite")
        ).scalars()
    )
    return get_items(conn, ids)


@cache
def drawable_path(path: str) -> str:
    """`path` with every ring that crosses the antimeridian (Russia, Fiji) cut where it jumps
    from one edge of the map to the other: drawn whole, the jump is a line across the world.
    The pieces on the same side are joined, each closed along the map's edge."""
    parts: list[str] = []
    for ring in path.split("M")[1:]:
        points = [tuple(int(v) for v in p.split(",")) for p in ring.rstrip("Z").split("L")]
        runs: list[list[tuple[int, ...]]] = [[points[0]]]
        for before, point in pairwise(points):
            if abs(point[0] - before[0]) > _HALF_WIDTH:
                runs.append([])
            runs[-1].append(point)
        if len(runs) > 2:  # the ring's end continues its start, on the same side
            runs[0] = runs.pop() + runs[0]
        parts.extend(
            "M" + "L".join(f"{x},{y}" for x, y in run) + "Z" for run in runs if len(run) >= 3
        )
    return "".join(parts)


def world_map(counts: dict[str, int]) -> list[MapCountry]:
    """Every country outline with its count and colour step: the unmentioned first, then the
    mentioned, most first (drawn over their neighbours' borders, and reached by Tab in
    order of importance)."""
    highest = max(counts.values(), default=0)
    countries = [
        MapCountry(
            code, drawable_path(path), counts.get(code, 0), shade(counts.get(code, 0), highest)
        )
        for code, path in country_paths().items()
    ]
    return sorted(countries, key=lambda c: (c.count > 0, -c.count, c.code))


def volume_json(series: VolumeSeries) -> dict[str, Any]:
    """The series as /api/v1/dashboard/volume answers it (the page's charts read both)."""
    return {
        "bucket": series.bucket,
        "points": [
            {
                "start": point.start.isoformat().replace("+00:00", "Z"),
                "total": point.total,
                "sentiment": {
                    "positive": point.sentiment.positive,
                    "neutral": point.sentiment.neutral,
                    "negative": point.sentiment.negative,
                },
                "stance": {
                    "positive": point.stance.positive,
                    "neutral": point.stance.neutral,
                    "negative": point.stance.negative,
                },
            }
            for point in series.points
        ],
    }
