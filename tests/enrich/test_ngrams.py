"""Hashed n-grams of a batch: which n-grams count, stable columns, evidence names, batching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.enrich.ngrams import FeatureSpec, analysed_form, featurise

SPEC = FeatureSpec(word_ngrams=(1, 2), char_ngrams=(2, 4), n_features=2**16)


def names(text: str, spec: FeatureSpec = SPEC) -> list[str]:
    batch = featurise([text], spec)
    where = batch.row_slice(0)
    return sorted(
        batch.text[batch.starts[i] : batch.starts[i] + batch.lengths[i]]
        for i in range(where.start, where.stop)
    )


def test_tokens_are_lower_cased_words_and_single_punctuation_marks() -> None:
    assert analysed_form("Gempa, M6.2!\x00 di  Lombok") == " gempa , m6 . 2 ! di lombok "


def test_char_ngrams_stay_inside_one_padded_token_and_words_pair_up() -> None:
    found = names("Ab cd")
    words = {"ab", "cd", "ab cd"}
    chars = {" a", "ab", "b ", " ab", "ab ", " ab ", " c", "cd", "d ", " cd", "cd ", " cd "}
    assert set(found) == words | chars
    assert "b c" not in found and "b cd" not in found  # never across a token boundary


def test_empty_and_blank_documents_have_no_features() -> None:
    batch = featurise(["", "   ", "\x00"], SPEC)
    assert batch.matrix.nnz == 0 and batch.matrix.shape == (3, SPEC.width)


def test_the_same_ngram_gets_the_same_column_in_any_document_and_batch() -> None:
    first = featurise(["banjir bandang"], SPEC).matrix
    second = featurise(["kota", "banjir bandang di kota"], SPEC).matrix
    assert set(first.indices) <= set(second[1].indices)
    assert not set(first.indices) & {c for c in second[0].indices if c < SPEC.n_features}


def test_each_part_of_a_row_has_unit_norm_when_nothing_repeats() -> None:
    row = featurise(["gempa bumi"], SPEC).matrix
    row.sum_duplicates()
    words = row.data[row.indices < SPEC.n_features]
    chars = row.data[row.indices >= SPEC.n_features]
    assert np.isclose(np.dot(words, words), 1.0) and np.isclose(np.dot(chars, chars), 1.0)


def test_a_repeated_ngram_counts_more() -> None:
    once = featurise(["banjir"], SPEC).matrix
    twice = featurise(["banjir banjir"], SPEC).matrix
    twice.sum_duplicates()
    column = int(once.indices[once.indices < SPEC.n_features][0])
    weights = dict(zip(twice.indices.tolist(), twice.data.tolist(), strict=True))
    assert weights[column] > once.data[once.indices == column][0]


def test_evidence_names_read_as_in_the_text() -> None:
    batch = featurise(["Banjir melanda Jakarta", "tidak ada"], SPEC)
    where = batch.row_slice(0)
    shown = {batch.name(i) for i in range(where.start, where.stop)}
    assert {"banjir", "melanda jakarta", "jak"} <= shown


@pytest.mark.parametrize("bad", [3, 0, 2**16 + 1])
def test_spec_refuses_a_width_that_is_not_a_power_of_two(bad: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        FeatureSpec(n_features=bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_a_batch_equals_its_documents_one_at_a_time(texts: list[str]) -> None:
    batch = featurise(texts, SPEC).matrix.toarray()
    alone = np.vstack([featurise([t], SPEC).matrix.toarray() for t in texts])
    assert np.allclose(batch, alone)


def test_a_batch_hashed_in_chunks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Banjir melanda Jakarta timur", "gempa", "", "Kemlu: WNI aman"] * 3
    whole = featurise(texts, SPEC)
    monkeypatch.setattr("dcc.enrich.ngrams.CHUNK_CHARS", 40)
    chunked = featurise(texts, SPEC)
    assert np.allclose(whole.matrix.toarray(), chunked.matrix.toarray())
    names = [whole.name(i) for i in range(whole.matrix.nnz)]
    assert [chunked.name(i) for i in range(chunked.matrix.nnz)] == names
