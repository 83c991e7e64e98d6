"""The English valence lexicon: VADER's ratings read off analysed forms, its head, and its
part in the shipped English sentiment blend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.affect_text import affect_features, prepare_text
from dcc.enrich.lexicon import (
    FEATURES,
    NEGATED_SCALE,
    LexiconHead,
    Reading,
    fit_lexicon_head,
    load_valences,
    rated_words,
    read_forms,
    strongest_rated_words,
    valence_features,
)
from dcc.enrich.ngrams import analysed_form
from dcc.enrich.sentiment import classify_sentiments, load_sentiment_model
from dcc.enrich.wordvectors import BlendedClassifier


def form(text: str) -> str:
    """The analysed form the blend reads at run time (the affect batch's document)."""
    return analysed_form(prepare_text(text))


def reading(text: str) -> Reading:
    (read,) = read_forms([form(text)])
    return read


def test_the_lexicon_is_vaders_single_words() -> None:
    valences = load_valences()
    assert len(valences) > 7_000
    assert valences["good"] > 1 and valences["terrible"] < -1
    assert all(word.islower() and " " not in word for word in valences)
    assert ":)" not in valences  # emoticons never survive the tokeniser as one token


def test_a_negated_word_reads_scaled_and_named_with_its_negation() -> None:
    found = rated_words(reading("The food was not good, the staff friendly."))
    assert found == [
        ("not good", pytest.approx(load_valences()["good"] * NEGATED_SCALE)),
        ("friendly", load_valences()["friendly"]),
    ]
    assert found[0][1] < 0


def test_strongest_rated_words_come_first_each_once() -> None:
    valences = load_valences()
    assert abs(valences["terrible"]) > valences["nice"] > valences["ok"] > 0
    shown = strongest_rated_words(reading("ok, nice nice, terrible"), 2)
    assert shown == [
        {"word": "terrible", "valence": valences["terrible"]},
        {"word": "nice", "valence": valences["nice"]},
    ]
    assert strongest_rated_words(reading("the table is brown"), 5) == []


def test_features_are_shares_of_length_so_an_article_reads_like_a_review() -> None:
    review = form("Great food, awful service.")
    article = " ".join([review] * 60)
    short, long = valence_features(read_forms([review, article]))
    assert short.shape == (len(FEATURES),)
    # The per-token shares are unchanged by repetition, the balance stays within (-1, 1)
    # (its +1 damps a lone weak word), and only the sqrt-scaled net grows, slowly.
    shares = [0, 1, 3, 4]
    assert np.allclose(short[shares], long[shares])
    assert 0 < short[2] < long[2] < 1
    assert abs(long[5]) <= abs(short[5]) * np.sqrt(60) + 1e-9


def test_documents_without_rated_words_have_zero_features() -> None:
    forms = ["", " ", form("kantor kedutaan besar"), form("12 , 13")]
    assert not valence_features(read_forms(forms)).any()


def test_the_head_learns_valence_and_scores_alone_as_in_a_batch(tmp_path: Path) -> None:
    texts = ["great and lovely", "awful , terrible", "the bus is at nine", "wonderful day",
             "horrible rude staff", "the office opens monday"] * 3  # fmt: skip
    labels = ["positive", "negative", "neutral"] * 6
    head = fit_lexicon_head([form(t) for t in texts], labels, c=1.0)
    forms = read_forms([form(t) for t in ("superb , brilliant", "disgusting and nasty", "a car")])
    together = head.probabilities(forms)
    alone = np.vstack([head.probabilities([f]) for f in forms])
    assert np.array_equal(together, alone)
    # None of these words is in the training texts: the lexicon knows them.
    assert [head.labels[i] for i in together.argmax(1)] == ["positive", "negative", "neutral"]
    head.save(tmp_path / "lexicon_head.npz")
    loaded = LexiconHead.load(tmp_path / "lexicon_head.npz")
    assert loaded.labels == head.labels
    assert np.array_equal(loaded.probabilities(forms), together)


def test_a_two_label_head_scores_both_labels() -> None:
    texts = ["great", "awful", "lovely", "nasty"] * 2
    head = fit_lexicon_head([form(t) for t in texts], ["pos", "neg", "pos", "neg"] * 2, c=1.0)
    probabilities = head.probabilities([reading("brilliant"), reading("horrible")])
    assert [head.labels[i] for i in probabilities.argmax(1)] == ["pos", "neg"]


def test_the_shipped_english_blend_uses_the_lexicon_and_explains_it() -> None:
    english = load_sentiment_model("sentiment_en")
    assert isinstance(english, BlendedClassifier) and english.lexicon is not None
    assert 0 < english.lexicon_share < 1 and english.head_share > 0
    texts = ["The consular staff were not helpful and the queue was dreadful."]
    ((label, why),) = classify_sentiments(texts, ["en"], affect_features(texts))
    assert label is not None and label.label == "negative"
    lexicon = why["lexicon"]
    assert lexicon["share"] == round(english.lexicon_share, 2)
    assert 0 <= lexicon["probability"] <= 1
    assert {"word": "dreadful", "valence": load_valences()["dreadful"]} in lexicon["words"]
    assert any(w["word"] == "not helpful" and w["valence"] < 0 for w in lexicon["words"])


def test_indonesian_sentiment_has_no_lexicon_part() -> None:
    texts = ["Pelayanan kedutaan sangat baik."]
    ((_, why),) = classify_sentiments(texts, ["id"], affect_features(texts))
    assert "lexicon" not in why and "word_vectors" in why
