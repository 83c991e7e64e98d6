"""Bursts, novelty, campaigns and stance shifts on the stream (issue 4 items 3-5): count each
processed batch, evaluate the keys it touched, store what fires.

`ActivityDetector.after_batch` runs in the item workers right after watchlist matching
(alerts/workers.py), so an alert follows its items within the same job:

1. count (detection_actions.do_count_activity): each item's keys get +1 in buckets of 5 min,
   1 h and 1 day; items counted before are skipped;
2. find: read the recent windows of the keys the batch touched (one query per dimension),
   keep the keys over a detector's minimum count, read their baselines, run the pure
   detectors (bursts.py, stance_shift.py, campaigns.py);
3. explain: for findings that open an alert or would update one, read example items and add
   top terms, top sources and examples (explain.py);
4. store (detection_actions.do_record_detections).

`sweep` evaluates every key active in the recent windows and prunes old counts: the periodic
catch-up (workers.run_detection_loop) for anything a failed evaluation missed. Evaluating the
same counts twice changes nothing: an open alert is only updated when its count grew.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from dcc.alerts.activity import ALL_KEY, EMPTY_SERIES, Series, epoch, item_activity, item_time
from dcc.alerts.bursts import detect_burst, detect_novelty, is_young_story, window_bounds
from dcc.alerts.campaigns import account_of, copied_item_id, detect_campaign
from dcc.alerts.detection_actions import (
    do_count_activity,
    do_prune_activity,
    do_record_detections,
    needs_update,
)
from dcc.alerts.detection_queries import (
    active_keys,
    copied_roots,
    example_item_ids,
    open_detection_alerts,
    posts_of_roots,
    read_series,
)
from dcc.alerts.detection_records import (
    ActivityKey,
    CampaignPost,
    Detection,
    DetectionOutcome,
    Dimension,
    Finding,
)
from dcc.alerts.explain import example_items, top_sources, top_terms
from dcc.alerts.records import AlertKind, WatchlistMatch
from dcc.alerts.stance_shift import STANCE_DIMENSIONS, detect_stance_shift, stance_bounds
from dcc.alerts.thresholds import (
    DAY,
    FIVE_MINUTES,
    HOUR,
    CampaignThresholds,
    DetectionConfig,
    NoveltyThresholds,
    StanceThresholds,
)
from dcc.records import StoredItem
from dcc.settings import Settings
from dcc.store.items import get_items

# Items read per finding for its terms, sources and examples.
MAX_EXPLAINED_ITEMS = 60
MAX_TEMPLATE_CHARS = 1000


def detection_config(settings: Settings) -> DetectionConfig | None:
    """The thresholds with the settings' overrides; None when detection is switched off."""
    if not settings.detect_enabled:
        return None
    defaults = DetectionConfig()
    return replace(
        defaults,
        hourly=replace(
            defaults.hourly,
            min_count=settings.burst_min_count,
            min_ratio=settings.burst_min_ratio,
            min_z=settings.burst_min_z,
        ),
        daily=replace(defaults.daily, min_count=settings.burst_daily_min_count),
        novelty=NoveltyThresholds(
            max_age_s=int(settings.novelty_max_age_s), min_count=settings.novelty_min_count
        ),
        stance=replace(
            StanceThresholds(),
            min_items=settings.stance_min_items,
            min_rise=settings.stance_min_rise,
        ),
        campaign=CampaignThresholds(
            window_s=int(settings.campaign_window_s),
            min_accounts=settings.campaign_min_accounts,
        ),
        owner_agency=settings.default_agency,
    )


