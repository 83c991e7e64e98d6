"""The in-app live stream: alert events as Server-Sent Events (text/event-stream).

    id: 42
    event: alert.created            (alert.updated, .acknowledged, .dismissed, .escalated)
    data: {"event": {...}, "alert": {...}}

Events are read from the `alert_events` table by id, so a client that reconnects with
`Last-Event-ID: 42` gets everything after 42, and a stream sees events written by any process.
Within this process the broadcaster wakes the stream at once; otherwise it looks every
POLL_S seconds. An idle stream sends a heartbeat comment so that proxies keep it open.

A stream reads as its reader (issue 5): it carries only events of alerts the reader may read,
filtered in the query, and the ids it names (the events' and the "connected after" one) are
of those only. Past events it may not read it steps over without sending anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import Engine

from dcc.accounts.records import LOCAL_OPERATOR, Reader
from dcc.alerts.broadcast import AlertBroadcaster, alert_broadcaster
from dcc.alerts.queries import events_after, get_alerts, latest_event_id
from dcc.alerts.records import Alert, AlertEvent
from dcc.alerts.serialize import alert_json, event_json

# How often the table is read when nothing woke the stream (events from other processes).
POLL_S = 0.5
# Events sent per read; more are read at once after these are sent.
EVENT_BATCH = 200
# What a client waits before reconnecting after the stream broke (the `retry:` field).
RETRY_MS = 2000


def parse_last_event_id(value: str | None) -> int | None:
    """The event id a client resumes after, or None (absent or not a number: start live)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def sse_message(event: AlertEvent, alert: Alert) -> str:
    """One event in the text/event-stream format (JSON never holds a raw newline)."""
    data = json.dumps({"event": event_json(event), "alert": alert_json(alert)}, ensure_ascii=False)
    return f"id: {event.id}\nevent: alert.{event.type.value}\ndata: {data}\n\n"


@dataclass(frozen=True, slots=True)
class EventBatch:
    """What one read of the stream found: events with their alerts, where to read next."""

    events: list[tuple[AlertEvent, Alert]]
    following: int  # the id to read after next time
    is_full: bool  # EVENT_BATCH events came: read again at once


def read_events(engine: Engine, reader: Reader, after: int) -> EventBatch:
    """The events after id `after` of alerts `reader` may read, each with its alert as it is
    now, and the id to read after next time.

    That id passes the events the reader may not read as well (up to the newest committed
    when this read began), so a stream does not look at them again on every poll.
    """
    with engine.connect() as conn:
        newest = latest_event_id(conn, LOCAL_OPERATOR)
        events = events_after(conn, reader, after, up_to=newest, limit=EVENT_BATCH)
        found = get_alerts(conn, reader, sorted({e.alert_id for e in events}))
    is_full = len(events) >= EVENT_BATCH
    return EventBatch(
        events=[(e, found[e.alert_id]) for e in events if e.alert_id in found],
        following=events[-1].id if is_full else max(after, newest),
        is_full=is_full,
    )


async def alert_event_stream(
    engine: Engine,
    reader: Reader,
    *,
    after: int | None,
    heartbeat_s: float,
    poll_s: float = POLL_S,
    broadcaster: AlertBroadcaster = alert_broadcaster,
) -> AsyncIterator[str]:
    """Server-Sent Events for the alert events `reader` may read after id `after` (None:
    from now on), forever."""
    with broadcaster.subscribe() as wake:
        if after is None:
            start, shown = await asyncio.to_thread(_latest, engine, reader)
        else:
            start = shown = after
        after = start
        # The first bytes: the reconnection delay and a comment saying the stream is live
        # (sent once the starting point is fixed, so a client may act on it).
        yield f"retry: {RETRY_MS}\n: connected after event {shown}\n\n"
        last_sent = time.monotonic()
        while True:
            wake.clear()  # before reading: a publish during the read wakes the next wait
            batch = await asyncio.to_thread(read_events, engine, reader, after)
            for event, alert in batch.events:
                yield sse_message(event, alert)
            after = batch.following
            if batch.events:
                last_sent = time.monotonic()
            if batch.is_full:
                continue
            idle = time.monotonic() - last_sent
            if idle >= heartbeat_s:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
                idle = 0.0
            with contextlib.suppress(TimeoutError):  # woken early, or time to look again
                await asyncio.wait_for(wake.wait(), timeout=min(poll_s, heartbeat_s - idle))


def _latest(engine: Engine, reader: Reader) -> tuple[int, int]:
    """Where a stream from now on starts (the newest event), and the newest event `reader`
    may read (what it is told)."""
    with engine.connect() as conn:
        return latest_event_id(conn, LOCAL_OPERATOR), latest_event_id(conn, reader)
