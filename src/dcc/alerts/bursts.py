"""Bursts and novelty (issue 4 item 3): is a key's recent volume far above its baseline, and
is a new story growing fast? Pure: counts in, findings out.

    bounds = window_bounds(HOURLY, now)     # the last hour, and the 24 hours before it
    detect_burst(ActivityKey(Dimension.COUNTRY, "ID"), series, HOURLY, now, alert_window_s=3600)

The window ends with the current bucket (so an item counts at once) and starts
`window_s` before; the baseline is the `baseline_s` of whole coarse buckets before the
coarse bucket holding the window's start (the part of an hour between that bucket's start
and the window is left out, rather than counted in both).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from dcc.alerts.activity import Series, floor_to, from_epoch, iso_seconds
from dcc.alerts.detection_records import ActivityKey, Dimension, Finding
from dcc.alerts.records import AlertKind
from dcc.alerts.thresholds import HOUR, BurstProfile, NoveltyThresholds

NOVELTY_RULE = "novelty:story"


@dataclass(frozen=True, slots=True)
class WindowBounds:
    """Seconds since the epoch: the window [window_start, window_end) and its baseline."""

    window_start: int
    window_end: int
    baseline_start: int
    baseline_end: int


def window_bounds(profile: BurstProfile, now: int) -> WindowBounds:
    """The recent window of `profile` ending with the bucket that holds `now`, and its
    baseline."""
    window_end = floor_to(now, profile.window_resolution) + profile.window_resolution
    window_start = window_end - profile.window_s
    baseline_end = floor_to(window_start, profile.baseline_resolution)
    return WindowBounds(window_start, window_end, baseline_end - profile.baseline_s, baseline_end)


@dataclass(frozen=True, slots=True)
class BurstScore:
    """A window's count against the counts of the baseline's windows."""

    count: int
    baseline_mean: float
    baseline_std: float
    expected: float  # the mean, floored
    ratio: float
    z: float

    def is_burst(self, profile: BurstProfile) -> bool:
        return (
            self.count >= profile.min_count
            and self.ratio >= profile.min_ratio
            and self.z >= profile.min_z
        )


def score_window(count: int, baseline: Sequence[int], profile: BurstProfile) -> BurstScore:
    """How unusual `count` is after windows holding `baseline` items.

    Poisson with over-dispersion: the variance is the baseline's own when larger than its
    mean (news volume is burstier than Poisson), else the mean; the mean is floored at
    `baseline_floor`. With a steady 100 a window, 120 is z = 2, ratio 1.2: no burst.
    """
    mean = sum(baseline) / len(baseline) if baseline else 0.0
    variance = (
        sum((b - mean) ** 2 for b in baseline) / (len(baseline) - 1) if len(baseline) > 1 else 0
    )
    expected = max(mean, profile.baseline_floor)
    z = (count - expected) / math.sqrt(max(expected, variance))
    return BurstScore(
        count=count,
        baseline_mean=mean,
        baseline_std=math.sqrt(variance),
        expected=expected,
        ratio=count / expected,
        z=z,
    )


def burst_rule(dimension: Dimension, profile: BurstProfile) -> str:
    """`burst:country` for the hour profile, `burst:country:day` for the day profile."""
    suffix = "" if profile.name == "hour" else f":{profile.name}"
    return f"burst:{dimension.value}{suffix}"


def detect_burst(
    key: ActivityKey,
    series: Series,
    profile: BurstProfile,
    now: int,
    *,
    alert_window_s: int,
    coverage: Series | None = None,
) -> Finding | None:
    """A finding when the key's window under `profile` is a burst, else None.

    `coverage` is the series of all items: baseline windows in which DCC stored nothing at
    all (before it was installed, or while it was down) are unknown rather than quiet, and
    left out of the baseline; fewer than `profile.min_known_windows` known windows and there
    is no baseline to judge by, so no burst (a fresh installation's first hours). A replay
    into an empty database finds its bursts once its own stream covers enough windows.
    """
    bounds = window_bounds(profile, now)
    per_bucket = series.samples(
        profile.window_resolution,
        bounds.window_start,
        bounds.window_end,
        profile.window_resolution,
    )
    count = sum(c.items for c in per_bucket)
    if count < profile.min_count:
        return None
    spans = (profile.baseline_resolution, bounds.baseline_start, bounds.baseline_end)
    samples = series.samples(*spans, profile.window_s)
    if coverage is not None:
        known = coverage.samples(*spans, profile.window_s)
        samples = [c for c, k in zip(samples, known, strict=True) if k.items]
        if len(samples) < profile.min_known_windows:
            return None
    baseline = [c.items for c in samples]
    score = score_window(count, baseline, profile)
    if not score.is_burst(profile):
        return None
    span = "hour" if profile.window_s == HOUR else profile.name
    return Finding(
        kind=AlertKind.BURST,
        rule=burst_rule(key.dimension, profile),
        story_key=key.story_key,
        title=(
            f"Burst on {key.story_key}: {count} items in the last {span} "
            f"(usually {score.baseline_mean:.1f})"
        ),
        count=count,
        window_start=from_epoch(bounds.window_start),
        window_end=from_epoch(bounds.window_end),
        alert_window=timedelta(seconds=alert_window_s),
        numbers={
            "detector": "burst",
            "profile": profile.name,
            "dimension": key.dimension.value,
            "key": key.key,
            "window": {
                "start": iso_seconds(bounds.window_start),
                "end": iso_seconds(bounds.window_end),
                "count": count,
                "bucket_s": profile.window_resolution,
                "per_bucket": [c.items for c in per_bucket],
            },
            "baseline": {
                "start": iso_seconds(bounds.baseline_start),
                "end": iso_seconds(bounds.baseline_end),
                "windows": len(baseline),  # those with any item stored (coverage)
                "total": sum(baseline),
                "mean": round(score.baseline_mean, 3),
                "std": round(score.baseline_std, 3),
            },
            "expected": round(score.expected, 3),
            "ratio": round(score.ratio, 2),
            "z": round(score.z, 2),
            "thresholds": {
                "min_count": profile.min_count,
                "min_ratio": profile.min_ratio,
                "min_z": profile.min_z,
                "baseline_floor": profile.baseline_floor,
            },
        },
    )


def is_young_story(series: Series, thresholds: NoveltyThresholds, now: int) -> bool:
    """Whether the story's first item (in the hourly counts kept) came within `max_age_s`."""
    first = series.first_bucket(HOUR)
    return first is not None and first >= floor_to(now - thresholds.max_age_s, HOUR)


def detect_novelty(
    key: ActivityKey,
    series: Series,
    thresholds: NoveltyThresholds,
    window: BurstProfile,
    now: int,
    *,
    alert_window_s: int,
) -> Finding | None:
    """A finding when a young story has `min_count` items in the window of `window` (the hour
    profile) and `min_growth` times as many as in the window before; else None."""
    if not is_young_story(series, thresholds, now):
        return None
    bounds = window_bounds(window, now)
    resolution = window.window_resolution
    count = series.total(resolution, bounds.window_start, bounds.window_end).items
    before_start = bounds.window_start - window.window_s
    before = series.total(resolution, before_start, bounds.window_start).items
    growth = count / max(before, 1)
    if count < thresholds.min_count or growth < thresholds.min_growth:
        return None
    first = series.first_bucket(HOUR)
    return Finding(
        kind=AlertKind.BURST,
        rule=NOVELTY_RULE,
        story_key=key.story_key,
        title=f"New story growing fast: {count} items in the last hour (from {before})",
        count=count,
        window_start=from_epoch(bounds.window_start),
        window_end=from_epoch(bounds.window_end),
        alert_window=timedelta(seconds=alert_window_s),
        numbers={
            "detector": "novelty",
            "dimension": key.dimension.value,
            "key": key.key,
            "first_seen": iso_seconds(first) if first is not None else None,
            "window": {
                "start": iso_seconds(bounds.window_start),
                "end": iso_seconds(bounds.window_end),
                "count": count,
                "per_bucket": [
                    c.items
                    for c in series.samples(
                        resolution, bounds.window_start, bounds.window_end, resolution
                    )
                ],
            },
            "previous_window": {"start": iso_seconds(before_start), "count": before},
            "growth": round(growth, 2),
            "thresholds": {
                "max_age_s": thresholds.max_age_s,
                "min_count": thresholds.min_count,
                "min_growth": thresholds.min_growth,
            },
        },
    )
