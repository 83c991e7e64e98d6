"""Near-duplicates: retweets and syndicated copies collapse, different texts do not, memory is
bounded, short texts match only exactly, re-runs are idempotent, the state saves and restores."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from dcc.enrich.dedupe import (
    MAX_CHARS,
    DedupeStateError,
    NearDuplicateIndex,
    shingles_of,
    words_of,
)
from dcc.enrich.normalize import informal_id_lexicon, text_features

ORIGINAL = (
    "Gempa berkekuatan 5,8 magnitudo mengguncang Lombok Utara pada Minggu malam, "
    "BMKG menyatakan tidak berpotensi tsunami dan warga diminta tetap tenang."
)
# The same report from another outlet: a different source line and a different link.
SYNDICATED = (
    "JAKARTA, KOMPAS.com - Gempa berkekuatan 5,8 magnitudo mengguncang Lombok Utara pada "
    "Minggu malam, BMKG menyatakan tidak berpotensi tsunami dan warga diminta tetap tenang. "
    "https://kompas.example/read/123"
)
DIFFERENT_SAME_EVENT = (
    "Warga Lombok Utara berhamburan keluar rumah saat gempa terjadi, sejumlah bangunan "
    "dilaporkan retak namun belum ada laporan korban jiwa."
)


def test_retweet_and_syndicated_copy_point_to_the_earliest() -> None:
    index = NearDuplicateIndex()
    assert index.add("a", ORIGINAL)[0] is None
    found, why = index.add("b", f"RT @infoBMKG: {ORIGINAL} https://t.co/xyz")
    assert found == "a"
    assert why["shared_shingles"] == 1.0
    found, why = index.add("c", SYNDICATED)
    assert found == "a"
    assert why["method"] == "minhash-lsh"
    assert why["shared_shingles"] >= 0.7 and 0 < why["similarity"] <= 1


def test_informal_spelling_does_not_hide_a_copy() -> None:
    index = NearDuplicateIndex()
    index.add("a", "Jalan tol yang menuju bandara sudah ditutup karena banjir setinggi lutut")
    found, _ = index.add("b", "Jalan tol yg menuju bandara udah ditutup krn banjir setinggi lutut")
    assert found == "a"


def test_different_report_of_the_same_event_is_not_a_copy() -> None:
    index = NearDuplicateIndex()
    index.add("a", ORIGINAL)
    found, why = index.add("b", DIFFERENT_SAME_EVENT)
    assert found is None
    assert why["method"] == "minhash-lsh"


def test_short_texts_match_only_exactly() -> None:
    index = NearDuplicateIndex()
    index.add("a", "Innalillahi, turut berduka")
    assert index.add("b", "innalillahi turut berduka!!")[0] == "a"
    found, why = index.add("c", "Innalillahi, turut berduka cita")
    assert found is None
    assert "exact match only" in why["reason"]


def test_no_words_is_never_a_duplicate() -> None:
    index = NearDuplicateIndex()
    index.add("a", "https://t.co/abc")
    assert index.add("b", "https://t.co/abc")[0] is None


def test_window_forgets_the_oldest() -> None:
    index = NearDuplicateIndex(max_docs=3)
    index.add("a", ORIGINAL)
    for i in range(3):
        index.add(f"x{i}", f"laporan lain nomor {i} tentang hal yang sama sekali berbeda {i}")
    assert len(index) == 3
    assert index.add("b", ORIGINAL)[0] is None  # "a" has left the window
    assert index.add("c", ORIGINAL)[0] == "b"


def test_same_id_again_returns_the_first_answer() -> None:
    index = NearDuplicateIndex()
    index.add("a", ORIGINAL)
    first = index.add("b", SYNDICATED)
    assert index.add("b", SYNDICATED) == first
    assert index.add("a", SYNDICATED)[0] is None  # "a" keeps its own first answer
    assert len(index) == 2


def test_shingles_after_normalisation() -> None:
    words = words_of("RT @user: Gak ada yg tau https://t.co/x")
    assert words == ["tidak", "ada", "yang", "tahu"]
    assert shingles_of(words) == {"tidak ada yang", "ada yang tahu"}


@pytest.mark.parametrize("bad", [{"threshold": 0.0}, {"threshold": 1.5}, {"max_docs": 0}])
def test_rejects_bad_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        NearDuplicateIndex(**bad)


def _words_via_text_features(text: str) -> list[str]:
    """What words_of must equal: the prose of text_features, standardised word by word."""
    lexicon = informal_id_lexicon()
    words: list[str] = []
    for word in re.findall(r"\w+", text_features(text).prose.lower()):
        standard = lexicon.get(word)
        words.extend(standard.lower().split() if standard else [word])
    return words


@pytest.mark.parametrize(
    "text",
    [
        "RT @user: Gak ada yg tau https://t.co/x",
        "RT@user: hi there #Banjir",
        "https://t.co/a RT @b: yg lain",  # the marker after a link still counts as one
        "  rt @a: lihat www.EXAMPLE.com/x?y=1 sekarang",
        "HTTPS://X.Y/Z kata @Foo_bar#tag e-mail a@b.com",
        "İstanbul @İİİ merhaba",  # lower() turns İ into two characters
        "zero\u200bwidth and ﬁ ligature ①",
        "Rtx bukan retweet",
    ],
)
def test_words_are_those_of_the_normalised_prose(text: str) -> None:
    assert words_of(text) == _words_via_text_features(text)


def test_long_articles_are_compared_on_their_opening() -> None:
    index = NearDuplicateIndex()
    opening = " ".join(f"kalimat nomor {i} tentang gempa di Lombok." for i in range(60))
    assert len(opening) > MAX_CHARS
    index.add("a", opening + " Penutup yang sama sekali berbeda. " * 40)
    found, _ = index.add("b", opening + " Bagian akhir lain lagi dari laporan. " * 40)
    assert found == "a"


def test_state_round_trip_answers_identically() -> None:
    first = NearDuplicateIndex(max_docs=3)
    first.add("short", "Innalillahi, turut berduka")
    first.add("a", ORIGINAL)
    first.add("short2", "innalillahi turut berduka!!")
    first.add("b", SYNDICATED)  # "short" leaves the window; "short2" stays but is a copy
    saved = json.loads(json.dumps(first.state()))  # plain JSON types only
    restored = NearDuplicateIndex.from_state(saved)
    assert len(restored) == len(first) == 3
    assert restored.add("b", "anything") == first.add("b", "anything")  # first answer kept
    for doc_id, text in [
        ("e", "Innalillahi, turut berduka"),
        ("d", ORIGINAL),
        ("f", f"RT @x: {DIFFERENT_SAME_EVENT}"),
        ("g", DIFFERENT_SAME_EVENT),
    ]:
        assert restored.add(doc_id, text) == first.add(doc_id, text)
    assert restored.state() == first.state()


@pytest.mark.parametrize(
    ("state", "message"),
    [({"version": 2}, "version 2"), ({"version": 1, "threshold": 0.7}, "malformed.*KeyError")],
)
def test_bad_state_is_refused(state: dict[str, Any], message: str) -> None:
    with pytest.raises(DedupeStateError, match=message):
        NearDuplicateIndex.from_state(state)
