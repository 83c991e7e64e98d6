"""CPU time of each enrichment stage per document, in one process (issue 3). Prints a table.

    .venv/bin/python bench/enrich_cpu.py [--tweets 5000] [--articles 300] [--passes 3]

bench/enrich.py measures what `dcc enrich` delivers, in wall-clock time: on a shared machine
that moves with everything else running. This counts CPU seconds (time.process_time) instead,
stage by stage, on the same corpus: the per-document stages as a worker process runs them
(models loaded and garbage collector set as parallel.py sets them; word caches filled by a
first pass over the same documents, which is not counted) and `connect` (near-duplicates,
stories) on a fresh stream each pass, in this same process. Figures are the median of the
passes; compare two versions on figures taken close together.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import articles, load_sentences

from dcc.enrich import pipeline
from dcc.enrich.encoder import default_embedder
from dcc.enrich.parallel import _warm_up
from dcc.enrich.pipeline import Document, Enricher, analyse_batch
from dcc.enrich.stream import BATCH_SIZE

STAGES = (
    "_languages",
    "_entities",
    "_geography",
    "_affect_features",
    "_sentiments",
    "_stances",
    "_emotions",
    "_crises",
    "_topics",
)
spent: defaultdict[str, float] = defaultdict(float)


def timed(name: str, run: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return run(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started

    return wrapper


def one_pass(batches: list[list[Document]]) -> dict[str, float]:
    """CPU seconds by stage over `batches`, as one stream."""
    spent.clear()
    enricher = Enricher()
    for batch in batches:
        started = time.process_time()
        analysed = analyse_batch(batch)
        middle = time.process_time()
        enricher.connect(batch, analysed)
        spent["analyse (all)"] += middle - started
        spent["connect (all)"] += time.process_time() - middle
    return dict(spent)


def report(label: str, texts: list[str], passes: int) -> None:
    docs = [Document(id=str(i), text=text) for i, text in enumerate(texts)]
    batches = [docs[start : start + BATCH_SIZE] for start in range(0, len(docs), BATCH_SIZE)]
    one_pass(batches)  # fills the word caches, as a running worker has them
    runs = [one_pass(batches) for _ in range(passes)]
    print(f"{label}: {len(docs):,} docs, ms of CPU per document (median of {passes} passes)")
    for name in runs[0]:
        value = statistics.median(run.get(name, 0.0) for run in runs) / len(docs) * 1000
        print(f"  {name.lstrip('_'):18s} {value:8.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=5000)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    _warm_up()  # as each worker starts (models, garbage collector)
    default_embedder()  # as the main process loads it (parallel.py)
    for name in STAGES:
        setattr(pipeline, name, timed(name, getattr(pipeline, name)))
    Enricher._near = timed("near_duplicates", Enricher._near)  # type: ignore[method-assign]
    Enricher._story = timed("stories", Enricher._story)  # type: ignore[method-assign]
    if args.tweets:
        report("tweet-length", [s[:280] for s in sentences[: args.tweets]], args.passes)
    if args.articles:
        report("2-4 KB articles", articles(sentences, args.articles), args.passes)


if __name__ == "__main__":
    main()
