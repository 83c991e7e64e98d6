"""The shared linear text classifier: learns, explains, saves and loads without pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.modelio import ModelMissingError
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


def test_a_batch_scores_each_text_as_alone() -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL)
    texts = ["pelayanan ramah", "", "kotor dan bau sekali", "pelayanan ramah"]
    batch = model.scores(texts)
    alone = np.vstack([model.scores([t]) for t in texts])
    assert np.allclose(batch, alone, atol=1e-6)


def test_a_model_hashed_otherwise_is_refused(tmp_path: Path) -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    meta["hashing"] = "scikit-learn murmurhash3"
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelMissingError, match="dcc train"):
        LinearTextClassifier.load(tmp_path / "m")


def test_round_trip_without_pickle(tmp_path: Path) -> None:
    model = train_linear(TEXTS, LABELS, spec=SMALL, meta={"trained_on": "fixture"})
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as data:
        assert set(data.files) == {"columns", "weights", "intercept"}
    loaded = LinearTextClassifier.load(tmp_path / "m")
    assert loaded.meta["trained_on"] == "fixture"
    sample = ["enak dan nyaman", "lambat dan bau"]
    assert np.allclose(loaded.scores(sample), model.scores(sample), atol=1e-5)


THREE_WAY_TEXTS = TEXTS + ["pelayanan biasa saja", "makanannya standar", "tempatnya lumayan"] * 5
THREE_WAY_LABELS = LABELS + ["neutral"] * 15


def test_nb_weighting_learns_explains_and_round_trips(tmp_path: Path) -> None:
    model = train_linear(THREE_WAY_TEXTS, THREE_WAY_LABELS, spec=SMALL, nb_weighting=True)
    assert model.labels == ("negative", "neutral", "positive")
    predicted = [label for label, _ in model.predict(["ramah dan enak", "kotor dan bau", "biasa"])]
    assert predicted == ["positive", "negative", "neutral"]
    evidence = model.evidence("pelayanan ramah dan bersih", "positive")
    assert any("ramah" in e["ngram"] for e in evidence)
    model.save(tmp_path / "m")
    sample = ["enak dan nyaman", "lambat dan bau", "standar saja"]
    assert np.allclose(LinearTextClassifier.load(tmp_path / "m").scores(sample),
                       model.scores(sample), atol=1e-5)  # fmt: skip


def test_nb_weights_are_the_scaled_regressions_folded_in() -> None:
    """w * r on raw features scores as the regression w did on features scaled by r."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from dcc.enrich.ngrams import featurise

    model = train_linear(THREE_WAY_TEXTS, THREE_WAY_LABELS, spec=SMALL, nb_weighting=True)
    matrix = featurise(THREE_WAY_TEXTS, SMALL).matrix
    matrix.sum_duplicates()
    present = (matrix > 0).astype(np.float64)
    gold = np.array(THREE_WAY_LABELS)
    probe = featurise(["ramah tapi kotor", "biasa dan enak"], SMALL).matrix
    for row, label in enumerate(model.labels):
        counts_in = 1 + np.asarray(present[gold == label].sum(axis=0)).ravel()
        counts_out = 1 + np.asarray(present[gold != label].sum(axis=0)).ravel()
        ratio = np.log(counts_in / counts_in.sum()) - np.log(counts_out / counts_out.sum())
        scaled = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")
        scaled.fit(matrix @ sparse.diags(ratio), gold == label)
        expected = scaled.decision_function(probe @ sparse.diags(ratio))
        folded = probe @ model.weights[:, row] + model.intercept[row]
        assert np.allclose(folded, expected, atol=1e-4)


def test_nb_weighting_leaves_unseen_columns_at_zero() -> None:
    model = train_linear(THREE_WAY_TEXTS, THREE_WAY_LABELS, spec=SMALL, nb_weighting=True)
    plain = train_linear(THREE_WAY_TEXTS, THREE_WAY_LABELS, spec=SMALL)
    seen = np.any(plain.coef != 0, axis=0)
    assert not np.any(model.coef[:, ~seen]) and np.count_nonzero(model.coef) > 0


@pytest.mark.parametrize("short_limit", [0, 40, 10_000])  # every row long, mixed, every row short
def test_evidence_for_a_batch_is_each_rows_evidence(
    short_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dcc.enrich.textclf.SHORT_ROW_ENTRIES", short_limit)
    model = train_linear(TEXTS, LABELS, spec=SMALL)
    texts = [
        "pelayanan ramah dan bersih",
        "",
        "kotor, buruk, kecewa; kotor, buruk, kecewa sekali",
        "enak",
        "pelayanan ramah dan bersih, " * 20 + "tapi tempatnya kotor dan bau",
    ]
    batch = model.featurise(texts)
    rows = [4, 0, 2, 3, 1, 0]
    labels = ["negative", "positive", "negative", "positive", "positive", "negative"]
    together = model.evidence_for(batch, rows, labels, top=3)
    assert together == [
        model.evidence_in(batch, r, lab, top=3) for r, lab in zip(rows, labels, strict=True)
    ]
    assert together[1] and together[4] == []  # the empty text has no evidence
    assert model.evidence_for(batch, [], []) == []
