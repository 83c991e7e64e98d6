"""Readers for the labelled sentiment and emotion corpora under ../shared/data, and the helpers
that sentiment and emotion training share (overlap removal, C choice, the TF-IDF baseline)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import f1_score

from dcc.enrich.affect_text import prepare_text
from dcc.enrich.textclf import FeatureSpec, LinearTextClassifier, train_linear
from dcc.enrich.wordvectors import BlendedClassifier, decided_probabilities

SMSA = "indonlu-smsa"
NUSAX = "nusax-senti"
EMOT = "indonlu-emot"
HOLDOUT_SHARE = 0.15  # of TRAIN, to choose C; the valid splits are only ever scored
SEED = 13
CROSS_VALIDATE_BELOW = 2_000  # rows; smaller corpora choose C by k-fold cross-validation
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Corpus:
    texts: list[str]
    labels: list[str]
    source: str  # file path relative to the data folder

    def __len__(self) -> int:
        return len(self.texts)


class DataMissingError(FileNotFoundError):
    """A corpus file is absent from the data folder."""


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DataMissingError(f"corpus file {path} is missing")
    return path


def read_smsa(data_dir: Path, split: str) -> Corpus:
    """SmSA `split` ("train"/"valid"): TSV rows text<TAB>label, no header."""
    relative = f"{SMSA}/{split}_preprocess.tsv"
    texts, labels = [], []
    for line in _need(data_dir / relative).read_text(encoding="utf-8").splitlines():
        if line.strip():
            text, label = line.rsplit("\t", 1)
            texts.append(text)
            labels.append(label.strip())
    return Corpus(texts, labels, relative)


def read_nusax(data_dir: Path, language: str, split: str) -> Corpus:
    """NusaX-senti `language` ("english", "indonesian", ...) `split`: CSV id,text,label."""
    relative = f"{NUSAX}/{language}/{split}.csv"
    return _read_csv(data_dir, relative, "text", "label")


def read_emot(data_dir: Path, split: str) -> Corpus:
    """EmoT `split`: CSV label,tweet."""
    return _read_csv(data_dir, f"{EMOT}/{split}_preprocess.csv", "tweet", "label")


def _read_csv(data_dir: Path, relative: str, text_column: str, label_column: str) -> Corpus:
    with _need(data_dir / relative).open(encoding="utf-8", newline="") as handle:
        rows = [(row[text_column], row[label_column].strip()) for row in csv.DictReader(handle)]
    return Corpus([t for t, _ in rows], [label for _, label in rows], relative)


def overlap_key(text: str) -> str:
    """The comparison key of NusaX's SOURCE.md: lower-cased, punctuation stripped."""
    return " ".join(re.findall(r"\w+", text.lower()))


def without_overlap(corpus: Corpus, seen: Corpus) -> Corpus:
    """`corpus` without the rows whose text also occurs in `seen` (NusaX copies SmSA)."""
    keys = {overlap_key(text) for text in seen.texts}
    kept = [(t, y) for t, y in zip(corpus.texts, corpus.labels, strict=True)
            if overlap_key(t) not in keys]  # fmt: skip
    return Corpus([t for t, _ in kept], [y for _, y in kept], corpus.source)


def drop_rows(corpus: Corpus, rows: Sequence[int]) -> Corpus:
    """`corpus` without the rows at the indices `rows`."""
    dropped = set(rows)
    kept = [i for i in range(len(corpus)) if i not in dropped]
    return Corpus([corpus.texts[i] for i in kept], [corpus.labels[i] for i in kept],
                  corpus.source)  # fmt: skip


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return float(f1_score(list(gold), list(predicted), average="macro"))


def fit(
    corpus: Corpus,
    spec: FeatureSpec,
    c: float,
    meta: dict[str, object],
    *,
    mark_negation: bool = True,
    nb_weighting: bool = False,
) -> LinearTextClassifier:
    """A linear model on the prepared texts of `corpus` (see textclf.train_linear)."""
    prepared = [prepare_text(text, mark_negation=mark_negation) for text in corpus.texts]
    return train_linear(
        prepared, corpus.labels, spec=spec, c=c, meta=dict(meta), nb_weighting=nb_weighting
    )


def predict(
    model: LinearTextClassifier | BlendedClassifier,
    texts: Sequence[str],
    *,
    mark_negation: bool = True,
) -> list[str]:
    """The label of each text, as the pipeline decides it (a second opinion included)."""
    prepared = [prepare_text(text, mark_negation=mark_negation) for text in texts]
    probabilities, _ = decided_probabilities(model, model.featurise(prepared), originals=texts)
    return [model.labels[i] for i in probabilities.argmax(axis=1)]


def choose_c(
    corpus: Corpus,
    spec: FeatureSpec,
    grid: Sequence[float],
    *,
    mark_negation: bool = True,
    nb_weighting: bool = False,
) -> tuple[float, dict[str, float]]:
    """The C of `grid` with the best macro-F1 on parts of `corpus` held out from fitting.

    A stratified holdout for a large corpus; for a small one (under CROSS_VALIDATE_BELOW rows)
    a holdout is a few dozen rows and its choice is noise, so k-fold cross-validation instead.
    """
    from sklearn.model_selection import StratifiedKFold, train_test_split

    if len(corpus) < CROSS_VALIDATE_BELOW:
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        splits = list(folds.split(corpus.texts, corpus.labels))
    else:
        indices = list(range(len(corpus)))
        fit_rows, held_rows = train_test_split(
            indices, test_size=HOLDOUT_SHARE, random_state=SEED, stratify=corpus.labels
        )
        splits = [(fit_rows, held_rows)]
    scores = {}
    for c in grid:
        gold: list[str] = []
        predicted: list[str] = []
        for fit_rows, held_rows in splits:
            part = Corpus(
                [corpus.texts[i] for i in fit_rows], [corpus.labels[i] for i in fit_rows],
                corpus.source,
            )  # fmt: skip
            model = fit(part, spec, c, {}, mark_negation=mark_negation, nb_weighting=nb_weighting)
            held = [corpus.texts[i] for i in held_rows]
            gold.extend(corpus.labels[i] for i in held_rows)
            predicted.extend(predict(model, held, mark_negation=mark_negation))
        scores[str(c)] = macro_f1(gold, predicted)
    best = max(grid, key=lambda c: scores[str(c)])
    return best, {c: round(s, 4) for c, s in scores.items()}


BASELINE_NAME = "TF-IDF words + logistic regression (sklearn defaults, same training data)"


def baseline_predictions(train: Corpus, texts: Sequence[str]) -> list[str]:
    """The classical baseline: TfidfVectorizer() + LogisticRegression() with defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer()
    model = LogisticRegression(max_iter=2000)
    model.fit(vectorizer.fit_transform(train.texts), train.labels)
    return [str(label) for label in model.predict(vectorizer.transform(list(texts)))]


def join(*corpora: Corpus) -> Corpus:
    """One corpus from several, exact duplicate texts kept once (first label wins)."""
    seen: set[str] = set()
    texts, labels = [], []
    for corpus in corpora:
        for text, label in zip(corpus.texts, corpus.labels, strict=True):
            key = overlap_key(text)
            if key not in seen:
                seen.add(key)
                texts.append(text)
                labels.append(label)
    return Corpus(texts, labels, " + ".join(c.source for c in corpora))
