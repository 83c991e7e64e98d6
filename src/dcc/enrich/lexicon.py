"""An English valence lexicon as a third voice in the English sentiment blend.

Why: English sentiment has 500 labelled rows (NusaX-en). The n-grams know only their words
and the word vectors know words by their neighbours, which puts "good" and "bad" close (both
judge something). VADER's lexicon (Hutto and Gilbert 2014, MIT licence) rates 7,500 English
words from -4 to +4 by ten human raters each, so a review's "terrible" counts although no
training row used it. Five-fold cross-validation on NusaX-en train while this was built,
macro-F1: n-grams and vectors 0.809, with the lexicon 0.835-0.848 (the lexicon alone 0.72-0.74).

The lexicon ships in the vaderSentiment wheel (nothing downloaded); VADER's own scorer is not
used: its rules re-tokenise the raw text (~0.1 ms a tweet, milliseconds an article), while
these features read the analysed form the n-gram models already made, where affect_text has
marked negated words ("not neg_good"). A negated word's valence is scaled by VADER's own
factor. The features are shares of the document's length, not sums, so that a 3 KB article
is read on the scale of the short reviews the head learned from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import compress, count, repeat
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.affect_text import NEGATION_PREFIX
from dcc.enrich.modelio import load_arrays, save_arrays

LEXICON_PACKAGE = "vaderSentiment"
LEXICON_FILE = "vader_lexicon.txt"
NEGATED_SCALE = -0.74  # VADER's N_SCALAR: "not good" is bad, less bad than "bad" is
FEATURES = (
    "positive valence per token",
    "negative valence per token",
    "balance (positive - negative) / (positive + negative + 1)",
    "positive words per token",
    "negative words per token",
    "net valence / sqrt(tokens)",
)
_WORD = re.compile(r"\w+")


@cache
def load_valences() -> dict[str, float]:
    """Word -> mean valence (-4..4) of VADER's lexicon, single lower-case words only (the
    analysed form has no others: emoticons and "can't" are split by the tokeniser)."""
    text = resources.files(LEXICON_PACKAGE).joinpath(LEXICON_FILE).read_text(encoding="utf-8")
    valences: dict[str, float] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and _WORD.fullmatch(fields[0]) and fields[0].islower():
            valences[fields[0]] = float(fields[1])
    return valences


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon read in one analysed form: its tokens and, in order, the position and
    valence as read (negated words scaled by NEGATED_SCALE) of each rated one."""

    tokens: list[str]
    rated: list[tuple[int, float]]


def read_forms(forms: Sequence[str]) -> list[Reading]:
    """The `Reading` of each analysed form: the features and a label's why both come from it.

    The lookups run in C (`map`, `compress`): an article has hundreds of tokens, a few dozen
    rated. A negated word ("neg_good") is never a lexicon entry, so only a form that holds
    the prefix is searched for them.
    """
    valences = load_valences()
    cut = len(NEGATION_PREFIX)
    readings: list[Reading] = []
    for form in forms:
        tokens = form.split()
        rated = [(i, valences[tokens[i]])
                 for i in compress(count(), map(valences.__contains__, tokens))]  # fmt: skip
        if NEGATION_PREFIX in form:
            marked = compress(count(), map(str.startswith, tokens, repeat(NEGATION_PREFIX)))
            negated = [(i, valences[tokens[i][cut:]] * NEGATED_SCALE)
                       for i in marked if tokens[i][cut:] in valences]  # fmt: skip
            if negated:
                rated = sorted(rated + negated)
        readings.append(Reading(tokens, rated))
    return readings


def rated_words(reading: Reading) -> list[tuple[str, float]]:
    """The rated words of a reading, in order, with their valence as read (negated words
    named with their negation, "not good")."""
    tokens = reading.tokens
    found: list[tuple[str, float]] = []
    for position, valence in reading.rated:
        token = tokens[position]
        if token.startswith(NEGATION_PREFIX):
            word = token[len(NEGATION_PREFIX) :]
            # Named after the negation: the nearest token before it that is not negated.
            before = next((t for t in reversed(tokens[:position])
                           if not t.startswith(NEGATION_PREFIX)), "")  # fmt: skip
            found.append((f"{before} {word}".strip(), round(valence, 3)))
        else:
            found.append((token, valence))
    return found


def strongest_rated_words(reading: Reading, top: int) -> list[dict[str, Any]]:
    """The `top` rated words of a reading with the largest valence either way, each once:
    what a label's why shows of the lexicon."""
    strongest = sorted(rated_words(reading), key=lambda found: -abs(found[1]))
    shown: dict[str, float] = {}
    for word, valence in strongest:
        if len(shown) == top:
            break
        shown.setdefault(word, valence)
    return [{"word": word, "valence": valence} for word, valence in shown.items()]


def valence_features(readings: Sequence[Reading]) -> NDArray[np.float64]:
    """(documents, len(FEATURES)); all zero for a document without rated words."""
    rows: list[tuple[float, ...]] = []
    nothing = (0.0,) * len(FEATURES)
    for reading in readings:
        valences = [valence for _, valence in reading.rated if valence]
        if not valences:
            rows.append(nothing)
            continue
        positive = sum(v for v in valences if v > 0)
        negative = -sum(v for v in valences if v < 0)
        positive_words = sum(1 for v in valences if v > 0)
        negative_words = len(valences) - positive_words
        n = len(reading.tokens)
        rows.append((
            positive / n,
            negative / n,
            (positive - negative) / (positive + negative + 1),
            positive_words / n,
            negative_words / n,
            (positive - negative) / math.sqrt(n),
        ))  # fmt: skip
    return np.array(rows, dtype=np.float64).reshape(len(readings), len(FEATURES))


class LexiconHead:
    """Softmax over a linear model of the standardised `valence_features`."""

    def __init__(
        self,
        labels: Sequence[str],
        mean: NDArray[Any],
        scale: NDArray[Any],
        coef: NDArray[Any],
        intercept: NDArray[Any],
    ) -> None:
        self.labels = tuple(labels)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)  # (labels, features)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    def probabilities(self, readings: Sequence[Reading]) -> NDArray[np.float64]:
        features = (valence_features(readings) - self.mean) / self.scale
        # Summed per row, as VectorHead: a document scores the same alone and in a batch.
        logits = (features[:, None, :] * self.coef[None, :, :]).sum(axis=2) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        normalised: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return normalised

    def save(self, path: Path) -> None:
        save_arrays(path, labels=np.array(self.labels), mean=self.mean, scale=self.scale,
                    coef=self.coef, intercept=self.intercept)  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> LexiconHead:
        arrays = load_arrays(path)
        return cls([str(label) for label in arrays["labels"]], arrays["mean"], arrays["scale"],
                   arrays["coef"], arrays["intercept"])  # fmt: skip


def fit_lexicon_head(forms: Sequence[str], labels: Sequence[str], c: float) -> LexiconHead:
    """A logistic regression over the standardised valence features of `forms`."""
    from sklearn.linear_model import LogisticRegression

    features = valence_features(read_forms(forms))
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0  # a feature constant in training adds nothing, and no NaN
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit((features - mean) / scale, list(labels))
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:  # two labels: scikit-learn scores the second; symmetric logits
        coef, intercept = np.vstack([-coef[0], coef[0]]) / 2, np.array([-1, 1]) * intercept / 2
    return LexiconHead([str(label) for label in model.classes_], mean, scale, coef, intercept)
