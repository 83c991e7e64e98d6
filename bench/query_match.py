"""Matching cost per item with many active watchlist queries (issue 4: ≤ 1 ms per item with
1,000 watchlists). Prints the figures.

    .venv/bin/python bench/query_match.py [--queries 1000] [--items 5000] [--rounds 5]

Items are real tweets and reviews from ../shared/data when present (bench/corpus.py), else
generated sentences; their labels (language, country, sentiment, stance, crisis, topics,
entities) are drawn at random, since matching cost does not depend on their being right.
Queries are generated the way analysts write watchlists: mid-frequency words of the corpus
(place names, events) and frequent word pairs as phrases, OR-lists, exclusions, prefixes,
field filters and time windows, plus some filter-only rules checked on every item.

Reported: splitting an item into words once (`prepare`), then matching it against all
queries through the QueryIndex, and for comparison checking every query on every item. Wall
time and this process's CPU time are both printed: on a shared machine the CPU time is the
steadier figure. Per-item figures are means over all items of a round; medians over rounds.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import load_sentences  # bench/ is not a package: found through sys.path

from dcc.query.matcher import MatchItem, PreparedItem, QueryIndex, compile_query, prepare
from dcc.query.parser import parse_query
from dcc.query.text import index_words

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
COUNTRIES = ["ID", "ID", "ID", "MY", "SG", "AU", "US", "JP", "CN", "PH", "TL", "NL"]
TOPICS = ["disaster", "diplomacy", "cyber", "health", "economy_trade", "politics", "maritime"]
LABELS = ["positive", "neutral", "negative"]
SOURCES = [
    f"{name}-{lang}" for name in ("antara", "kompas", "detik", "bbc", "cna") for lang in "ie"
]


def make_items(texts: list[str], rng: random.Random) -> list[MatchItem]:
    found = []
    for index, text in enumerate(texts):
        capitalised = [word.strip(".,!?:;\"'()") for word in text.split() if word[:1].isupper()]
        found.append(
            MatchItem(
                title="",
                text=text,
                source_id=rng.choice(SOURCES),
                sort_at=NOW - timedelta(minutes=index % 4000),
                kind=rng.choice(["article", "post", "post"]),
                lang=rng.choice(["id", "en", "en", "ms"]),
                country=rng.choice(COUNTRIES),
                countries=tuple(rng.sample(COUNTRIES, rng.randint(0, 2))),
                topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
                entities=tuple(capitalised[:3]),
                sentiment=rng.choice(LABELS),
                stance=rng.choice([None, None, *LABELS]),
                is_crisis=rng.random() < 0.3,
                is_informative=rng.random() < 0.15,
                info_type="caution_and_advice" if rng.random() < 0.05 else None,
            )
        )
    return found


def make_queries(texts: list[str], count: int, rng: random.Random) -> list[str]:
    """Watchlist-like queries over the corpus's own vocabulary."""
    frequency: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    capitalised: Counter[str] = Counter()
    for text in texts:
        words = index_words(text)
        frequency.update(set(words))
        pairs.update(pairwise(words))
        capitalised.update(w.strip(".,!?:;\"'()") for w in text.split() if w[:1].isupper())
    total = len(texts)
    # Mid-frequency words (0.02% to 1% of items), as place names, people and events are.
    keywords = sorted(  # sorted: the same queries whatever the string hash seed
        word
        for word, seen in frequency.items()
        if total * 0.0002 <= seen <= total * 0.01 and len(word) >= 4 and word.isalpha()
    )
    phrases = [
        f"{a} {b}"
        for (a, b), seen in pairs.most_common(4000)
        if len(a) >= 3 and len(b) >= 3 and a.isalpha() and b.isalpha() and seen <= total * 0.01
    ]
    entities = [name for name, seen in capitalised.most_common(500) if len(name) >= 4]
    rng.shuffle(keywords)

    def word() -> str:
        return rng.choice(keywords)

    def phrase() -> str:
        return f'"{rng.choice(phrases)}"'

    def term() -> str:
        return phrase() if rng.random() < 0.3 else word()

    def filters() -> str:
        options = [
            "",
            "",
            f"country:{rng.choice(COUNTRIES)}",
            f"lang:{rng.choice(['id', 'en'])}",
            f"sentiment:{rng.choice(LABELS)}",
            "stance:negative",
            "crisis:true",
            "time:>now-24h",
            f"-source:{rng.choice(SOURCES)}",
        ]
        return " ".join(rng.sample(options, 2)).strip()

    templates = [
        lambda: " OR ".join(term() for _ in range(rng.randint(2, 6))) + " " + filters(),
        lambda: f"({term()} OR {term()}) {filters()} -{word()}",
        lambda: f"{phrase()} {filters()}",
        lambda: f"{word()[:5]}* {filters()}",
        lambda: f"({word()} OR {phrase()}) stance:negative time:>now-24h",
        lambda: f'entity:"{rng.choice(entities)}" OR {word()}',
        lambda: f"topic:{rng.choice(TOPICS)} ({word()} OR {word()})",
        lambda: f"{word()} {word()}",
        lambda: f"{word()} DAN ({word()} ATAU {phrase()}) BUKAN {word()}",
    ]
    rare = [  # filter-only rules: checked on every item, or on every item with that label
        lambda: f"country:{rng.choice(COUNTRIES)} crisis:true sentiment:negative",
        lambda: f"stance:negative topic:{rng.choice(TOPICS)} time:>now-6h",
        lambda: "-lang:id -lang:en time:>now-1h crisis:informative",
    ]
    queries = []
    while len(queries) < count:
        pick = rng.choice(rare) if rng.random() < 0.05 else rng.choice(templates)
        queries.append(" ".join(pick().split()))
    return queries


