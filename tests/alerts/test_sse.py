"""The live stream's events: format, resume after an id, wake-ups, polling, heartbeats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import Engine

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.queries import get_agency, principal_of
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    AgencyKind,
    AgencySpec,
    Principal,
    Role,
    UserSpec,
)
from dcc.alerts.actions import do_acknowledge_alert, do_create_watchlist, do_record_matches
from dcc.alerts.broadcast import AlertBroadcaster
from dcc.alerts.channels.sse import alert_event_stream, parse_last_event_id, read_events
from dcc.alerts.queries import latest_event_id
from dcc.alerts.records import WatchlistMatch, WatchlistSpec
from dcc.alerts.sharing import do_share_watchlist


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
    stream = alert_event_stream(engine, LOCAL_OPERATOR, after=None, heartbeat_s=30)
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
    stream = alert_event_stream(engine, LOCAL_OPERATOR, after=0, heartbeat_s=30)
    try:
        await next_chunk(stream)
        first = parse(await next_chunk(stream))
        second = parse(await next_chunk(stream))
    finally:
        await stream.aclose()
    assert [first["event"], second["event"]] == ["alert.created", "alert.acknowledged"]
    resumed = alert_event_stream(engine, LOCAL_OPERATOR, after=int(first["id"]), heartbeat_s=30)
    try:
        await next_chunk(resumed)
        assert parse(await next_chunk(resumed))["id"] == second["id"]
    finally:
        await resumed.aclose()


async def test_events_of_another_process_are_found_by_polling(engine: Engine) -> None:
    # A broadcaster nobody publishes on: the stream's only way to learn is the table.
    elsewhere = AlertBroadcaster()
    stream = alert_event_stream(
        engine, LOCAL_OPERATOR, after=None, heartbeat_s=30, poll_s=0.05, broadcaster=elsewhere
    )
    try:
        await next_chunk(stream)
        await asyncio.to_thread(raise_alert, engine)
        assert parse(await next_chunk(stream))["event"] == "alert.created"
    finally:
        await stream.aclose()


async def test_an_idle_stream_sends_heartbeats(engine: Engine) -> None:
    stream = alert_event_stream(engine, LOCAL_OPERATOR, after=None, heartbeat_s=0.05, poll_s=0.02)
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


# --- what a reader may read --------------------------------------------------------------------


def make_reader(engine: Engine, name: str, agency: str) -> Principal:
    """An analyst of `agency` (made if new)."""
    with engine.connect() as conn:
        exists = get_agency(conn, agency) is not None
    if not exists:
        do_create_agency(engine, AgencySpec(agency, agency.upper(), AgencyKind.MINISTRY_UNIT))
    user = do_create_user(engine, UserSpec(name, agency, Role.ANALYST), None)
    return principal_of(user)


async def test_a_stream_carries_only_the_events_its_reader_may_read(engine: Engine) -> None:
    ana = make_reader(engine, "ana", "kemlu")
    tokyo = make_reader(engine, "tokyo", "kbri-tokyo")
    hidden = do_create_watchlist(engine, WatchlistSpec(name="Rahasia", query="gempa"), by=ana)
    shared = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"), by=ana)
    do_share_watchlist(engine, shared.id, agency_id="kbri-tokyo", by=ana)

    def alert_of(watchlist_id: int, item_id: int) -> int:
        match = WatchlistMatch(watchlist_id, item_id, f"s{item_id}", "Gempa", None, "antara-id")
        return do_record_matches(engine, [match], window=timedelta(hours=1)).created[0]

    seen = alert_of(shared.id, 1)
    alert_of(hidden.id, 2)  # newer, and not tokyo's
    stream = alert_event_stream(engine, tokyo, after=None, heartbeat_s=30)
    try:
        # The newest event tokyo may read, not the newest of all.
        with engine.connect() as conn:
            first = latest_event_id(conn, tokyo)
            assert latest_event_id(conn, LOCAL_OPERATOR) > first
        assert (await next_chunk(stream)).endswith(f": connected after event {first}\n\n")
        await asyncio.to_thread(alert_of, hidden.id, 3)
        later = await asyncio.to_thread(alert_of, shared.id, 4)
        message = parse(await next_chunk(stream))
        assert json.loads(message["data"])["alert"]["id"] == later
        assert "Rahasia" not in message["data"]
    finally:
        await stream.aclose()
    replayed = alert_event_stream(engine, tokyo, after=0, heartbeat_s=30)
    try:
        await next_chunk(replayed)
        ids = [json.loads(parse(await next_chunk(replayed))["data"])["alert"]["id"] for _ in "ab"]
        assert ids == [seen, later]
    finally:
        await replayed.aclose()


def test_a_read_steps_over_events_its_reader_may_not_read(engine: Engine) -> None:
    ana = make_reader(engine, "ana", "kemlu")
    tokyo = make_reader(engine, "tokyo", "kbri-tokyo")
    hidden = do_create_watchlist(engine, WatchlistSpec(name="Rahasia", query="gempa"), by=ana)
    matches = [
        WatchlistMatch(hidden.id, n, f"s{n}", "Gempa", None, "antara-id") for n in range(1, 4)
    ]
    do_record_matches(engine, matches, window=timedelta(hours=1))
    batch = read_events(engine, tokyo, 0)
    with engine.connect() as conn:
        newest = latest_event_id(conn, LOCAL_OPERATOR)
    # Nothing to send, and the next read starts after the three hidden events.
    assert (batch.events, batch.following, batch.is_full) == ([], newest, False)
    assert newest == 3 and read_events(engine, ana, 0).following == 3
    assert [e.id for e, _ in read_events(engine, ana, 0).events] == [1, 2, 3]
