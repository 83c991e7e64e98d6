"""Stance shifts on counts built by hand (no database)."""

from __future__ import annotations

from detection_helpers import NOW

from dcc.alerts.activity import Series, epoch, floor_to
from dcc.alerts.detection_records import ActivityKey, Counts, Dimension
from dcc.alerts.stance_shift import detect_stance_shift, share, stance_bounds, two_proportion_z
from dcc.alerts.thresholds import StanceThresholds

MALAYSIA = ActivityKey(Dimension.SOURCE_COUNTRY, "MY")
STORY = ActivityKey(Dimension.STORY, "perbatasan")
NOW_S = epoch(NOW)
THRESHOLDS = StanceThresholds()


def series(*, window: Counts, baseline: Counts) -> Series:
    """`window` in the last 5-minute bucket, `baseline` in one hour of the baseline."""
    bounds = stance_bounds(THRESHOLDS, NOW_S)
    return Series(
        {
            300: {floor_to(NOW_S, 300): window},
            3600: {bounds.baseline_end - 3600 * 5: baseline},
        }
    )


EMPTY = Series({})


def test_the_window_is_six_hours_and_the_baseline_three_days_before() -> None:
    bounds = stance_bounds(THRESHOLDS, NOW_S)
    assert bounds.window_end - bounds.window_start == 6 * 3600
    assert bounds.baseline_end - bounds.baseline_start == 72 * 3600
    assert bounds.baseline_end <= bounds.window_start


def test_negative_stance_rising_in_a_countrys_media_is_a_shift() -> None:
    counts = series(window=Counts(30, 24, 14), baseline=Counts(120, 100, 10))
    finding = detect_stance_shift(MALAYSIA, counts, EMPTY, THRESHOLDS, NOW_S, alert_window_s=60)
    assert finding is not None
    assert (finding.rule, finding.story_key, finding.count) == (
        "stance_shift:source_country",
        "source_country:MY",
        24,
    )
    numbers = finding.numbers
    assert numbers["window"]["negative_share"] == round(14 / 24, 4)
    assert numbers["baseline"]["scope"] == "source_country:MY"
    assert numbers["baseline"]["negative_share"] == 0.1
    assert numbers["rise"] == round(14 / 24 - 0.1, 4)
    assert "rising in the media of source_country:MY" in finding.title


def test_a_share_as_usual_or_too_few_items_is_no_shift() -> None:
    as_usual = series(window=Counts(30, 24, 3), baseline=Counts(120, 100, 10))
    few = series(window=Counts(10, 10, 9), baseline=Counts(120, 100, 10))
    for counts in (as_usual, few):
        assert (
            detect_stance_shift(MALAYSIA, counts, EMPTY, THRESHOLDS, NOW_S, alert_window_s=60)
            is None
        )


def test_a_young_story_is_compared_with_all_items() -> None:
    story = series(window=Counts(25, 22, 12), baseline=Counts())
    all_items = series(window=Counts(), baseline=Counts(900, 300, 30))
    finding = detect_stance_shift(STORY, story, all_items, THRESHOLDS, NOW_S, alert_window_s=60)
    assert finding is not None
    assert finding.numbers["baseline"]["scope"] == "all"
    assert finding.rule == "stance_shift:story"
    # Nothing at all to compare with (a new installation): no shift.
    assert detect_stance_shift(STORY, story, EMPTY, THRESHOLDS, NOW_S, alert_window_s=60) is None


def test_the_two_proportion_z() -> None:
    assert share(Counts(10, 0, 0)) == 0.0
    assert two_proportion_z(Counts(1, 1, 1), Counts()) == 0.0
    # 50% of 100 against 10% of 100: pooled 30%, standard error sqrt(.3 * .7 * .02).
    z = two_proportion_z(Counts(100, 100, 50), Counts(100, 100, 10))
    assert round(z, 3) == round(0.4 / (0.3 * 0.7 * 0.02) ** 0.5, 3)
