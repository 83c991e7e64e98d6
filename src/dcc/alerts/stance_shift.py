"""Stance shifts (issue 4 item 5): is negative stance toward Indonesia rising in a country's
media or in a story? Pure: counts in, findings out.

The share compared is negative items among the items that have a stance toward Indonesia
(`stance_id` not null), in the window against the baseline before it (thresholds.py:
StanceThresholds). A key with too little baseline of its own (a story a few hours old) is
compared with all items over the same baseline.

    detect_stance_shift(ActivityKey(Dimension.SOURCE_COUNTRY, "MY"), series, all_series,
                        StanceThresholds(), now, alert_window_s=21600)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from dcc.alerts.activity import Series, floor_to, from_epoch, iso_seconds
from dcc.alerts.detection_records import ActivityKey, Counts, Dimension, Finding
from dcc.alerts.records import AlertKind
from dcc.alerts.thresholds import StanceThresholds

STANCE_DIMENSIONS = (Dimension.SOURCE_COUNTRY, Dimension.STORY)


@dataclass(frozen=True, slots=True)
class StanceBounds:
    window_start: int
    window_end: int
    baseline_start: int
    baseline_end: int


def stance_bounds(thresholds: StanceThresholds, now: int) -> StanceBounds:
    """The window ending with the bucket holding `now`, and the baseline before it."""
    window_end = floor_to(now, thresholds.window_resolution) + thresholds.window_resolution
    window_start = window_end - thresholds.window_s
    baseline_end = floor_to(window_start, thresholds.baseline_resolution)
    return StanceBounds(
        window_start, window_end, baseline_end - thresholds.baseline_s, baseline_end
    )


def share(counts: Counts) -> float:
    """Negative items among those with a stance, 0 when none has one."""
    return counts.negative / counts.stanced if counts.stanced else 0.0


def two_proportion_z(window: Counts, baseline: Counts) -> float:
    """z of the window's negative share against the baseline's (pooled standard error)."""
    if not window.stanced or not baseline.stanced:
        return 0.0
    pooled = (window.negative + baseline.negative) / (window.stanced + baseline.stanced)
    spread = pooled * (1 - pooled) * (1 / window.stanced + 1 / baseline.stanced)
    if spread <= 0:
        return 0.0
    return (share(window) - share(baseline)) / math.sqrt(spread)


def detect_stance_shift(
    key: ActivityKey,
    series: Series,
    all_items: Series,
    thresholds: StanceThresholds,
    now: int,
    *,
    alert_window_s: int,
) -> Finding | None:
    """A finding when the key's negative share rose past the thresholds, else None.

    `all_items` is the series of every item (Dimension.ALL), the fallback baseline.
    """
    bounds = stance_bounds(thresholds, now)
    window = series.total(thresholds.window_resolution, bounds.window_start, bounds.window_end)
    if window.stanced < thresholds.min_items or window.negative < thresholds.min_negative:
        return None
    res = thresholds.baseline_resolution
    baseline = series.total(res, bounds.baseline_start, bounds.baseline_end)
    scope = key.story_key
    if baseline.stanced < thresholds.min_baseline_items:
        baseline = all_items.total(res, bounds.baseline_start, bounds.baseline_end)
        scope = "all"
        if baseline.stanced < thresholds.min_baseline_items:
            return None  # nothing to compare with yet (a new installation)
    rise = share(window) - share(baseline)
    z = two_proportion_z(window, baseline)
    if rise < thresholds.min_rise or z < thresholds.min_z:
        return None
    where = "in the media of" if key.dimension is Dimension.SOURCE_COUNTRY else "in"
    return Finding(
        kind=AlertKind.STANCE_SHIFT,
        rule=f"stance_shift:{key.dimension.value}",
        story_key=key.story_key,
        title=(
            f"Negative stance toward Indonesia rising {where} {key.story_key}: "
            f"{share(window):.0%} of {window.stanced} items (usually {share(baseline):.0%})"
        ),
        count=window.stanced,
        window_start=from_epoch(bounds.window_start),
        window_end=from_epoch(bounds.window_end),
        alert_window=timedelta(seconds=alert_window_s),
        numbers={
            "detector": "stance_shift",
            "dimension": key.dimension.value,
            "key": key.key,
            "window": {
                "start": iso_seconds(bounds.window_start),
                "end": iso_seconds(bounds.window_end),
                "items": window.items,
                "with_stance": window.stanced,
                "negative": window.negative,
                "negative_share": round(share(window), 4),
            },
            "baseline": {
                "scope": scope,
                "start": iso_seconds(bounds.baseline_start),
                "end": iso_seconds(bounds.baseline_end),
                "with_stance": baseline.stanced,
                "negative": baseline.negative,
                "negative_share": round(share(baseline), 4),
            },
            "rise": round(rise, 4),
            "z": round(z, 2),
            "thresholds": {
                "min_items": thresholds.min_items,
                "min_negative": thresholds.min_negative,
                "min_rise": thresholds.min_rise,
                "min_z": thresholds.min_z,
                "min_baseline_items": thresholds.min_baseline_items,
            },
        },
    )
