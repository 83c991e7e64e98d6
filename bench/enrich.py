"""Enrichment throughput and memory (issue: Understand). Prints its figures.

Targets on a 2-core machine, default pipeline: ≥ 2,000 docs/s on tweet-length text, ≥ 300
docs/s on 2-4 KB articles, resident memory ≤ 1.5 GB.

    .venv/bin/python bench/enrich.py [--tweets 20000] [--articles 2000]

A count of 0 skips that part; the corpus has 87,773 sentences, so --tweets up to that many
measures a longer stream (story clustering's per-item cost grows as its index fills).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import articles, load_sentences

from dcc.enrich.parallel import default_processes, open_enricher
from dcc.enrich.pipeline import Document
from dcc.enrich.stream import BATCH_SIZE


class CollectorClock:
    """CPU seconds this process spends in the garbage collector while attached."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started


def measure(label: str, texts: list[str], batch: int, processes: int | None) -> float:
    """Documents a second through `dcc enrich`'s path: batches, worker processes."""
    enricher = open_enricher(processes)
    collector = CollectorClock()
    try:
        # Warm up: models load on first use, as in a running worker.
        enricher.enrich_batch([Document(id=f"warm{i}", text=t) for i, t in enumerate(texts[:50])])
        docs = [Document(id=str(i), text=text) for i, text in enumerate(texts)]
        batches = [docs[start : start + batch] for start in range(0, len(docs), batch)]
        gc.callbacks.append(collector)
        cpu_started, started = time.process_time(), time.perf_counter()
        for _ in enricher.enrich_batches(batches):
            pass
        rate = len(texts) / (time.perf_counter() - started)
        cpu_ms = (time.process_time() - cpu_started) / len(texts) * 1000
    finally:
        if collector in gc.callbacks:
            gc.callbacks.remove(collector)
        enricher.close()
    workers = getattr(enricher, "processes", 0)
    # With workers, this process's share (near-duplicates, stories, passing documents and
    # labels) is the part that does not spread over the cores.
    print(
        f"{label}: {len(texts):,} docs in batches of {batch}, {workers} worker processes, "
        f"{rate:,.0f} docs/s; this process {cpu_ms:.3f} ms CPU a document, "
        f"{collector.seconds / len(texts) * 1000:.3f} of it collecting garbage",
        flush=True,
    )
    return rate


def host_reference_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes here (best of 3): hosts of the same size
    differ by a third in speed (issue 3's sessions), so figures compare only beside this."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(len(str(i)) for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument(
        "--batch", type=int, default=BATCH_SIZE, help="documents a batch (dcc enrich's default)"
    )
    parser.add_argument(
        "--processes", type=int, default=None, help="worker processes (default: one per core)"
    )
    args = parser.parse_args()
    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    print(f"host reference: a fixed pure-Python loop takes {host_reference_ms():.0f} ms")
    if args.tweets:  # 0 skips a part
        tweets = [s[:280] for s in sentences[: args.tweets]]
        measure("tweet-length (target ≥ 2,000 docs/s)", tweets, args.batch, args.processes)
    if args.articles:
        long_texts = articles(sentences, args.articles)
        measure("2-4 KB articles (target ≥ 300 docs/s)", long_texts, args.batch, args.processes)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = default_processes() if args.processes is None else args.processes
    workers = workers if workers > 1 else 0
    total = main_mb + workers * worker_mb
    print(
        f"peak resident memory: this process {main_mb:,.0f} MB, largest worker "
        f"{worker_mb:,.0f} MB, at most {total:,.0f} MB in all (target ≤ 1,536 MB)"
    )


if __name__ == "__main__":
    main()
