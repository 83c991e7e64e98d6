"""Hashed word and character n-grams of a batch of texts, computed with numpy array operations.

Why not scikit-learn's HashingVectorizer: its analyzers build every n-gram as a Python string
(about 1,100 for one tweet) and hash them one by one, which cost 0.2-0.4 ms a tweet per model
and capped the pipeline far below the 2,000 docs/s of issue 3. Here a whole batch is one array
of code points: each n-gram's hash is a polynomial over a sliding window (n vector operations
for all windows of length n at once), words are hashed by a segmented sum, and counting is one
`np.unique`. A batch of 256 tweets costs about 20 µs a tweet, and the n-grams are never built
as strings except the few shown as evidence.

Features, as for the earlier vectorizers: word n-grams over the tokens (`\\w+` runs and single
punctuation marks), and character n-grams inside each token padded with one space on each side
(scikit-learn's `char_wb`); counts, each of the two parts L2-normalised per document. Columns
come from a 64-bit polynomial hash mixed and cut to `n_features` (a power of two); the word
part takes columns [0, n_features), the character part [n_features, 2 * n_features).

The hash is part of a model's contract: `HASHING` is saved with each model and a model hashed
differently is refused at load time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

HASHING = "dcc-poly64-v1"
CHUNK_CHARS = 250_000  # characters hashed in one pass (see featurise)

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SEPARATOR = "\x00"  # between documents in the batch's one string; removed from the input
_SPACE = np.uint64(ord(" "))
_ZERO = np.uint64(0)
_BASE = np.uint64(1_000_003)  # polynomial base over code points
_PAIR = np.uint64(0x9E3779B97F4A7C15)  # combines two word hashes into a bigram hash
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser constants
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_30, _SHIFT_27, _SHIFT_31 = np.uint64(30), np.uint64(27), np.uint64(31)


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    n_features: int = 2**18  # per part; a power of two

    def __post_init__(self) -> None:
        if self.n_features < 2 or self.n_features & (self.n_features - 1):
            raise ValueError(f"n_features must be a power of two, not {self.n_features}")
        for low, high in (self.word_ngrams, self.char_ngrams):
            if not 1 <= low <= high:
                raise ValueError(f"bad n-gram range ({low}, {high})")
        if self.word_ngrams[1] > 2:
            raise ValueError("word n-grams go up to bigrams")

    @property
    def width(self) -> int:
        return 2 * self.n_features


@dataclass(frozen=True, slots=True)
class NgramBatch:
    """The feature rows of a batch, and where each stored feature occurs in `text`."""

    matrix: sparse.csr_matrix  # (documents, spec.width), float32; a repeated n-gram repeats
    starts: NDArray[np.int64]  # aligned with matrix.data: offset into `text`
    lengths: NDArray[np.int64]
    letters: NDArray[np.int64]  # the length of each n-gram without its padding spaces
    text: str  # the documents as analysed, separated by NUL

    def row_slice(self, row: int) -> slice:
        indptr = self.matrix.indptr
        return slice(int(indptr[row]), int(indptr[row + 1]))

    def name(self, position: int) -> str:
        """The n-gram stored at `position` of matrix.data, as it reads in the text."""
        start = int(self.starts[position])
        return self.text[start : start + int(self.lengths[position])].strip()


def analysed_form(text: str) -> str:
    """A document as the hasher reads it: lower-cased tokens joined by single spaces, padded."""
    tokens = _TOKEN.findall(text.replace(_SEPARATOR, " ").lower())
    return " " + " ".join(tokens) + " "


def featurise(texts: Sequence[str], spec: FeatureSpec) -> NgramBatch:
    """Hashed n-gram counts of `texts`, one row each (see the module docstring)."""
    forms = [analysed_form(text) for text in texts]
    # A few numpy arrays hold one entry per n-gram occurrence (about 4 per character):
    # hashing at most CHUNK_CHARS characters at once keeps them to tens of megabytes.
    chunks: list[list[str]] = [[]]
    size = 0
    for form in forms:
        if chunks[-1] and size + len(form) > CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(form)
        size += len(form)
    if len(chunks) == 1:
        return _featurise_forms(forms, spec)
    return _stack([_featurise_forms(chunk, spec) for chunk in chunks])


def _stack(batches: Sequence[NgramBatch]) -> NgramBatch:
    """One batch from consecutive batches (offsets into the joined text shifted)."""
    shifts = np.cumsum([0] + [len(b.text) + 1 for b in batches[:-1]])
    return NgramBatch(
        sparse.vstack([b.matrix for b in batches], format="csr"),
        np.concatenate([b.starts + shift for b, shift in zip(batches, shifts, strict=True)]),
        np.concatenate([b.lengths for b in batches]),
        np.concatenate([b.letters for b in batches]),
        _SEPARATOR.join(b.text for b in batches),
    )


def _featurise_forms(forms: Sequence[str], spec: FeatureSpec) -> NgramBatch:
    joined = _SEPARATOR.join(forms)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    lengths = np.fromiter((len(f) + 1 for f in forms), dtype=np.int64, count=len(forms))
    doc_of = np.repeat(np.arange(len(forms), dtype=np.int64), lengths)[: codes.size]
    parts = [_word_ngrams(codes, doc_of, spec), _char_ngrams(codes, doc_of, spec)]
    docs = np.concatenate([p[0] for p in parts])
    columns = np.concatenate([p[1] for p in parts])
    starts = np.concatenate([p[2] for p in parts])
    spans = np.concatenate([p[3] for p in parts])
    letters = np.concatenate([p[4] for p in parts])
    return _assemble(docs, columns, starts, spans, letters, len(forms), spec, joined)


def _word_ngrams(codes: NDArray[np.uint64], doc_of: NDArray[np.int64], spec: FeatureSpec) -> Any:
    in_word = (codes != _SPACE) & (codes != _ZERO)
    begins = np.flatnonzero(in_word[1:] & ~in_word[:-1]) + 1  # every word follows a space
    if begins.size == 0:
        return _empty()
    ends = np.flatnonzero(in_word[:-1] & ~in_word[1:]) + 1
    marks = np.zeros(codes.size, dtype=np.int64)
    marks[begins] = 1
    positions = np.flatnonzero(in_word)
    owner = np.cumsum(marks)[positions] - 1  # the word each letter belongs to
    longest = int((ends - begins).max())
    powers = np.ones(longest, dtype=np.uint64)  # BASE**k modulo 2**64
    powers[1:] = np.cumprod(np.full(longest - 1, _BASE, dtype=np.uint64))
    exponent = ends[owner] - 1 - positions
    hashes = np.add.reduceat(
        codes[positions] * powers[exponent], np.searchsorted(positions, begins)
    )
    word_doc = doc_of[begins]
    found = []
    low, high = spec.word_ngrams
    if low <= 1 <= high:
        found.append((word_doc, _column(hashes, 1, spec), begins, ends - begins, ends - begins))
    if low <= 2 <= high and hashes.size > 1:
        same = word_doc[:-1] == word_doc[1:]
        pair = hashes[:-1][same] * _PAIR + hashes[1:][same]
        first, second = begins[:-1][same], ends[1:][same]
        spans = second - first
        found.append((word_doc[:-1][same], _column(pair, 2, spec), first, spans, spans))
    return tuple(np.concatenate([f[i] for f in found]) for i in range(5)) if found else _empty()


def _char_ngrams(codes: NDArray[np.uint64], doc_of: NDArray[np.int64], spec: FeatureSpec) -> Any:
    is_separator = np.concatenate([[0], np.cumsum(codes == _ZERO)])
    is_space = np.concatenate([[0], np.cumsum(codes == _SPACE)])
    found = []
    low, high = spec.char_ngrams
    for n in range(low, high + 1):
        count = codes.size - n + 1
        if count <= 0:
            break
        hashes = codes[:count].copy()
        for offset in range(1, n):
            hashes *= _BASE
            hashes += codes[offset : offset + count]
        starts = np.arange(count, dtype=np.int64)
        # A window inside one padded token: no separator anywhere, and no space inside it (a
        # space may only open or close the window; within a document tokens are one space
        # apart, so two spaces never meet).
        valid = is_separator[starts + n] == is_separator[starts]
        if n > 2:
            valid &= is_space[starts + n - 1] == is_space[starts + 1]
        # ... and some letter: not a lone space, nor the two spaces of an empty document.
        valid &= is_space[starts + n] - is_space[starts] < n
        keep = np.flatnonzero(valid)
        columns = _column(hashes[keep], 10 + n, spec) + spec.n_features
        # The length an analyst sees: the padding spaces at either end do not count.
        letters = n - (codes[keep] == _SPACE) - (codes[keep + n - 1] == _SPACE)
        found.append((doc_of[keep], columns, keep, np.full(keep.size, n), letters))
    return tuple(np.concatenate([f[i] for f in found]) for i in range(5)) if found else _empty()


def _column(hashes: NDArray[np.uint64], salt: int, spec: FeatureSpec) -> NDArray[np.int64]:
    """splitmix64 of hash + salt, top bits as the column (a multiplicative hash's good bits)."""
    mixed = hashes + np.uint64(salt * 0x9E3779B9)
    mixed ^= mixed >> _SHIFT_30
    mixed *= _MIX_1
    mixed ^= mixed >> _SHIFT_27
    mixed *= _MIX_2
    mixed ^= mixed >> _SHIFT_31
    bits = spec.n_features.bit_length() - 1
    return (mixed >> np.uint64(64 - bits)).astype(np.int64)


def _empty() -> tuple[NDArray[np.int64], ...]:
    return tuple(np.empty(0, dtype=np.int64) for _ in range(5))


def _assemble(
    docs: NDArray[np.int64],
    columns: NDArray[np.int64],
    starts: NDArray[np.int64],
    spans: NDArray[np.int64],
    letters: NDArray[np.int64],
    n_docs: int,
    spec: FeatureSpec,
    joined: str,
) -> NgramBatch:
    # Grouped by document without a global sort: each part arrives sorted by document, so a
    # stable sort on a 16-bit key (numpy's radix sort) is linear. Repeated n-grams stay as
    # repeated entries; sparse products sum them, which is what a count is.
    key = docs.astype(np.int16) if n_docs < 2**15 else docs
    order = np.argsort(key, kind="stable")
    docs, columns = docs[order], columns[order]
    part = docs * 2 + (columns >= spec.n_features)
    # Each occurrence weighs 1/sqrt(occurrences in its part of its document), so a part's
    # row has unit norm when no n-gram repeats (nearly always, in a tweet).
    sizes = np.bincount(part, minlength=2 * n_docs)
    values = (1.0 / np.sqrt(sizes[part])).astype(np.float32)
    indptr = np.searchsorted(docs, np.arange(n_docs + 1))
    matrix = sparse.csr_matrix((values, columns, indptr), shape=(n_docs, spec.width))
    return NgramBatch(matrix, starts[order], spans[order], letters[order], joined)
