"""Which watchlists an item matches, its story, and why (alerts/matcher.py; pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from alert_helpers import stored_item

from dcc.alerts.matcher import WatchlistIndex, matched_clauses, story_key
from dcc.alerts.records import Channel, Schedule, Watchlist
from dcc.query import MatchItem, parse_query
from dcc.query.matcher import prepare

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def watchlist(watchlist_id: int, query: str, *, is_enabled: bool = True) -> Watchlist:
    return Watchlist(
        id=watchlist_id,
        name=f"w{watchlist_id}",
        query=query,
        owner="local",
        recipients=(),
        channels=(Channel.IN_APP,),
        schedule=Schedule.INSTANT,
        is_enabled=is_enabled,
        created_at=NOW,
        updated_at=NOW,
    )


def test_items_match_the_watchlists_they_satisfy() -> None:
    index = WatchlistIndex(
        [
            watchlist(1, "gempa country:ID"),
            watchlist(2, '"banjir bandang" OR longsor'),
            watchlist(3, "-gempa"),  # checked on every item
            watchlist(4, "gempa", is_enabled=False),
            watchlist(5, "gempa lang:xx"),  # a stored query that no longer parses
        ]
    )
    items = [
        stored_item(10, "Gempa guncang Lombok", story_id="s1"),
        stored_item(11, "Banjir bandang di Garut"),
    ]
    found = {(m.watchlist_id, m.item_id) for m in index.match(items, NOW)}
    assert found == {(1, 10), (2, 11), (3, 11)}
    assert len(index) == 3 and set(index.unreadable) == {5}


def test_a_match_carries_story_title_and_why() -> None:
    index = WatchlistIndex([watchlist(1, 'gempa OR "tsunami warning" country:ID -latihan')])
    [match] = index.match([stored_item(10, "Tsunami warning after gempa", story_id="s1")], NOW)
    assert match.story_key == "story:s1"
    assert match.item_title == "Tsunami warning after gempa"
    assert match.item_url == "https://antara.example/10"
    assert match.matched == ("gempa", '"tsunami warning"', "country:ID")


def test_story_key_falls_back_to_the_copied_item_then_the_item() -> None:
    assert story_key(stored_item(10, "a", story_id="s9")) == "story:s9"
    lone = stored_item(11, "a")
    assert story_key(lone) == "item:11"


def test_negated_clauses_are_not_given_as_reasons() -> None:
    node = parse_query("gempa -(lombok OR bali)")
    item = prepare(MatchItem.from_stored(stored_item(1, "Gempa di Sumbawa")))
    assert matched_clauses(node, item, NOW) == ("gempa",)


def test_no_watchlists_match_nothing() -> None:
    assert WatchlistIndex([]).match([stored_item(1, "gempa")], NOW) == []
