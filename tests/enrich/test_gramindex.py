"""Character n-grams looked up in bulk: exactly the rows a word's set of n-grams has."""

from __future__ import annotations

from dcc.enrich.gramindex import GramIndex
from dcc.enrich.ngramclf import word_ngrams

VOCABULARY = [
    "w:banjir",
    " b",
    "ba",
    "an",
    "na",
    "a ",
    "ana",
    "nan",
    "banan",
    "jir ",
    "é",
    "日本",
    "x",
]


def expected(words: list[str], max_n: int = 5) -> list[tuple[int, int]]:
    index = {gram: row for row, gram in enumerate(VOCABULARY)}
    return sorted(
        (n, index[gram])
        for n, word in enumerate(words)
        for gram in word_ngrams(word, max_n)
        if gram in index and not gram.startswith("w:")
    )


def found(index: GramIndex, words: list[str]) -> list[tuple[int, int]]:
    owners, rows = index.rows_of(words)
    return list(zip(owners.tolist(), rows.tolist(), strict=True))


def test_each_distinct_known_ngram_of_each_word_once() -> None:
    index = GramIndex(VOCABULARY, 5)
    words = ["banana", "banjir", "nanas", "zzz", "é", "日本語"]
    assert index.usable
    assert found(index, words) == expected(words)
    assert (0, VOCABULARY.index("an")) in found(index, words)  # twice in "banana": counted once


def test_shorter_ngrams_only_up_to_max_n() -> None:
    index = GramIndex(VOCABULARY, 2)
    assert found(index, ["banana"]) == expected(["banana"], 2)


def test_no_words_and_words_without_known_ngrams() -> None:
    index = GramIndex(VOCABULARY, 5)
    assert found(index, []) == []
    assert found(index, ["qqq"]) == []


def test_ngrams_longer_than_the_keys_hold_are_refused() -> None:
    assert not GramIndex(VOCABULARY, 6).usable
    assert not GramIndex(["w:only"], 5).usable
