"""Emotion: Indonesian only, with evidence; None with a reason elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dcc.enrich import emotion
from dcc.enrich.emotion import classify_emotion
from dcc.enrich.labels import EMOTION_LABELS


@pytest.fixture
def tiny_models(tiny_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(emotion, "model_dir", lambda name: tiny_folder / name)
    emotion.load_emotion_model.cache_clear()
    yield
    emotion.load_emotion_model.cache_clear()


@pytest.mark.usefixtures("tiny_models")
def test_indonesian_emotion_with_evidence() -> None:
    label, why = classify_emotion("Aku takut banget, khawatir gempa lagi", "id")
    assert label is not None and label.label == "fear"
    assert why["model"] == "emotion_id" and why["evidence"]


def test_other_languages_get_none() -> None:
    label, why = classify_emotion("I am so happy today", "en")
    assert label is None and "'en'" in why["reason"]


@pytest.mark.usefixtures("tiny_models")
def test_empty_text_gets_none() -> None:
    assert classify_emotion("", "id")[0] is None


def test_shipped_model() -> None:
    emotion.load_emotion_model.cache_clear()
    label, _ = classify_emotion("Aku sedih banget, menangis terus ditinggal dia", "id")
    assert label is not None and label.label in EMOTION_LABELS
    assert label.label == "sadness"
