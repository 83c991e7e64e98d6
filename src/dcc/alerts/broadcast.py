"""Wake this process's live streams when alert events are committed (publish after commit).

The events themselves are always read from the `alert_events` table; this only shortens the
wait. Streams in another process (a `dcc serve` beside separate `dcc worker`s) do not hear it
and find new events by polling the table (channels/sse.py), so nothing depends on it.

Thread-safe: actions publish from worker threads, streams wait on their event loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator


class AlertBroadcaster:
    """Subscribers get an asyncio.Event that is set whenever `publish()` is called."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        """An event set on each publish, for as long as the block runs (call in a loop)."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._waiters.discard(entry)

    def publish(self) -> None:
        """Wake every subscriber; callable from any thread, never raises."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            # A loop closed since subscribing has nobody left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)


# The process's one broadcaster: actions publish on it, the SSE endpoint subscribes to it.
alert_broadcaster = AlertBroadcaster()
