"""The live stream's events: format, resume after an id, wake-ups, polling, heartbeats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import Engine

from dcc.alerts.actions import do_acknowledge_alert, do_create_watchlist, do_record_matches
from dcc.alerts.broadcast import AlertBroadcaster
from dcc.alerts.channels.sse import alert_event_stream, parse_last_event_id
from dcc.alerts.records import WatchlistMatch, WatchlistSpec


def raise_alert(engine: Engine, item_id: int = 1) -> int:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    match = WatchlistMatch(
        watchlist_id=watchlist.id,
        item_id=item_id,
        story_key="story:s1",
        item_title="Gempa guncang Lombok",
        item_url=None,
        source_id="antara-id",
    )
    return do_record_matches(engine, [match], window=timedelta(hours=1)).created[0]


def parse(chunk: str) -> dict[str, str]:
    """One SSE message as its fields."""
    fields: dict[str, str] = {}
    for line in chunk.strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


async def next_chunk(stream: AsyncIterator[str]) -> str:
    return await asyncio.wait_for(anext(stream), timeout=10)


async def test_a_new_alert_and_its_acknowledgement_reach_a_live_stream(engine: Engine) -> None:
    stream = alert_event_stream(engine, after=None, heartbeat_s=30)
    try:
        hello = await next_chunk(stream)
        assert hello.startswith("retry: 2000\n: connected after event 0")
        alert_id = await asyncio.to_thread(raise_alert, engine)
        created = parse(await next_chunk(stream))
        assert created["event"] == "alert.created"
        payload = json.loads(created["data"])
        assert payload["alert"]["id"] == alert_id and payload["alert"]["status"] == "new"
        assert payload["event"]["id"] == int(created["id"])
        await asyncio.to_thread(do_acknowledge_alert, engine, alert_id, who="ana")
        acked = parse(await next_chunk(stream))
        assert acked["event"] == "alert.acknowledged"
        assert json.loads(acked["data"])["event"]["who"] == "ana"
        assert int(acked["id"]) > int(created["id"])
    finally:
        await stream.aclose()


async def test_resuming_after_an_id_replays_what_followed(engine: Engine) -> None:
    alert_id = raise_alert(engine)
    do_acknowledge_alert(engine, alert_id)
    stream = alert_event_stream(engine, after=0, heartbeat_s=30)
    try:
        await next_chunk(stream)
        first = parse(await next_chunk(stream))
        second = parse(await next_chunk(stream))
    finally:
        await stream.aclose()
    assert [first["event"], second["event"]] == ["alert.created", "alert.acknowledged"]
    resumed = alert_event_stream(engine, after=int(first["id"]), heartbeat_s=30)
    try:
        await next_chunk(resumed)
        assert parse(await next_chunk(resumed))["id"] == second["id"]
    finally:
        await resumed.aclose()


async def test_events_of_another_process_are_found_by_polling(engine: Engine) -> None:
    # A broadcaster nobody publishes on: the stream's only way to learn is the table.
    elsewhere = AlertBroadcaster()
    stream = alert_event_stream(
        engine, after=None, heartbeat_s=30, poll_s=0.05, broadcaster=elsewhere
    )
    try:
        await next_chunk(stream)
        await asyncio.to_thread(raise_alert, engine)
        assert parse(await next_chunk(stream))["event"] == "alert.created"
    finally:
        await stream.aclose()


async def test_an_idle_stream_sends_heartbeats(engine: Engine) -> None:
    stream = alert_event_stream(engine, after=None, heartbeat_s=0.05, poll_s=0.02)
    try:
        await next_chunk(stream)
        assert await next_chunk(stream) == ": heartbeat\n\n"
    finally:
        await stream.aclose()


def test_last_event_id_is_a_number_or_ignored() -> None:
    assert parse_last_event_id("42") == 42
    assert parse_last_event_id(" 7 ") == 7
    assert parse_last_event_id("abc") is None
    assert parse_last_event_id("-1") is None
    assert parse_last_event_id(None) is None
