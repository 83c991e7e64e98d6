"""The streaming matcher: does one enriched item match a query? Pure, no database.

Alerts run every active watchlist against each item as it is enriched (issue 4), so the work
is split to keep that cheap:
- `prepare(item)` splits the item's title and text into words once (text.py: the same rules
  as the search index), whatever the number of queries;
- `compile_query(node)` turns a syntax tree into nested closures once per query;
- `QueryIndex` files each query under words (or field values) an item must have for it to
  match, so an item is checked only against the queries that share one of its words; the
  rest are skipped without running them. Queries with no such word (`-latihan`, `time:>...`)
  are checked for every item.

    index = QueryIndex[int]()
    index.add(7, parse_query('gempa OR "tsunami warning" country:ID'))
    index.match(MatchItem(title="Gempa M5,4", text="...", ...), now)  # -> [7]

Semantics agree with the SQL compiler (sql.py); tests/query/test_equivalence.py checks it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from dcc.query.ast import (
    And,
    Field,
    FieldMatch,
    Node,
    Not,
    RelativeTime,
    Term,
    TimeCompare,
    TimePoint,
)
from dcc.query.fields import ascii_lower
from dcc.query.text import fold_word, index_words
from dcc.records import StoredItem

K = TypeVar("K", bound=Hashable)
Predicate = Callable[["PreparedItem", datetime], bool]
# What an item must have for a query to have a chance, as one string: a word ("gempa"), the
# first 2-3 letters of a word after "*" ("*gem"), or a field value ("lang:id"). Words never
# hold "*" or ":", so the three kinds cannot collide.
Anchor = str
PREFIX_ANCHOR_LENGTHS = (2, 3)


@dataclass(frozen=True, slots=True)
class MatchItem:
    """What the matcher reads of one item: its text and the labels fields filter on.

    Build it with `from_stored` from a stored item and its enrichment (DESIGN §4.2).
    """

    title: str
    text: str
    source_id: str
    sort_at: datetime  # published_at, else ingested_at (as stored in items.sort_at)
    kind: str = "article"
    lang: str | None = None
    country: str | None = None  # the item's own country (source or feed)
    countries: tuple[str, ...] = ()  # countries it is about (enrichment)
    topics: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()  # entity texts as found
    sentiment: str | None = None
    stance: str | None = None  # toward Indonesia
    is_crisis: bool | None = None
    is_informative: bool = False
    info_type: str | None = None

    @classmethod
    def from_stored(
        cls, item: StoredItem, enrichment: Mapping[str, Any] | None = None
    ) -> MatchItem:
        """The item as the matcher sees it; `enrichment` (the `dcc enrich` JSON) defaults to
        the one stored with the item. The detected language replaces the source's hint
        unless it is "und", as do_store_enrichment stores it."""
        labels: Mapping[str, Any] = (
            enrichment if enrichment is not None else (item.enrichment or {})
        )
        crisis = _mapping(labels.get("crisis"))
        detected = labels.get("lang")
        return cls(
            title=item.title,
            text=item.text,
            source_id=item.source_id,
            sort_at=item.published_at or item.ingested_at,
            kind=item.kind,
            lang=detected if isinstance(detected, str) and detected != "und" else item.lang,
            country=item.country,
            countries=_strings(labels.get("countries")),
            topics=_strings(labels.get("topics")),
            entities=tuple(
                text
                for entity in labels.get("entities") or ()
                if isinstance(text := _mapping(entity).get("text"), str)
            ),
            sentiment=_label(labels.get("sentiment")),
            stance=_label(labels.get("stance_id")),
            is_crisis=crisis.get("related") if isinstance(crisis.get("related"), bool) else None,
            is_informative=crisis.get("informative") is True,
            info_type=crisis.get("info_type") if isinstance(crisis.get("info_type"), str) else None,
        )


class PreparedItem:
    """An item split into words once, with the lookups every query needs."""

    __slots__ = (
        "_anchors",
        "_positions",
        "_sorted_words",
        "countries",
        "crisis_flags",
        "entity_keys",
        "fields",
        "item",
        "words",
    )

    def __init__(self, item: MatchItem) -> None:
        self.item = item
        self.fields = (index_words(item.title), index_words(item.text))
        self.words = frozenset(self.fields[0]).union(self.fields[1])
        self.countries = frozenset(item.countries).union((item.country,) if item.country else ())
        self.entity_keys = frozenset(ascii_lower(text) for text in item.entities)
        flags = {"informative"} if item.is_informative else set()
        if item.is_crisis is not None:
            flags.add("true" if item.is_crisis else "false")
        if item.info_type:
            flags.add(item.info_type)
        self.crisis_flags = frozenset(flags)
        self._positions: tuple[dict[str, list[int]], dict[str, list[int]]] | None = None
        self._sorted_words: list[str] | None = None
        self._anchors: list[Anchor] | None = None

    def has_prefix(self, start: str) -> bool:
        """Whether a word of the item begins with `start` (binary search in sorted words)."""
        if self._sorted_words is None:
            self._sorted_words = sorted(self.words)
        index = bisect_left(self._sorted_words, start)
        return index < len(self._sorted_words) and self._sorted_words[index].startswith(start)

    def has_phrase(self, words: tuple[str, ...], is_prefix: bool) -> bool:
        """Whether `words` follow each other in the title or in the text (not across them)."""
        if self._positions is None:
            self._positions = (_positions(self.fields[0]), _positions(self.fields[1]))
        first, rest = words[0], words[1:]
        for field_words, positions in zip(self.fields, self._positions, strict=True):
            for start in positions.get(first, ()):
                end = start + 1 + len(rest)
                if end > len(field_words):
                    break
                following = field_words[start + 1 : end]
                if is_prefix:
                    if following[:-1] == list(rest[:-1]) and following[-1].startswith(rest[-1]):
                        return True
                elif following == list(rest):
                    return True
        return False

    def anchors(self) -> list[Anchor]:
        """Every anchor the item has (computed once): its words, their starts, its fields."""
        if self._anchors is not None:
            return self._anchors
        item = self.item
        found = list(self.words)
        found.extend({"*" + word[:n] for word in self.words for n in PREFIX_ANCHOR_LENGTHS})
        found += (f"source:{item.source_id}", f"kind:{item.kind}")
        found.extend(f"country:{code}" for code in self.countries)
        found.extend(f"topic:{topic}" for topic in item.topics)
        found.extend(f"entity:{key}" for key in self.entity_keys)
        found.extend(f"crisis:{flag}" for flag in self.crisis_flags)
        for name, value in (
            ("lang", item.lang),
            ("sentiment", item.sentiment),
            ("stance", item.stance),
        ):
            if value is not None:
                found.append(f"{name}:{value}")
        self._anchors = found
        return found


def prepare(item: MatchItem) -> PreparedItem:
    """Split `item` into words once; pass the result to every query."""
    return PreparedItem(item)


def matches(node: Node, item: MatchItem | PreparedItem, now: datetime | None = None) -> bool:
    """Whether `item` matches the query `node` at time `now` (for relative times)."""
    prepared = item if isinstance(item, PreparedItem) else PreparedItem(item)
    return compile_query(node)(prepared, now or datetime.now(tz=UTC))


def compile_query(node: Node) -> Predicate:
    """`node` as a predicate over a prepared item and the current time (nested closures)."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, FieldMatch):
        return _field(node)
    if isinstance(node, TimeCompare):
        return _time(node.op, node.point)
    if isinstance(node, Not):
        inner = compile_query(node.child)
        return lambda item, now: not inner(item, now)
    children = node.children
    if isinstance(node, And):
        # Cheap, selective parts first (a word before a time window): the first false ends it.
        children = tuple(sorted(children, key=_check_cost))
    parts = tuple(compile_query(child) for child in children)
    if len(parts) == 2:  # the common case, without a loop
        first, second = parts
        if isinstance(node, And):
            return lambda item, now: first(item, now) and second(item, now)
        return lambda item, now: first(item, now) or second(item, now)
    if isinstance(node, And):

        def every(item: PreparedItem, now: datetime) -> bool:
            # A plain loop: all() over a generator costs twice as much on this hot path.
            for part in parts:  # noqa: SIM110
                if not part(item, now):
                    return False
            return True

        return every

    def some(item: PreparedItem, now: datetime) -> bool:
        for part in parts:  # noqa: SIM110 (as in every())
            if part(item, now):
                return True
        return False

    return some


