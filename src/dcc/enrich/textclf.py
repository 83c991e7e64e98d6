"""A linear text classifier over hashed word and character n-grams, stored without pickle.

Why this shape: hashed features need no vocabulary to persist (the model is its weights plus
a few settings), character n-grams cope with informal Indonesian spelling and regional
languages, and a linear model explains itself: the `why` of a label is the document's own
n-grams with the largest weights toward it. Training uses scikit-learn; prediction needs only
numpy and scipy, and works on a batch at once (`ngrams.featurise`): several models that read
the same prepared text share one featurisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.modelio import ModelMissingError, load_arrays, load_json, save_arrays, save_json
from dcc.enrich.ngrams import HASHING, FeatureSpec, NgramBatch, featurise

__all__ = ["FeatureSpec", "LinearTextClassifier", "NgramBatch", "train_linear"]

TRAINING_CHUNK = 4096  # texts featurised at once when training
MIN_EVIDENCE_CHARS = 3  # n-grams of one or two characters explain nothing to an analyst
EVIDENCE_CANDIDATES_PER_ITEM = 8  # n-grams looked at per evidence item shown, at most
# Documents with more stored n-grams than this (articles) have their evidence selected one at a
# time (`evidence_in`); shorter ones (posts) together, in one sort (`evidence_for`).
SHORT_ROW_ENTRIES = 2048
NB_SMOOTHING = 1.0  # added to each feature's presence count in the NB log-count ratio


class LinearTextClassifier:
    """Softmax over linear scores of hashed n-gram features."""

    def __init__(
        self,
        labels: Sequence[str],
        coef: NDArray[np.float32],
        intercept: NDArray[np.float32],
        spec: FeatureSpec,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.spec = spec
        self.meta = meta or {}
        coef = np.asarray(coef, dtype=np.float32)
        intercept = np.asarray(intercept, dtype=np.float32).reshape(-1)
        self.coef = coef  # as trained: (1, width) for two labels, else (labels, width)
        self.intercept_trained = intercept
        if coef.shape[0] == 1 and len(self.labels) == 2:
            # scikit-learn's binary model scores labels[1]; symmetric logits give the same
            # probability through a softmax, so both cases share one code path.
            coef = (np.vstack([-coef[0], coef[0]]) / 2).astype(np.float32)
            intercept = (np.array([-intercept[0], intercept[0]]) / 2).astype(np.float32)
        self.weights: NDArray[np.float32] = np.ascontiguousarray(coef.T)  # (width, labels)
        self.intercept: NDArray[np.float32] = intercept

    def featurise(self, texts: Sequence[str]) -> NgramBatch:
        return featurise(texts, self.spec)

    def probabilities(
        self, batch: NgramBatch, rows: Sequence[int] | None = None
    ) -> NDArray[np.float64]:
        """Probabilities over `labels` for each document of `batch` (or its `rows`)."""
        matrix = batch.matrix if rows is None else batch.matrix[list(rows)]
        logits = np.asarray(matrix @ self.weights, dtype=np.float64) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        normalised: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return normalised

    def scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return self.probabilities(self.featurise(texts))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        probabilities = self.scores(texts)
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def classify(
        self, texts: Sequence[str], *, top: int = 5
    ) -> list[tuple[str, float, list[dict[str, Any]]]]:
        """Per text: the best label, its probability and its evidence."""
        return self.classify_batch(self.featurise(texts), top=top)

    def classify_batch(
        self, batch: NgramBatch, *, top: int = 5
    ) -> list[tuple[str, float, list[dict[str, Any]]]]:
        probabilities = self.probabilities(batch)
        best = probabilities.argmax(axis=1).tolist()
        labels = [self.labels[i] for i in best]
        evidence = self.evidence_for(batch, range(len(best)), labels, top=top)
        return [
            (label, float(probabilities[row, i]), shown)
            for row, (label, i, shown) in enumerate(zip(labels, best, evidence, strict=True))
        ]

    def evidence(self, text: str, label: str, *, top: int = 5) -> list[dict[str, Any]]:
        """The n-grams of `text` that pushed most toward `label` (largest weights first)."""
        return self.evidence_in(self.featurise([text]), 0, label, top=top)

    def evidence_in(
        self, batch: NgramBatch, row: int, label: str, *, top: int = 5
    ) -> list[dict[str, Any]]:
        """The n-grams of document `row` of `batch` with the largest weights toward `label`.

        N-grams that read the same once stripped are shown once, and fragments shorter than
        MIN_EVIDENCE_CHARS are left out (they still count in the score).
        """
        where = batch.row_slice(row)
        columns = batch.matrix.indices[where]
        if columns.size == 0:
            return []
        # Negated weights, so that the heaviest come first in an ascending selection.
        negated = -self.weights[columns, self.labels.index(label)]
        # Fragments are never shown, and only the heaviest few n-grams are looked at:
        # partition, then sort those (a cut generous enough for repeats of one n-gram).
        negated[batch.letters[where] < MIN_EVIDENCE_CHARS] = 0
        # Only n-grams pushing toward the label are shown: selecting among those alone is ~3x
        # quicker on an article (most of its n-grams weigh 0 or push elsewhere).
        pushing = np.flatnonzero(negated < 0)
        if pushing.size == 0:
            return []
        cut = min(pushing.size, top * EVIDENCE_CANDIDATES_PER_ITEM)
        heaviest = pushing[np.argpartition(negated[pushing], cut - 1)[:cut]]
        # Heaviest first; equal weights (often one hashed column) in the order of the text.
        heaviest = heaviest[np.lexsort((heaviest, negated[heaviest]))]
        return self._named(batch, where.start, negated, heaviest, top)

    def evidence_for(
        self, batch: NgramBatch, rows: Sequence[int], labels: Sequence[str], *, top: int = 5
    ) -> list[list[dict[str, Any]]]:
        """`evidence_in(batch, row, label)` for each row and its label, in order.

        Why together: per document, the dozen numpy calls of `evidence_in` cost ~60 µs on a
        tweet whatever its size, a third of a tweet's analysis over the models that explain
        themselves; one sort of every short document's candidate n-grams costs a few µs each.
        Long documents keep `evidence_in`, whose partial selection beats sorting their n-grams.
        """
        indptr = batch.matrix.indptr
        found: list[list[dict[str, Any]]] = [[] for _ in rows]
        short: list[int] = []  # indices into rows
        for k, row in enumerate(rows):
            if indptr[row + 1] - indptr[row] > SHORT_ROW_ENTRIES:
                found[k] = self.evidence_in(batch, row, labels[k], top=top)
            else:
                short.append(k)
        if short:
            chosen = self._evidence_short(
                batch, [rows[k] for k in short], [labels[k] for k in short], top
            )
            for k, evidence in zip(short, chosen, strict=True):
                found[k] = evidence
        return found

    def _evidence_short(
        self, batch: NgramBatch, rows: Sequence[int], labels: Sequence[str], top: int
    ) -> list[list[dict[str, Any]]]:
        indptr = batch.matrix.indptr
        firsts = indptr[np.asarray(rows, dtype=np.int64)]
        counts = indptr[np.asarray(rows, dtype=np.int64) + 1] - firsts
        # Every stored n-gram of the rows: its document (`group`) and place in the batch.
        group = np.repeat(np.arange(len(rows)), counts)
        positions = np.arange(group.size) + np.repeat(firsts - (np.cumsum(counts) - counts), counts)
        label_ids = np.array([self.labels.index(label) for label in labels], dtype=np.int64)
        weight = self.weights[batch.matrix.indices[positions], label_ids[group]]
        # As evidence_in: n-grams pushing toward the label and long enough to read.
        keep = np.flatnonzero((weight > 0) & (batch.letters[positions] >= MIN_EVIDENCE_CHARS))
        # By document, heaviest first, equal weights in stored order (as evidence_in): one
        # stable radix sort of an integer key, the document above the weight's bits (a
        # positive float32's bits, read as an integer, rise with its value).
        bits = weight[keep].view(np.int32).astype(np.int64)
        key = (group[keep].astype(np.int64) << 31) | (0x7FFFFFFF - bits)
        order = keep[np.argsort(key, kind="stable")]
        ranked_group = group[order]
        rank = np.arange(order.size) - np.searchsorted(ranked_group, ranked_group)
        order = order[rank < top * EVIDENCE_CANDIDATES_PER_ITEM]
        bounds = np.searchsorted(group[order], np.arange(len(rows) + 1)).tolist()
        values = weight[order].tolist()
        starts = batch.starts[positions[order]].tolist()
        lengths = batch.lengths[positions[order]].tolist()
        text = batch.text
        found: list[list[dict[str, Any]]] = []
        for g in range(len(rows)):
            shown: list[dict[str, Any]] = []
            names: set[str] = set()
            for i in range(bounds[g], bounds[g + 1]):
                name = text[starts[i] : starts[i] + lengths[i]].strip()  # as NgramBatch.name
                if name not in names:
                    names.add(name)
                    shown.append({"ngram": name, "weight": round(values[i], 3)})
                    if len(shown) == top:
                        break
            found.append(shown)
        return found

    @staticmethod
    def _named(
        batch: NgramBatch,
        offset: int,
        negated: NDArray[np.float32],
        order: NDArray[np.intp],
        top: int,
    ) -> list[dict[str, Any]]:
        # Plain Python lists past this point: numpy's per-element access would cost most of
        # the time of a tweet's evidence (issue 3).
        positions = order + offset
        text = batch.text
        shown: list[dict[str, Any]] = []
        names: set[str] = set()
        for value, start, length in zip(
            negated[order].tolist(),
            batch.starts[positions].tolist(),
            batch.lengths[positions].tolist(),
            strict=True,
        ):
            if value >= 0 or len(shown) == top:
                break
            name = text[start : start + length].strip()  # as NgramBatch.name reads it
            if name not in names:
                names.add(name)
                shown.append({"ngram": name, "weight": round(-value, 3)})
        return shown

    # --- files ------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        columns = np.flatnonzero(np.any(self.coef != 0, axis=0)).astype(np.int32)
        save_arrays(
            folder / "weights.npz",
            columns=columns,
            weights=self.coef[:, columns].astype(np.float32),
            intercept=self.intercept_trained.astype(np.float32),
        )
        save_json(
            folder / "meta.json",
            {
                "labels": list(self.labels),
                "spec": asdict(self.spec),
                "hashing": HASHING,
                **self.meta,
            },
        )

    @classmethod
    def load(cls, folder: Path) -> LinearTextClassifier:
        meta = load_json(folder / "meta.json")
        hashing = meta.pop("hashing", "scikit-learn murmurhash3")
        if hashing != HASHING:
            raise ModelMissingError(
                f"model {folder} was built with {hashing} features, this DCC reads {HASHING}; "
                "run `dcc train` (or `make models`) to rebuild it"
            )
        arrays = load_arrays(folder / "weights.npz")
        spec_data = meta.pop("spec")
        spec = FeatureSpec(
            word_ngrams=(int(spec_data["word_ngrams"][0]), int(spec_data["word_ngrams"][1])),
            char_ngrams=(int(spec_data["char_ngrams"][0]), int(spec_data["char_ngrams"][1])),
            n_features=int(spec_data["n_features"]),
        )
        labels = meta.pop("labels")
        coef = np.zeros((arrays["weights"].shape[0], spec.width), dtype=np.float32)
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
    nb_weighting: bool = False,
) -> LinearTextClassifier:
    """Fit a logistic regression on hashed n-grams of `texts`.

    With `nb_weighting`, one logistic regression per label over features scaled by their
    naive-Bayes log-count ratio (`_nb_weighted_fit`).
    """
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    spec = spec or FeatureSpec()
    # In chunks: one n-gram array entry per occurrence would take gigabytes for a corpus.
    chunks = [
        featurise(texts[start : start + TRAINING_CHUNK], spec).matrix
        for start in range(0, len(texts), TRAINING_CHUNK)
    ]
    matrix = sparse.vstack(chunks, format="csr")
    matrix.sum_duplicates()  # a repeated n-gram as one count, as estimators expect
    if nb_weighting:
        classes, coef, intercept = _nb_weighted_fit(matrix, labels, c, class_weight)
        return LinearTextClassifier(classes, coef, intercept, spec, meta)
    model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    model.fit(matrix, list(labels))
    classes = [str(c_) for c_ in model.classes_]
    coef = model.coef_.astype(np.float32)
    intercept = model.intercept_.astype(np.float32)
    return LinearTextClassifier(classes, coef, intercept, spec, meta)


def _nb_weighted_fit(
    matrix: Any, labels: Sequence[str], c: float, class_weight: str | None
) -> tuple[list[str], NDArray[np.float32], NDArray[np.float32]]:
    """Per label, a logistic regression on features scaled by their NB log-count ratio.

    Why (Wang and Manning 2012, "NBSVM"): the ratio r = log(p(feature | label) /
    p(feature | other labels)), from presence counts with add-one smoothing, tells the
    regression up front which n-grams lean which way, so a few thousand short texts go further.
    Five-fold cross-validation on EmoT train, macro-F1: n-grams alone 0.653 -> 0.692, blended
    with word vectors 0.676 -> 0.709 (valid 0.645 -> 0.695), so emotion uses it. Sentiment
    does not (training/sentiment.py says why). The scaling is folded into the weights (w * r),
    so prediction reads the same features as any other model here; the labels' scores come
    through the same softmax.
    A column never seen in training keeps weight 0 (its regression weight is 0), so the saved
    weights stay as sparse as the plain model's.
    """
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    gold = np.asarray(labels, dtype=object)
    classes = sorted({str(label) for label in labels})
    present = matrix.copy()
    present.data = np.ones_like(present.data)
    coef = np.zeros((len(classes), matrix.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(classes), dtype=np.float32)
    for row, label in enumerate(classes):
        inside = gold == label
        counts_in = NB_SMOOTHING + np.asarray(present[inside].sum(axis=0)).ravel()
        counts_out = NB_SMOOTHING + np.asarray(present[~inside].sum(axis=0)).ravel()
        ratio = np.log(counts_in / counts_in.sum()) - np.log(counts_out / counts_out.sum())
        model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
        model.fit(matrix @ sparse.diags(ratio), inside)
        coef[row] = model.coef_[0] * ratio
        intercept[row] = model.intercept_[0]
    return classes, coef, intercept
