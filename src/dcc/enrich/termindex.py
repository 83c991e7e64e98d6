"""Whole-word matching of many terms (words, phrases, prefix stems) against a token list.

Used by the crisis lexicon and the topic taxonomy. Text and terms go through the same
`tokenize`, so "COVID-19", "#Gempa" and "diplomat's" match "covid-19", "gempa" and "diplomat"
on word boundaries without one regular expression per term. A term ending in "*" is a stem:
"diplomat*" matches "diplomat", "diplomatic", "diplomats". Where terms overlap, the longest one
starting at a position wins ("banjir bandang" over "banjir"), so a phrase is not counted twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress, count, repeat
from typing import Generic, TypeVar

P = TypeVar("P")

_TOKEN = re.compile(r"\w+")
_CACHE_LIMIT = 200_000  # distinct words remembered before the memo is reset


def tokenize(text: str) -> list[str]:
    """Lowercased (NFKC, casefolded) word tokens of `text`."""
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    return _TOKEN.findall(text.casefold())


class TermSyntaxError(ValueError):
    """A term cannot be matched as written (empty, or a "*" that is not at its end)."""


@dataclass(frozen=True, slots=True)
class Match(Generic[P]):
    term: str  # the term as written in the lexicon ("diplomat*")
    text: str  # the tokens it matched, joined by spaces ("diplomatic")
    payloads: tuple[P, ...]


class TermIndex(Generic[P]):
    """Terms with their payloads (topic ids, lexicon rows), found in token lists."""

    def __init__(self, entries: Iterable[tuple[str, P]] = ()) -> None:
        self._exact: dict[tuple[str, ...], tuple[str, list[P]]] = {}
        self._stems: dict[tuple[str, ...], tuple[str, list[P]]] = {}
        self._stem_lengths: set[int] = set()
        # First word of each multi-word term -> its most words: most tokens start none, and
        # then only the memoised one-word lookup runs (keeps a tweet well under 0.1 ms).
        self._first_words: dict[str, int] = {}
        self._stem_lengths_desc: list[int] = []  # one-word stems
        self._phrase_stem_lengths: set[int] = set()  # last word of multi-word stems
        self._phrase_stem_lengths_desc: list[int] = []
        self._cache: dict[str, tuple[str, list[P]] | None] = {}
        # The memo's words that start no term and match none, each mapped to False: `find`
        # passes over them in one C-level map (an article has hundreds of tokens).
        self._idle: dict[str, bool] = {}
        for term, payload in entries:
            self.add(term, payload)

    def add(self, term: str, payload: P) -> None:
        """Index `term` (several payloads may share one term)."""
        is_stem = term.strip().endswith("*")
        body = term.strip().removesuffix("*") if is_stem else term.strip()
        if "*" in body:
            raise TermSyntaxError(f"term {term!r}: '*' is only allowed at the end of a term")
        words = tuple(tokenize(body))
        if not words:
            raise TermSyntaxError(f"term {term!r} has no word characters")
        if is_stem and not body[-1:].isalnum():
            raise TermSyntaxError(f"term {term!r}: a stem must end in a letter or digit before *")
        table = self._stems if is_stem else self._exact
        table.setdefault(words, (term.strip(), []))[1].append(payload)
        if len(words) > 1:
            self._first_words[words[0]] = max(self._first_words.get(words[0], 0), len(words))
        if is_stem:
            lengths = self._phrase_stem_lengths if len(words) > 1 else self._stem_lengths
            lengths.add(len(words[-1]))
        self._stem_lengths_desc = sorted(self._stem_lengths, reverse=True)
        self._phrase_stem_lengths_desc = sorted(self._phrase_stem_lengths, reverse=True)
        self._cache.clear()
        self._idle.clear()

    def __len__(self) -> int:
        return len(self._exact) + len(self._stems)

    def find(self, tokens: list[str]) -> list[Match[P]]:
        """Non-overlapping matches, left to right, the longest term at each position first."""
        # Most tokens match nothing: one pass picks the positions worth a closer look (a word
        # that starts a phrase, matched a one-word term before, or was never looked up).
        first_words = self._first_words
        # Lazily: a word found idle while this runs was looked up here already, to no match.
        positions = compress(count(), map(self._idle.get, tokens, repeat(True)))
        found: list[Match[P]] = []
        n = len(tokens)
        end = 0  # tokens before this position are inside a match already
        for i in positions:
            if i < end:
                continue
            hit = self._phrase_at(tokens, i, n) if tokens[i] in first_words else None
            if hit is None:
                single = self._single_word(tokens[i])
                hit = (1, *single) if single is not None else None
            if hit is not None:
                width, term, payloads = hit
                found.append(Match(term, " ".join(tokens[i : i + width]), tuple(payloads)))
                end = i + width
        return found

    def _phrase_at(self, tokens: list[str], i: int, n: int) -> tuple[int, str, list[P]] | None:
        """The longest term of two or more words starting at position i."""
        for width in range(min(self._first_words[tokens[i]], n - i), 1, -1):
            window = tuple(tokens[i : i + width])
            exact = self._exact.get(window)
            if exact is not None:
                return width, exact[0], exact[1]
            last = window[-1]
            for length in self._phrase_stem_lengths_desc:
                if length <= len(last):
                    stem = self._stems.get((*window[:-1], last[:length]))
                    if stem is not None:
                        return width, stem[0], stem[1]
        return None

    def _single_word(self, token: str) -> tuple[str, list[P]] | None:
        """The one-word term (exact, else the longest stem) matching `token`, memoised."""
        # Why memoised: word frequencies are Zipfian, so most tokens of a stream repeat and the
        # stem scan (one lookup per stem length) runs once per distinct word.
        if token in self._cache:
            return self._cache[token]
        hit = self._exact.get((token,))
        if hit is None:
            for length in self._stem_lengths_desc:
                if length <= len(token):
                    hit = self._stems.get((token[:length],))
                    if hit is not None:
                        break
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
            self._idle.clear()
        self._cache[token] = hit
        if hit is None and token not in self._first_words:
            self._idle[token] = False
        return hit
