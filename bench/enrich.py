"""Enrichment throughput and memory (issue: Understand). Prints its figures.

Targets on a 2-core machine, default pipeline: ≥ 2,000 docs/s on tweet-length text, ≥ 300
docs/s on 2-4 KB articles, resident memory ≤ 1.5 GB.

    .venv/bin/python bench/enrich.py [--tweets 20000] [--articles 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_sentences

from dcc.enrich.pipeline import Document, Enricher
from dcc.enrich.stream import BATCH_SIZE


def articles(sentences: list[str], count: int) -> list[str]:
    """2-4 KB texts built from consecutive real sentences."""
    rng = random.Random(5)
    built: list[str] = []
    for _ in range(count):
        target = rng.randint(2048, 4096)
        parts: list[str] = []
        start = rng.randrange(len(sentences))
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(sentences[(start + len(parts)) % len(sentences)])
        built.append(" ".join(parts)[:target])
    return built


def measure(label: str, texts: list[str], batch: int) -> float:
    enricher = Enricher()
    # Warm up: models load on first use, as in a running worker.
    enricher.enrich_batch([Document(id=f"warm{i}", text=t) for i, t in enumerate(texts[:50])])
    docs = [Document(id=str(i), text=text) for i, text in enumerate(texts)]
    started = time.perf_counter()
    for start in range(0, len(docs), batch):
        enricher.enrich_batch(docs[start : start + batch])
    rate = len(texts) / (time.perf_counter() - started)
    print(f"{label}: {len(texts):,} docs in batches of {batch}, {rate:,.0f} docs/s", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument(
        "--batch", type=int, default=BATCH_SIZE, help="documents a batch (dcc enrich's default)"
    )
    args = parser.parse_args()
    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    tweets = [s[:280] for s in sentences[: args.tweets]]
    measure("tweet-length (target ≥ 2,000 docs/s)", tweets, args.batch)
    measure("2-4 KB articles (target ≥ 300 docs/s)", articles(sentences, args.articles), args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:,.0f} MB (target ≤ 1,536 MB)")


if __name__ == "__main__":
    main()
