"""How the query language splits text into words, the same way for queries and for items.

The rules are those of SQLite FTS5's `unicode61 remove_diacritics 2` tokenizer, which the
embedded search index uses (store/migrations 0001), so that the streaming matcher and the
index agree (tests/query/test_text.py compares them character by character):
- a word is a run of letters and digits in any script; "_", punctuation and spaces split;
- case is folded ("COVID" = "covid", Greek final "ς" = "σ");
- accents on the letters a-z are dropped ("Café" = "cafe", "ệ" = "e"); letters that are not
  an a-z letter plus accents ("ø", "ß", "ǽ", Cyrillic "й") keep their form.
FTS5's tables are Unicode 6.1: characters assigned since then (Cherokee small letters, bidi
isolates) may split or fold differently; Latin, Greek and Cyrillic text is split identically.

`query_words` keeps the accents as typed, because PostgreSQL's index keeps them (sql.py);
`fold_word` and `index_words` drop them, and are what the matcher and SQLite compare.
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks FTS5 removes as diacritics (inside a word, they vanish). The other marks
# of U+0300-U+036F split words, as punctuation does (measured against SQLite 3.40's FTS5).
_DROPPED_MARKS = "\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331"
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # the same on lower-case ASCII, twice as fast
_QUERY_WORD = re.compile(rf"(?:[^\W_]|[{_DROPPED_MARKS}])+")
_DROPPED = re.compile(rf"[{_DROPPED_MARKS}]")
# FTS5 keeps these, although they decompose into a-z plus accents.
_NOT_FOLDED = frozenset("\u01e0\u01e1")
_LATIN_RANGES = ((0x00C0, 0x0250), (0x1E00, 0x1F00))


def _fold_table() -> dict[int, str | None]:
    """One character to its folded form: a-z letters with accents to the bare letter,
    simple case folds that lower() misses ("µ" -> "μ", "ſ" -> "s"), dropped marks removed."""
    table: dict[int, str | None] = {}
    for low, high in _LATIN_RANGES:
        for code in range(low, high):
            char = chr(code)
            base = unicodedata.normalize("NFD", char.casefold())
            if (
                char not in _NOT_FOLDED
                and len(base) > 1
                and base[0].isascii()
                and base[0].isalpha()
                and _DROPPED.sub("", base[1:]) == ""
            ):
                table[code] = base[0]
    for code in range(0x80, 0x3000):
        char = chr(code)
        folded = char.casefold()
        if code not in table and char.isalnum() and len(folded) == 1 and folded != char.lower():
            table[code] = table.get(ord(folded), folded) or folded
    for low_mark, high_mark in re.findall(r"(.)(?:-(.))?", _DROPPED_MARKS):
        for code in range(ord(low_mark), ord(high_mark or low_mark) + 1):
            table[code] = None
    return table


_FOLD = _fold_table()


def fold_word(word: str) -> str:
    """One lower-case query word as the index compares it (accents on a-z removed)."""
    return word if word.isascii() else word.translate(_FOLD)


def query_words(text: str) -> tuple[str, ...]:
    """Lower-case words of `text` with accents kept, as the syntax tree stores them."""
    return tuple(word for word in _QUERY_WORD.findall(text.lower()) if _WORD.search(word))


def index_words(text: str) -> list[str]:
    """Words of an item's text as the index and the matcher compare them."""
    lowered = text.lower()
    if lowered.isascii():  # most news and posts: no folding to do
        return _ASCII_WORD.findall(lowered)
    return _WORD.findall(lowered.translate(_FOLD))
