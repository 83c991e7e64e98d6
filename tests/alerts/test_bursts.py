"""Bursts and novelty on counts built by hand (no database), and on a real crisis stream."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from detection_helpers import NOW, hourly_series

from dcc.alerts.activity import Series, bucket_increments, epoch
from dcc.alerts.bursts import (
    NOVELTY_RULE,
    burst_rule,
    detect_burst,
    detect_novelty,
    score_window,
    window_bounds,
)
from dcc.alerts.detection_records import ActivityKey, Counts, Dimension, Finding, ItemActivity
from dcc.alerts.thresholds import DAILY, HOURLY, DetectionConfig, NoveltyThresholds

COUNTRY = ActivityKey(Dimension.COUNTRY, "ID")
STORY = ActivityKey(Dimension.STORY, "kapal")
NOW_S = epoch(NOW)


def at(text: str) -> int:
    return epoch(datetime.fromisoformat(text).replace(tzinfo=UTC))


def hourly(series: Series) -> Finding | None:
    return detect_burst(COUNTRY, series, HOURLY, NOW_S, alert_window_s=3600)


def test_the_hour_window_ends_with_the_current_bucket_and_its_baseline_is_whole_hours() -> None:
    bounds = window_bounds(HOURLY, NOW_S)  # NOW is 12:02:30
    assert bounds.window_start == at("2026-11-24T11:05:00")
    assert bounds.window_end == at("2026-11-24T12:05:00")
    assert bounds.baseline_end == at("2026-11-24T11:00:00")
    assert bounds.baseline_start == at("2026-11-23T11:00:00")


def test_a_real_spike_fires_with_the_numbers_that_tripped_it() -> None:
    baseline = {h: 5 for h in range(2, 26)}  # the 24 whole hours before the window
    finding = detect_burst(
        COUNTRY, hourly_series(baseline, recent=[5] * 12), HOURLY, NOW_S, alert_window_s=3600
    )
    assert finding is not None
    assert (finding.rule, finding.story_key, finding.count) == ("burst:country", "country:ID", 60)
    numbers = finding.numbers
    assert numbers["window"]["per_bucket"] == [5] * 12
    assert numbers["baseline"] == {
        "start": "2026-11-23T11:00:00Z",
        "end": "2026-11-24T11:00:00Z",
        "windows": 24,
        "total": 120,
        "mean": 5.0,
        "std": 0.0,
    }
    assert numbers["ratio"] == 12.0 and numbers["z"] == round(55 / 5**0.5, 2)
    assert finding.alert_window == timedelta(hours=1)


def test_steady_volume_does_not_fire() -> None:
    baseline = {h: 100 + (7 if h % 2 else -7) for h in range(2, 26)}
    assert hourly(hourly_series(baseline, recent=[10] * 12)) is None  # 120 against ~100


def test_three_items_over_an_empty_baseline_do_not_fire_but_a_dozen_do() -> None:
    assert hourly(hourly_series({}, recent=[3])) is None
    finding = detect_burst(
        COUNTRY, hourly_series({}, recent=[12]), HOURLY, NOW_S, alert_window_s=3600
    )
    assert finding is not None
    assert finding.numbers["expected"] == HOURLY.baseline_floor  # the floor stands in


def test_an_overdispersed_baseline_needs_a_bigger_jump() -> None:
    # Hours of 0 and 40 (mean 20, spread 20): 70 is 3.5 times the mean but z is only 2.5.
    noisy = {h: 0 if h % 2 else 40 for h in range(2, 26)}
    assert hourly(hourly_series(noisy, recent=[70])) is None
    assert score_window(70, [0, 40] * 12, HOURLY).z < HOURLY.min_z


def test_hours_in_which_nothing_at_all_was_stored_are_left_out_of_the_baseline() -> None:
    # The key had 10 items an hour during the 3 hours DCC ran: against 24 quiet hours 25 is
    # a burst; against the 3 hours known, it is not.
    key_series = hourly_series({2: 10, 3: 10, 4: 10}, recent=[25])
    coverage = hourly_series({2: 50, 3: 50, 4: 50}, recent=[60])
    assert hourly(key_series) is not None
    assert (
        detect_burst(COUNTRY, key_series, HOURLY, NOW_S, alert_window_s=3600, coverage=coverage)
        is None
    )


def test_the_day_profile_compares_a_day_with_the_fourteen_before() -> None:
    # 4 items an hour for 16 days, as daily buckets; the day window is the last 24 hours.
    steady = {h: 4 for h in range(24, 24 * 16)}
    assert (
        detect_burst(
            COUNTRY,
            hourly_series({**steady, **dict.fromkeys(range(24), 5)}),
            DAILY,
            NOW_S,
            alert_window_s=86400,
        )
        is None
    )
    finding = detect_burst(
        COUNTRY,
        hourly_series({**steady, **dict.fromkeys(range(24), 20)}),
        DAILY,
        NOW_S,
        alert_window_s=86400,
    )
    assert finding is not None
    assert finding.rule == "burst:country:day" == burst_rule(Dimension.COUNTRY, DAILY)
    assert finding.numbers["window"]["count"] == 480
    assert finding.numbers["baseline"]["windows"] == 14
    assert finding.numbers["baseline"]["mean"] == 96.0


def test_a_new_story_growing_fast_is_novel() -> None:
    young = hourly_series({}, recent=[0] * 10 + [1, 1] + [1] + [2] * 11)  # 2, then 23
    finding = detect_novelty(STORY, young, NoveltyThresholds(), HOURLY, NOW_S, alert_window_s=21600)
    assert finding is not None
    assert (finding.rule, finding.story_key, finding.count) == (NOVELTY_RULE, "story:kapal", 23)
    assert finding.numbers["previous_window"]["count"] == 2
    assert finding.numbers["growth"] == 11.5


def test_an_old_story_or_a_slow_one_is_not_novel() -> None:
    thresholds = NoveltyThresholds()
    old = hourly_series({10: 1}, recent=[2] * 12)  # first seen 10 hours ago
    assert detect_novelty(STORY, old, thresholds, HOURLY, NOW_S, alert_window_s=1) is None
    doubling = hourly_series({}, recent=[1] * 12 + [2] * 12)  # 12, then 24 in the last hour
    assert detect_novelty(STORY, doubling, thresholds, HOURLY, NOW_S, alert_window_s=1)
    slower = hourly_series({}, recent=[1] * 12 + [1, 2] * 6)  # 12, then 18
    assert detect_novelty(STORY, slower, thresholds, HOURLY, NOW_S, alert_window_s=1) is None


def test_a_real_crisis_stream_bursts_when_the_bombs_go_off(shared_data: Path) -> None:
    """CrisisLex T6, Boston bombings: on-topic tweets by the time in their ids. The bombs went
    off at 18:49 UTC on 15 April 2013; the collection's on-topic stream is a trickle before."""
    path = shared_data / "crisislex-t6" / "2013_Boston_Bombings"
    [csv_path] = path.glob("*.csv")
    times: list[datetime] = []
    with csv_path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if len(row) > 2 and row[2].strip() == "on-topic":
                tweet_id = int(row[0].strip().strip("'"))
                # Snowflake ids: milliseconds since Twitter's epoch in the high bits.
                times.append(datetime.fromtimestamp(((tweet_id >> 22) + 1288834974657) / 1000, UTC))
    key = ActivityKey(Dimension.TOPIC, "bombing")

    def evaluate(now: datetime) -> Finding | None:
        activities = [
            ItemActivity(n, t, (key,), False, False) for n, t in enumerate(times) if t <= now
        ]
        increments = bucket_increments(activities, now, DetectionConfig().retention_s)
        buckets: dict[int, dict[int, Counts]] = {}
        for inc in increments:
            buckets.setdefault(inc.resolution, {})[inc.bucket] = inc.counts
        return detect_burst(key, Series(buckets), HOURLY, epoch(now), alert_window_s=3600)

    assert evaluate(datetime(2013, 4, 15, 16, 0, tzinfo=UTC)) is None
    finding = evaluate(datetime(2013, 4, 15, 19, 40, tzinfo=UTC))
    assert finding is not None and finding.count >= 30
    assert finding.numbers["baseline"]["mean"] < 3
