"""A linear text classifier over hashed word and character n-grams, stored without pickle.

Why this shape: hashed features need no vocabulary to persist (the model is its weights plus
a few settings), character n-grams cope with informal Indonesian spelling and regional
languages, and a linear model explains itself: the `why` of a label is the document's own
n-grams with the largest weights toward it. Training uses scikit-learn; prediction needs only
the hashing vectorizers and numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from dcc.enrich.modelio import load_arrays, load_json, save_arrays, save_json


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    n_features: int = 2**18  # per vectorizer


class HashedFeatures:
    """Text to a sparse row of hashed word and char_wb n-grams (each part L2-normalised)."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self.word = HashingVectorizer(
            analyzer="word",
            ngram_range=spec.word_ngrams,
            n_features=spec.n_features,
            alternate_sign=False,
            lowercase=True,
            token_pattern=r"(?u)\b\w+\b",  # noqa: S106  # a regular expression, not a secret
        )
        self.char = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=spec.char_ngrams,
            n_features=spec.n_features,
            alternate_sign=False,
            lowercase=True,
        )

    @property
    def width(self) -> int:
        return 2 * self.spec.n_features

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    def ngram_columns(self, text: str) -> list[tuple[str, int]]:
        """Each distinct n-gram of `text` with its column, for explanations."""
        from sklearn.utils import murmurhash3_32

        found: dict[tuple[int, str], int] = {}
        for part, offset in ((self.word, 0), (self.char, self.spec.n_features)):
            for gram in part.build_analyzer()(text):
                if (offset, gram) not in found:
                    # The column scikit-learn's FeatureHasher gives this very n-gram (hashing
                    # the n-gram's text again would also count its words as unigrams). A word
                    # and a character n-gram with the same text are different features.
                    column = abs(murmurhash3_32(gram, seed=0)) % self.spec.n_features
                    found[(offset, gram)] = column + offset
        return [(gram, column) for (_, gram), column in found.items()]


class LinearTextClassifier:
    """Softmax over linear scores; weights for the feature columns seen in training."""

    def __init__(
        self,
        labels: Sequence[str],
        coef: NDArray[np.float32],
        intercept: NDArray[np.float32],
        spec: FeatureSpec,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.coef = coef  # (n_labels, width), dense in memory
        self.intercept = intercept
        self.features = HashedFeatures(spec)
        self.meta = meta or {}

    def scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        raw = self.features.transform(texts) @ self.coef.T + self.intercept
        logits = np.asarray(raw, dtype=np.float64)
        if len(self.labels) == 2 and logits.shape[1] == 1:
            logits = np.hstack([-logits, logits]) / 2
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        normalised: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return normalised

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        probabilities = self.scores(texts)
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def evidence(self, text: str, label: str, *, top: int = 5) -> list[dict[str, Any]]:
        """The n-grams of `text` that pushed most toward `label` (largest weights first)."""
        index = self.labels.index(label)
        row = self.coef[index] if self.coef.shape[0] > 1 else self.coef[0] * (1 if index else -1)
        weighted = [
            (gram, float(row[column])) for gram, column in self.features.ngram_columns(text)
        ]
        weighted.sort(key=lambda pair: pair[1], reverse=True)
        return [{"ngram": g.strip(), "weight": round(w, 3)} for g, w in weighted[:top] if w > 0]

    # --- files ------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        columns = np.flatnonzero(np.any(self.coef != 0, axis=0)).astype(np.int32)
        save_arrays(
            folder / "weights.npz",
            columns=columns,
            weights=self.coef[:, columns].astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        save_json(
            folder / "meta.json",
            {"labels": list(self.labels), "spec": asdict(self.features.spec), **self.meta},
        )

    @classmethod
    def load(cls, folder: Path) -> LinearTextClassifier:
        meta = load_json(folder / "meta.json")
        arrays = load_arrays(folder / "weights.npz")
        spec_data = meta.pop("spec")
        spec = FeatureSpec(
            word_ngrams=(int(spec_data["word_ngrams"][0]), int(spec_data["word_ngrams"][1])),
            char_ngrams=(int(spec_data["char_ngrams"][0]), int(spec_data["char_ngrams"][1])),
            n_features=int(spec_data["n_features"]),
        )
        labels = meta.pop("labels")
        width = 2 * spec.n_features
        coef = np.zeros((arrays["weights"].shape[0], width), dtype=np.float32)
        coef[:, arrays["columns"]] = arrays["weights"]
        return cls(labels, coef, arrays["intercept"], spec, meta)


def train_linear(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    spec: FeatureSpec | None = None,
    c: float = 4.0,
    class_weight: str | None = "balanced",
    meta: dict[str, Any] | None = None,
) -> LinearTextClassifier:
    """Fit a logistic regression on hashed n-grams of `texts`."""
    from sklearn.linear_model import LogisticRegression

    spec = spec or FeatureSpec()
    features = HashedFeatures(spec)
    model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    model.fit(features.transform(texts), list(labels))
    classes = [str(c_) for c_ in model.classes_]
    coef = model.coef_.astype(np.float32)
    intercept = model.intercept_.astype(np.float32)
    return LinearTextClassifier(classes, coef, intercept, spec, meta)
