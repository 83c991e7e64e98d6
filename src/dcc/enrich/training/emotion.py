"""Training and evaluation of the Indonesian emotion model (`dcc train emotion`).

Data: IndoNLU EmoT train (tweets; anger/fear/happy/love/sadness). C is chosen on a holdout
carved from TRAIN; the valid split is only scored.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from dcc.enrich.affect_text import AFFECT_SPEC, prepare_text
from dcc.enrich.emotion import MARK_NEGATION, MODEL_NAME
from dcc.enrich.evaluation import EvalResult
from dcc.enrich.modelio import model_dir
from dcc.enrich.training.affect_data import (
    BASELINE_NAME,
    baseline_predictions,
    choose_c,
    drop_rows,
    fit,
    macro_f1,
    predict,
    read_emot,
)
from dcc.enrich.training.wordvectors import attach, choose_blend, trained_table
from dcc.enrich.wordvectors import BLEND_KEY, load_classifier

COMMAND = "dcc train emotion"
SPEC = AFFECT_SPEC  # one featurisation serves every affect model
C_GRID = (4.0, 16.0)  # the NB-weighted model wants a weaker prior than the plain one (1, 4)
NB_WEIGHTING = True  # see textclf._nb_weighted_fit: cross-validated macro-F1 0.653 -> 0.692


def train(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Choose C on a TRAIN holdout, fit on all of EmoT train, save; returns the meta.

    The model blends a vector head (training/wordvectors.py) trained on EmoT train, its
    share and C chosen by cross-validation on EmoT train.
    """
    corpus = read_emot(data_dir, "train")
    c, holdout = choose_c(
        corpus, SPEC, C_GRID, mark_negation=MARK_NEGATION, nb_weighting=NB_WEIGHTING
    )
    meta: dict[str, Any] = {
        "command": COMMAND,
        "source_files": [corpus.source],
        "rows": len(corpus),
        "c": c,
        "holdout_macro_f1": holdout,
        "preprocessing": f"dcc.enrich.affect_text.prepare_text(mark_negation={MARK_NEGATION})",
        "nb_weighting": NB_WEIGHTING,
    }
    folder = (out_dir / MODEL_NAME) if out_dir else model_dir(MODEL_NAME)
    model = fit(corpus, SPEC, c, meta, mark_negation=MARK_NEGATION, nb_weighting=NB_WEIGHTING)
    table = trained_table(out_dir)

    blend = choose_blend(
        corpus,
        table,
        lambda part: fit(part, SPEC, c, {}, mark_negation=MARK_NEGATION, nb_weighting=NB_WEIGHTING),
        partial(drop_rows, corpus),
        lambda model, texts: model.scores(
            [prepare_text(t, mark_negation=MARK_NEGATION) for t in texts]
        ),
    )
    attach(model, blend, table, folder)
    meta[BLEND_KEY] = model.meta[BLEND_KEY]
    return {**meta, "bytes": sum(p.stat().st_size for p in folder.glob("*.npz"))}


def evaluate(data_dir: Path, models_dir: Path | None = None) -> list[EvalResult]:
    """Macro-F1 of the shipped model on EmoT valid, with the TF-IDF baseline."""
    folder = (models_dir / MODEL_NAME) if models_dir else model_dir(MODEL_NAME)
    model = load_classifier(folder)
    train_rows, valid = read_emot(data_dir, "train"), read_emot(data_dir, "valid")
    return [
        EvalResult(
            task="emotion",
            dataset="indonlu-emot valid",
            metric="macro-F1",
            score=round(
                macro_f1(valid.labels, predict(model, valid.texts, mark_negation=MARK_NEGATION)), 4
            ),
            baseline=round(
                macro_f1(valid.labels, baseline_predictions(train_rows, valid.texts)), 4
            ),
            baseline_name=BASELINE_NAME,
            anchor="IndoBERT-large 79.5 (IndoNLU)",
            target=0.75,
            n=len(valid),
            notes=f"model {MODEL_NAME}",
        )
    ]
