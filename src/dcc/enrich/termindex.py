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
from typing import Generic, TypeVar

P = TypeVar("P")

_TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lowercased (NFKC, casefolded) word tokens of `text`."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


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
        # First words of exact terms and of multi-word stems: most tokens are in neither, and
        # then only one-word stems need checking (keeps a tweet well under 0.1 ms).
        self._first_words: set[str] = set()
        self._max_words = 0
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
        self._max_words = max(self._max_words, len(words))
        if not is_stem or len(words) > 1:
            self._first_words.add(words[0])
        if is_stem:
            self._stem_lengths.add(len(words[-1]))

    def __len__(self) -> int:
        return len(self._exact) + len(self._stems)

    def find(self, tokens: list[str]) -> list[Match[P]]:
        """Non-overlapping matches, left to right, the longest term at each position first."""
        found: list[Match[P]] = []
        stem_lengths = sorted(self._stem_lengths, reverse=True)
        i, n = 0, len(tokens)
        while i < n:
            hit = self._longest_at(tokens, i, n, stem_lengths)
            if hit is None:
                i += 1
                continue
            width, term, payloads = hit
            found.append(Match(term, " ".join(tokens[i : i + width]), tuple(payloads)))
            i += width
        return found

    def _longest_at(
        self, tokens: list[str], i: int, n: int, stem_lengths: list[int]
    ) -> tuple[int, str, list[P]] | None:
        widest = min(self._max_words, n - i) if tokens[i] in self._first_words else 1
        for width in range(widest, 0, -1):
            window = tuple(tokens[i : i + width])
            exact = self._exact.get(window)
            if exact is not None:
                return width, exact[0], exact[1]
            if not self._stems:
                continue
            last = window[-1]
            for length in stem_lengths:  # longest stem first: "diplomasi*" before "diplo*"
                if length <= len(last):
                    stem = self._stems.get((*window[:-1], last[:length]))
                    if stem is not None:
                        return width, stem[0], stem[1]
        return None
