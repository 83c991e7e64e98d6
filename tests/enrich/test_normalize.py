"""Normalisation: Unicode and whitespace, social-media marks, informal Indonesian spellings."""

from __future__ import annotations

from dcc.enrich.normalize import (
    informal_id_lexicon,
    normalize_informal_id,
    normalize_text,
    text_features,
)


def test_normalize_text_nfkc_zero_width_and_spaces() -> None:
    assert normalize_text("  Ｊａｋａｒｔａ\u200b  banjir\n\n\tlagi ") == "Jakarta banjir lagi"
    assert normalize_text("ﬁle") == "file"  # NFKC ligature
    assert normalize_text("kata\u200dsatu\ufeff") == "katasatu"
    assert normalize_text("") == ""


def test_text_features_extracts_marks_and_keeps_prose() -> None:
    found = text_features(
        "RT @BMKG_Official: Gempa M5.2 di #Lombok, info: https://bmkg.go.id/gempa?id=1. @Kemlu_RI"
    )
    assert found.is_retweet
    assert found.urls == ("https://bmkg.go.id/gempa?id=1",)
    assert found.mentions == ("bmkg_official", "kemlu_ri")
    assert found.hashtags == ("Lombok",)
    assert found.prose == "Gempa M5.2 di Lombok, info:"


def test_text_features_does_not_read_email_or_numbers_as_marks() -> None:
    found = text_features("kirim ke humas@kemlu.go.id, kamar #12")
    assert found.mentions == ()
    assert found.hashtags == ()
    assert not found.is_retweet


def test_informal_indonesian_to_standard() -> None:
    assert normalize_informal_id("Gak ada yg tau dia udah pergi krn hujan") == (
        "Tidak ada yang tahu dia sudah pergi karena hujan"
    )
    assert normalize_informal_id("mahal bgt, tdk sesuai dgn harga") == (
        "mahal banget, tidak sesuai dengan harga"
    )


def test_informal_leaves_standard_and_ambiguous_words() -> None:
    # "kaya" (rich), "dr" (doctor), "kl" (Kuala Lumpur) are deliberately not in the lexicon.
    text = "dr Budi orang kaya dari KL"
    assert normalize_informal_id(text) == text
    assert normalize_informal_id("gakpapa") == "gakpapa"  # whole words only


def test_lexicon_file_is_well_formed() -> None:
    lexicon = informal_id_lexicon()
    assert len(lexicon) > 50
    assert lexicon["yg"] == "yang"
    assert all(key == key.lower() and " " not in key for key in lexicon)
