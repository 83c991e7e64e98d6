"""Sentiment and emotion training: a fixture corpus end to end, then the real valid splits."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dcc.enrich.training import emotion as emotion_training
from dcc.enrich.training import sentiment as sentiment_training
from dcc.enrich.training import wordvectors as wordvectors_training
from dcc.enrich.training.affect_data import (
    overlap_key,
    read_nusax,
    read_smsa,
    without_overlap,
)
from dcc.enrich.training.opinion import CHOICE_KEY

POSITIVE = ["bagus sekali", "enak dan ramah", "puas , mantap", "hebat dan bersih", "suka sekali"]
NEGATIVE = ["buruk sekali", "tidak enak", "kecewa , lambat", "kotor dan bau", "parah sekali"]
NEUTRAL = ["buka jam sembilan", "di jalan merdeka", "harga dua ribu", "hari senin", "tiga lantai"]
EMOTIONS = {
    "anger": ["kesal sekali", "marah , benci"],
    "fear": ["takut gempa", "ngeri dan cemas"],
    "happy": ["senang sekali", "bahagia lulus"],
    "love": ["sayang kamu", "cinta ibu"],
    "sadness": ["sedih sekali", "menangis terus"],
}


def rows(repeat: int, suffix: str = "") -> list[tuple[str, str]]:
    labelled = [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE]
    labelled += [(t, "neutral") for t in NEUTRAL]
    return [(f"{t} {suffix}{i}".strip(), y) for i in range(repeat) for t, y in labelled]


def write_fixture_data(root: Path) -> Path:
    (root / "indonlu-smsa").mkdir(parents=True)
    for split, repeat in (("train", 4), ("valid", 1)):
        lines = [f"{t}\t{y}" for t, y in rows(repeat, split)]
        (root / f"indonlu-smsa/{split}_preprocess.tsv").write_text("\n".join(lines) + "\n")
    for language in ("english", "indonesian", "javanese", "sundanese"):
        (root / "nusax-senti" / language).mkdir(parents=True)
        for split, repeat in (("train", 3), ("valid", 1)):
            with (root / f"nusax-senti/{language}/{split}.csv").open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["id", "text", "label"])
                for i, (t, y) in enumerate(rows(repeat, "n" + split)):
                    writer.writerow([i, t, y])
    # One NusaX valid row copies SmSA train, as in the real data: evaluation must drop it.
    with (root / "nusax-senti/indonesian/valid.csv").open("a", newline="") as f:
        csv.writer(f).writerow([99, "Bagus sekali train0!", "positive"])
    (root / "indonlu-emot").mkdir()
    for split, repeat in (("train", 4), ("valid", 1)):
        with (root / f"indonlu-emot/{split}_preprocess.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["label", "tweet"])
            for i in range(repeat):
                for label, texts in EMOTIONS.items():
                    writer.writerows([label, f"{t} {split}{i}"] for t in texts)
    return root


def test_overlap_removal_matches_source_md_rule(tmp_path: Path) -> None:
    data = write_fixture_data(tmp_path / "data")
    assert overlap_key("Bagus, sekali  train0!") == "bagus sekali train0"
    valid = read_nusax(data, "indonesian", "valid")
    kept = without_overlap(valid, read_smsa(data, "train"))
    assert len(kept) == len(valid) - 1


def test_train_and_evaluate_fixture(tmp_path: Path) -> None:
    data = write_fixture_data(tmp_path / "data")
    out = tmp_path / "models"
    vectors = wordvectors_training.train(data, out)  # the real USE, on the fixture's words
    assert vectors["words"] > 20 and vectors["sentences"] == 15 * 4 + 15 * 3 * 4 + 10 * 4
    summary = sentiment_training.train(data, out)
    assert set(summary) == {"sentiment_id", "sentiment_en"}
    meta = json.loads((out / "sentiment_id" / "meta.json").read_text())
    assert meta["command"] == "dcc train sentiment"
    assert meta["source_files"] == ["indonlu-smsa/train_preprocess.tsv",
                                    "nusax-senti/indonesian/train.csv"]  # fmt: skip
    # English would take the sentence encoder's second opinion on a blend; on this fixture its
    # n-grams alone cross-validate best, so there is none to revise, and meta.json says so.
    # (Choosing one is tested in test_opinion.py; the shipped model has one.)
    english = json.loads((out / "sentiment_en" / "meta.json").read_text())
    assert english["blend"] is None
    assert english[CHOICE_KEY] == {"reason": "no blend to revise"}
    assert CHOICE_KEY not in meta  # Indonesian does not ask for one
    results = sentiment_training.evaluate(data, out)
    assert [r.n for r in results][:3] == [15, 15, 15]  # the copied SmSA row is gone
    assert all(0 <= r.score <= 1 and r.baseline is not None for r in results)
    emotion_summary = emotion_training.train(data, out)
    assert emotion_summary["command"] == "dcc train emotion"
    (result,) = emotion_training.evaluate(data, out)
    assert result.n == 10 and result.score > 0.5


# Floors a little below the figures measured for the shipped models (in the comments; see
# training/sentiment.py); a regression in features, preparation or data loading fails here.
# The NusaX splits have 75-100 rows, so their floors leave more room.
FLOORS = {
    "indonlu-smsa valid": 0.85,  # measured 0.8600 (blended with word vectors)
    # 0.8579 with the encoder's second opinion; 0.8304 without it, 0.8134 without the lexicon
    # head either, 0.7644 with n-grams alone
    "nusax-senti english valid": 0.845,
    "nusax-senti indonesian valid minus SmSA-train rows": 0.86,  # 0.9008
    "nusax-senti javanese valid": 0.68,  # 0.7241
    "nusax-senti sundanese valid": 0.70,  # 0.7536
    "indonlu-emot valid": 0.68,  # 0.6954 (0.6448 before NB-weighted n-grams)
}


@pytest.mark.slow
def test_shipped_models_on_real_valid_splits(shared_data: Path) -> None:
    results = sentiment_training.evaluate(shared_data) + emotion_training.evaluate(shared_data)
    scores = {r.dataset: r.score for r in results}
    assert set(scores) == set(FLOORS)
    for dataset, floor in FLOORS.items():
        assert scores[dataset] >= floor, (dataset, scores[dataset])


def test_english_head_corpus_holds_out_translations(tmp_path: Path) -> None:
    from dcc.enrich.training.sentiment import english_head_corpus

    data = write_fixture_data(tmp_path / "data")
    nusax_id = read_nusax(data, "indonesian", "train")
    nusax_en = read_nusax(data, "english", "train")
    whole = english_head_corpus(data)
    held = english_head_corpus(data, [0, 1])
    keys = {overlap_key(t) for t in held.texts}
    # The fixture's "translations" are the same text, which `join` keeps once.
    assert len(held) == len(whole) - 2
    for row in (0, 1):
        assert overlap_key(nusax_en.texts[row]) not in keys
        assert overlap_key(nusax_id.texts[row]) not in keys
    # The SmSA row that a NusaX valid row copies is never learned from.
    assert "bagus sekali train0" not in {overlap_key(t) for t in whole.texts}
