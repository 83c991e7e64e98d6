"""Watchlist and alert actions on real databases (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alert_helpers import store_processed
from sqlalchemy import Engine, Table, func, select

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.actions import (
    do_acknowledge_alert,
    do_create_watchlist,
    do_delete_watchlist,
    do_dismiss_alert,
    do_escalate_alert,
    do_record_matches,
    do_update_watchlist,
)
from dcc.alerts.errors import AlertNotFoundError, AlertTransitionError, WatchlistNotFoundError
from dcc.alerts.queries import (
    alert_deliveries_of,
    alert_history,
    alert_item_ids,
    get_alert,
    get_watchlist,
    list_alerts,
    list_watchlists,
    watchlist_revision,
)
from dcc.alerts.records import (
    AlertEventType,
    AlertStatus,
    DeliveryStatus,
    Watchlist,
    WatchlistChanges,
    WatchlistMatch,
    WatchlistSpec,
)
from dcc.query import QuerySyntaxError
from dcc.store.schema import alert_items, alerts

HOUR = timedelta(hours=1)


def matches_for(
    watchlist: Watchlist, item_ids: list[int], story: str = "story:s1"
) -> list[WatchlistMatch]:
    return [
        WatchlistMatch(
            watchlist_id=watchlist.id,
            item_id=i,
            story_key=story,
            item_title=f"Gempa {i}",
            item_url=f"https://antara.example/{i}",
            source_id="antara-id",
            matched=("gempa",),
        )
        for i in item_ids
    ]


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- watchlists ------------------------------------------------------------------------------


def test_watchlist_create_update_delete_bump_the_revision(engine: Engine) -> None:
    with engine.connect() as conn:
        start = watchlist_revision(conn)
    created = do_create_watchlist(
        engine, WatchlistSpec(name="Gempa", query="gempa", recipients=("duty",)), owner="ana"
    )
    assert created.owner == "ana" and created.recipients == ("duty",)
    changed = do_update_watchlist(
        engine, created.id, WatchlistChanges(query="gempa country:ID", schedule="digest")
    )
    assert changed.query == "gempa country:ID" and changed.schedule.value == "digest"
    assert changed.name == "Gempa" and changed.recipients == ("duty",)  # the rest kept
    do_delete_watchlist(engine, created.id)
    with engine.connect() as conn:
        assert watchlist_revision(conn) == start + 3
        assert get_watchlist(conn, LOCAL_OPERATOR, created.id) is None
        assert list_watchlists(conn, LOCAL_OPERATOR) == []
    with pytest.raises(WatchlistNotFoundError, match=f"no watchlist with id {created.id}"):
        do_update_watchlist(engine, created.id, WatchlistChanges(name="again"))


def test_a_bad_query_stores_nothing(engine: Engine) -> None:
    with pytest.raises(QuerySyntaxError):
        do_create_watchlist(engine, WatchlistSpec(name="x", query="(gempa OR"))
    created = do_create_watchlist(engine, WatchlistSpec(name="x", query="gempa"))
    with pytest.raises(QuerySyntaxError):
        do_update_watchlist(engine, created.id, WatchlistChanges(query="gempa AND"))
    with engine.connect() as conn:
        assert [w.query for w in list_watchlists(conn, LOCAL_OPERATOR)] == ["gempa"]


# --- matches to alerts -----------------------------------------------------------------------


def test_one_story_makes_one_alert_per_window(engine: Engine) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    ids = store_processed(engine, [f"Gempa susulan {n}" for n in range(20)])
    now = datetime.now(tz=UTC)
    for n, item_id in enumerate(ids):  # one item at a time, as a stream brings them
        do_record_matches(
            engine, matches_for(watchlist, [item_id]), window=HOUR, now=now + timedelta(minutes=n)
        )
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
        history = alert_history(conn, LOCAL_OPERATOR, alert.id)
        gathered = alert_item_ids(conn, LOCAL_OPERATOR, alert.id)
    assert alert.item_count == 20
    assert alert.first_item_id == ids[0] and alert.last_item_id == ids[-1]
    assert alert.explanation["last_item"]["id"] == ids[-1]
    assert alert.explanation["matched"] == ["gempa"]
    assert alert.title == "Gempa: Gempa " + str(ids[0])
    assert gathered == ids
    assert [e.type for e in history] == [AlertEventType.CREATED] + [AlertEventType.UPDATED] * 19

    # Another story opens its own alert; the same story after the window opens a new one.
    other = do_record_matches(
        engine, matches_for(watchlist, [ids[0] + 1000], story="story:s2"), window=HOUR, now=now
    )
    later = do_record_matches(
        engine, matches_for(watchlist, [ids[0] + 2000]), window=HOUR, now=now + 2 * HOUR
    )
    assert len(other.created) == 1 and len(later.created) == 1
    assert count(engine, alerts) == 3


def test_past_the_cap_a_watchlists_new_stories_go_to_the_digest(engine: Engine) -> None:
    """One event split into many stories must not flood an inbox: two instant alerts per
    window here, then digest; after the window, instant again."""
    watchlist = do_create_watchlist(
        engine, WatchlistSpec(name="Gempa", query="gempa", recipients=("ana",))
    )
    now = datetime.now(tz=UTC)
    for n in range(4):
        do_record_matches(
            engine,
            matches_for(watchlist, [100 + n], story=f"story:{n}"),
            window=HOUR,
            now=now + timedelta(minutes=n),
            max_instant=2,
        )
    do_record_matches(
        engine,
        matches_for(watchlist, [200], story="story:late"),
        window=HOUR,
        now=now + 2 * HOUR,
        max_instant=2,
    )
    with engine.connect() as conn:
        found = sorted(list_alerts(conn, LOCAL_OPERATOR), key=lambda a: a.id)
        deliveries = [alert_deliveries_of(conn, LOCAL_OPERATOR, a.id) for a in found]
    assert [a.schedule.value for a in found] == [
        "instant",
        "instant",
        "digest",
        "digest",
        "instant",
    ]
    assert found[2].explanation["throttled"] == {
        "instant_alerts_in_window": 2,
        "max_instant_per_window": 2,
        "window_s": 3600,
    }
    assert [d.status for d in deliveries[3]] == [DeliveryStatus.AWAITING_DIGEST]
    assert [d.status for d in deliveries[4]] == [DeliveryStatus.DELIVERED]


def test_recording_the_same_matches_again_changes_nothing(engine: Engine) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    ids = store_processed(engine, ["Gempa a", "Gempa b"])
    first = do_record_matches(engine, matches_for(watchlist, ids), window=HOUR)
    again = do_record_matches(engine, matches_for(watchlist, ids), window=HOUR)
    assert len(first.created) == 1 and first.attached == 2
    assert again.created == () and again.updated == () and again.attached == 0
    with engine.connect() as conn:
        assert list_alerts(conn, LOCAL_OPERATOR)[0].item_count == 2
    assert count(engine, alert_items) == 2


def test_matches_of_a_removed_watchlist_are_dropped(engine: Engine) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    do_delete_watchlist(engine, watchlist.id)
    outcome = do_record_matches(engine, matches_for(watchlist, [1]), window=HOUR)
    assert outcome.attached == 0 and count(engine, alerts) == 0


def test_deliveries_are_recorded_per_recipient_and_schedule(engine: Engine) -> None:
    instant = do_create_watchlist(
        engine, WatchlistSpec(name="A", query="gempa", recipients=("duty", "desk-asia"))
    )
    digest = do_create_watchlist(
        engine, WatchlistSpec(name="B", query="gempa", schedule="digest"), owner="ana"
    )
    do_record_matches(engine, matches_for(instant, [1]) + matches_for(digest, [1]), window=HOUR)
    with engine.connect() as conn:
        by_watchlist = {a.watchlist_id: a for a in list_alerts(conn, LOCAL_OPERATOR)}
        now_sent = alert_deliveries_of(conn, LOCAL_OPERATOR, by_watchlist[instant.id].id)
        kept = alert_deliveries_of(conn, LOCAL_OPERATOR, by_watchlist[digest.id].id)
    assert [(d.channel, d.recipient, d.status) for d in now_sent] == [
        ("in_app", "duty", DeliveryStatus.DELIVERED),
        ("in_app", "desk-asia", DeliveryStatus.DELIVERED),
    ]
    assert all(d.delivered_at is not None for d in now_sent)
    # No recipients: the owner. A digest schedule keeps the delivery for the digest.
    assert [(d.recipient, d.status, d.delivered_at) for d in kept] == [
        ("ana", DeliveryStatus.AWAITING_DIGEST, None)
    ]
    assert by_watchlist[digest.id].schedule.value == "digest"


def test_two_workers_on_one_story_open_one_alert(engine: Engine) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def record(item_ids: list[int]) -> None:
        try:
            start.wait(timeout=10)
            do_record_matches(engine, matches_for(watchlist, item_ids), window=HOUR)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(ids,)) for ids in ([1, 2], [3, 4])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with engine.connect() as conn:
        [alert] = list_alerts(conn, LOCAL_OPERATOR)
    assert alert.item_count == 4


# --- lifecycle -------------------------------------------------------------------------------


def an_alert(engine: Engine) -> int:
    watchlist = do_create_watchlist(engine, WatchlistSpec(name="Gempa", query="gempa"))
    return do_record_matches(engine, matches_for(watchlist, [1]), window=HOUR).created[0]


def test_lifecycle_records_who_when_and_why(engine: Engine) -> None:
    alert_id = an_alert(engine)
    before = datetime.now(tz=UTC)
    acked = do_acknowledge_alert(engine, alert_id, who="ana")
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.status_changed_by == "ana"
    assert acked.status_changed_at is not None and acked.status_changed_at >= before
    escalated = do_escalate_alert(engine, alert_id, who="budi", note="incident for KBRI Tokyo")
    assert escalated.status is AlertStatus.ESCALATED
    with engine.connect() as conn:
        history = alert_history(conn, LOCAL_OPERATOR, alert_id)
    assert [(e.type.value, e.who, e.note) for e in history] == [
        ("created", None, None),
        ("acknowledged", "ana", None),
        ("escalated", "budi", "incident for KBRI Tokyo"),
    ]


def test_illegal_moves_are_refused_and_change_nothing(engine: Engine) -> None:
    alert_id = an_alert(engine)
    do_dismiss_alert(engine, alert_id, who=None)
    with pytest.raises(AlertTransitionError, match=f"alert {alert_id} is dismissed"):
        do_acknowledge_alert(engine, alert_id)
    with pytest.raises(AlertTransitionError):
        do_escalate_alert(engine, alert_id)
    with engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
        assert alert is not None and alert.status_changed_by == "local"  # nobody named
        assert [e.type.value for e in alert_history(conn, LOCAL_OPERATOR, alert_id)] == [
            "created",
            "dismissed",
        ]
    with pytest.raises(AlertNotFoundError, match="no alert with id 999999"):
        do_acknowledge_alert(engine, 999999)
