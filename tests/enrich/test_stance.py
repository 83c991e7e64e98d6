"""Stance toward Indonesia: only the sentences about its state count; None when none do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from affect_fixtures import save_tiny_models

from dcc.enrich import sentiment
from dcc.enrich.stance import load_terms, matched_terms, split_sentences, stance_toward_indonesia


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    save_tiny_models(folder)
    return folder


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
