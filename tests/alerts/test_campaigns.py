"""Copy-paste campaigns from posts built by hand (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from detection_helpers import NOW, stored

from dcc.alerts.campaigns import (
    CAMPAIGN_RULE,
    account_of,
    copied_item_id,
    detect_campaign,
    time_profile,
)
from dcc.alerts.detection_records import CampaignPost
from dcc.alerts.thresholds import CampaignThresholds

THRESHOLDS = CampaignThresholds()


def posts(accounts: list[str], *, every: timedelta, root: int = 1) -> list[CampaignPost]:
    return [
        CampaignPost(root + n, root, account, NOW - every * (len(accounts) - 1 - n))
        for n, account in enumerate(accounts)
    ]


def test_eight_accounts_within_ten_minutes_are_a_campaign() -> None:
    found = detect_campaign(
        1,
        posts([f"@a{n}" for n in range(8)], every=timedelta(seconds=80)),
        THRESHOLDS,
        alert_window_s=3600,
    )
    assert found is not None
    assert (found.rule, found.story_key, found.count) == (CAMPAIGN_RULE, "item:1", 8)
    assert found.details["accounts"] == [f"@a{n}" for n in range(8)]
    assert found.numbers["distinct_accounts"] == 8 and found.numbers["window"]["span_s"] == 560
    assert found.item_ids == tuple(range(1, 9))


def test_many_posts_from_few_accounts_are_not_a_campaign() -> None:
    found = detect_campaign(
        1,
        posts(["@a", "@b", "@c"] * 5, every=timedelta(seconds=30)),
        THRESHOLDS,
        alert_window_s=3600,
    )
    assert found is None


def test_accounts_spread_over_hours_are_not_a_campaign() -> None:
    spread_out = posts([f"@a{n}" for n in range(8)], every=timedelta(minutes=20))
    assert detect_campaign(1, spread_out, THRESHOLDS, alert_window_s=3600) is None


def test_the_busiest_window_is_the_one_reported() -> None:
    early = posts(["@x", "@y"], every=timedelta(minutes=1))
    early = [
        CampaignPost(p.item_id + 100, 1, p.account, p.posted_at - timedelta(hours=2)) for p in early
    ]
    late = posts([f"@a{n}" for n in range(6)], every=timedelta(minutes=2))
    found = detect_campaign(1, early + late, THRESHOLDS, alert_window_s=3600)
    assert found is not None
    assert found.details["accounts"] == [f"@a{n}" for n in range(6)]


def test_accounts_are_authors_else_sources_and_roots_come_from_near_duplicates() -> None:
    assert account_of(stored(5, published_at=NOW, author="  @budi  ")) == "@budi"
    assert account_of(stored(5, published_at=NOW)) == "source:antara-id"
    original = stored(9, published_at=NOW)
    assert copied_item_id(original) is None
    assert copied_item_id(replace(original, enrichment={"near_duplicate_of": "4"})) == 4
    assert copied_item_id(replace(original, enrichment={"near_duplicate_of": "9"})) is None
    assert copied_item_id(replace(original, enrichment={"near_duplicate_of": "doc-4"})) is None


def test_the_time_profile_counts_posts_per_minute() -> None:
    start = NOW.replace(second=5)
    profile = time_profile([start, start + timedelta(seconds=35), start + timedelta(minutes=2)])
    assert profile == {"start": "2026-11-24T12:02:00Z", "minute_s": 60, "per_minute": [2, 0, 1]}
