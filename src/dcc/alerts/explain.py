"""The parts of a detection's explanation drawn from its example items: top terms, top
sources, the examples themselves. Pure.

Terms are the words of the items' titles (else their text) as search indexes them
(query/text.py), without Indonesian, English and Malay stop words (stopwords-iso, as the
story clusterer drops them) and without web and retweet noise; each counts once per item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from dcc.query.text import index_words
from dcc.records import StoredItem

TOP_TERMS = 10
TOP_SOURCES = 5
EXAMPLES = 5
MAX_TEXT_CHARS = 500
_URL = re.compile(r"https?://\S+|www\.\S+")
# Words of feeds and posts that say nothing about what happened.
_NOISE = frozenset(
    {"rt", "amp", "http", "https", "via", "breaking", "berita", "news", "update", "terkini"}
)


@cache
def stop_words() -> frozenset[str]:
    import stopwordsiso

    words: set[str] = set(_NOISE)
    for lang in ("id", "en", "ms"):
        words.update(w.lower() for w in stopwordsiso.stopwords(lang))
    return frozenset(words)


def item_words(item: StoredItem) -> set[str]:
    """The distinct telling words of an item's title, else of the start of its text."""
    text = item.title or item.text[:MAX_TEXT_CHARS]
    stop = stop_words()
    return {
        word
        for word in index_words(_URL.sub(" ", text))
        if len(word) > 2 and not word.isdigit() and word not in stop
    }


def top_terms(items: Sequence[StoredItem], limit: int = TOP_TERMS) -> list[list[Any]]:
    """[[term, items holding it], ...], most frequent first (ties alphabetically). From three
    items on, a term of a single item is left out: it tells nothing about the group."""
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(item_words(item))
    least = 2 if len(items) >= 3 else 1
    ranked = sorted(
        ((term, n) for term, n in counts.items() if n >= least), key=lambda kv: (-kv[1], kv[0])
    )
    return [[term, count] for term, count in ranked[:limit]]


def top_sources(items: Sequence[StoredItem], limit: int = TOP_SOURCES) -> list[list[Any]]:
    """[[source id, items], ...], most items first."""
    counts = Counter(item.source_id for item in items)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [[source, count] for source, count in ranked[:limit]]


def item_json(item: StoredItem) -> dict[str, Any]:
    """An item as explanations show it (the same shape as watchlist alerts' first_item)."""
    return {
        "id": item.id,
        "title": item.title or item.text[:120],
        "url": item.url,
        "source": item.source_id,
    }


def example_items(items: Sequence[StoredItem], limit: int = EXAMPLES) -> list[dict[str, Any]]:
    """Up to `limit` items, newest (highest id) first, one per distinct title where possible."""
    ordered = sorted(items, key=lambda i: i.id, reverse=True)
    chosen: dict[int, StoredItem] = {}
    titles: set[str] = set()
    for item in ordered:
        title = (item.title or item.text[:120]).casefold()
        if title not in titles and len(chosen) < limit:
            chosen[item.id] = item
            titles.add(title)
    for item in ordered:  # fewer distinct titles than wanted: fill with the rest
        if len(chosen) >= limit:
            break
        chosen.setdefault(item.id, item)
    return [item_json(item) for item in sorted(chosen.values(), key=lambda i: -i.id)]