def per_item_us(
    items: list[PreparedItem], run: Callable[[PreparedItem], object], rounds: int
) -> tuple[list[float], list[float]]:
    """Mean microseconds per item in each round: wall clock, and CPU time of this process
    (steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        for item in items:
            run(item)
        wall.append((time.perf_counter() - start) / len(items) * 1e6)
        cpu.append((time.process_time() - start_cpu) / len(items) * 1e6)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-freeze", action="store_true", help="leave gc.freeze() out")
    args = parser.parse_args()
    rng = random.Random(11)
    texts, origin = load_sentences(60_000)
    sample = texts[: args.items]
    print(f"items: {len(sample):,} ({origin}); mean {statistics.mean(map(len, sample)):.0f} chars")

    queries = make_queries(texts, args.queries, rng)
    index: QueryIndex[int] = QueryIndex()
    start = time.perf_counter()
    nodes = [parse_query(text) for text in queries]
    for key, node in enumerate(nodes):
        index.add(key, node)
    built = time.perf_counter() - start
    print(f"queries: {len(queries):,}, parsed and indexed in {built * 1000:.0f} ms; examples:")
    for text in queries[:5]:
        print(f"  {text}")

    items = make_items(sample, rng)
    if not args.no_freeze:
        # Long-lived state (queries, corpus) out of the cyclic GC's scans, as an alerts worker
        # should do once its watchlists are loaded; --no-freeze shows the cost without it.
        gc.collect()
        gc.freeze()
    # Each round matches fresh items, as the stream does: nothing is cached between rounds.
    prepare_wall, prepare_cpu, index_wall, index_cpu = [], [], [], []
    for _ in range(args.rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        prepared = [prepare(item) for item in items]
        prepare_wall.append((time.perf_counter() - start) / len(items) * 1e6)
        prepare_cpu.append((time.process_time() - start_cpu) / len(items) * 1e6)
        wall, cpu = per_item_us(prepared, lambda item: index.match(item, NOW), 1)
        index_wall += wall
        index_cpu += cpu

    candidates = [len(index.candidates(item)) for item in prepared]
    matched = [len(index.match(item, NOW)) for item in prepared]
    predicates = [compile_query(node) for node in nodes]
    brute = prepared[: max(1, len(prepared) // 10)]
    brute_wall, _ = per_item_us(
        brute, lambda item: [p for p in predicates if p(item, NOW)], max(1, args.rounds // 2)
    )
    worst = sorted(candidates)[int(len(candidates) * 0.99)]

    def show(values: list[float]) -> str:
        rounds = ", ".join(f"{value:.0f}" for value in values)
        return f"median {statistics.median(values):.1f} µs/item (rounds: {rounds})"

    print(f"prepare (split into words once): wall {show(prepare_wall)}")
    print(f"                                 CPU  {show(prepare_cpu)}")
    print(f"match, {len(queries):,} queries through the index: wall {show(index_wall)}")
    print(f"                                          CPU  {show(index_cpu)}")
    print(
        f"  queries checked per item: mean {statistics.mean(candidates):.1f}, p99 {worst}; "
        f"matched per item: mean {statistics.mean(matched):.2f}"
    )
    print(
        f"match, every query checked (no index), for comparison: median "
        f"{statistics.median(brute_wall):.0f} µs/item"
    )
    wall_total = statistics.median(prepare_wall) + statistics.median(index_wall)
    cpu_total = statistics.median(prepare_cpu) + statistics.median(index_cpu)
    print(
        f"total per item (prepare + match): wall {wall_total:.0f} µs, CPU {cpu_total:.0f} µs; "
        "target ≤ 1,000 µs"
    )


if __name__ == "__main__":
    main()
