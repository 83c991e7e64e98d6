"""Matching processed items against the watchlists, inside the item workers (issue 4).

`process_items` (ingest/workers.py) calls `AlertMatcher.alert_on_processed(item_ids)` right
after the job's labels are committed. The alerts go in a *following* transaction, and a crash
between the two commits loses nothing: the job is not acknowledged, so it is delivered again;
its items are then already processed, which skips their enrichment, but they are matched
again here (every processed item of the job is), and the (watchlist, item) key of
`alert_items` makes that second recording a no-op for what was already stored. Keeping the
alerts out of the labels' transaction keeps a matcher bug from ever costing an item its labels.

The matcher never raises into the worker: a failure is logged with the items concerned, and
the worker goes on with its next job.

With a `DetectionConfig`, the matcher also counts the job's items for the detectors and
evaluates what they touched (alerts/detection.py: bursts, novelty, campaigns, stance shifts),
after the watchlist alerts and in transactions of its own; a detection failure is logged and
costs neither the labels nor the watchlist alerts. `run_detection_loop` is the periodic
sweep beside it, for anything an evaluation missed, and the pruning of old counts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import MAX_INSTANT_PER_WINDOW, do_record_matches
from dcc.alerts.detection import ActivityDetector, detection_config
from dcc.alerts.detection_records import DetectionOutcome
from dcc.alerts.matcher import WatchlistIndex
from dcc.alerts.queries import list_watchlists, watchlist_revision
from dcc.alerts.records import MatchOutcome, WatchlistMatch
from dcc.alerts.thresholds import DetectionConfig
from dcc.records import StoredItem
from dcc.settings import Settings
from dcc.store.items import get_items

logger = logging.getLogger(__name__)


class AlertMatcher:
    """Keeps an index of the active watchlists (reloaded when their revision changes) and
    turns matches of processed items into alerts. One per worker; thread-safe."""

    def __init__(
        self,
        engine: Engine,
        *,
        window: timedelta,
        detection: DetectionConfig | None = None,
        max_instant: int = MAX_INSTANT_PER_WINDOW,
    ) -> None:
        self.engine = engine
        self.window = window
        self.max_instant = max_instant
        # None: watchlists only (detection.detection_config(settings) gives the configured one).
        self.detector = ActivityDetector(engine, detection) if detection is not None else None
        self._lock = threading.Lock()
        self._index = WatchlistIndex(())
        self._revision: int | None = None

    def alert_on_processed(
        self, item_ids: Sequence[int], *, now: datetime | None = None
    ) -> MatchOutcome | None:
        """Match the processed items among `item_ids` and store the alerts; None on failure
        (logged, never raised)."""
        try:
            return self._alert(item_ids, now or datetime.now(tz=UTC))
        except Exception:
            shown = ", ".join(str(i) for i in list(item_ids)[:10])
            more = f" and {len(item_ids) - 10} more" if len(item_ids) > 10 else ""
            logger.exception("alert matching failed for items %s%s", shown, more)
            return None

    def _alert(self, item_ids: Sequence[int], now: datetime) -> MatchOutcome:
        with self.engine.connect() as conn:
            index = self._current_index(conn)
            if not len(index) and self.detector is None:
                return MatchOutcome()
            processed = [item for item in get_items(conn, item_ids) if item.stage == "processed"]
        matches: list[WatchlistMatch] = []
        try:
            matches = index.match(processed, now)
            return do_record_matches(
                self.engine, matches, window=self.window, now=now, max_instant=self.max_instant
            )
        finally:
            # Whatever befell the watchlist alerts: items left uncounted now never would be
            # (the job is acknowledged), and the sweep only evaluates what was counted.
            self._detect(processed, matches, now)

    def _detect(
        self, processed: Sequence[StoredItem], matches: Sequence[WatchlistMatch], now: datetime
    ) -> DetectionOutcome | None:
        """Count and evaluate for the detectors; None when off or on failure (logged)."""
        if self.detector is None or not processed:
            return None
        try:
            return self.detector.after_batch(processed, matches, now)
        except Exception:
            shown = ", ".join(str(item.id) for item in processed[:10])
            more = f" and {len(processed) - 10} more" if len(processed) > 10 else ""
            logger.exception("detection failed for items %s%s", shown, more)
            return None

    def _current_index(self, conn: Connection) -> WatchlistIndex:
        """The index for the current watchlists: one small read, a rebuild only on change."""
        revision = watchlist_revision(conn)
        with self._lock:
            if revision != self._revision:
                self._index = WatchlistIndex(
                    list_watchlists(conn, LOCAL_OPERATOR, only_enabled=True)
                )
                self._revision = revision
            return self._index


def _utc_now() -> datetime:
    return datetime.now(tz=UTC)


async def run_detection_loop(
    engine: Engine,
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> None:
    """Sweep the detectors every `DCC_DETECT_INTERVAL_S` (first at once) until `stop` is set.

    A sweep evaluates every key active in the recent windows and prunes counts past their
    retention. Returns at once when detection is off (`DCC_DETECT_ENABLED=false`); never
    raises: a failed sweep is logged and the next one runs on time.
    """
    config = detection_config(settings)
    if config is None:
        return
    detector = ActivityDetector(engine, config)
    while not stop.is_set():
        try:
            await asyncio.to_thread(detector.sweep, clock())
        except Exception:  # the loop must outlive a database hiccup
            logger.exception("detection sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.detect_interval_s)
        except TimeoutError:
            continue
