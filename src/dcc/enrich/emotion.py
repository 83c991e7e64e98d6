"""Emotion of Indonesian posts (anger / fear / happy / love / sadness), from IndoNLU EmoT.

Only Indonesian has emotion training data here, so any other language gets None and a `why`
saying so (DESIGN §4.2: "null when not applicable").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from dcc.enrich.affect_text import features_for
from dcc.enrich.labels import Label, Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.textclf import LinearTextClassifier, NgramBatch
from dcc.enrich.wordvectors import BlendedClassifier, explained_decisions, load_classifier

MODEL_NAME = "emotion_id"
LANGUAGES = frozenset({"id"})
# Emotion reads the same prepared text as sentiment (negation marked), so one featurisation
# serves both: marking made no difference on EmoT valid (macro-F1 0.623 with, 0.624 without).
MARK_NEGATION = True
TOP_EVIDENCE = 5


@cache
def load_emotion_model() -> LinearTextClassifier | BlendedClassifier:
    """The Indonesian emotion model (blended with word vectors), read once per process."""
    return load_classifier(model_dir(MODEL_NAME))


def classify_emotion(text: str, lang: str) -> tuple[Label | None, Why]:
    """The emotion of an Indonesian `text`, or None (with the reason) for other languages."""
    return classify_emotions([text], [lang])[0]


def classify_emotions(
    texts: Sequence[str], langs: Sequence[str], features: NgramBatch | None = None
) -> list[tuple[Label | None, Why]]:
    """`classify_emotion` for a batch; `features` are `affect_features(texts)` if known."""
    results: list[tuple[Label | None, Why]] = []
    rows: list[int] = []
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        if lang not in LANGUAGES:
            results.append((None, {"reason": f"no emotion model for language {lang!r} "
                                             "(Indonesian only)"}))  # fmt: skip
        elif not text.strip():
            results.append((None, {"reason": "empty text", "model": MODEL_NAME}))
        else:
            results.append((None, {}))
            rows.append(row)
    if not rows:
        return results
    model = load_emotion_model()
    batch = features_for(model.spec, texts, features)
    decided = explained_decisions(model, batch, rows, MODEL_NAME, top=TOP_EVIDENCE)
    for row, (label, score, why) in zip(rows, decided, strict=True):
        results[row] = Label(label, score), why
    return results