def _check_cost(node: Node) -> float:
    """Order of an And's parts: anchored parts by how rare their anchor is, the rest last."""
    found = _anchors(node)
    return found[1] if found is not None else _UNANCHORED_COST


def _term(node: Term) -> Predicate:
    words = tuple(fold_word(word) for word in node.words)
    if len(words) > 1:
        is_prefix = node.is_prefix
        # Every whole word present (a set test) before looking at positions.
        whole = frozenset(words[:-1] if is_prefix else words)
        return lambda item, now: whole <= item.words and item.has_phrase(words, is_prefix)
    word = words[0]
    if node.is_prefix:
        return lambda item, now: item.has_prefix(word)
    return lambda item, now: word in item.words


def _field(node: FieldMatch) -> Predicate:
    value = node.value
    field = node.field
    if field is Field.LANG:
        return lambda item, now: item.item.lang == value
    if field is Field.COUNTRY:
        return lambda item, now: value in item.countries
    if field is Field.SOURCE:
        if node.is_prefix:
            return lambda item, now: item.item.source_id.startswith(value)
        return lambda item, now: item.item.source_id == value
    if field is Field.KIND:
        return lambda item, now: item.item.kind == value
    if field is Field.TOPIC:
        return lambda item, now: value in item.item.topics
    if field is Field.ENTITY:
        return lambda item, now: value in item.entity_keys
    if field is Field.SENTIMENT:
        return lambda item, now: item.item.sentiment == value
    if field is Field.STANCE:
        return lambda item, now: item.item.stance == value
    return lambda item, now: value in item.crisis_flags


