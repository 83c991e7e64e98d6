"""Hashed word and character n-grams of a batch of texts, computed with numpy array operations.

Why not scikit-learn's HashingVectorizer: its analyzers build every n-gram as a Python string
(about 1,100 for one tweet) and hash them one by one, which cost 0.2-0.4 ms a tweet per model
and capped the pipeline far below the 2,000 docs/s of issue 3. Here a whole batch is one array
of code points: each n-gram's hash is a polynomial over its window, read off one prefix sum of
the batch (a few vector operations for all windows of one length, and for all words at once),
and occurrences are grouped by document by counting, not sorting. A batch of 256 tweets costs
about 30 µs a tweet (a 3 KB article about 0.7 ms), and the n-grams are never built as strings
except the few shown as evidence.

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
_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))  # BASE * _INVERSE == 1 modulo 2**64
_POWERS = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))  # see _powers


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
    starts: NDArray[np.signedinteger[Any]]  # aligned with matrix.data: offset into `text`
    lengths: NDArray[np.signedinteger[Any]]  # (int32, or int64 for a batch past 2**31)
    letters: NDArray[np.signedinteger[Any]]  # the length of each n-gram without its padding spaces
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
    return form_of(analysed_tokens(text))


def analysed_tokens(text: str) -> list[str]:
    """The tokens of `analysed_form(text)`."""
    return _TOKEN.findall(text.replace(_SEPARATOR, " ").lower())


def form_of(tokens: Sequence[str]) -> str:
    """The analysed form of a document whose `analysed_tokens` are `tokens`."""
    return " " + " ".join(tokens) + " "


def featurise(texts: Sequence[str], spec: FeatureSpec) -> NgramBatch:
    """Hashed n-gram counts of `texts`, one row each (see the module docstring)."""
    return featurise_forms([analysed_form(text) for text in texts], spec)


def featurise_forms(forms: Sequence[str], spec: FeatureSpec) -> NgramBatch:
    """`featurise` of texts already in their `analysed_form` (a caller that has its tokens
    need not have them found again)."""
    # A few numpy arrays hold one entry per n-gram occurrence (about 4 per character):
    # hashing at most CHUNK_CHARS characters at once keeps them to tens of megabytes. The
    # chunks' occurrences are then placed in the batch's rows in one pass, not stacked.
    parts: list[Part] = []
    is_word: list[bool] = []
    first_doc = offset = 0
    for chunk in _chunks(forms):
        words, chars = _hashed_parts(chunk, spec, first_doc, offset)
        parts += words + chars
        is_word += [True] * len(words) + [False] * len(chars)
        first_doc += len(chunk)
        offset += sum(len(form) + 1 for form in chunk)
    return _assemble(parts, is_word, len(forms), spec, _SEPARATOR.join(forms))


def _chunks(forms: Sequence[str]) -> list[Sequence[str]]:
    """Consecutive runs of `forms` of at most CHUNK_CHARS characters (or one longer form)."""
    chunks: list[Sequence[str]] = []
    first = size = 0
    for end, form in enumerate(forms):
        if end > first and size + len(form) > CHUNK_CHARS:
            chunks.append(forms[first:end])
            first, size = end, 0
        size += len(form)
    if first < len(forms):
        chunks.append(forms[first:])
    return chunks


def _hashed_parts(
    forms: Sequence[str], spec: FeatureSpec, first_doc: int, offset: int
) -> tuple[list[Part], list[Part]]:
    """The word and character parts of `forms`, documents numbered from `first_doc` and
    starts counted from `offset` (where these forms begin in the batch's text)."""
    joined = _SEPARATOR.join(forms)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    lengths = np.fromiter((len(f) + 1 for f in forms), dtype=np.int64, count=len(forms))
    doc_of = np.repeat(np.arange(first_doc, first_doc + len(forms), dtype=np.int64), lengths)[
        : codes.size
    ]
    up, down = _powers(codes.size + 1)
    # prefix[i] = sum of codes[k] * BASE**-k for k < i (modulo 2**64, where BASE is odd and so
    # invertible): the hash of codes[a:b], the polynomial sum of codes[k] * BASE**(b-1-k),
    # is then BASE**(b-1) * (prefix[b] - prefix[a]), for any window, in two operations.
    prefix = np.zeros(codes.size + 1, dtype=np.uint64)
    np.cumsum(codes * down[: codes.size], out=prefix[1:])
    words = _word_ngrams(codes, doc_of, prefix, up, spec)
    chars = _char_ngrams(codes, doc_of, prefix, up, spec)
    if offset:  # each part's starts are its own array, made above
        for part in (*words, *chars):
            np.add(part[2], offset, out=part[2])
    return words, chars


def _powers(count: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """BASE**k and BASE**-k modulo 2**64 for k < count (at least), kept for the next call."""
    global _POWERS
    found = _POWERS
    if found[0].size < count:
        size = max(count, 2 * found[0].size)
        up = np.ones(size, dtype=np.uint64)
        up[1:] = np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64))
        down = np.ones(size, dtype=np.uint64)
        down[1:] = np.cumprod(np.full(size - 1, _INVERSE, dtype=np.uint64))
        found = _POWERS = (up, down)  # replaced whole: a reader never sees half a table
    return found


# One part: (document, column, start, span, letters) of each n-gram occurrence, by document.
Part = tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]
]


