"""Words: the matcher splits text exactly as SQLite FTS5 (unicode61 remove_diacritics 2) does."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.query.text import fold_word, index_words, query_words

# Scripts the watch floor reads (Latin with accents, Greek, Cyrillic), digits, punctuation
# and combining accents. U+037F (Greek yot) came after the Unicode 6.1 tables FTS5 uses.
LATIN_GREEK_CYRILLIC = st.characters(
    min_codepoint=0x20,
    max_codepoint=0x04FF,
    categories=["L", "M", "N", "P", "S", "Zs"],
    exclude_characters="\u037f",
)
LATIN_EXTENDED_ADDITIONAL = st.characters(min_codepoint=0x1E00, max_codepoint=0x1EFF)


def fts5_words(conn: sqlite3.Connection, text: str) -> list[str]:
    conn.execute("DELETE FROM f")
    conn.execute("INSERT INTO f(t) VALUES (?)", (text,))
    return [row[0] for row in conn.execute("SELECT term FROM v ORDER BY offset")]


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE VIRTUAL TABLE f USING fts5(t, tokenize="unicode61 remove_diacritics 2")')
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    return conn


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gempa M5,4 di Lombok", ["gempa", "m5", "4", "di", "lombok"]),
        (
            "COVID-19: Indonesia's #PrayForLombok",
            ["covid", "19", "indonesia", "s", "prayforlombok"],
        ),
        ("warga_negara kemlu.go.id", ["warga", "negara", "kemlu", "go", "id"]),
        ("Café ÉCOLE naïve Ibu-kota", ["cafe", "ecole", "naive", "ibu", "kota"]),
        ("İstanbul Ærø ß ẞ", ["istanbul", "ærø", "ß", "ß"]),
        ("йод Ελλάδα ệ µ ς", ["йод", "ελλάδα", "e", "μ", "σ"]),
        ("de\u0301ja\u0300 a\u0332b", ["deja", "a", "b"]),
        ("Jakarta—Bandung «Bogor»", ["jakarta", "bandung", "bogor"]),
    ],
)
def test_examples(fts5: sqlite3.Connection, text: str, expected: list[str]) -> None:
    assert index_words(text) == expected
    assert fts5_words(fts5, text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(LATIN_GREEK_CYRILLIC, LATIN_EXTENDED_ADDITIONAL), max_size=40))
def test_index_words_agree_with_fts5(fts5: sqlite3.Connection, text: str) -> None:
    assert index_words(text) == fts5_words(fts5, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(LATIN_GREEK_CYRILLIC, LATIN_EXTENDED_ADDITIONAL), max_size=40))
def test_query_words_fold_to_index_words(text: str) -> None:
    """A query word and the same word in an item compare equal after folding."""
    assert [fold_word(word) for word in query_words(text)] == index_words(text)


def test_query_words_keep_accents_for_postgresql() -> None:
    assert query_words("Café İstanbul") == ("café", "i\u0307stanbul")
    assert fold_word("café") == "cafe"
