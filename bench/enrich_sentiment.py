"""Sentiment, stance and emotion throughput on tweet-length documents. Prints docs/s.

    .venv/bin/python bench/enrich_sentiment.py [--docs 5000]

Documents are EmoT valid tweets and NusaX English valid sentences when ../shared/data is
present, else sentences built here; each stage runs one document at a time, as the pipeline
calls it. Target (issue "Understand"): the default path ≥ 2,000 tweet docs/s per stage set.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from dcc.enrich.emotion import classify_emotion
from dcc.enrich.sentiment import classify_sentiment
from dcc.enrich.stance import stance_toward_indonesia
from dcc.enrich.tasks import default_data_dir
from dcc.enrich.training.affect_data import read_emot, read_nusax

BUILT_IN = [
    ("Pemerintah Indonesia lamban menangani banjir, warga kecewa. [URL]", "id"),
    ("Makanannya enak banget, pelayanan ramah, pasti balik lagi!", "id"),
    ("Jakarta rejected the claim and said talks would continue next week.", "en"),
    ("The hotel was dirty and the staff were rude.", "en"),
]


def documents(count: int) -> list[tuple[str, str]]:
    data = default_data_dir()
    if data.is_dir():
        pool = [(t, "id") for t in read_emot(data, "valid").texts]
        pool += [(t, "en") for t in read_nusax(data, "english", "valid").texts]
    else:
        pool = BUILT_IN
    return [pool[i % len(pool)] for i in range(count)]


def rate(name: str, stage: Callable[[str, str], Any], docs: list[tuple[str, str]]) -> float:
    stage(*docs[0])  # load the model outside the timing
    start = time.perf_counter()
    for text, lang in docs:
        stage(text, lang)
    per_second = len(docs) / (time.perf_counter() - start)
    print(f"{name:<10} {per_second:>9,.0f} docs/s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    docs = documents(parser.parse_args().docs)
    rates = [
        rate("sentiment", classify_sentiment, docs),
        rate("stance", stance_toward_indonesia, docs),
        rate("emotion", classify_emotion, docs),
    ]
    print(f"{'all three':<10} {1 / sum(1 / r for r in rates):>9,.0f} docs/s")


if __name__ == "__main__":
    main()
