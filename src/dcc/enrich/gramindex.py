"""Vocabulary rows of the character n-grams of many words at once, in numpy (for ngramclf.py).

Why: the language model computes each new word's weights from its character n-grams, and in
Python that cost ~25 µs a word (~35 substrings of the padded word, a set, as many dictionary
lookups); a worker that starts on a stream meets thousands of new words a second (issue 3).
Here an n-gram of up to MAX_N characters is an exact pair of integer keys (its code points and
its length), and all the n-grams of a batch of words are looked up at once by binary search in
the vocabulary's sorted keys. A 64-bit mix of the pair orders the search; a hit is then checked
on both keys, so the answer is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

MAX_N = 5  # three code points in the first key, two and the length in the second
_BITS = np.uint64(21)  # a code point needs at most 21 bits
_SPACE = np.uint64(ord(" "))
_MIX_1 = np.uint64(0x9E3779B97F4A7C15)
_MIX_2 = np.uint64(0xBF58476D1CE4E5B9)

IntArray = NDArray[np.int64]


class GramIndex:
    """The character n-grams of a vocabulary, by exact integer keys.

    `usable` is False for a `max_n` above MAX_N, a vocabulary without character n-grams, or two
    n-grams that mix to one 64-bit order key (callers then look n-grams up one by one).
    """

    def __init__(self, vocabulary: Sequence[str], max_n: int) -> None:
        self.max_n = max_n
        rows = [
            row
            for row, gram in enumerate(vocabulary)
            if not gram.startswith("w:") and 1 <= len(gram) <= MAX_N
        ]
        grams = [vocabulary[row] for row in rows]
        codes = np.zeros((len(grams), MAX_N), dtype=np.uint64)
        for i, gram in enumerate(grams):
            codes[i, : len(gram)] = [ord(ch) for ch in gram]
        lengths = np.array([len(gram) for gram in grams], dtype=np.uint64)
        first, second = _keys([codes[:, k] for k in range(MAX_N)], lengths)
        order_key = _mix(first, second)
        order = np.argsort(order_key, kind="stable")
        self._order_key = order_key[order]
        self._first = first[order]
        self._second = second[order]
        self._rows = np.array(rows, dtype=np.int64)[order]
        self._width = len(vocabulary) + 1
        is_unique = bool(np.all(np.diff(self._order_key) != 0))
        self.usable = 1 <= max_n <= MAX_N and is_unique and self._order_key.size > 0

    def rows_of(self, words: Sequence[str]) -> tuple[IntArray, IntArray]:
        """(word, vocabulary row) of every distinct known character n-gram of each word padded
        with a space on each side (a lone space aside), sorted by word then row."""
        padded = "".join(f" {word} " for word in words)
        codes = np.frombuffer(padded.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
        lengths = np.fromiter((len(word) + 2 for word in words), dtype=np.int64, count=len(words))
        owner = np.repeat(np.arange(len(words), dtype=np.int64), lengths)
        room = np.cumsum(lengths)[owner] - np.arange(codes.size)  # positions left in the word
        shifted = [np.concatenate([codes[k:], np.zeros(k, dtype=np.uint64)]) for k in range(MAX_N)]
        owners: list[IntArray] = []
        rows: list[IntArray] = []
        last = self._order_key.size - 1
        for n in range(1, self.max_n + 1):
            valid = room >= n
            if n == 1:
                valid &= codes != _SPACE  # a lone space is in every word: no evidence
            at = np.flatnonzero(valid)
            zeros = np.zeros(at.size, dtype=np.uint64)
            window = [part[at] if k < n else zeros for k, part in enumerate(shifted)]
            first, second = _keys(window, np.full(at.size, n, dtype=np.uint64))
            mixed = _mix(first, second)
            order = np.argsort(mixed)  # a binary search is faster for ascending keys
            found = np.empty_like(order)
            found[order] = np.searchsorted(self._order_key, mixed[order])
            np.minimum(found, last, out=found)
            hit = (
                (self._order_key[found] == mixed)
                & (self._first[found] == first)
                & (self._second[found] == second)
            )
            owners.append(owner[at[hit]])
            rows.append(self._rows[found[hit]])
        # An n-gram met twice in one word counts once (as a set of the word's n-grams would).
        pairs = np.sort(np.concatenate(owners) * self._width + np.concatenate(rows))
        if pairs.size:
            pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
        return pairs // self._width, pairs % self._width


def _keys(
    codes: Sequence[NDArray[np.uint64]], lengths: NDArray[np.uint64]
) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """The exact key pair of n-grams given their code points by position (0 past the end)."""
    first = codes[0] | (codes[1] << _BITS) | (codes[2] << (_BITS + _BITS))
    second = codes[3] | (codes[4] << _BITS) | (lengths << (_BITS + _BITS))
    return first, second


def _mix(first: NDArray[np.uint64], second: NDArray[np.uint64]) -> NDArray[np.uint64]:
    mixed: NDArray[np.uint64] = first * _MIX_1 + second * _MIX_2
    mixed ^= mixed >> np.uint64(29)
    return mixed
