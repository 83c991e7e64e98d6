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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from dcc.alerts.actions import do_record_matches
from dcc.alerts.matcher import WatchlistIndex
from dcc.alerts.queries import list_watchlists, watchlist_revision
from dcc.alerts.records import MatchOutcome
from dcc.store.items import get_items

logger = logging.getLogger(__name__)


class AlertMatcher:
    """Keeps an index of the active watchlists (reloaded when their revision changes) and
    turns matches of processed items into alerts. One per worker; thread-safe."""

    def __init__(self, engine: Engine, *, window: timedelta) -> None:
        self.engine = engine
        self.window = window
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
            if not len(index):
                return MatchOutcome()
            processed = [item for item in get_items(conn, item_ids) if item.stage == "processed"]
        matches = index.match(processed, now)
        return do_record_matches(self.engine, matches, window=self.window, now=now)

    def _current_index(self, conn: Connection) -> WatchlistIndex:
        """The index for the current watchlists: one small read, a rebuild only on change."""
        revision = watchlist_revision(conn)
        with self._lock:
            if revision != self._revision:
                self._index = WatchlistIndex(list_watchlists(conn, only_enabled=True))
                self._revision = revision
            return self._index
