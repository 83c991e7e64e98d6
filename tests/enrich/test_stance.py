"""Stance toward Indonesia: only the sentences about its state count; None when none do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.enrich import sentiment
from dcc.enrich.stance import (
    MAX_CHARS,
    TermsFileError,
    load_terms,
    matched_terms,
    split_sentences,
    stance_toward_indonesia,
    terms_in,
)


@pytest.fixture
def tiny_models(tiny_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sentiment, "model_dir", lambda name: tiny_folder / name)
    sentiment.load_sentiment_model.cache_clear()
    yield
    sentiment.load_sentiment_model.cache_clear()


def test_split_sentences_keeps_abbreviations_and_numbers() -> None:
    text = 'Dr. Budi tiba di Jl. Sudirman. Harga naik 3.5 persen! Benar? "Ya," katanya.\nU.S. said.'
    assert split_sentences(text) == [
        "Dr. Budi tiba di Jl. Sudirman.",
        "Harga naik 3.5 persen!",
        "Benar?",
        '"Ya," katanya.',
        "U.S. said.",
    ]


def test_terms_need_context_where_ambiguous() -> None:
    assert matched_terms("Flooding in Jakarta killed three people.") == []
    assert matched_terms("Jakarta rejected the claim.") == ["Jakarta rejected"]
    assert matched_terms("Menlu AS bertemu pers.") == []
    assert matched_terms("Menlu Sugiono bertemu pers.") == ["Menlu", "Sugiono"]
    assert matched_terms("Kata pemerintah Indonesia.") == ["pemerintah Indonesia"]
    assert matched_terms("the river is deep") == []  # "ri" only in exact case
    assert "KBRI" in matched_terms("KBRI di Tokyo membuka layanan")
    assert len(load_terms()) > 40


@pytest.mark.usefixtures("tiny_models")
def test_stance_follows_the_sentences_about_indonesia() -> None:
    text = (
        "Makanannya enak sekali, pelayanan sangat bagus dan ramah. "
        "Tapi kebijakan pemerintah Indonesia buruk dan merugikan, saya kecewa."
    )
    label, why = stance_toward_indonesia(text, "id")
    assert label is not None and label.label == "negative"
    assert why["terms"] == ["pemerintah Indonesia"]
    assert [s["text"] for s in why["sentences"]] == [split_sentences(text)[1]]
    assert why["sentences"][0]["label"] == "negative" and why["model"] == "sentiment_id"


def test_none_when_indonesia_is_absent() -> None:
    label, why = stance_toward_indonesia("The weather in Paris was fine.", "en")
    assert label is None and "no sentence" in why["reason"]


def test_language_without_model_is_unsure_neutral() -> None:
    label, why = stance_toward_indonesia("Die Regierung von Indonesia sagte nichts.", "de")
    assert label is not None and label.label == "neutral"
    assert why["terms"] == ["Indonesia"]


@pytest.mark.parametrize(
    "text",
    [
        "INDONESIAN GOVERNMENT SAID NOTHING.",
        "Kepolisian Republik Indonesia membuka posko.",
        "Ketua DPR RI bicara. Lalu Presiden Jokowi datang.",
        "Jakarta's position is clear.",
        "Jakarta is flooded again.",
        "Menlu AS tiba.",
        "the river is deep; tnI and dpR are lower case",
        "\u212aBRI di Tokyo",  # Kelvin sign: IGNORECASE matches it to K
        "Duta Besar RI untuk Jepang",
        "Wakil Presiden Gibran meninjau lokasi.",
        "The İndonesian presıdent spoke; PEMERİNTAH İNDONESİA diam.",  # IGNORECASE: ı, İ ~ i
        "The Indonesian embassy and Indonesian navy, but no Indonesian police.",
    ],
)
def test_document_search_agrees_with_every_term_per_sentence(text: str) -> None:
    # terms_in skips a term whose anchor is absent: it must never skip one that matches.
    found_per_sentence = {t for s in split_sentences(text) for t in matched_terms(s)}
    found_in_document = {t for s in split_sentences(text) for t in matched_terms(s, terms_in(text))}
    assert found_in_document == found_per_sentence


# The terms' own words, in any case, with the letters IGNORECASE reads as others ("ı" and "İ"
# as "i", the Kelvin sign as "k"), among ordinary words and sentence ends.
_TERM_WORDS = sorted({w for term in load_terms() for w in term.source.split() if w.isalpha()})
_VARIANTS = {"i": ("i", "ı", "İ", "I"), "k": ("k", "K", "\u212a"), "s": ("s", "S", "ſ")}


@st.composite
def _texts_near_terms(draw: st.DrawFn) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 12))):
        word = draw(st.sampled_from([*_TERM_WORDS, "kata", "the", ".", "\n", "dan"]))
        pieces.append("".join(
            draw(st.sampled_from(_VARIANTS.get(ch.lower(), (ch.lower(), ch.upper()))))
            for ch in word
        ))  # fmt: skip
    return " ".join(pieces)


@settings(max_examples=300, deadline=None)
@given(_texts_near_terms())
def test_document_search_never_skips_a_term_that_matches(text: str) -> None:
    found_per_sentence = {t for s in split_sentences(text) for t in matched_terms(s)}
    found_in_document = {t for s in split_sentences(text) for t in matched_terms(s, terms_in(text))}
    assert found_in_document == found_per_sentence


def test_every_term_matches_where_its_anchor_is() -> None:
    for term in load_terms():
        assert term.anchor, term.source
        if not term.source.startswith("\\b"):  # word and exact terms: their own text matches
            assert term in terms_in(f"kata {term.source} kata"), term.source


def test_regex_without_a_leading_word_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text("word\tIndonesia\nregex\t(?:Menlu|Dubes)\\b\n", encoding="utf-8")
    with pytest.raises(TermsFileError, match=r"terms.tsv:2: a regex must start with"):
        load_terms(path)


def test_only_the_opening_of_a_long_document_is_read() -> None:
    text = "Cuaca cerah hari ini. " * (MAX_CHARS // 20) + "Pemerintah Indonesia diam."
    label, why = stance_toward_indonesia(text, "xx")
    assert label is None and "no sentence" in why["reason"]


def test_a_batch_gives_each_document_its_own_stance() -> None:
    from dcc.enrich.stance import stances_toward_indonesia

    texts = [
        "Kemlu RI gagal melindungi WNI. Makanannya enak.",
        "Cuaca cerah hari ini.",
        "The Indonesian foreign ministry did excellent work evacuating citizens.",
        "Kemenlu bekerja sangat baik dan cepat.",
        "Kemlu RI mengeluarkan pernyataan.",
    ]
    langs = ["id", "id", "en", "id", "fr"]
    alone = [stance_toward_indonesia(t, g) for t, g in zip(texts, langs, strict=True)]
    assert stances_toward_indonesia(texts, langs) == alone
    assert alone[1][0] is None and alone[4][1]["reason"].startswith("no sentiment model")
