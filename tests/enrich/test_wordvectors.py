"""Word vectors and blended classifiers: small hand-made tables, then the shipped models."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.affect_text import affect_features
from dcc.enrich.emotion import classify_emotions
from dcc.enrich.sentiment import classify_sentiments, load_sentiment_model
from dcc.enrich.textclf import LinearTextClassifier, train_linear
from dcc.enrich.wordvectors import (
    BLEND_KEY,
    HEAD_FILE,
    OPINION_HEAD_FILE,
    OPINION_KEY,
    BlendedClassifier,
    SecondOpinion,
    VectorHead,
    WordVectors,
    batch_forms,
    load_classifier,
)


def table() -> WordVectors:
    # "good" and "bagus" share a direction, "bad" and "buruk" the opposite one.
    vectors = np.array([[1, 0], [1, 0.1], [-1, 0], [-1, -0.1], [0, 1]], dtype=np.float32)
    return WordVectors(["good", "bagus", "bad", "buruk", "the"], vectors, np.ones(5))


def test_a_document_vector_is_the_weighted_mean_of_its_known_words() -> None:
    words = WordVectors(["a", "b"], np.array([[1, 0], [0, 1]], np.float32), np.array([3, 1]))
    (vector,) = words.embed(["a b unknown neg_a"])  # a negated word keeps its own vector
    expected = np.array([6, 1], np.float32) / np.linalg.norm([6, 1])
    assert np.allclose(vector, expected)


def test_a_document_without_known_words_gets_a_zero_vector() -> None:
    assert not table().embed(["", "zzz qqq"]).any()


def test_the_head_scores_a_document_the_same_alone_and_in_a_batch() -> None:
    rng = np.random.default_rng(3)
    head = VectorHead(["neg", "pos"], rng.normal(size=(2, 64)), rng.normal(size=2))
    vectors = rng.normal(size=(37, 64)).astype(np.float32)
    together = head.probabilities(vectors)
    alone = np.vstack([head.probabilities(vectors[i : i + 1]) for i in range(len(vectors))])
    assert np.array_equal(together, alone)
    assert np.allclose(together.sum(axis=1), 1)


def _blend(folder: Path, share: float) -> BlendedClassifier:
    texts = ["good film", "bad film", "the good day", "the bad day"]
    labels = ["positive", "negative", "positive", "negative"]
    ngrams = train_linear(texts, labels, meta={BLEND_KEY: {"ngram_share": share}})
    head = VectorHead(ngrams.labels, np.array([[-3, 0], [3, 0]], np.float32), np.zeros(2))
    return BlendedClassifier(ngrams, head, table(), share)


def test_the_vector_head_carries_words_the_ngrams_never_saw(tmp_path: Path) -> None:
    blend = _blend(tmp_path, 0.5)
    # "bagus" and "buruk" are in no training text: only the cross-lingual vectors know them.
    (label, _), (other, _) = blend.predict(["bagus", "buruk"])
    assert (label, other) == ("positive", "negative")
    batch = blend.featurise(["bagus"])
    assert batch_forms(batch) == [" bagus "]
    probabilities = blend.probabilities(batch)[0]
    ngram_part = blend.ngrams.probabilities(batch)[0]
    head_part = blend.head_probabilities(batch)[0]
    assert np.allclose(probabilities, 0.5 * ngram_part + 0.5 * head_part)


def test_a_saved_blend_loads_with_the_table_beside_it(tmp_path: Path) -> None:
    blend = _blend(tmp_path, 0.7)
    blend.save(tmp_path / "sentiment_xx")
    table().save(tmp_path / "word_vectors", {"command": "test"})
    loaded = load_classifier(tmp_path / "sentiment_xx")
    assert isinstance(loaded, BlendedClassifier) and loaded.ngram_share == 0.7
    assert loaded.predict(["bagus"])[0][0] == "positive"
    # Half-precision storage moves the vectors by < 1e-3.
    assert np.allclose(loaded.vectors.vectors, table().vectors, atol=1e-3)


def test_a_model_without_a_head_loads_as_ngrams_alone(tmp_path: Path) -> None:
    plain = train_linear(["good", "bad"], ["positive", "negative"], meta={BLEND_KEY: None})
    plain.save(tmp_path / "plain")
    assert type(load_classifier(tmp_path / "plain")) is LinearTextClassifier
    _blend(tmp_path, 0.5).save(tmp_path / "headless")
    (tmp_path / "headless" / HEAD_FILE).unlink()
    assert type(load_classifier(tmp_path / "headless")) is LinearTextClassifier


def test_head_labels_must_match_the_ngram_model() -> None:
    ngrams = train_linear(["good", "bad"], ["positive", "negative"])
    head = VectorHead(["a", "b"], np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="labels"):
        BlendedClassifier(ngrams, head, table(), 0.5)


def _sentence_vectors(texts: Sequence[str]) -> np.ndarray:
    # A stand-in sentence space for these unit tests: "good" texts one way, others the other.
    return np.array([[1.0, 0.0] if "good" in t else [0.0, 1.0] for t in texts], np.float32)


def _opinion(share: float = 0.5, max_chars: int = 40) -> SecondOpinion:
    head = VectorHead(["negative", "positive"], np.array([[-4, 4], [4, -4]]), np.zeros(2))
    return SecondOpinion(head, share, 0.6, max_chars, embed=_sentence_vectors)


def test_the_second_opinion_is_asked_only_of_unsure_short_texts() -> None:
    blended = np.array([[0.55, 0.45], [0.9, 0.1], [0.5, 0.5], [0.52, 0.48]])
    prose = ["not good at all?", "bad", "good " * 20, ""]
    # Row 1 is sure; row 2 is longer than max_chars; row 3 has no text to read.
    assert _opinion().rows_to_ask(blended, prose) == [0]


def test_the_second_opinion_reads_the_text_without_links_and_mentions() -> None:
    read: list[str] = []

    def recording(texts: Sequence[str]) -> np.ndarray:
        read.extend(texts)
        return _sentence_vectors(texts)

    opinion = SecondOpinion(_opinion().head, 0.5, 0.6, 40, embed=recording)
    tweet = "RT @kbri: good news http://t.co/" + "x" * 40  # too long only with its link
    _, asked = opinion.revise(np.array([[0.5, 0.5], [0.5, 0.5]]), [tweet, "@a http://t.co/b"])
    assert read == ["good news"] and list(asked) == [0]


def test_the_second_opinion_counts_for_its_share_of_the_asked_rows() -> None:
    blended = np.array([[0.55, 0.45], [0.9, 0.1]])
    revised, asked = _opinion(share=0.5).revise(blended, ["good enough", "bad"])
    assert set(asked) == {0} and asked[0][1] > 0.99  # the head reads "good" as positive
    assert np.allclose(revised[0], 0.5 * asked[0] + 0.5 * blended[0])
    assert revised[0].argmax() == 1  # the opinion turned the unsure row
    assert np.array_equal(revised[1], blended[1])
    assert blended[0, 0] == 0.55  # the caller's scores are left as they were


def test_a_saved_blend_keeps_its_second_opinion(tmp_path: Path) -> None:
    blend = _blend(tmp_path, 0.5)
    head = VectorHead(blend.labels, np.array([[4, -4], [-4, 4]]), np.zeros(2))
    blend.opinion = SecondOpinion(head, 0.7, 0.45, 600)
    blend.ngrams.meta[BLEND_KEY] = {"ngram_share": 0.5, OPINION_KEY: blend.opinion.settings()}
    table().save(tmp_path / "word_vectors", {"command": "test"})
    blend.save(tmp_path / "sentiment_xx")
    loaded = load_classifier(tmp_path / "sentiment_xx")
    assert isinstance(loaded, BlendedClassifier) and loaded.opinion is not None
    assert loaded.opinion.settings() == {"share": 0.7, "below": 0.45, "max_chars": 600}
    assert np.array_equal(loaded.opinion.head.coef, head.coef)
    blend.opinion = None  # saved again without one: its file goes, and so does the opinion
    blend.ngrams.meta[BLEND_KEY] = {"ngram_share": 0.5}
    blend.save(tmp_path / "sentiment_xx")
    assert not (tmp_path / "sentiment_xx" / OPINION_HEAD_FILE).exists()
    reloaded = load_classifier(tmp_path / "sentiment_xx")
    assert isinstance(reloaded, BlendedClassifier) and reloaded.opinion is None


def test_second_opinion_settings_are_checked() -> None:
    head = VectorHead(["a", "b"], np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="out of"):
        SecondOpinion(head, 0.0, 0.45, 600)


# --- the shipped models ---------------------------------------------------------------------


def test_shipped_sentiment_and_emotion_models_blend_word_vectors() -> None:
    english = load_sentiment_model("sentiment_en")
    assert isinstance(english, BlendedClassifier)
    assert 0 < english.ngram_share < 1
    texts = ["The embassy staff were wonderful and helpful.", "Pelayanannya buruk sekali."]
    results = classify_sentiments(texts, ["en", "id"], affect_features(texts))
    assert [label.label for label, _ in results] == ["positive", "negative"]
    for _, why in results:
        assert 0 <= why["word_vectors"]["probability"] <= 1 and why["evidence"]
    ((emotion, why),) = classify_emotions(["aku sedih sekali, menangis terus"], ["id"])
    assert emotion is not None and emotion.label == "sadness" and "word_vectors" in why


def test_english_words_missing_from_the_english_training_rows_still_count() -> None:
    # NusaX-en train has 500 rows; the head learned these words' meaning from Indonesian.
    english = load_sentiment_model("sentiment_en")
    assert isinstance(english, BlendedClassifier)
    batch = english.featurise(["disgusting , rude and filthy", "superb , delightful , lovely"])
    head = english.head_probabilities(batch)
    labels = english.labels
    assert labels[int(head[0].argmax())] == "negative"
    assert labels[int(head[1].argmax())] == "positive"


def test_embed_points_where_the_weighted_bag_of_words_does() -> None:
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(50)]
    table_ = WordVectors(words, rng.normal(size=(50, 16)), rng.uniform(0.1, 1, size=50))
    forms = [" " + " ".join(rng.choice([*words, "zz"], size=n)) + " " for n in (0, 1, 7, 40)]
    forms.insert(2, " zz zz ")  # no known word between two documents that have some
    expected = np.asarray(table_.bag(forms) @ table_.vectors)
    norms = np.linalg.norm(expected, axis=1, keepdims=True)
    expected = np.divide(expected, norms, out=np.zeros_like(expected), where=norms > 0)
    assert np.allclose(table_.embed(forms), expected, atol=1e-6)
    alone = np.vstack([table_.embed([form]) for form in forms])
    assert np.array_equal(table_.embed(forms), alone)


def test_blend_whys_of_a_batch_are_each_rows_alone() -> None:
    from dcc.enrich.affect_text import affect_features
    from dcc.enrich.emotion import load_emotion_model
    from dcc.enrich.wordvectors import blend_whys

    model = load_emotion_model()
    batch = affect_features(["saya sangat senang hari ini", "takut sekali", "marah!"])
    rows, labels = [2, 0], ["anger", "happy"]
    assert blend_whys(model, batch, rows, labels) == [
        blend_whys(model, batch, [row], [label])[0] for row, label in zip(rows, labels, strict=True)
    ]
    assert blend_whys(model, batch, [], []) == []


def test_a_lexicon_head_takes_its_share_and_is_saved_with_the_blend(tmp_path: Path) -> None:
    from dcc.enrich.lexicon import fit_lexicon_head

    blend = _blend(tmp_path, 0.5)
    lexicon = fit_lexicon_head([" good ", " bad ", " nice ", " awful "],
                               ["positive", "negative"] * 2, c=1.0)  # fmt: skip
    three = BlendedClassifier(blend.ngrams, blend.head, table(), 0.3, lexicon, 0.4)
    batch = three.featurise(["superb film", "bagus"])
    ngram_part = 0.3 * three.ngrams.probabilities(batch)
    head_part = (1 - 0.3 - 0.4) * three.head_probabilities(batch)
    expected = ngram_part + head_part + 0.4 * three.lexicon_probabilities(batch)
    assert np.array_equal(three.probabilities(batch), expected)
    three.ngrams.meta[BLEND_KEY] = {"ngram_share": 0.3, "lexicon_share": 0.4}
    three.save(tmp_path / "sentiment_xx")
    table().save(tmp_path / "word_vectors", {"command": "test"})
    loaded = load_classifier(tmp_path / "sentiment_xx")
    assert isinstance(loaded, BlendedClassifier) and loaded.lexicon is not None
    assert loaded.lexicon_share == 0.4
    assert np.allclose(loaded.probabilities(batch), expected, atol=1e-3)  # float16 vectors
    # Saved again without a lexicon, the old head file goes: a stale one is never read.
    BlendedClassifier(blend.ngrams, blend.head, table(), 0.5).save(tmp_path / "sentiment_xx")
    assert not (tmp_path / "sentiment_xx" / "lexicon_head.npz").exists()


def test_shares_must_blend() -> None:
    from dcc.enrich.lexicon import LexiconHead

    blend = _blend(Path("."), 0.5)
    lexicon = LexiconHead(blend.labels, np.zeros(6), np.ones(6), np.zeros((2, 6)), np.zeros(2))
    with pytest.raises(ValueError, match="do not blend"):
        BlendedClassifier(blend.ngrams, blend.head, table(), 0.7, lexicon, 0.4)
    with pytest.raises(ValueError, match="do not blend"):
        BlendedClassifier(blend.ngrams, blend.head, table(), 0.5, None, 0.3)


def test_the_english_model_asks_the_sentence_encoder_only_when_unsure() -> None:
    english = load_sentiment_model("sentiment_en")
    assert isinstance(english, BlendedClassifier) and english.opinion is not None
    texts = [
        "The embassy staff were wonderful and helpful.",  # the blend is sure: 0.64
        # Unsure (0.41 negative from the words): the encoder reads the "but ... tried".
        "The new airport opened last week; the queue was long but the staff tried their best.",
    ]
    (_, sure), (label, asked) = classify_sentiments(texts, ["en", "en"], affect_features(texts))
    assert "sentence_encoder" not in sure
    opinion = asked["sentence_encoder"]
    assert opinion["share"] == english.opinion.share and 0 <= opinion["probability"] <= 1
    assert "below 0.45" in opinion["reason"]
    # The label is the revised one: the blend alone would have said otherwise or been unsure.
    blended = english.probabilities(affect_features([texts[1]], english.spec))[0]
    assert blended.max() < english.opinion.below
    assert label.score == pytest.approx(
        english.opinion.share * opinion["probability"]
        + (1 - english.opinion.share) * blended[english.labels.index(label.label)],
        abs=1e-4,
    )