class ActivityDetector:
    """Counts processed items and turns what the detectors find into alerts. Stateless
    between calls (all state is in the database), so one may serve several threads."""

    def __init__(self, engine: Engine, config: DetectionConfig) -> None:
        self.engine = engine
        self.config = config

    # --- entry points -------------------------------------------------------------------

    def after_batch(
        self, items: Sequence[StoredItem], matches: Sequence[WatchlistMatch], now: datetime
    ) -> DetectionOutcome:
        """Count processed `items` (with the watchlists they matched) and evaluate the keys
        and near-duplicate groups they touched."""
        watchlists: dict[int, list[int]] = {}
        for match in matches:
            watchlists.setdefault(match.item_id, []).append(match.watchlist_id)
        activities = [item_activity(item, now, watchlists.get(item.id, ())) for item in items]
        posts = [
            CampaignPost(
                item_id=item.id,
                root_id=copied_item_id(item) or item.id,
                account=account_of(item),
                posted_at=item_time(item, now),
            )
            for item in items
        ]
        counted = do_count_activity(self.engine, activities, posts, config=self.config, now=now)
        # Keys of every item of the batch, counted now or before (a redelivered job whose
        # evaluation failed the first time is evaluated again), if recent enough to matter.
        oldest = now - timedelta(seconds=self._longest_window_s())
        keys = {key for a in activities if a.at >= oldest for key in a.keys}
        copies = {p.item_id for p in posts if p.root_id != p.item_id and p.posted_at >= oldest}
        roots = {counted.roots.get(i, i) for i in copies}
        return self.evaluate(keys, roots, now)

    def sweep(self, now: datetime) -> DetectionOutcome:
        """Evaluate every key and group active in the recent windows; prune old counts."""
        now_s = epoch(now)
        config = self.config
        with self.engine.connect() as conn:
            keys = set(
                active_keys(
                    conn,
                    FIVE_MINUTES,
                    now_s - config.stance.window_s,
                    min_items=min(
                        config.hourly.min_count, config.novelty.min_count, config.stance.min_items
                    ),
                )
            )
            keys.update(active_keys(conn, HOUR, now_s - DAY, min_items=config.daily.min_count))
            roots = copied_roots(
                conn,
                now - timedelta(seconds=2 * config.campaign.window_s),
                min_posts=config.campaign.min_accounts,
            )
        outcome = self.evaluate(keys, roots, now)
        do_prune_activity(self.engine, config=config, now=now)
        return outcome

    def evaluate(
        self, keys: Iterable[ActivityKey], roots: Iterable[int], now: datetime
    ) -> DetectionOutcome:
        """Run the detectors on these keys and near-duplicate groups; store what fires."""
        keys = sorted(k for k in set(keys) if k.dimension is not Dimension.ALL)
        roots = sorted(set(roots))
        if not keys and not roots:
            return DetectionOutcome()
        with self.engine.connect() as conn:
            found = self._find_in_series(conn, keys, now) + self._find_campaigns(conn, roots, now)
            detections = self._explain(conn, found, now)
        outcome = do_record_detections(
            self.engine, detections, now=now, owner_agency=self.config.owner_agency
        )
        return replace(outcome, findings=len(found))

    # --- finding ------------------------------------------------------------------------

    def _find_in_series(
        self, conn: Connection, keys: Sequence[ActivityKey], now: datetime
    ) -> list[tuple[ActivityKey | None, Finding]]:
        """Findings of the burst, novelty and stance detectors. Two reads: the recent windows
        of every key, then the baselines of the keys that passed a minimum count."""
        if not keys:
            return []
        config = self.config
        now_s = epoch(now)
        hourly = window_bounds(config.hourly, now_s)
        daily = window_bounds(config.daily, now_s)
        stance = stance_bounds(config.stance, now_s)
        recent = read_series(
            conn,
            keys,
            {
                FIVE_MINUTES: min(
                    hourly.window_start - config.hourly.window_s, stance.window_start
                ),
                HOUR: daily.window_start,
            },
        )
        wanted = [k for k in keys if self._is_candidate(k, recent[k], now_s)]
        if not wanted:
            return []
        wanted.append(ALL_KEY)  # coverage of the baselines, and the stance fallback
        full = read_series(
            conn,
            wanted,
            {
                FIVE_MINUTES: min(
                    hourly.window_start - config.hourly.window_s, stance.window_start
                ),
                HOUR: min(
                    hourly.baseline_start,
                    stance.baseline_start,
                    now_s - config.novelty.max_age_s - HOUR,
                ),
                DAY: daily.baseline_start,
            },
        )
        all_items = full.get(ALL_KEY, EMPTY_SERIES)
        found: list[tuple[ActivityKey | None, Finding]] = []
        for key in wanted:
            if key == ALL_KEY:
                continue
            for finding in self._detect(key, full[key], all_items, now_s):
                found.append((key, finding))
        return found

    def _is_candidate(self, key: ActivityKey, recent: Series, now_s: int) -> bool:
        """Whether any detector could fire on the key's recent counts (cheap pre-check)."""
        config = self.config
        hourly = window_bounds(config.hourly, now_s)
        hour_count = recent.total(FIVE_MINUTES, hourly.window_start, hourly.window_end).items
        if hour_count >= min(config.hourly.min_count, config.novelty.min_count):
            return True
        daily = window_bounds(config.daily, now_s)
        if recent.total(HOUR, daily.window_start, daily.window_end).items >= config.daily.min_count:
            return True
        if key.dimension in STANCE_DIMENSIONS:
            stance = stance_bounds(config.stance, now_s)
            window = recent.total(FIVE_MINUTES, stance.window_start, stance.window_end)
            return (
                window.stanced >= config.stance.min_items
                and window.negative >= config.stance.min_negative
            )
        return False

    def _detect(
        self, key: ActivityKey, series: Series, all_items: Series, now_s: int
    ) -> list[Finding]:
        config = self.config
        found: list[Finding | None] = []
        if key.dimension is Dimension.STORY and is_young_story(series, config.novelty, now_s):
            # A young story has no baseline of its own: it is new, not bursting.
            found.append(
                detect_novelty(
                    key,
                    series,
                    config.novelty,
                    config.hourly,
                    now_s,
                    alert_window_s=config.novelty.max_age_s,
                )
            )
        else:
            hourly = detect_burst(
                key,
                series,
                config.hourly,
                now_s,
                alert_window_s=config.burst_alert_window_s,
                coverage=all_items,
            )
            found.append(hourly)
            if hourly is None:  # the hour's alert already says it: one alert per burst
                found.append(
                    detect_burst(
                        key,
                        series,
                        config.daily,
                        now_s,
                        alert_window_s=config.daily_alert_window_s,
                        coverage=all_items,
                    )
                )
        if key.dimension in STANCE_DIMENSIONS:
            found.append(
                detect_stance_shift(
                    key,
                    series,
                    all_items,
                    config.stance,
                    now_s,
                    alert_window_s=config.stance_alert_window_s,
                )
            )
        return [f for f in found if f is not None]

    def _find_campaigns(
        self, conn: Connection, roots: Sequence[int], now: datetime
    ) -> list[tuple[ActivityKey | None, Finding]]:
        if not roots:
            return []
        thresholds = self.config.campaign
        since = now - timedelta(seconds=2 * thresholds.window_s)
        found: list[tuple[ActivityKey | None, Finding]] = []
        for root, posts in posts_of_roots(conn, roots, since).items():
            finding = detect_campaign(
                root, posts, thresholds, alert_window_s=self.config.campaign_alert_window_s
            )
            if finding is not None:
                found.append((None, finding))
        return found

    def _longest_window_s(self) -> int:
        config = self.config
        return max(
            config.hourly.window_s + config.hourly.window_resolution,
            config.daily.window_s + config.daily.window_resolution,
            config.stance.window_s + config.stance.window_resolution,
            2 * config.campaign.window_s,
        )

    # --- explaining ---------------------------------------------------------------------

    def _explain(
        self,
        conn: Connection,
        found: Sequence[tuple[ActivityKey | None, Finding]],
        now: datetime,
    ) -> list[Detection]:
        """Complete the findings that would change something with their example items."""
        if not found:
            return []
        open_alerts = open_detection_alerts(conn, [(f.rule, f.story_key) for _, f in found], now)
        detections: list[Detection] = []
        for key, finding in found:
            existing = open_alerts.get((finding.rule, finding.story_key))
            if existing is not None and not needs_update(existing, finding.count, now):
                continue  # nothing new to say: no item reads
            detections.append(self._detection(conn, key, finding))
        return detections

    def _detection(self, conn: Connection, key: ActivityKey | None, finding: Finding) -> Detection:
        if key is None:
            ids = list(finding.item_ids[-MAX_EXPLAINED_ITEMS:])
        else:
            ids = example_item_ids(
                conn,
                key,
                epoch(finding.window_start),
                epoch(finding.window_end),
                limit=MAX_EXPLAINED_ITEMS,
            )
        items = get_items(conn, ids) if ids else []
        explanation: dict[str, Any] = {
            **finding.numbers,
            **finding.details,
            "top_terms": top_terms(items),
            "top_sources": top_sources(items),
            "examples": example_items(items),
        }
        title = finding.title
        if finding.kind is AlertKind.CAMPAIGN:
            root_id = finding.numbers.get("root_item_id")
            root = get_items(conn, [root_id]) if isinstance(root_id, int) else []
            template = _template_text(root[0] if root else (items[0] if items else None))
            explanation["template"] = template
            if template:
                title = f"{title}: {template[:100]}"
        elif key is not None and key.dimension is Dimension.STORY and items:
            newest = max(items, key=lambda i: i.id)
            title = f"{title}: {newest.title or newest.text[:100]}"
        return Detection(
            finding=replace(finding, title=title),
            explanation=explanation,
            first_item_id=min(ids) if ids else None,
            last_item_id=max(ids) if ids else None,
        )


def _template_text(item: StoredItem | None) -> str:
    """The text the campaign's posts copy: the root item's title and text (the title once
    when the text repeats it), on one line."""
    if item is None:
        return ""
    parts = [item.text] if item.text.startswith(item.title) else [item.title, item.text]
    return " ".join(" ".join(parts).split())[:MAX_TEMPLATE_CHARS]
