"""Language ID and near-duplicate throughput on tweet-length documents. Prints the figures.

    .venv/bin/python bench/enrich_language.py [--docs 20000] [--repeat 3]

Documents are real tweets and reviews from ../shared/data when present (bench/corpus.py), else
generated sentences; "articles" are 3,000-character runs of them. Language ID runs one
document at a time (`detect_language`, as the pipeline calls it) and in batches of 256
(`detect_languages`). CPU time (time.process_time), median of --repeat runs: wall-clock is
noisy on a shared machine. Targets (issue 3): language ID about 0.1 ms a tweet, bounded for
articles; near-duplicates ≥ 20k docs/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import load_sentences  # bench/ is not a package: found through sys.path

from dcc.enrich.dedupe import NearDuplicateIndex
from dcc.enrich.language import detect_language, detect_languages
from dcc.enrich.normalize import normalize_informal_id, normalize_text, text_features

ARTICLE_CHARS = 3000
BATCH = 256


def cpu_ms_per_doc(run: Callable[[], object], count: int, repeat: int) -> float:
    """Median CPU milliseconds a document of `repeat` runs of `run` over `count` documents."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) / count * 1000)
    return statistics.median(times)


def language_figures(name: str, texts: Sequence[str], repeat: int) -> None:
    one = cpu_ms_per_doc(lambda: [detect_language(t) for t in texts], len(texts), repeat)
    batched = cpu_ms_per_doc(
        lambda: [detect_languages(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)],
        len(texts),
        repeat,
    )
    print(
        f"language ID, {name} ({len(texts):,}, mean {sum(map(len, texts)) / len(texts):,.0f}"
        f" chars): {one:.3f} ms/doc one at a time, {batched:.3f} ms/doc in batches of {BATCH}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sentences, origin = load_sentences(args.docs * 2)
    texts = sentences[: args.docs]
    joined = " ".join(sentences[args.docs :] or sentences)
    articles = [
        joined[i : i + ARTICLE_CHARS]
        for i in range(0, min(len(joined), ARTICLE_CHARS * max(1, args.docs // 10)), ARTICLE_CHARS)
    ]
    print(
        f"documents: {len(texts):,} ({origin}); mean {sum(map(len, texts)) / len(texts):.0f} chars"
    )

    detect_languages(texts[:BATCH])  # load the models and fill the word cache before timing
    language_figures("tweets", texts, args.repeat)
    language_figures("articles", articles, args.repeat)
    codes = Counter(code for code, _, _ in detect_languages(texts))
    print(f"language codes: {codes.most_common(8)}")

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
