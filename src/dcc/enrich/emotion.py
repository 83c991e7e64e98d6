"""Emotion of Indonesian posts (anger / fear / happy / love / sadness), from IndoNLU EmoT.

Only Indonesian has emotion training data here, so any other language gets None and a `why`
saying so (DESIGN §4.2: "null when not applicable").
"""

from __future__ import annotations

from functools import cache

from dcc.enrich.affect_text import prepare_text
from dcc.enrich.hashscore import FastScorer
from dcc.enrich.labels import Label, Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.textclf import LinearTextClassifier

MODEL_NAME = "emotion_id"
LANGUAGES = frozenset({"id"})
# Negation marking, which sentiment uses, made no difference on EmoT valid (macro-F1 0.623 with,
# 0.624 without): emotion words mostly keep their meaning under "tidak", so it stays off.
MARK_NEGATION = False
TOP_EVIDENCE = 5


@cache
def load_emotion_model() -> FastScorer:
    """The Indonesian emotion model, read once per process."""
    return FastScorer(LinearTextClassifier.load(model_dir(MODEL_NAME)))


def classify_emotion(text: str, lang: str) -> tuple[Label | None, Why]:
    """The emotion of an Indonesian `text`, or None (with the reason) for other languages."""
    if lang not in LANGUAGES:
        return None, {"reason": f"no emotion model for language {lang!r} (Indonesian only)"}
    if not text.strip():
        return None, {"reason": "empty text", "model": MODEL_NAME}
    model = load_emotion_model()
    prepared = prepare_text(text, mark_negation=MARK_NEGATION)
    label, score, evidence = model.classify(prepared, top=TOP_EVIDENCE)
    return Label(label, score), {
        "model": MODEL_NAME,
        "score": round(score, 4),
        "evidence": evidence,
    }
