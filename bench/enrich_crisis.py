"""Crisis labels and topics throughput on tweet-length documents (issue "Understand", 8).

    .venv/bin/python bench/enrich_crisis.py [--docs 5000]

Prints docs/s for classify_crisis on English text (three linear models), on Indonesian text
(lexicon rule), and for assign_topics, on real tweets and sentences when ../shared/data is
present (see bench/corpus.py). Topics target: well under 0.1 ms per tweet.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_sentences  # bench/ is not a package: imported via sys.path

from dcc.enrich.crisis import classify_crisis, default_lexicon, default_models
from dcc.enrich.topics import assign_topics, current_taxonomy


def rate(name: str, docs: list[str], run: Callable[[str], object]) -> None:
    """Time `run` over `docs` once (after a warm-up) and print docs/s and µs per doc."""
    for text in docs[:50]:
        run(text)
    start = time.perf_counter()
    for text in docs:
        run(text)
    elapsed = time.perf_counter() - start
    print(
        f"{name:<34} {len(docs) / elapsed:>10,.0f} docs/s  {elapsed / len(docs) * 1e6:8.1f} µs/doc"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    docs, origin = load_sentences(args.docs)
    print(f"corpus: {origin}")
    default_models(), default_lexicon(), current_taxonomy()  # load once, outside the timing
    rate("classify_crisis (en, models)", docs, lambda t: classify_crisis(t, "en"))
    rate("classify_crisis (id, lexicon)", docs, lambda t: classify_crisis(t, "id"))
    rate("assign_topics", docs, lambda t: assign_topics(t, "en"))


if __name__ == "__main__":
    main()
