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

from dcc.enrich.affect_text import prepare_text
from dcc.enrich.hashscore import FastScorer
from dcc.enrich.labels import SENTIMENT_LABELS, Label, Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.textclf import LinearTextClassifier

MODEL_FOR_LANG = {"id": "sentiment_id", "en": "sentiment_en"}
# Scored with the Indonesian model: Malay and regional languages of Indonesia (DESIGN §4.2).
INDONESIAN_FAMILY = frozenset(
    {"ms", "jv", "su", "min", "ban", "bjn", "bug", "mad", "ace", "nij", "bbc"}
)
UNSURE_SCORE = 1 / len(SENTIMENT_LABELS)  # what "no idea" looks like as a probability
TOP_EVIDENCE = 5


@cache
def load_sentiment_model(name: str) -> FastScorer:
    """The named model from enrich/models, read once per process."""
    return FastScorer(LinearTextClassifier.load(model_dir(name)))


def model_name_for(lang: str) -> str | None:
    """The sentiment model that covers `lang`, or None."""
    if lang in MODEL_FOR_LANG:
        return MODEL_FOR_LANG[lang]
    return MODEL_FOR_LANG["id"] if lang in INDONESIAN_FAMILY else None


def sentiment_probabilities(texts: Sequence[str], model_name: str) -> NDArray[np.float64]:
    """Rows of probabilities over SENTIMENT_LABELS, one row per text."""
    model = load_sentiment_model(model_name)
    order = [model.labels.index(label) for label in SENTIMENT_LABELS]
    rows = [model.probabilities(prepare_text(text))[order] for text in texts]
    ordered: NDArray[np.float64] = np.vstack(rows) if rows else np.empty((0, len(order)))
    return ordered


def classify_sentiment(text: str, lang: str) -> tuple[Label, Why]:
    """The sentiment of `text` in language `lang`, with the n-grams that decided it."""
    name = model_name_for(lang)
    if name is None:
        return Label("neutral", UNSURE_SCORE), {
            "reason": f"no sentiment model for language {lang!r}; neutral by default",
        }
    if not text.strip():
        return Label("neutral", UNSURE_SCORE), {"reason": "empty text", "model": name}
    model = load_sentiment_model(name)
    prepared = prepare_text(text)
    label, score, evidence = model.classify(prepared, top=TOP_EVIDENCE)
    why: Why = {
        "model": name,
        "score": round(score, 4),
        "evidence": evidence,
    }
    if lang not in MODEL_FOR_LANG:
        why["note"] = f"language {lang!r} scored with the Indonesian model"
    return Label(label, score), why
