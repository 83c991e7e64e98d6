"""Bursts, campaigns and stance shifts from the item workers: stored labels -> counts ->
detectors -> alerts, one per rule and key per window."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from detection_helpers import NOW, ItemSpec, labels, spread, store_items
from sqlalchemy import Engine, func, select

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.detection import ActivityDetector, detection_config
from dcc.alerts.detection_records import DetectionOutcome
from dcc.alerts.queries import alert_deliveries_of, alert_history, alert_item_ids, list_alerts
from dcc.alerts.records import AlertEventType, AlertKind
from dcc.alerts.thresholds import DetectionConfig
from dcc.alerts.workers import AlertMatcher, run_detection_loop
from dcc.settings import Settings
from dcc.store.schema import activity_buckets

HOUR = timedelta(hours=1)


@pytest.fixture
def matcher(engine: Engine) -> AlertMatcher:
    return AlertMatcher(engine, window=HOUR, detection=DetectionConfig())


def quiet_day(engine: Engine, *, prefix: str = "q") -> list[int]:
    """One item an hour about Indonesia over the 24 hours before the last one."""
    times = spread(24, NOW - 25 * HOUR, NOW - HOUR)
    specs = [
        ItemSpec(f"Berita biasa {n}", t, labels(countries=["ID"]), country=None)
        for n, t in enumerate(times)
    ]
    return store_items(engine, specs, prefix=prefix)


def burst(engine: Engine, count: int, *, prefix: str, minutes: int = 20) -> list[int]:
    times = spread(count, NOW - timedelta(minutes=minutes), NOW)
    specs = [
        ItemSpec(
            f"Gempa guncang Lombok, warga mengungsi {prefix}{n}",
            t,
            labels(countries=["ID"]),
            country=None,
        )
        for n, t in enumerate(times)
    ]
    return store_items(engine, specs, prefix=prefix)


def test_a_burst_after_a_quiet_day_raises_one_alert_and_more_items_update_it(
    engine: Engine, matcher: AlertMatcher
) -> None:
    matcher.alert_on_processed(quiet_day(engine), now=NOW)
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR) == []
    first = burst(engine, 30, prefix="b")
    matcher.alert_on_processed(first, now=NOW)
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
        history = alert_history(conn, LOCAL_OPERATOR, alert.id)
        [delivery] = alert_deliveries_of(conn, LOCAL_OPERATOR, alert.id)
        attached = alert_item_ids(conn, LOCAL_OPERATOR, alert.id)
    assert alert.kind is AlertKind.BURST
    assert (alert.rule, alert.story_key, alert.item_count) == ("burst:country", "country:ID", 30)
    explanation = alert.explanation
    assert explanation["window"]["count"] == 30
    assert explanation["baseline"]["mean"] == 1.0 and explanation["baseline"]["windows"] == 24
    assert explanation["ratio"] == 30.0 and explanation["z"] > 4
    assert explanation["thresholds"]["min_count"] == 10
    # Terms and sources come from the example items kept (up to 5 per 5-minute bucket).
    [[source, read]] = explanation["top_sources"]
    assert source == "antara-id" and 20 <= read <= 25
    assert explanation["top_terms"][:4] == [
        ["gempa", read],
        ["guncang", read],
        ["lombok", read],
        ["mengungsi", read],
    ]
    assert len(explanation["examples"]) == 5
    assert {e["id"] for e in explanation["examples"]} <= set(first)
    assert set(attached) <= set(first) and alert.last_item_id == max(attached)
    assert [e.type for e in history] == [AlertEventType.CREATED]
    assert (delivery.channel, delivery.recipient, delivery.status.value) == (
        "in_app",
        "watch-floor",
        "delivered",
    )

    # Two more items: under a tenth more, the alert is left as it is.
    matcher.alert_on_processed(burst(engine, 2, prefix="c", minutes=5), now=NOW)
    # Twenty more a minute later: the same alert, updated; still one alert.
    later = NOW + timedelta(minutes=1)
    matcher.alert_on_processed(burst(engine, 20, prefix="d", minutes=5), now=later)
    with engine.connect() as conn:
        [updated] = list_alerts(conn, LOCAL_OPERATOR)
        history = alert_history(conn, LOCAL_OPERATOR, alert.id)
    assert updated.id == alert.id and updated.item_count == 52
    assert updated.explanation["window"]["count"] == 52
    assert [e.type for e in history] == [AlertEventType.CREATED, AlertEventType.UPDATED]


def test_a_fresh_installation_learns_before_it_calls_bursts(
    engine: Engine, matcher: AlertMatcher
) -> None:
    """Thirty items in an hour with nothing stored before: no baseline to judge by, so no
    burst (the hour profile needs 6 known hours); a quiet day later, the same is a burst."""
    matcher.alert_on_processed(burst(engine, 30, prefix="b"), now=NOW)
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.BURST) == []
    matcher.alert_on_processed(quiet_day(engine), now=NOW)
    matcher.alert_on_processed(burst(engine, 30, prefix="c"), now=NOW)
    with engine.connect() as conn:
        assert [a.rule for a in list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.BURST)] == [
            "burst:country"
        ]


def test_three_items_over_an_empty_baseline_are_no_burst(
    engine: Engine, matcher: AlertMatcher
) -> None:
    matcher.alert_on_processed(burst(engine, 3, prefix="b"), now=NOW)
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR) == []


def test_a_redelivered_job_counts_its_items_once(engine: Engine, matcher: AlertMatcher) -> None:
    ids = burst(engine, 6, prefix="b")
    for _ in range(3):
        matcher.alert_on_processed(ids, now=NOW)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.sum(activity_buckets.c.item_count)).where(
                activity_buckets.c.dimension == "country", activity_buckets.c.resolution == 300
            )
        ).scalar()
    assert total == 6


def test_eight_accounts_posting_the_same_text_raise_one_campaign_alert(
    engine: Engine, matcher: AlertMatcher
) -> None:
    text = "Boikot produk Indonesia sekarang juga! Sebarkan pesan ini ke semua teman kalian"
    [root] = store_items(
        engine, [ItemSpec("", NOW - timedelta(minutes=10), author="@akun0", text=text)], prefix="r"
    )
    copies = [
        ItemSpec("", t, labels(near=root), author=f"@akun{n + 1}", text=text)
        for n, t in enumerate(spread(7, NOW - timedelta(minutes=9), NOW))
    ]
    matcher.alert_on_processed([root], now=NOW)
    copy_ids = store_items(engine, copies, prefix="c")
    matcher.alert_on_processed(copy_ids[:3], now=NOW)  # three accounts so far: nothing
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR) == []
    matcher.alert_on_processed(copy_ids[3:], now=NOW)
    matcher.alert_on_processed(copy_ids, now=NOW)  # redelivered: nothing more
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.CAMPAIGN)
        attached = alert_item_ids(conn, LOCAL_OPERATOR, alert.id)
    assert (alert.rule, alert.story_key, alert.item_count) == (
        "campaign:copy_paste",
        f"item:{root}",
        8,
    )
    explanation = alert.explanation
    assert explanation["accounts"] == [f"@akun{n}" for n in range(8)]
    assert explanation["distinct_accounts"] == 8 and explanation["posts"] == 8
    assert explanation["template"] == text
    assert sum(explanation["time_profile"]["per_minute"]) == 8
    assert explanation["time_profile"]["start"] == "2026-11-24T11:52:00Z"  # 11:52 to 12:01
    assert len(explanation["time_profile"]["per_minute"]) == 10
    assert explanation["thresholds"] == {"window_s": 1800, "min_accounts": 5}
    assert sorted(attached) == [root, *copy_ids]
    assert alert.title.startswith("Copy-paste campaign: 8 accounts")


def test_rising_negative_stance_in_one_countrys_media_raises_a_stance_shift(
    engine: Engine, matcher: AlertMatcher
) -> None:
    # Malaysian media: 72 items with a stance over three days, one in ten negative ...
    before = [
        ItemSpec(
            f"Hubungan Malaysia Indonesia {n}",
            t,
            labels(stance="negative" if n % 10 == 0 else "neutral"),
            country="MY",
        )
        for n, t in enumerate(spread(72, NOW - 78 * HOUR, NOW - 7 * HOUR))
    ]
    # ... then 24 in the last six hours, 15 of them negative.
    after = [
        ItemSpec(
            f"Sengketa perbatasan memanas {n}",
            t,
            labels(stance="negative" if n < 15 else "neutral"),
            country="MY",
        )
        for n, t in enumerate(spread(24, NOW - 6 * HOUR + timedelta(minutes=5), NOW))
    ]
    matcher.alert_on_processed(store_items(engine, before, prefix="a"), now=NOW)
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.STANCE_SHIFT) == []
    matcher.alert_on_processed(store_items(engine, after, prefix="b"), now=NOW)
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.STANCE_SHIFT)
    assert (alert.rule, alert.story_key) == ("stance_shift:source_country", "source_country:MY")
    explanation = alert.explanation
    assert explanation["window"]["negative"] == 15 and explanation["window"]["with_stance"] == 24
    assert explanation["baseline"]["scope"] == "source_country:MY"
    assert explanation["baseline"]["negative_share"] == pytest.approx(0.1, abs=0.02)
    assert explanation["rise"] > 0.4


def test_a_new_story_growing_fast_is_novel(engine: Engine, matcher: AlertMatcher) -> None:
    specs = [
        ItemSpec(f"Kapal tenggelam di Selat Bali {n}", t, labels(story="kapal"), country=None)
        for n, t in enumerate(spread(20, NOW - timedelta(minutes=40), NOW))
    ]
    matcher.alert_on_processed(store_items(engine, specs, prefix="s"), now=NOW)
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert (alert.kind, alert.rule, alert.story_key) == (
        AlertKind.BURST,
        "novelty:story",
        "story:kapal",
    )
    assert alert.explanation["growth"] == 20.0
    assert alert.title.startswith("New story growing fast: 20 items in the last hour (from 0): ")


def test_the_sweep_catches_what_an_evaluation_missed(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    counting_only = AlertMatcher(engine, window=HOUR, detection=DetectionConfig())
    assert counting_only.detector is not None
    detector = counting_only.detector
    counting_only.alert_on_processed(quiet_day(engine), now=NOW)

    def fail(*args: object) -> None:
        raise RuntimeError("database went away")

    detector.evaluate = fail  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        outcome = counting_only.alert_on_processed(burst(engine, 30, prefix="b"), now=NOW)
    assert outcome is not None  # watchlist matching went on
    assert "detection failed for items" in caplog.text
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR) == []
    outcome = ActivityDetector(engine, DetectionConfig()).sweep(NOW + timedelta(minutes=1))
    assert len(outcome.created) == 1
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.BURST)
    assert alert.rule == "burst:country"


async def test_the_detection_loop_sweeps_until_stopped(engine: Engine) -> None:
    quiet_ids = await asyncio.to_thread(quiet_day, engine)
    burst_ids = await asyncio.to_thread(burst, engine, 30, prefix="b")
    counting_only = AlertMatcher(engine, window=HOUR, detection=DetectionConfig())
    assert counting_only.detector is not None
    await asyncio.to_thread(counting_only.alert_on_processed, quiet_ids, now=NOW)
    # Counts, and evaluates nothing: what the loop finds, it finds by itself.
    counting_only.detector.evaluate = lambda keys, roots, now: DetectionOutcome()  # type: ignore[method-assign]
    await asyncio.to_thread(counting_only.alert_on_processed, burst_ids, now=NOW)
    stop = asyncio.Event()
    swept: list[datetime] = []

    def clock() -> datetime:
        swept.append(NOW)
        if len(swept) == 2:
            stop.set()
        return NOW

    settings = Settings(detect_interval_s=0.01)
    await asyncio.wait_for(run_detection_loop(engine, settings, stop, clock=clock), timeout=10)
    assert len(swept) == 2
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR, kind=AlertKind.BURST)
    assert alert.item_count == 30


def test_settings_override_the_thresholds() -> None:
    config = detection_config(
        Settings(burst_min_count=50, campaign_min_accounts=12, stance_min_rise=0.3)
    )
    assert config is not None
    assert config.hourly.min_count == 50 and config.daily.min_count == 30
    assert config.campaign.min_accounts == 12 and config.stance.min_rise == 0.3
    assert detection_config(Settings(detect_enabled=False)) is None


def test_without_a_detection_config_the_matcher_counts_nothing(engine: Engine) -> None:
    plain = AlertMatcher(engine, window=HOUR)
    plain.alert_on_processed(burst(engine, 30, prefix="b"), now=datetime.now(tz=UTC))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activity_buckets)).scalar() == 0


def test_a_watchlist_failure_does_not_cost_the_counts(
    engine: Engine, matcher: AlertMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("watchlist bug")

    matcher.alert_on_processed(quiet_day(engine), now=NOW)
    monkeypatch.setattr("dcc.alerts.workers.do_record_matches", fail)
    assert matcher.alert_on_processed(burst(engine, 30, prefix="b"), now=NOW) is None
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.rule == "burst:country" and alert.item_count == 30
