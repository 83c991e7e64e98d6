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
