"""Language ID and near-duplicate throughput on tweet-length documents. Prints the figures.

    .venv/bin/python bench/enrich_language.py [--docs 20000]

Documents are real tweets and reviews from ../shared/data when present (bench/corpus.py), else
generated sentences. Each stage runs one document at a time, as the pipeline calls it. Targets
(issue "Understand"): language ID well under 0.3 ms/doc; near-duplicates ≥ 20k docs/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import load_sentences  # bench/ is not a package: found through sys.path

from dcc.enrich.dedupe import NearDuplicateIndex
from dcc.enrich.language import detect_language
from dcc.enrich.normalize import normalize_informal_id, normalize_text, text_features


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args()
    texts, origin = load_sentences(args.docs)
    print(
        f"documents: {len(texts):,} ({origin}); mean {sum(map(len, texts)) / len(texts):.0f} chars"
    )

    detect_language("warm the models up: load them before timing")
    start = time.perf_counter()
    codes = Counter(detect_language(text)[0] for text in texts)
    elapsed = time.perf_counter() - start
    print(
        f"language ID: {len(texts) / elapsed:,.0f} docs/s, {elapsed / len(texts) * 1000:.3f} ms/doc"
        f"; top codes {codes.most_common(6)}"
    )

    start = time.perf_counter()
    for text in texts:
        text_features(normalize_text(text))
        normalize_informal_id(text)
    elapsed = time.perf_counter() - start
    print(f"normalisation (text_features + informal): {len(texts) / elapsed:,.0f} docs/s")

    index = NearDuplicateIndex()
    start = time.perf_counter()
    duplicates = sum(index.add(str(i), text)[0] is not None for i, text in enumerate(texts))
    elapsed = time.perf_counter() - start
    print(
        f"near-duplicates: {len(texts) / elapsed:,.0f} docs/s; {duplicates:,} of {len(texts):,}"
        " marked as copies"
    )


if __name__ == "__main__":
    main()
