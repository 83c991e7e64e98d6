"""The in-process broadcaster wakes streams on their loop, from any thread."""

from __future__ import annotations

import asyncio
import threading

from dcc.alerts.broadcast import AlertBroadcaster


async def test_a_publish_from_another_thread_wakes_every_subscriber() -> None:
    broadcaster = AlertBroadcaster()
    with broadcaster.subscribe() as first, broadcaster.subscribe() as second:
        thread = threading.Thread(target=broadcaster.publish)
        thread.start()
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), timeout=5)
        thread.join()
    with broadcaster.subscribe() as later:
        assert not later.is_set()  # a subscription that ended is no longer woken
    broadcaster.publish()  # nobody listening: nothing happens, nothing raises
