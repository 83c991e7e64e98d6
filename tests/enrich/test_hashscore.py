"""The fast scorer gives the shared classifier's own probabilities, column for column."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from dcc.enrich.hashscore import FastScorer, hashed_column
from dcc.enrich.textclf import FeatureSpec, train_linear

TEXTS = [
    "pelayanan sangat bagus dan ramah", "makanannya enak sekali , puas",
    "pelayanan buruk dan lambat", "makanannya tidak enak , kecewa",
    "rapat dimulai pukul sembilan", "kantor di jalan merdeka",
] * 3  # fmt: skip
LABELS = ["positive", "positive", "negative", "negative", "neutral", "neutral"] * 3
PROBES = ["", "a", "enak tapi lambat", "Ünïcödé — 東京 ok!!", "x " * 300, "bagus bagus bagus"]


@pytest.mark.parametrize("n_features", [2**10, 2**17])
def test_columns_match_the_vectorizer(n_features: int) -> None:
    grams = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 4)).build_analyzer()
    # Each gram hashed alone, by the vectorizer's own hasher.
    alone = HashingVectorizer(
        analyzer=lambda gram: [gram], n_features=n_features, alternate_sign=False
    )
    for gram in grams(" ".join(PROBES)):
        assert hashed_column(gram, n_features) == alone.transform([gram]).indices[0]


@pytest.mark.parametrize("labels", [LABELS, [y if y != "neutral" else "negative" for y in LABELS]])
def test_probabilities_equal_the_classifier(labels: list[str]) -> None:
    model = train_linear(TEXTS, labels, spec=FeatureSpec(n_features=2**12))
    scorer = FastScorer(model)
    expected = model.scores(PROBES)
    got = np.vstack([scorer.probabilities(text) for text in PROBES])
    assert np.allclose(got, expected, atol=1e-9)
    assert scorer.predict("enak sekali")[0] == model.predict(["enak sekali"])[0][0]


def test_evidence_is_readable() -> None:
    scorer = FastScorer(train_linear(TEXTS, LABELS, spec=FeatureSpec(n_features=2**12)))
    evidence = scorer.evidence("pelayanan tidak enak , kecewa", "negative")
    names = [e["ngram"] for e in evidence]
    assert "kecewa" in names and all(len(n) > 2 for n in names)
    assert len(set(names)) == len(names)
    assert [e["weight"] for e in evidence] == sorted((e["weight"] for e in evidence), reverse=True)
