"""Sentiment: labels, evidence and model names; graceful degradation for other languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dcc.enrich import sentiment
from dcc.enrich.affect_text import prepare_text
from dcc.enrich.sentiment import classify_sentiment


@pytest.fixture
def tiny_models(tiny_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sentiment, "model_dir", lambda name: tiny_folder / name)
    sentiment.load_sentiment_model.cache_clear()
    yield
    sentiment.load_sentiment_model.cache_clear()


@pytest.mark.usefixtures("tiny_models")
def test_indonesian_with_evidence() -> None:
    label, why = classify_sentiment("Pelayanannya buruk dan lambat, saya kecewa!", "id")
    assert label.label == "negative" and 1 / 3 < label.score <= 1
    assert why["model"] == "sentiment_id"
    assert any("kecewa" in e["ngram"] or "buruk" in e["ngram"] for e in why["evidence"])


@pytest.mark.usefixtures("tiny_models")
def test_english_uses_english_model() -> None:
    label, why = classify_sentiment("Great service, friendly and delicious.", "en")
    assert label.label == "positive" and why["model"] == "sentiment_en"


@pytest.mark.usefixtures("tiny_models")
def test_regional_language_borrows_indonesian_model() -> None:
    label, why = classify_sentiment("pelayanan apik lan ramah, enak sekali", "jv")
    assert why["model"] == "sentiment_id" and "Indonesian model" in why["note"]
    assert label.label in {"positive", "neutral", "negative"}


def test_unknown_language_is_unsure_neutral() -> None:
    label, why = classify_sentiment("Das Essen war wunderbar", "de")
    assert label.label == "neutral" and label.score == pytest.approx(1 / 3)
    assert "'de'" in why["reason"]


@pytest.mark.usefixtures("tiny_models")
def test_empty_text() -> None:
    label, why = classify_sentiment("   ", "id")
    assert label.label == "neutral" and why["reason"] == "empty text"


def test_preparation_matches_training_form() -> None:
    assert prepare_text("Gak bagus bgt, KECEWA!!") == "tidak neg_bagus neg_banget , kecewa ! !"
    assert prepare_text("It wasn't good.") == "it wasn ' t neg_good ."
    assert prepare_text("cek https://x.id/a @budi") == "cek [url] [username]"


def test_shipped_models() -> None:
    sentiment.load_sentiment_model.cache_clear()
    assert classify_sentiment("makanannya tidak enak, pelayanan lambat", "id")[0].label == (
        "negative"
    )
    assert classify_sentiment("tempatnya nyaman, makanannya enak", "id")[0].label == "positive"
    label, _ = classify_sentiment("The food was delicious and the staff were lovely.", "en")
    assert label.label == "positive"