def _word_ngrams(
    codes: NDArray[np.uint64],
    doc_of: NDArray[np.int64],
    prefix: NDArray[np.uint64],
    up: NDArray[np.uint64],
    spec: FeatureSpec,
) -> list[Part]:
    in_word = (codes != _SPACE) & (codes != _ZERO)
    begins = np.flatnonzero(in_word[1:] & ~in_word[:-1]) + 1  # every word follows a space
    if begins.size == 0:
        return []
    ends = np.flatnonzero(in_word[:-1] & ~in_word[1:]) + 1
    hashes = up[ends - 1] * (prefix[ends] - prefix[begins])
    word_doc = doc_of[begins]
    found: list[Part] = []
    low, high = spec.word_ngrams
    if low <= 1 <= high:
        found.append((word_doc, _column(hashes, 1, spec), begins, ends - begins, ends - begins))
    if low <= 2 <= high and hashes.size > 1:
        same = word_doc[:-1] == word_doc[1:]
        pair = hashes[:-1][same] * _PAIR + hashes[1:][same]
        first, second = begins[:-1][same], ends[1:][same]
        spans = second - first
        found.append((word_doc[:-1][same], _column(pair, 2, spec), first, spans, spans))
    return found


def _char_ngrams(
    codes: NDArray[np.uint64],
    doc_of: NDArray[np.int64],
    prefix: NDArray[np.uint64],
    up: NDArray[np.uint64],
    spec: FeatureSpec,
) -> list[Part]:
    size = codes.size
    is_space = codes == _SPACE
    is_text = codes != _ZERO  # not the separator between documents
    # Window i of length n lies inside one padded token when no space or separator stands
    # strictly inside it and neither end is a separator (a space may open or close it; within
    # a document tokens are one space apart, so two spaces never meet): `room[i]`, the number
    # of positions after i before the next space or separator, must be at least n - 2.
    boundary = np.flatnonzero(is_space | ~is_text)
    following = np.full(size + 1, size, dtype=np.int64)  # the first boundary after i
    following[boundary] = boundary
    following = np.minimum.accumulate(following[::-1])[::-1]
    room = following[1:] - np.arange(1, size + 1)
    found: list[Part] = []
    low, high = spec.char_ngrams
    for n in range(low, high + 1):
        count = size - n + 1
        if count <= 0:
            break
        valid = is_text[:count] & is_text[n - 1 :]
        if n > 2:
            valid &= room[:count] >= n - 2
        else:  # ... and some letter: not the two spaces of an empty document
            valid &= ~(is_space[:count] & is_space[n - 1 :])
        keep = np.flatnonzero(valid)
        last = keep + (n - 1)
        hashes = up[last] * (prefix[last + 1] - prefix[keep])
        columns = _column(hashes, 10 + n, spec) + spec.n_features
        # The length an analyst sees: the padding spaces at either end do not count.
        letters = n - is_space[keep] - is_space[last]
        found.append((doc_of[keep], columns, keep, np.full(keep.size, n), letters))
    return found


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


def _assemble(
    parts: Sequence[Part], is_word: Sequence[bool], n_docs: int, spec: FeatureSpec, joined: str
) -> NgramBatch:
    # Grouped by document, each part in the order given (a chunk's word n-grams before its
    # character ones) and in text order within a part: each part arrives sorted by document,
    # so every occurrence's place is known from counts, without a sort. Repeated n-grams stay
    # as repeated entries; sparse products sum them, which is what a count is. Stored as
    # int32 where everything fits (offsets in the batch's text, occurrences): half the memory
    # of int64, and the matrix keeps its indices without a conversion.
    counts = [np.bincount(part[0], minlength=n_docs) for part in parts]
    # Each occurrence weighs 1/sqrt(occurrences in its part, words or characters, of its
    # document), so a part's row has unit norm when no n-gram repeats (nearly always, in a
    # tweet). Within a document the word occurrences come first, then the character ones.
    by_part = np.zeros((n_docs, 2), dtype=np.int64)
    for found, word in zip(counts, is_word, strict=True):
        by_part[:, 0 if word else 1] += found
    totals = by_part.sum(axis=1)
    size = int(totals.sum())
    fits = max(size, len(joined)) < 2**31
    index_type: type[np.signedinteger[Any]] = np.int32 if fits else np.int64
    indptr = np.zeros(n_docs + 1, dtype=index_type)
    np.cumsum(totals, out=indptr[1:])
    columns, starts, spans, letters = (np.empty(size, dtype=index_type) for _ in range(4))
    free = indptr[:-1].astype(np.int64)  # where the next occurrence of each document goes
    for part, found in zip(parts, counts, strict=True):
        first = np.cumsum(found) - found  # a document's first occurrence within the part
        places = np.arange(part[0].size, dtype=np.int64) + np.repeat(free - first, found)
        columns[places], starts[places], spans[places], letters[places] = part[1:]
        free += found
    sizes = by_part.ravel()
    weights = np.zeros(sizes.size, dtype=np.float32)
    present = sizes > 0
    weights[present] = (1.0 / np.sqrt(sizes[present])).astype(np.float32)
    values = np.repeat(weights, sizes)
    matrix = sparse.csr_matrix((values, columns, indptr), shape=(n_docs, spec.width))
    return NgramBatch(matrix, starts, spans, letters, joined)
