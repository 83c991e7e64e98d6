"""Cross-lingual word vectors, and classifiers that blend them with hashed n-grams.

Why: a linear model over n-grams knows only the words its training rows used. English
sentiment has 500 training rows (NusaX-en) and EmoT 3,521 tweets, so most words of a new
post carry no weight. The multilingual Universal Sentence Encoder places "bagus", "good" and
"mantap" near each other, but it costs ~2.5 ms per text: the pipeline's whole budget is about
1 ms per tweet (DESIGN §6). So `dcc train word_vectors` distils it into a static table, one
vector per word (as Model2Vec does for transformers): each word starts at USE's embedding of
the word alone, then all words are moved together so that the weighted mean of a sentence's
word vectors comes close to USE's embedding of the whole sentence (least squares over the
training sentences, pulled toward the starting vectors). A document's vector is then that
weighted mean: a dictionary lookup per word, tens of microseconds for an article.

A `BlendedClassifier` averages the probabilities of an n-gram model (what the labelled rows of
one language teach) and a logistic regression over the document vector (which can learn from
every language at once: the English sentiment head learns from SmSA's 11,000 Indonesian rows).
It reads the same `NgramBatch` as the n-gram model (the vectors come from the batch's
analysed text), so callers need not change; `why` keeps the n-gram evidence and adds, under
`word_vectors`, the vector head's probability for the label and its share (`blend_whys`).

A blend may also carry a `SecondOpinion` (English sentiment): where its top probability is low,
the sentence encoder itself (dcc.enrich.encoder) reads the raw text, and a logistic regression
over that embedding is mixed in. Asked for about one English tweet in eight, it brings what
static vectors miss (word order, context) for about a fifth more CPU on English tweets.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from dcc.enrich.affect_text import NEGATION_PREFIX  # a negated word's vector is its own
from dcc.enrich.encoder import Embedder, default_embedder, readable
from dcc.enrich.lexicon import LexiconHead, Reading, read_forms, strongest_rated_words
from dcc.enrich.modelio import load_arrays, model_dir, save_arrays, save_json
from dcc.enrich.ngrams import FeatureSpec, NgramBatch
from dcc.enrich.textclf import LinearTextClassifier

VECTORS_NAME = "word_vectors"
HEAD_FILE = "vector_head.npz"
LEXICON_HEAD_FILE = "lexicon_head.npz"
OPINION_HEAD_FILE = "encoder_head.npz"
OPINION_KEY = "second_opinion"  # entry of meta.json's blend: SecondOpinion's settings
TOP_RATED_WORDS = 5  # lexicon words shown in a label's why
BLEND_KEY = "blend"  # meta.json entry of a blended model: {"ngram_share": ..., "c": ...}
_SEPARATOR = "\x00"  # between the documents of NgramBatch.text


class WordVectors:
    """A word -> vector table with per-word weights; `embed` gives unit document vectors."""

    def __init__(self, words: Sequence[str], vectors: NDArray[Any], weights: NDArray[Any]) -> None:
        self.index = {word: row for row, word in enumerate(words)}
        self.vectors = np.asarray(vectors, dtype=np.float32)  # (words, dimensions)
        self.weights = np.asarray(weights, dtype=np.float32)  # (words,): rare words count more
        self._last: tuple[str, NDArray[np.float32]] | None = None  # see embed_batch

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def load(cls, folder: Path) -> WordVectors:
        arrays = load_arrays(folder / "vectors.npz")
        return cls([str(w) for w in arrays["words"]], arrays["vectors"], arrays["weights"])

    def save(self, folder: Path, meta: dict[str, Any]) -> None:
        words = sorted(self.index, key=self.index.__getitem__)
        save_arrays(
            folder / "vectors.npz",
            words=np.array(words),
            vectors=self.vectors.astype(np.float16),  # half the bytes; scores move < 0.001
            weights=self.weights,
        )
        save_json(folder / "meta.json", meta)

    def bag(self, forms: Sequence[str]) -> sparse.csr_matrix:
        """(documents, words) weights of each known word, rows summing to 1 (or 0)."""
        bag = self._weighted_words(forms)
        totals = np.asarray(bag.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / totals) @ bag, dtype=np.float32)

    def embed(self, forms: Sequence[str]) -> NDArray[np.float32]:
        """Unit-length document vectors of analysed forms (zero where no word is known).

        The direction of `bag(forms) @ vectors` without `bag`'s normalisation (the length is
        divided out anyway). scipy multiplies a sparse row by the table row by row, each
        document's sum over its own words in order, so it does not depend on the batch; and
        the sparse product makes no (tokens, dimensions) copy of the rows, which for a batch
        of 256 articles would be ~80 MB.
        """
        out = np.asarray(self._weighted_words(forms) @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        unit: NDArray[np.float32] = out / norms
        return unit

    def _weighted_words(self, forms: Sequence[str]) -> sparse.csr_matrix:
        """(documents, words): each known word's weight, once per occurrence."""
        index = self.index
        ids: list[int] = []
        starts: list[int] = []
        negated = " " + NEGATION_PREFIX
        for form in forms:
            starts.append(len(ids))
            tokens = (" " + form).replace(negated, " ").split()
            # The known words' rows (-1: unknown), in C: an article has hundreds of words.
            ids.extend(filter((-1).__ne__, map(index.get, tokens, repeat(-1))))
        starts.append(len(ids))
        where = np.asarray(ids, dtype=np.int64)
        return sparse.csr_matrix(
            (self.weights[where], where, np.asarray(starts, dtype=np.int64)),
            shape=(len(forms), len(index)),
        )

    def embed_batch(
        self, batch: NgramBatch, rows: Sequence[int] | None = None
    ) -> NDArray[np.float32]:
        """`embed` of the documents of `batch` (or its `rows`), remembered for the last batch:
        sentiment and emotion read the same batch, and embed it once between them."""
        # Keyed by the batch's text object, not the batch: holding a batch of 256 articles
        # (its per-n-gram arrays) past its use would cost ~100 MB; while the text is held
        # here, no other batch can have that same object.
        last = self._last
        if last is None or last[0] is not batch.text:
            last = (batch.text, self.embed(batch_forms(batch)))
            self._last = last
        return last[1] if rows is None else last[1][list(rows)]


