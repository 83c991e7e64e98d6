"""A sweep that runs every few seconds or hours in a worker until the worker stops.

The sweeps are blocking database work (escalation, housekeeping), so each runs in a thread:
the event loop keeps serving the other loops meanwhile. A failing sweep is logged and the
loop goes on: one bad row must not stop reminders or housekeeping for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


async def run_periodically(
    sweep: Callable[[], int],
    stop: asyncio.Event,
    *,
    interval_s: float,
    what: str,
) -> None:
    """Call `sweep()` now and then every `interval_s` seconds until `stop` is set; `sweep`
    returns how many things it did, logged as "<what>: N" when not zero."""
    while not stop.is_set():
        try:
            done = await asyncio.to_thread(sweep)
            if done:
                log.info("%s: %d", what, done)
        except Exception:
            log.exception("%s failed; retrying in %.0f s", what, interval_s)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
