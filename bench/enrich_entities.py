"""Entities and geography throughput on tweet-length documents (issue "Understand", 4-5).

    .venv/bin/python bench/enrich_entities.py [--docs 3000]

Prints docs/s for extract_entities + resolve_geography on Indonesian sentences (CRF path)
and English ones (gazetteer + capitalisation path), and the CRF time per document. The
whole enrichment pipeline must do >= 2,000 tweet-length docs/s, so this stage needs well
above that.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dcc.enrich.entities import _taggers, extract_entities
from dcc.enrich.gazetteer import gazetteer, tokenize
from dcc.enrich.geo import resolve_geography

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ENGLISH = [
    "Prime Minister Anthony Albanese met President Prabowo Subianto in Jakarta on Monday.",
    "A magnitude 6.1 earthquake struck the Banda Sea, BMKG said; no tsunami warning.",
    "The Ministry of Foreign Affairs urged Indonesians in Malaysia to stay alert.",
    "ASEAN foreign ministers meet in Kuala Lumpur to discuss Myanmar and the South China Sea.",
]
INDONESIAN = [
    "Menlu Retno Marsudi bertemu Sekjen PBB Antonio Guterres di New York membahas Palestina.",
    "gempa guncang palu, bnpb kirim bantuan ke sulawesi tengah",
    "Warga Malaysia di Jakarta aman, kata KBRI Kuala Lumpur. Banda Sea diguncang gempa.",
]


def indonesian_sentences(limit: int) -> list[str]:
    """NERP valid sentences when ../shared/data is present (cased NERGrit ones first)."""
    found: list[str] = []
    for folder in ("indonlu-nergrit", "indonlu-nerp"):
        path = DATA / folder / "valid_preprocess.txt"
        if not path.exists():
            continue
        words: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                words.append(line.split("\t")[0])
            elif words:
                found.append(" ".join(words))
                words = []
    return (found or INDONESIAN * 100)[:limit]


def rate(texts: list[str], lang: str) -> float:
    start = time.perf_counter()
    for text in texts:
        entities, _ = extract_entities(text, lang)
        resolve_geography(text, entities, lang)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args()
    started = time.perf_counter()
    gazetteer()
    _taggers()
    print(f"load gazetteer + models: {time.perf_counter() - started:.2f} s")
    indonesian = indonesian_sentences(args.docs)
    english = (ENGLISH * (args.docs // len(ENGLISH) + 1))[: args.docs]
    words = sum(len(tokenize(t)) for t in indonesian) / len(indonesian)
    rate(indonesian[:200], "id")  # warm caches
    speed = rate(indonesian, "id")
    print(f"id (CRF + gazetteer + geo): {speed:,.0f} docs/s, {words:.1f} tokens/doc")
    print(f"en (gazetteer + capitalisation + geo): {rate(english, 'en'):,.0f} docs/s")
    start = time.perf_counter()
    for _, tagger, _ in _taggers():
        if tagger is not None:
            for text in indonesian:
                tagger.tag([t.text for t in tokenize(text)])
    per_doc = (time.perf_counter() - start) / len(indonesian) * 1000
    print(f"CRF tagging (both models, features included): {per_doc:.3f} ms/doc")


if __name__ == "__main__":
    main()