@cache
def load_word_vectors(folder: Path | None = None) -> WordVectors:
    """The table in `folder` (default: the shipped one), read once per process."""
    return WordVectors.load(folder or model_dir(VECTORS_NAME))


def batch_forms(batch: NgramBatch) -> list[str]:
    """The analysed form of each document of `batch`."""
    return batch.text.split(_SEPARATOR)


class VectorHead:
    """Softmax over linear scores of a document vector."""

    def __init__(self, labels: Sequence[str], coef: NDArray[Any], intercept: NDArray[Any]) -> None:
        self.labels = tuple(labels)
        self.coef = np.asarray(coef, dtype=np.float32)  # (labels, dimensions)
        self.intercept = np.asarray(intercept, dtype=np.float32)

    def probabilities(self, vectors: NDArray[np.float32]) -> NDArray[np.float64]:
        # Products summed per row (not a BLAS matrix product, whose summation order depends on
        # the batch's size): a document scores the same alone and in any batch.
        products = vectors[:, None, :].astype(np.float64) * self.coef[None, :, :]
        logits = products.sum(axis=2) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        normalised: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return normalised

    def save(self, path: Path) -> None:
        save_arrays(path, labels=np.array(self.labels), coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(cls, path: Path) -> VectorHead:
        arrays = load_arrays(path)
        return cls([str(label) for label in arrays["labels"]], arrays["coef"], arrays["intercept"])


class SecondOpinion:
    """The sentence encoder's reading of texts the blend is unsure of, mixed into its scores.

    A text is asked about when the blend's top probability is below `below` and it is at most
    `max_chars` long: the encoder's cost grows with length, and a long document gives the
    word-level voices enough words (`training/opinion.py` measured both on held-out rows).
    Its probabilities then count for `share`. It reads the text as written (less links and
    mentions: `encoder.readable`): it was trained on natural sentences, and given the
    lower-cased, negation-marked forms the n-grams see it lost 0.03 macro-F1 (cross-validated
    on NusaX-en). The encoder reads the asked texts of a batch together, and its matrix
    products round differently with other neighbours: an asked text's probabilities can move
    by ~1e-7 from one batching to another (stored scores have four decimals).
    """

    def __init__(
        self,
        head: VectorHead,
        share: float,
        below: float,
        max_chars: int,
        embed: Embedder | None = None,
    ) -> None:
        if not 0 < share <= 1 or not 0 < below <= 1:
            raise ValueError(f"second opinion share {share} or threshold {below} out of (0, 1]")
        self.head = head
        self.share = share
        self.below = below
        self.max_chars = max_chars
        self._embed = embed  # None: the process's shared encoder, loaded on first use

    def rows_to_ask(self, blended: NDArray[np.float64], texts: Sequence[str]) -> list[int]:
        """The rows of `blended` (scores of `texts`) whose text the encoder reads."""
        return list(self._asked(blended, texts))

    def _asked(self, blended: NDArray[np.float64], texts: Sequence[str]) -> dict[int, str]:
        # Only an unsure row's text is made readable: most rows are sure, and this runs on
        # every English text of the stream.
        asked = {}
        for k in np.flatnonzero(blended.max(axis=1) < self.below).tolist():
            prose = readable(texts[k])
            if 0 < len(prose) <= self.max_chars:
                asked[k] = prose
        return asked

    def revise(
        self, blended: NDArray[np.float64], texts: Sequence[str]
    ) -> tuple[NDArray[np.float64], dict[int, NDArray[np.float64]]]:
        """`blended` with the asked rows mixed with the encoder's, and those rows' opinions."""
        prose_of = self._asked(blended, texts)
        if not prose_of:
            return blended, {}
        asked = list(prose_of)
        opinions = self.head.probabilities(self.load()(list(prose_of.values())))
        revised = blended.copy()
        revised[asked] = self.share * opinions + (1 - self.share) * blended[asked]
        return revised, dict(zip(asked, opinions, strict=True))

    def load(self) -> Embedder:
        """The encoder, loaded if it was not yet."""
        if self._embed is None:
            self._embed = default_embedder()
        return self._embed

    def save(self, path: Path) -> None:
        self.head.save(path)

    def settings(self) -> dict[str, float]:
        return {"share": self.share, "below": self.below, "max_chars": self.max_chars}


class BlendedClassifier:
    """`ngram_share` x the n-gram model's probabilities + `lexicon_share` x a lexicon head's
    (English sentiment only, dcc.enrich.lexicon) + the rest x the vector head's.

    Offers what callers use of LinearTextClassifier (labels, spec, meta, featurise,
    probabilities, predict, evidence_in), so sentiment, stance and emotion need not know.
    """

    def __init__(
        self,
        ngrams: LinearTextClassifier,
        head: VectorHead,
        vectors: WordVectors,
        ngram_share: float,
        lexicon: LexiconHead | None = None,
        lexicon_share: float = 0.0,
        opinion: SecondOpinion | None = None,
    ) -> None:
        for other in (head, lexicon, opinion.head if opinion else None):
            if other is not None and other.labels != ngrams.labels:
                raise ValueError(f"head labels {other.labels} differ from {ngrams.labels}")
        if (lexicon is None) != (lexicon_share == 0) or ngram_share + lexicon_share > 1:
            raise ValueError(f"shares {ngram_share} + {lexicon_share} (lexicon) do not blend")
        self.ngrams = ngrams
        self.head = head
        self.vectors = vectors
        self.ngram_share = ngram_share
        self.lexicon = lexicon
        self.lexicon_share = lexicon_share
        self.opinion = opinion
        self._last_lexicon: (
            tuple[str, tuple[int, ...] | None, list[Reading], NDArray[np.float64]] | None
        ) = None

    @property
    def labels(self) -> tuple[str, ...]:
        return self.ngrams.labels

    @property
    def spec(self) -> FeatureSpec:
        return self.ngrams.spec

    @property
    def meta(self) -> dict[str, Any]:
        return self.ngrams.meta

    @property
    def head_share(self) -> float:
        return 1 - self.ngram_share - self.lexicon_share

    def featurise(self, texts: Sequence[str]) -> NgramBatch:
        return self.ngrams.featurise(texts)

    def head_probabilities(
        self, batch: NgramBatch, rows: Sequence[int] | None = None
    ) -> NDArray[np.float64]:
        return self.head.probabilities(self.vectors.embed_batch(batch, rows))

    def lexicon_probabilities(
        self, batch: NgramBatch, rows: Sequence[int] | None = None
    ) -> NDArray[np.float64]:
        # Remembered for the last batch and rows, as WordVectors.embed_batch: a label's
        # probability and its why (blend_whys) read the same rows one after the other.
        return self._lexicon_reading(batch, rows)[1]

    def _lexicon_reading(
        self, batch: NgramBatch, rows: Sequence[int] | None
    ) -> tuple[list[Reading], NDArray[np.float64]]:
        if self.lexicon is None:
            raise ValueError("this blend has no lexicon head")
        key = None if rows is None else tuple(rows)
        last = self._last_lexicon
        if last is None or last[0] is not batch.text or last[1] != key:
            readings = read_forms(_forms_of(batch, rows))
            last = (batch.text, key, readings, self.lexicon.probabilities(readings))
            self._last_lexicon = last
        return last[2], last[3]

    def probabilities(
        self, batch: NgramBatch, rows: Sequence[int] | None = None
    ) -> NDArray[np.float64]:
        blended: NDArray[np.float64] = self.ngram_share * self.ngrams.probabilities(
            batch, rows
        ) + self.head_share * self.head_probabilities(batch, rows)
        if self.lexicon is not None:
            blended += self.lexicon_share * self.lexicon_probabilities(batch, rows)
        return blended

    def decide(
        self,
        batch: NgramBatch,
        rows: Sequence[int] | None = None,
        originals: Sequence[str] | None = None,
    ) -> tuple[NDArray[np.float64], dict[int, NDArray[np.float64]]]:
        """`probabilities`, revised by the second opinion where it has one and `originals`
        (the raw text of each scored row) are known; and the opinions asked, by row."""
        blended = self.probabilities(batch, rows)
        if self.opinion is None or originals is None:
            return blended, {}
        return self.opinion.revise(blended, originals)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The word-level blend's label of each prepared text (the second opinion needs the
        raw texts: `decided_probabilities`)."""
        probabilities = self.probabilities(self.featurise(texts))
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def evidence_in(
        self, batch: NgramBatch, row: int, label: str, *, top: int = 5
    ) -> list[dict[str, Any]]:
        """The n-grams pushing toward `label` (the vector head's part is in `blend_whys`)."""
        return self.ngrams.evidence_in(batch, row, label, top=top)

    def evidence_for(
        self, batch: NgramBatch, rows: Sequence[int], labels: Sequence[str], *, top: int = 5
    ) -> list[list[dict[str, Any]]]:
        """`evidence_in` of each row and its label (see LinearTextClassifier.evidence_for)."""
        return self.ngrams.evidence_for(batch, rows, labels, top=top)

    def save(self, folder: Path) -> None:
        self.ngrams.save(folder)
        self.head.save(folder / HEAD_FILE)
        if self.lexicon is None:
            (folder / LEXICON_HEAD_FILE).unlink(missing_ok=True)
        else:
            self.lexicon.save(folder / LEXICON_HEAD_FILE)
        if self.opinion is None:
            (folder / OPINION_HEAD_FILE).unlink(missing_ok=True)
        else:
            self.opinion.save(folder / OPINION_HEAD_FILE)


def _forms_of(batch: NgramBatch, rows: Sequence[int] | None) -> list[str]:
    forms = batch_forms(batch)
    return forms if rows is None else [forms[row] for row in rows]


def load_classifier(folder: Path) -> LinearTextClassifier | BlendedClassifier:
    """The model in `folder`: blended when it has a vector head, else n-grams alone.

    The word vectors are those beside it (`folder`/../word_vectors), as `dcc train` writes
    them: the shipped models read the shipped table, a test's models the test's table.
    """
    ngrams = LinearTextClassifier.load(folder)
    blend = ngrams.meta.get(BLEND_KEY)
    if not blend or not (folder / HEAD_FILE).exists():
        return ngrams
    lexicon_share = float(blend.get("lexicon_share", 0.0))
    opinion = None
    if settings := blend.get(OPINION_KEY):
        opinion = SecondOpinion(
            VectorHead.load(folder / OPINION_HEAD_FILE),
            float(settings["share"]),
            float(settings["below"]),
            int(settings["max_chars"]),
        )
    return BlendedClassifier(
        ngrams,
        VectorHead.load(folder / HEAD_FILE),
        load_word_vectors(folder.parent / VECTORS_NAME),
        float(blend["ngram_share"]),
        LexiconHead.load(folder / LEXICON_HEAD_FILE) if lexicon_share else None,
        lexicon_share,
        opinion,
    )


def decided_probabilities(
    model: LinearTextClassifier | BlendedClassifier,
    batch: NgramBatch,
    rows: Sequence[int] | None = None,
    originals: Sequence[str] | None = None,
) -> tuple[NDArray[np.float64], dict[int, NDArray[np.float64]]]:
    """The model's final probabilities of `rows` (all of `batch`: None) and the second
    opinions asked, by row; `originals` are the rows' raw texts, which only the encoder reads."""
    if isinstance(model, BlendedClassifier):
        return model.decide(batch, rows, originals)
    return model.probabilities(batch, rows), {}


def blend_whys(
    model: LinearTextClassifier | BlendedClassifier,
    batch: NgramBatch,
    rows: Sequence[int],
    labels: Sequence[str],
) -> list[dict[str, Any]]:
    """What the word vectors (and a lexicon head, with the rated words it read) said of each
    row's label, for a blended model (nothing for n-grams alone); each head is scored once
    for them all."""
    if not isinstance(model, BlendedClassifier) or not rows:
        return [{} for _ in rows]
    head = model.head_probabilities(batch, rows)
    share = round(model.head_share, 2)
    whys: list[dict[str, Any]] = [
        {
            "word_vectors": {
                "probability": round(float(head[k, model.labels.index(label)]), 4),
                "share": share,
            }
        }
        for k, label in enumerate(labels)
    ]
    if model.lexicon is not None:
        readings, lexicon = model._lexicon_reading(batch, rows)
        for k, label in enumerate(labels):
            whys[k]["lexicon"] = {
                "probability": round(float(lexicon[k, model.labels.index(label)]), 4),
                "share": round(model.lexicon_share, 2),
                "words": strongest_rated_words(readings[k], TOP_RATED_WORDS),
            }
    return whys


def explained_decisions(
    model: LinearTextClassifier | BlendedClassifier,
    batch: NgramBatch,
    rows: Sequence[int],
    model_name: str,
    *,
    top: int,
    originals: Sequence[str] | None = None,
) -> list[tuple[str, float, dict[str, Any]]]:
    """The best label of each row of `batch`, its probability and why: the model, the score,
    the n-grams pushing toward it and, for a blend, the word vectors' part (sentiment, emotion)
    and the sentence encoder's where it was asked (`originals`: the rows' raw texts)."""
    probabilities, opinions = decided_probabilities(model, batch, rows, originals)
    best = probabilities.argmax(axis=1).tolist()
    labels = [model.labels[i] for i in best]
    evidence = model.evidence_for(batch, rows, labels, top=top)
    blends = blend_whys(model, batch, rows, labels)
    decided = []
    for k, label in enumerate(labels):
        score = float(probabilities[k, best[k]])
        why = {"model": model_name, "score": round(score, 4), "evidence": evidence[k], **blends[k]}
        if k in opinions and isinstance(model, BlendedClassifier) and model.opinion:
            why["sentence_encoder"] = {
                "probability": round(float(opinions[k][best[k]]), 4),
                "share": model.opinion.share,
                "reason": f"asked: the word-level blend's top probability was below "
                f"{model.opinion.below}",
            }
        decided.append((label, score, why))
    return decided
