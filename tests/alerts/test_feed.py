"""The Atom feed of a watchlist is well-formed Atom that a feed reader understands."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser

from dcc.alerts.channels.feed import ATOM_NS, watchlist_feed
from dcc.alerts.records import Alert, AlertKind, AlertStatus, Channel, Schedule, Watchlist

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WATCHLIST = Watchlist(
    id=3,
    name="Gempa & banjir <Indonesia>",
    query="gempa OR banjir country:ID",
    owner="ana",
    recipients=(),
    channels=(Channel.IN_APP,),
    schedule=Schedule.INSTANT,
    is_enabled=True,
    created_at=NOW - timedelta(days=1),
    updated_at=NOW - timedelta(days=1),
)


def alert(alert_id: int, title: str, *, count: int = 1, url: str | None = None) -> Alert:
    return Alert(
        id=alert_id,
        kind=AlertKind.WATCHLIST,
        rule="watchlist:3",
        watchlist_id=3,
        story_key=f"story:{alert_id}",
        title=title,
        status=AlertStatus.NEW,
        schedule=Schedule.INSTANT,
        item_count=count,
        first_item_id=alert_id,
        last_item_id=alert_id,
        explanation={"matched": ["gempa"], "last_item": {"title": title, "url": url}},
        created_at=NOW - timedelta(minutes=alert_id),
        updated_at=NOW - timedelta(minutes=alert_id),
        window_ends_at=NOW,
    )


def test_the_feed_parses_as_atom_with_one_entry_per_alert() -> None:
    document = watchlist_feed(
        WATCHLIST,
        [
            alert(1, "Gempa: Gempa guncang Lombok", count=20, url="https://antara.example/1"),
            alert(2, "Gempa: Banjir di Garut"),
        ],
        base_url="http://127.0.0.1:8000/",
        now=NOW,
    )
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "DCC watchlist: Gempa & banjir <Indonesia>"
    assert parsed.feed.id == "http://127.0.0.1:8000/api/v1/watchlists/3/feed.atom"
    first, second = parsed.entries
    assert first.title == "Gempa: Gempa guncang Lombok (20 items)"
    assert first.link == "https://antara.example/1"  # the latest item itself
    assert first.id == "http://127.0.0.1:8000/api/v1/alerts/1"
    assert "matched gempa" in first.summary and "20 items" in first.summary
    assert second.link == "http://127.0.0.1:8000/api/v1/alerts/2"  # no item URL: the alert
    assert first.updated_parsed[:5] == (2026, 11, 24, 7, 59)


def test_characters_xml_cannot_hold_do_not_break_the_feed() -> None:
    document = watchlist_feed(
        WATCHLIST, [alert(1, "Gempa\x0b guncang\x00 Lombok\ufffe")], base_url="http://x/", now=NOW
    )
    root = ET.fromstring(document)
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert not feedparser.parse(document).bozo
    assert feedparser.parse(document).entries[0].title == "Gempa guncang Lombok"


def test_an_empty_watchlist_has_a_valid_feed() -> None:
    parsed = feedparser.parse(watchlist_feed(WATCHLIST, [], base_url="http://x/", now=NOW))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated_parsed[:3] == (2026, 11, 23)