def _time(op: str, point: TimePoint) -> Predicate:
    if isinstance(point, RelativeTime):
        relative = point
        compare = _COMPARE[op]
        return lambda item, now: compare(item.item.sort_at, relative.resolve(now))
    instant = point
    if op == ">=":
        return lambda item, now: item.item.sort_at >= instant
    if op == ">":
        return lambda item, now: item.item.sort_at > instant
    if op == "<=":
        return lambda item, now: item.item.sort_at <= instant
    return lambda item, now: item.item.sort_at < instant


_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


# --- choosing what to file a query under -----------------------------------------------------

# Rough cost of filing a query under an anchor: how many items carry it, relative to a long
# word. Field values such as lang:id are on a large share of items.
_FIELD_COST = 40.0
_PREFIX_COST = 8.0
_SHORT_WORD_COST = 4.0
_UNANCHORED_COST = 1000.0


def anchors(node: Node) -> frozenset[Anchor] | None:
    """Anchors one of which every item matching `node` has, or None when there is no such
    set (the query must be checked on every item). Of an And's parts, the cheapest set is
    kept: "gempa lang:id" is filed under "gempa", not under every Indonesian item."""
    found = _anchors(node)
    return None if found is None else found[0]


def _anchors(node: Node) -> tuple[frozenset[Anchor], float] | None:
    if isinstance(node, Term):
        words = [fold_word(word) for word in node.words]
        if node.is_prefix and len(words) == 1:
            start = words[0][: max(PREFIX_ANCHOR_LENGTHS)]
            return frozenset({"*" + start}), _PREFIX_COST
        # The longest whole word of a phrase is the rarest, most likely.
        whole = words[:-1] if node.is_prefix else words
        word = max(whole, key=len)
        return frozenset({word}), 1.0 if len(word) > 3 else _SHORT_WORD_COST
    if isinstance(node, FieldMatch):
        if node.field is Field.SOURCE and node.is_prefix:
            return None
        return frozenset({f"{node.field}:{node.value}"}), _FIELD_COST
    if isinstance(node, TimeCompare | Not):
        return None
    parts = [_anchors(child) for child in node.children]
    known = [part for part in parts if part is not None]
    if isinstance(node, And):
        return min(known, key=lambda part: part[1]) if known else None
    if len(known) < len(parts):  # one alternative can match anything: no anchor
        return None
    return frozenset().union(*(part[0] for part in known)), sum(part[1] for part in known)


class QueryIndex(Generic[K]):
    """Many queries matched against one item at a time, skipping those that cannot match.

    Not thread-safe: one index per worker, changed (add/remove) between matches.
    """

    def __init__(self) -> None:
        self._queries: dict[K, tuple[Predicate, frozenset[Anchor] | None]] = {}
        self._postings: dict[Anchor, set[K]] = {}
        self._always: set[K] = set()

    def __len__(self) -> int:
        return len(self._queries)

    def add(self, key: K, node: Node) -> None:
        """File the query `node` under `key` (replacing a query with the same key)."""
        if key in self._queries:
            self.remove(key)
        found = anchors(node)
        self._queries[key] = (compile_query(node), found)
        if found is None:
            self._always.add(key)
            return
        for anchor in found:
            self._postings.setdefault(anchor, set()).add(key)

    def remove(self, key: K) -> None:
        entry = self._queries.pop(key, None)
        if entry is None:
            return
        self._always.discard(key)
        for anchor in entry[1] or ():
            keys = self._postings.get(anchor)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._postings[anchor]

    def candidates(self, item: PreparedItem) -> set[K]:
        """The queries `item` must be checked against (a superset of those it matches)."""
        found = set(self._always)
        postings = self._postings
        for anchor in item.anchors():
            keys = postings.get(anchor)
            if keys:
                found.update(keys)
        return found

    def match(self, item: MatchItem | PreparedItem, now: datetime | None = None) -> list[K]:
        """Keys of the queries `item` matches at time `now` (default: the current time)."""
        prepared = item if isinstance(item, PreparedItem) else PreparedItem(item)
        moment = now or datetime.now(tz=UTC)
        queries = self._queries
        return [key for key in self.candidates(prepared) if queries[key][0](prepared, moment)]


def _positions(words: list[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(words):
        positions.setdefault(word, []).append(index)
    return positions


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(entry for entry in value if isinstance(entry, str))


def _label(value: object) -> str | None:
    label = _mapping(value).get("label")
    return label if isinstance(label, str) else None
