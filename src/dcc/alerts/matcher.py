"""Which active watchlists do these enriched items match? Pure: records in, records out.

One `WatchlistIndex` holds every active watchlist in a query-language `QueryIndex`, so an item
is checked only against the watchlists that share one of its words (docs/query-language.md).
Each match says which story the item joined (alerts are de-duplicated per watchlist and story)
and which clauses of the query it satisfied (the alert's explanation).

    index = WatchlistIndex(watchlists)
    index.match(items, now)   # -> [WatchlistMatch(watchlist_id=7, item_id=42, ...)]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from dcc.alerts.records import Watchlist, WatchlistMatch
from dcc.query import MatchItem, Node, QueryIndex, QuerySyntaxError, format_query, parse_query
from dcc.query.ast import FieldMatch, Not, Term, TimeCompare, walk
from dcc.query.matcher import PreparedItem, compile_query, prepare
from dcc.records import StoredItem

logger = logging.getLogger(__name__)
# Clauses kept in an explanation: enough to see why, short enough to read.
MAX_EXPLAINED_CLAUSES = 10


class WatchlistIndex:
    """The active watchlists, ready to match items against (built once per revision)."""

    def __init__(self, watchlists: Iterable[Watchlist]) -> None:
        self._index = QueryIndex[int]()
        self._nodes: dict[int, Node] = {}
        # Watchlists whose stored query no longer parses (the language changed): left out.
        self.unreadable: dict[int, str] = {}
        for watchlist in watchlists:
            if not watchlist.is_enabled:
                continue
            try:
                node = parse_query(watchlist.query)
            except QuerySyntaxError as exc:
                self.unreadable[watchlist.id] = str(exc)
                logger.warning("watchlist %d is not matched: %s", watchlist.id, exc)
                continue
            self._index.add(watchlist.id, node)
            self._nodes[watchlist.id] = node

    def __len__(self) -> int:
        return len(self._nodes)

    def match(self, items: Sequence[StoredItem], now: datetime) -> list[WatchlistMatch]:
        """Every (watchlist, item) pair that matches, items in the order given."""
        found: list[WatchlistMatch] = []
        if not self._nodes:
            return found
        for item in items:
            prepared = prepare(MatchItem.from_stored(item))
            for watchlist_id in sorted(self._index.match(prepared, now)):
                found.append(
                    WatchlistMatch(
                        watchlist_id=watchlist_id,
                        item_id=item.id,
                        story_key=story_key(item),
                        item_title=item.title or item.text[:120],
                        item_url=item.url,
                        source_id=item.source_id,
                        matched=matched_clauses(self._nodes[watchlist_id], prepared, now),
                    )
                )
        return found


def story_key(item: StoredItem) -> str:
    """The story an item belongs to, for de-duplication: its enrichment's story, else the
    item it nearly copies, else the item alone."""
    labels = item.enrichment or {}
    story = labels.get("story_id")
    if isinstance(story, str) and story:
        return f"story:{story}"[:200]
    near = labels.get("near_duplicate_of")
    if isinstance(near, str) and near:
        return f"item:{near}"[:200]
    return f"item:{item.id}"


def matched_clauses(node: Node, item: PreparedItem, now: datetime) -> tuple[str, ...]:
    """The words, phrases and field filters of `node` (outside any NOT) that `item` has.

    For `gempa OR "tsunami warning" country:ID` and an item about a tsunami warning in
    Indonesia: ('"tsunami warning"', 'country:ID').
    """
    negated: set[int] = set()
    for part in walk(node):
        if isinstance(part, Not):
            negated.update(id(inner) for inner in walk(part.child))
    found: list[str] = []
    for part in walk(node):
        if id(part) in negated or not isinstance(part, Term | FieldMatch | TimeCompare):
            continue
        if compile_query(part)(item, now):
            text = format_query(part)
            if text not in found:
                found.append(text)
        if len(found) >= MAX_EXPLAINED_CLAUSES:
            break
    return tuple(found)
