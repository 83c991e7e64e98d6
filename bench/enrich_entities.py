"""Entities + geography cost per document (issue 3: ~0.15 ms a tweet for both together).

    .venv/bin/python bench/enrich_entities.py [--tweets 4000] [--articles 300] [--repeat 3]

Real sentences from bench/corpus.py (tweets cut to 280 characters, 2-4 KB articles built from
consecutive sentences), each with the language `detect_language` gives it (not timed). The
caches (the NER models' word rows) are first warmed on other sentences, as in a running
worker; the "first pass" then still meets words it never saw, the later passes do not. CPU
time (time.process_time) of extract_entities and resolve_geography, the median of the
passes after the first; the machine is shared, so compare figures taken in one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import articles, load_sentences

from dcc.enrich.entities import CRF_LANGS, extract_entities
from dcc.enrich.geo import resolve_geography
from dcc.enrich.language import detect_language

Docs = list[tuple[str, str]]


def with_languages(texts: list[str]) -> Docs:
    return [(text, detect_language(text)[0]) for text in texts]


def one_pass(docs: Docs) -> tuple[float, float]:
    """CPU seconds spent in entities and in geography over `docs`."""
    entities_s = geo_s = 0.0
    clock = time.process_time
    for text, lang in docs:
        started = clock()
        entities, _ = extract_entities(text, lang)
        middle = clock()
        resolve_geography(text, entities, lang)
        entities_s += middle - started
        geo_s += clock() - middle
    return entities_s, geo_s


def report(label: str, docs: Docs, repeat: int) -> None:
    if not docs:
        return
    first = one_pass(docs)
    later = [one_pass(docs) for _ in range(repeat)]
    entities_ms = statistics.median(e for e, _ in later) / len(docs) * 1000
    geo_ms = statistics.median(g for _, g in later) / len(docs) * 1000
    first_ms = sum(first) / len(docs) * 1000
    total = entities_ms + geo_ms
    print(
        f"{label:34s} {len(docs):5d} docs  entities {entities_ms:.3f} + geo {geo_ms:.3f}"
        f" = {total:.3f} ms/doc ({1000 / total:,.0f} docs/s a core); first pass {first_ms:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=4000)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    tweets = with_languages([s[:280] for s in sentences[: args.tweets]])
    warm = with_languages([s[:280] for s in sentences[-5000:]])
    texts = articles(sentences, args.articles)
    started = time.perf_counter()
    one_pass(warm[:1])
    print(f"load gazetteer + models: {time.perf_counter() - started:.2f} s")
    one_pass(warm)
    report("tweets (all languages)", tweets, args.repeat)
    report("tweets, Indonesian CRF path", [d for d in tweets if d[1] in CRF_LANGS], args.repeat)
    report("tweets, other languages", [d for d in tweets if d[1] not in CRF_LANGS], args.repeat)
    report("2-4 KB articles", with_languages(texts), args.repeat)


if __name__ == "__main__":
    main()
