"""What makes a burst, a new story, a campaign or a stance shift: every threshold of the
detectors in one frozen record, with defaults (settings override some: detection.py,
`detection_config`).

Counts are kept in time buckets of three sizes (activity.py): 5 minutes, 1 hour and 1 day. A
profile compares a recent window, read at one bucket size, with the windows of a baseline read
at a coarser size; see bursts.window_bounds for the exact spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIVE_MINUTES = 300
HOUR = 3600
DAY = 86400
RESOLUTIONS = (FIVE_MINUTES, HOUR, DAY)


@dataclass(frozen=True, slots=True)
class BurstProfile:
    """A recent window against the same-length windows before it (issue 4 item 3).

    The hour profile: the last hour (5-minute buckets) against each of the 24 hours before.
    A burst needs all three: `min_count` items in the window (so that 3 items over an empty
    baseline are not a burst), `min_ratio` times the baseline mean, and a z-score of
    `min_z`. The baseline mean is never taken below `baseline_floor`, and its variance never
    below its mean (Poisson), so a flat zero baseline does not make every item a spike.
    """

    name: str
    window_s: int
    window_resolution: int
    baseline_s: int
    baseline_resolution: int
    min_count: int
    min_ratio: float
    min_z: float
    baseline_floor: float
    # Baseline windows in which DCC stored anything at all, needed before a key can burst:
    # a fresh installation learns what is usual first instead of calling everything new a
    # burst (novelty still catches new stories meanwhile).
    min_known_windows: int = 0

    @property
    def baseline_windows(self) -> int:
        return self.baseline_s // self.window_s


HOURLY = BurstProfile(
    name="hour",
    window_s=HOUR,
    window_resolution=FIVE_MINUTES,
    baseline_s=24 * HOUR,
    baseline_resolution=HOUR,
    min_count=10,
    min_ratio=3.0,
    min_z=4.0,
    baseline_floor=1.0,
    min_known_windows=6,
)
DAILY = BurstProfile(
    name="day",
    window_s=DAY,
    window_resolution=HOUR,
    baseline_s=14 * DAY,
    baseline_resolution=DAY,
    min_count=30,
    min_ratio=2.0,
    min_z=4.0,
    baseline_floor=2.0,
    min_known_windows=3,
)


@dataclass(frozen=True, slots=True)
class NoveltyThresholds:
    """A story first seen less than `max_age_s` ago with `min_count` items in the last hour,
    `min_growth` times as many as in the hour before."""

    max_age_s: int = 6 * HOUR
    min_count: int = 15
    min_growth: float = 2.0


@dataclass(frozen=True, slots=True)
class StanceThresholds:
    """The share of negative stance toward Indonesia among the items with a stance, in the
    last `window_s` against the `baseline_s` before it (issue 4 item 5).

    A shift needs `min_items` items with a stance and `min_negative` negative ones in the
    window, a share `min_rise` above the baseline's, and a two-proportion z of `min_z`. A key
    with fewer than `min_baseline_items` in its baseline (a young story) is compared with all
    items instead.
    """

    window_s: int = 6 * HOUR
    window_resolution: int = FIVE_MINUTES
    baseline_s: int = 72 * HOUR
    baseline_resolution: int = HOUR
    min_items: int = 20
    min_negative: int = 8
    min_rise: float = 0.15
    min_z: float = 3.0
    min_baseline_items: int = 30


@dataclass(frozen=True, slots=True)
class CampaignThresholds:
    """`min_accounts` distinct accounts posting near-identical text within `window_s`
    (issue 4 item 4)."""

    window_s: int = 30 * 60
    min_accounts: int = 5
    max_listed_accounts: int = 50


@dataclass(frozen=True, slots=True)
class DetectionConfig:
    """Every threshold of the detectors; the defaults are the documented ones
    (docs/alerts.md, "Bursts, campaigns and stance shifts")."""

    hourly: BurstProfile = HOURLY
    daily: BurstProfile = DAILY
    novelty: NoveltyThresholds = field(default_factory=NoveltyThresholds)
    stance: StanceThresholds = field(default_factory=StanceThresholds)
    campaign: CampaignThresholds = field(default_factory=CampaignThresholds)
    # How long an alert collects updates before the same rule and key opens a new one.
    burst_alert_window_s: int = HOUR
    daily_alert_window_s: int = DAY
    stance_alert_window_s: int = 6 * HOUR
    campaign_alert_window_s: int = HOUR
    # Example item ids kept per 5-minute bucket and key: the explanation's examples, top terms
    # and top sources are drawn from these.
    examples_per_bucket: int = 5
    # The agency owning detection alerts (GREEN; DCC_DEFAULT_AGENCY, alerts/marking.py).
    owner_agency: str = "kemlu"

    @property
    def retention_s(self) -> dict[int, int]:
        """How long buckets of each size are kept: the longest span any detector reads, plus
        a margin (so a sweep that runs late still finds what it needs)."""
        # Novelty compares the last hour with the hour before; stance reads its window.
        five = max(2 * self.hourly.window_s, self.stance.window_s)
        hour = max(
            self.daily.window_s,
            self.hourly.baseline_s + 2 * HOUR,
            self.stance.baseline_s + self.stance.window_s + HOUR,
            self.novelty.max_age_s,
        )
        day = self.daily.baseline_s + 2 * DAY
        return {FIVE_MINUTES: five + HOUR, HOUR: hour + DAY, DAY: day}
