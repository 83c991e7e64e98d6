"""Document sentiment (positive / neutral / negative) for Indonesian and English (DESIGN §4.2).

Indonesian uses the model trained on SmSA + NusaX-id; English the one trained on NusaX-en.
Regional languages of Indonesia (Javanese, Sundanese, Minangkabau, ...) borrow much of
Indonesian's vocabulary, so they are scored with the Indonesian model (measured on NusaX-senti
javanese/sundanese valid: see training/sentiment.py) and say so under `why`. Any other
language gets a low-confidence neutral whose `why` says that no model covers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.affect_text import affect_features, features_for
from dcc.enrich.labels import SENTIMENT_LABELS, Label, Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.textclf import LinearTextClassifier, NgramBatch
from dcc.enrich.wordvectors import (
    BlendedClassifier,
    decided_probabilities,
    explained_decisions,
    load_classifier,
)

MODEL_FOR_LANG = {"id": "sentiment_id", "en": "sentiment_en"}
# Scored with the Indonesian model: Malay and regional languages of Indonesia (DESIGN §4.2).
INDONESIAN_FAMILY = frozenset(
    {"ms", "jv", "su", "min", "ban", "bjn", "bug", "mad", "ace", "nij", "bbc"}
)
UNSURE_SCORE = 1 / len(SENTIMENT_LABELS)  # what "no idea" looks like as a probability
TOP_EVIDENCE = 5


@cache
def load_sentiment_model(name: str) -> LinearTextClassifier | BlendedClassifier:
    """The named model from enrich/models (blended with word vectors when it has a head)."""
    return load_classifier(model_dir(name))


def load_second_opinions() -> None:
    """Load the sentence encoder now if a sentiment model asks it (wordvectors.SecondOpinion),
    rather than on the first text it is asked about (about a second)."""
    for name in MODEL_FOR_LANG.values():
        model = load_sentiment_model(name)
        if isinstance(model, BlendedClassifier) and model.opinion is not None:
            model.opinion.load()


def model_name_for(lang: str) -> str | None:
    """The sentiment model that covers `lang`, or None."""
    if lang in MODEL_FOR_LANG:
        return MODEL_FOR_LANG[lang]
    return MODEL_FOR_LANG["id"] if lang in INDONESIAN_FAMILY else None


def sentiment_probabilities(texts: Sequence[str], model_name: str) -> NDArray[np.float64]:
    """Rows of probabilities over SENTIMENT_LABELS, one row per text."""
    if not texts:
        return np.empty((0, len(SENTIMENT_LABELS)))
    model = load_sentiment_model(model_name)
    order = [model.labels.index(label) for label in SENTIMENT_LABELS]
    probabilities, _ = decided_probabilities(
        model, affect_features(texts, model.spec), originals=texts
    )
    return probabilities[:, order]


def classify_sentiment(text: str, lang: str) -> tuple[Label, Why]:
    """The sentiment of `text` in language `lang`, with the n-grams that decided it."""
    return classify_sentiments([text], [lang])[0]


def classify_sentiments(
    texts: Sequence[str], langs: Sequence[str], features: NgramBatch | None = None
) -> list[tuple[Label, Why]]:
    """`classify_sentiment` for a batch; `features` are `affect_features(texts)` if known."""
    results: list[tuple[Label, Why] | None] = [None] * len(texts)
    by_model: dict[str, list[int]] = {}
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        name = model_name_for(lang)
        if name is None:
            results[row] = (
                Label("neutral", UNSURE_SCORE),
                {
                    "reason": f"no sentiment model for language {lang!r}; neutral by default",
                },
            )
        elif not text.strip():
            results[row] = Label("neutral", UNSURE_SCORE), {"reason": "empty text", "model": name}
        else:
            by_model.setdefault(name, []).append(row)
    if not by_model:
        return [result for result in results if result is not None]
    for name, rows in by_model.items():
        model = load_sentiment_model(name)
        batch = features = features_for(model.spec, texts, features)
        decided = explained_decisions(
            model, batch, rows, name, top=TOP_EVIDENCE, originals=[texts[row] for row in rows]
        )
        for row, (label, score, why) in zip(rows, decided, strict=True):
            if langs[row] not in MODEL_FOR_LANG:
                why["note"] = f"language {langs[row]!r} scored with the Indonesian model"
            results[row] = Label(label, score), why
    return [result for result in results if result is not None]
