"""The shared linear text classifier: learns, explains, saves and loads without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dcc.enrich.textclf import FeatureSpec, LinearTextClassifier, train_linear

TEXTS = [
    "pelayanan sangat bagus dan ramah",
    "makanannya enak sekali, puas",
    "tempatnya nyaman dan bersih",
    "pelayanan buruk dan lambat",
    "makanannya tidak enak, kecewa",
    "tempatnya kotor dan bau",
] * 5
LABELS = ["positive"] * 3 + ["negative"] * 3
LABELS = LABELS * 5
SMALL = FeatureSpec(n_features=2**12)


def test_learns_and_explains() -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL)
    ((label, score),) = model.predict(["pelayanan ramah, enak dan nyaman"])
    assert label == "positive" and 0.5 < score <= 1
    ((label, _),) = model.predict(["kotor, buruk, kecewa"])
    assert label == "negative"
    evidence = model.evidence("pelayanan ramah dan bersih", "positive")
    assert evidence and any("ramah" in e["ngram"] for e in evidence)


def test_ngram_columns_are_the_columns_the_vectorizer_uses() -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL)
    text = "pelayanan sangat bagus"
    row = model.features.transform([text])
    used = set(row.indices.tolist())
    pairs = model.features.ngram_columns(text)
    assert {column for _, column in pairs} == used
    assert "pelayanan sangat" in {gram for gram, _ in pairs}  # a word bigram has its own column


def test_round_trip_without_pickle(tmp_path: Path) -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL, meta={"trained_on": "fixture"})
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as data:
        assert set(data.files) == {"columns", "weights", "intercept"}
    loaded = LinearTextClassifier.load(tmp_path / "m")
    assert loaded.meta["trained_on"] == "fixture"
    sample = ["enak dan nyaman", "lambat dan bau"]
    assert np.allclose(loaded.scores(sample), model.scores(sample), atol=1e-5)
