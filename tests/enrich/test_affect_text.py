"""The affect models' features: prepared text hashed without being tokenised twice."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.enrich.affect_text import AFFECT_SPEC, affect_features, prepare_text
from dcc.enrich.ngrams import featurise

# Text with what prepare_text treats specially: URLs, mentions, masks written by hand,
# informal words, negations, elongation, the hasher's NUL separator, and a capital whose
# lower-case form is two code points.
PIECES = st.sampled_from(
    [
        "https://kemlu.go.id/x",
        "@kemlu_ri",
        "[url]",
        "[ x ]",
        "[]",
        "gak",
        "tidak bagus",
        "not good",
        "mantappp",
        "\x00",
        "İstanbul",
        "Gempa!",
        "#banjir",
        "n't",
        "_",
        "neg_",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=8).map(" ".join)


def _same(texts: list[str]) -> None:
    quick = affect_features(texts)
    slow = featurise([prepare_text(text) for text in texts], AFFECT_SPEC)
    assert quick.text == slow.text
    assert np.array_equal(quick.matrix.indptr, slow.matrix.indptr)
    assert np.array_equal(quick.matrix.indices, slow.matrix.indices)
    assert np.array_equal(quick.matrix.data, slow.matrix.data)
    assert np.array_equal(quick.starts, slow.starts)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_affect_features_equal_hashing_the_prepared_text(texts: list[str]) -> None:
    _same(texts)


def test_masks_and_separators_read_as_the_hasher_reads_them() -> None:
    _same(["Lihat https://kemlu.go.id [url] sekarang", "a\x00b [x]", "İSTANBUL gak bagus", ""])
    features = affect_features(["cek https://kemlu.go.id"])
    assert features.text == " cek [ url ] "
