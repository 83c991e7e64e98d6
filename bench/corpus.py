"""Realistic text for benchmarks: real sentences from ../shared/data when present.

Falls back to generated Indonesian/English sentences so a machine without the datasets can
still run the benchmarks (the figures are then labelled "synthetic").
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path | None:
    configured = os.environ.get("DCC_DATA_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


def load_sentences(limit: int = 120_000) -> tuple[list[str], str]:
    """Up to `limit` real sentences (tweets, reviews) and a label saying where they came from."""
    root = data_dir()
    sentences: list[str] = []
    if root is not None:
        csv.field_size_limit(1 << 20)
        for path in sorted(root.glob("crisislex-t6/*/*.csv")) + sorted(
            root.glob("crisislex-t26/*/*.csv")
        ):
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                reader = csv.reader(handle)
                next(reader, None)
                sentences.extend(row[1] for row in reader if len(row) > 1 and row[1].strip())
        for path in sorted(root.glob("indonlu-smsa/*.tsv")):  # text<TAB>label, no header
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    text = line.rsplit("\t", 1)[0].strip()
                    if len(text) > 20:
                        sentences.append(text)
        for path in sorted(root.glob("indonlu-emot/*.csv")):  # label,tweet with a header
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                reader = csv.reader(handle)
                next(reader, None)
                sentences.extend(row[1] for row in reader if len(row) > 1 and len(row[1]) > 20)
    if sentences:
        random.Random(7).shuffle(sentences)
        return sentences[:limit], f"{min(len(sentences), limit):,} real sentences from {root}"
    return _synthetic(limit), "synthetic sentences (../shared/data absent)"


def _synthetic(count: int) -> list[str]:
    rng = random.Random(7)
    subjects = [
        "Menteri Luar Negeri",
        "The foreign minister",
        "BMKG",
        "Warga Jakarta",
        "The embassy",
        "Pemerintah Indonesia",
        "ASEAN leaders",
        "Tim SAR",
    ]
    verbs = ["menyatakan", "said", "melaporkan", "warned", "membahas", "discussed", "meninjau"]
    objects = [
        "gempa di Lombok",
        "flooding in Jakarta",
        "kerja sama maritim",
        "cyber attacks",
        "evakuasi WNI",
        "trade talks",
        "banjir bandang",
        "the volcano eruption",
    ]
    return [
        f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} "
        f"{rng.choice(objects)} {rng.randint(1, 9999)}"
        for _ in range(count)
    ]


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
