"""Training and evaluation of the sentiment models (`dcc train sentiment`, `dcc eval sentiment`).

Indonesian: SmSA train + NusaX-senti Indonesian train (rows already in SmSA kept once).
English: NusaX-senti English train (500 rows: the only English sentiment data here).
C is chosen on a holdout carved from TRAIN; valid splits are only scored. NusaX-id valid is
scored without the rows that also occur in SmSA train (NusaX was translated from SmSA).

Measured (`dcc eval sentiment`; baseline = TF-IDF + logistic regression, same training data):
| valid split                          | DCC    | baseline | target |
|--------------------------------------|--------|----------|--------|
| SmSA (1,260)                         | 0.8600 | 0.8351   | 0.85   |
| NusaX English (100)                  | 0.8579 | 0.7109   | 0.85   |
| NusaX Indonesian minus SmSA rows (75)| 0.9008 | 0.8650   |        |
| NusaX Javanese, Indonesian model     | 0.7241 | 0.6825*  |        |
| NusaX Sundanese, Indonesian model    | 0.7536 | 0.6376*  |        |
(* trained on that language's own 500 train rows.) English blends n-grams, word vectors and
VADER's valence lexicon (0.8304; 0.8134 without the lexicon, 0.7644 with n-grams alone), and
asks the sentence encoder for a second opinion where that blend is unsure (training/opinion.py:
cross-validated 0.838 -> 0.854 on NusaX-en train). A
low-confidence neutral would score about 0.2 on Javanese/Sundanese, so regional languages
borrow the Indonesian model.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from dcc.enrich.affect_text import AFFECT_SPEC, prepare_text
from dcc.enrich.evaluation import EvalResult
from dcc.enrich.modelio import model_dir
from dcc.enrich.sentiment import MODEL_FOR_LANG
from dcc.enrich.textclf import LinearTextClassifier
from dcc.enrich.training.affect_data import (
    BASELINE_NAME,
    Corpus,
    baseline_predictions,
    choose_c,
    drop_rows,
    fit,
    join,
    macro_f1,
    overlap_key,
    predict,
    read_nusax,
    read_smsa,
    without_overlap,
)
from dcc.enrich.training.opinion import CHOICE_KEY, choose_opinion
from dcc.enrich.training.wordvectors import attach, choose_blend, trained_table
from dcc.enrich.wordvectors import BLEND_KEY, BlendedClassifier, load_classifier

COMMAND = "dcc train sentiment"
SPEC = AFFECT_SPEC  # one featurisation serves every affect model
# English has 500 training rows: a wider grid is cheap, and cross-validation (affect_data.
# choose_c) makes its choice meaningful.
C_GRID = {"id": (2.0, 8.0), "en": (1.0, 2.0, 4.0, 8.0, 16.0)}
# The English blend may take a third voice, VADER's valence lexicon (dcc.enrich.lexicon); its
# C is chosen with the shares. Indonesian has no such lexicon here.
LEXICON_C_GRID = {"id": (), "en": (0.1, 0.3, 1.0)}
# NB-weighted n-grams (textclf._nb_weighted_fit), which emotion uses, were tried: English's
# n-grams alone gain (cross-validated macro-F1 0.757 -> 0.791) but its three-voice blend does
# not (0.838 -> 0.836; valid 0.830 -> 0.818), and SmSA valid neither (0.857 -> 0.854).


def training_corpus(data_dir: Path, lang: str) -> Corpus:
    """The training rows of the `lang` ("id"/"en") model."""
    if lang == "id":
        return join(read_smsa(data_dir, "train"), read_nusax(data_dir, "indonesian", "train"))
    return read_nusax(data_dir, "english", "train")


def english_head_corpus(data_dir: Path, held: Sequence[int] = ()) -> Corpus:
    """What the English vector head learns from: SmSA, NusaX-id and NusaX-en train.

    Cross-lingual, so translations count as copies: SmSA rows that are the Indonesian of a
    NusaX valid row are left out (the valid split is scored), and so are the English rows
    `held` (NusaX-en train indices under cross-validation) with their Indonesian translations
    (NusaX's languages share ids and row order) and the SmSA rows equal to those.
    """
    nusax_id = read_nusax(data_dir, "indonesian", "train")
    nusax_en = read_nusax(data_dir, "english", "train")
    held_set = set(held)
    unseen = {overlap_key(text) for text in read_nusax(data_dir, "indonesian", "valid").texts}
    unseen |= {overlap_key(nusax_id.texts[i]) for i in held_set}

    def keep(corpus: Corpus, rows: set[int] = set()) -> Corpus:  # noqa: B006 (never mutated)
        kept = [(t, y) for i, (t, y) in enumerate(zip(corpus.texts, corpus.labels, strict=True))
                if i not in rows and overlap_key(t) not in unseen]  # fmt: skip
        return Corpus([t for t, _ in kept], [y for _, y in kept], corpus.source)

    return join(keep(read_smsa(data_dir, "train")), keep(nusax_id, held_set),
                keep(nusax_en, held_set))  # fmt: skip


def train(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Choose C on a TRAIN holdout, fit each language's model on all of TRAIN, save them.

    Each model may blend a vector head (training/wordvectors.py), its share and C chosen by
    cross-validation on its TRAIN rows; the English head also learns from the Indonesian rows,
    and the English blend may add a lexicon head (dcc.enrich.lexicon) chosen the same way.
    """
    summary: dict[str, Any] = {}
    for lang, name in MODEL_FOR_LANG.items():
        corpus = training_corpus(data_dir, lang)
        c, holdout = choose_c(corpus, SPEC, C_GRID[lang])
        meta: dict[str, Any] = {
            "command": COMMAND,
            "source_files": corpus.source.split(" + "),
            "rows": len(corpus),
            "c": c,
            "holdout_macro_f1": holdout,
            "preprocessing": "dcc.enrich.affect_text.prepare_text",
        }
        folder = (out_dir / name) if out_dir else model_dir(name)
        model = fit(corpus, SPEC, c, meta)
        table = trained_table(out_dir)
        blend = choose_blend(
            corpus,
            table,
            partial(fit, spec=SPEC, c=c, meta={}),
            partial(english_head_corpus, data_dir) if lang == "en" else partial(drop_rows, corpus),
            lambda model, texts: model.scores([prepare_text(t) for t in texts]),
            lexicon_c_grid=LEXICON_C_GRID[lang],
        )
        opinion = None
        if lang == "en":  # the scarce-data language (500 rows); see training/opinion.py
            opinion, record = choose_opinion(corpus, blend, partial(english_head_corpus, data_dir))
            meta[CHOICE_KEY] = model.meta[CHOICE_KEY] = record  # kept or not, and why
        attach(model, blend, table, folder, opinion)
        meta[BLEND_KEY] = model.meta[BLEND_KEY]
        meta["bytes"] = sum(p.stat().st_size for p in folder.glob("*.npz"))
        summary[name] = meta
    return summary


def evaluate(data_dir: Path, models_dir: Path | None = None) -> list[EvalResult]:
    """Macro-F1 of the shipped models on SmSA valid and NusaX-senti valid, with baselines."""

    def load(name: str) -> LinearTextClassifier | BlendedClassifier:
        return load_classifier((models_dir / name) if models_dir else model_dir(name))

    smsa_train = read_smsa(data_dir, "train")
    id_train = training_corpus(data_dir, "id")
    en_train = training_corpus(data_dir, "en")
    nusax_id_valid = without_overlap(read_nusax(data_dir, "indonesian", "valid"), smsa_train)
    rows = [
        ("indonlu-smsa valid", read_smsa(data_dir, "valid"), "id", smsa_train, 0.85,
         "mBERT 84.1, IndoBERT-large 92.7 (IndoNLU)", "baseline trained on SmSA train only"),
        ("nusax-senti english valid", read_nusax(data_dir, "english", "valid"), "en", en_train,
         0.85, "NusaX classical baseline 0.731 (test)", ""),
        ("nusax-senti indonesian valid minus SmSA-train rows", nusax_id_valid, "id", id_train,
         None, "NusaX classical baseline 0.731 (test)", "rows also in SmSA train removed"),
    ]  # fmt: skip
    for language in ("javanese", "sundanese"):
        rows.append((f"nusax-senti {language} valid", read_nusax(data_dir, language, "valid"),
                     "id", read_nusax(data_dir, language, "train"), None,
                     "NusaX classical baseline 0.731 (Indonesian test)",
                     f"Indonesian model, no {language} training; baseline trained on "
                     f"{language} train"))  # fmt: skip
    results = []
    for dataset, valid, lang, baseline_train, target, anchor, notes in rows:
        model = load(MODEL_FOR_LANG[lang])
        results.append(
            EvalResult(
                task="sentiment",
                dataset=dataset,
                metric="macro-F1",
                score=round(macro_f1(valid.labels, predict(model, valid.texts)), 4),
                baseline=round(
                    macro_f1(valid.labels, baseline_predictions(baseline_train, valid.texts)), 4
                ),
                baseline_name=BASELINE_NAME,
                anchor=anchor,
                target=target,
                n=len(valid),
                notes=f"model {MODEL_FOR_LANG[lang]}" + (f"; {notes}" if notes else ""),
            )
        )
    return results
