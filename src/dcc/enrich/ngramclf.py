"""A small linear classifier over an explicit word and character n-gram vocabulary.

Why not `textclf.LinearTextClassifier`: language ID runs on every document and must cost well
under 0.3 ms (DESIGN §6 throughput); scikit-learn's vectorizers and a dense (labels × 2·2^k)
product cost 1-2 ms for one short text. Here a document's distinct n-grams are looked up in a
dict and their weight rows summed with numpy, which costs tens of microseconds, and the
vocabulary (only n-grams seen in training at least `min_df` times) keeps the file small.

Features are binary and L2-normalised over the known n-grams, exactly as scikit-learn's
`TfidfVectorizer(analyzer=ngrams, binary=True, use_idf=False)` computes them, so training
uses scikit-learn and prediction reproduces it. Files: weights.npz (vocabulary as a unicode
array, float16 weights) and meta.json, loaded without pickle (DESIGN §5).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.modelio import load_arrays, load_json, save_arrays, save_json

# Letters only: digits and punctuation say nothing about which language of Indonesia it is.
WORD_CACHE_SIZE = 50_000  # distinct words remembered, a few MB
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def word_ngrams(word: str, max_n: int = 4) -> list[str]:
    """The features of one lower-cased word: itself ("w:" prefix) and its padded char n-grams."""
    padded = f" {word} "
    length = len(padded)
    grams = ["w:" + word]
    for n in range(1, max_n + 1):
        grams += [padded[i : i + n] for i in range(length - n + 1)]
    # A lone space (from the 1-grams of the padding) is in every document: no evidence.
    return [g for g in grams if g != " "]


def text_ngrams(text: str, max_n: int = 4) -> list[str]:
    """Words (prefixed "w:") and character 1..max_n-grams of each word padded with spaces."""
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        grams += word_ngrams(word, max_n)
    return grams


class NgramClassifier:
    """Softmax over linear scores of a document's known n-grams."""

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        weights: NDArray[np.float32],
        intercept: NDArray[np.float32],
        max_n: int,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.index = {gram: i for i, gram in enumerate(vocabulary)}
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)  # (vocabulary, labels)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.max_n = max_n
        self.meta = meta or {}
        # Words repeat across a stream (Zipf): caching each word's known rows makes a document
        # cost a few dict lookups per word instead of building every n-gram again.
        self._word_rows = lru_cache(maxsize=WORD_CACHE_SIZE)(self._rows_of_word)

    def _rows_of_word(self, word: str) -> frozenset[int]:
        index = self.index
        return frozenset(i for i in map(index.get, word_ngrams(word, self.max_n)) if i is not None)

    def known(self, text: str) -> list[int]:
        """Vocabulary rows of the distinct n-grams of `text` seen in training."""
        rows: set[int] = set()
        for word in _WORD.findall(text.lower()):
            rows.update(self._word_rows(word))
        return list(rows)

    def word_coverage(self, text: str) -> float:
        """The share of the words of `text` that are in the vocabulary (0 for no words)."""
        words = _WORD.findall(text.lower())
        index = self.index
        return sum(1 for w in words if "w:" + w in index) / len(words) if words else 0.0

    def probabilities(self, text: str) -> tuple[NDArray[np.float64], int]:
        """P(label | text) in `labels` order, and how many known n-grams decided it."""
        rows = self.known(text)
        logits = self.intercept.astype(np.float64)
        if rows:
            logits = logits + self.weights[rows].sum(axis=0) / math.sqrt(len(rows))
        logits -= logits.max()
        exp = np.exp(logits)
        probabilities: NDArray[np.float64] = exp / exp.sum()
        return probabilities, len(rows)

    def evidence(self, text: str, label: str, *, top: int = 5) -> list[dict[str, Any]]:
        """The known n-grams of `text` with the largest weights toward `label`."""
        column = self.labels.index(label)
        grams = set(text_ngrams(text, self.max_n)) & self.index.keys()
        weighted = sorted(
            ((float(self.weights[self.index[g], column]), g) for g in grams), reverse=True
        )
        return [
            {"ngram": g.removeprefix("w:").strip() or g, "weight": round(w, 3)}
            for w, g in weighted[:top]
            if w > 0
        ]

    # --- files ------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        save_arrays(
            folder / "weights.npz",
            vocabulary=np.array(vocabulary, dtype=np.str_),
            # float16 halves the file; the weights are far larger than its rounding error.
            weights=self.weights.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )
        save_json(
            folder / "meta.json", {"labels": list(self.labels), "max_n": self.max_n, **self.meta}
        )

    @classmethod
    def load(cls, folder: Path) -> NgramClassifier:
        meta = dict(load_json(folder / "meta.json"))
        arrays = load_arrays(folder / "weights.npz")
        labels = [str(label) for label in meta.pop("labels")]
        max_n = int(meta.pop("max_n"))
        vocabulary = [str(gram) for gram in arrays["vocabulary"].tolist()]
        return cls(labels, vocabulary, arrays["weights"], arrays["intercept"], max_n, meta)


def fit_ngram_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 10.0,
    max_n: int = 4,
    min_df: int = 2,
    meta: dict[str, Any] | None = None,
) -> NgramClassifier:
    """Fit a balanced multinomial logistic regression on binary, L2-normalised n-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=lambda text: text_ngrams(text, max_n),
        min_df=min_df,
        binary=True,
        use_idf=False,
        norm="l2",
    )
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(matrix, list(labels))
    vocabulary = [str(g) for g in vectorizer.get_feature_names_out()]
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:
        # Two labels: scikit-learn keeps one row for the second label; softmax over ±half of
        # it gives the same probabilities.
        coef, intercept = np.vstack([-coef, coef]) / 2, np.hstack([-intercept, intercept]) / 2
    return NgramClassifier(
        [str(label) for label in model.classes_],
        vocabulary,
        coef.T.astype(np.float32),
        intercept.astype(np.float32),
        max_n,
        meta,
    )
