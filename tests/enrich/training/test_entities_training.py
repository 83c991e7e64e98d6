"""NER training and evaluation: the CoNLL reader, entity F1, a tiny training run, real floors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.ner_crf import CrfModel, NerTagger
from dcc.enrich.training.entities import (
    CORPORA,
    UNLABELLED,
    MostFrequentTag,
    _fold_markers,
    entity_f1,
    evaluate,
    helper_sentences,
    learn_clusters,
    read_conll,
    train,
)
from dcc.enrich.wordvectors import WordVectors

NERGRIT = """Presiden\tO
Joko\tB-PERSON
Widodo\tI-PERSON
mengunjungi\tO
Jakarta\tB-PLACE
.\tO

Kementerian\tB-ORGANISATION
Luar\tI-ORGANISATION
Negeri\tI-ORGANISATION
di\tO
Bandung\tB-PLACE
"""
NERP = """menlu\tO
retno\tB-PPL
marsudi\tI-PPL
hadir\tO
di\tO
ktt\tB-EVT
asean\tI-EVT

pt\tB-IND
pertamina\tI-IND
makan\tO
rendang\tB-FNB
"""


def _write_corpora(root: Path) -> None:
    for corpus, body in zip(CORPORA, (NERGRIT, NERP), strict=True):
        folder = root / corpus.folder
        folder.mkdir(parents=True)
        for split in ("train", "valid"):
            (folder / f"{split}_preprocess.txt").write_text(body * 3, encoding="utf-8")
    for name, column in UNLABELLED:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = ["warga kota bandung makan di jakarta", "presiden jokowi tiba di bandung"]
        if column is None:
            path.write_text("".join(f"{row}\tpositive\n" for row in rows), encoding="utf-8")
        else:
            body = "".join(f'"{row}",x\n' for row in rows)
            path.write_text(f"{column},label\n{body}", encoding="utf-8")


def test_read_conll(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(NERGRIT, encoding="utf-8")
    sentences = read_conll(path)
    assert len(sentences) == 2
    assert sentences[0] == (
        ["Presiden", "Joko", "Widodo", "mengunjungi", "Jakarta", "."],
        ["O", "B-PERSON", "I-PERSON", "O", "B-PLACE", "O"],
    )


def test_read_conll_rejects_untagged_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("word-without-tag\n", encoding="utf-8")
    with pytest.raises(ValueError, match="word-without-tag"):
        read_conll(path)


def test_entity_f1_counts_exact_spans_and_types() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    assert entity_f1(gold, gold) == 1.0
    # One of two right (the LOC), one found wrong (PER cut short): P = R = 1/2.
    assert entity_f1(gold, [["B-PER", "O", "O", "B-LOC"]]) == pytest.approx(0.5)
    assert entity_f1(gold, [["O", "O", "O", "B-ORG"]]) == 0.0


def test_most_frequent_tag_baseline() -> None:
    baseline = MostFrequentTag([(["Joko", "di", "Jakarta"], ["B-PER", "O", "B-LOC"])], True)
    assert baseline.tag(["Jakarta", "Joko", "Bali"]) == ["B-LOC", "B-PER", "O"]


def test_train_and_evaluate_tiny_corpora(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write_corpora(data)
    out = tmp_path / "models"
    meta = train(data, out)
    assert meta["command"] == "dcc train entities"
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["models"].keys() == {
        "nergrit",
        "nerp",
    }
    assert meta["models"]["nerp"]["tag_map"]["EVT"] == "EVT"
    assert meta["clusters"]["words"] > 0
    results = evaluate(data, out)
    assert [r.dataset for r in results] == ["indonlu-nergrit valid", "indonlu-nerp valid"]
    assert all(r.score > 0.5 for r in results)  # it has seen these very sentences
    nergrit = CrfModel.load(out / "nergrit.npz")  # word classes travel in the model file
    assert nergrit.clusters is not None and "bandung" in nergrit.clusters.words
    assert NerTagger(nergrit).tag(["Presiden", "Joko", "Widodo"])[1] == "B-PERSON"


def test_word_classes_of_words_seen_twice() -> None:
    sentences = [
        [name, "tiba", "di", place, "."]
        for name in ("budi", "siti", "andi", "rina")
        for place in ("bandung", "garut", "tegal", "bogor")
    ]
    clusters = learn_clusters(sentences * 2)
    first = clusters.values("budi")
    assert first is not None and set(first) == {"c32", "c128", "c512"}
    assert clusters.values("tak-pernah-dilihat") is None


def test_classes_of_meaning_join_the_distributional_ones() -> None:
    sentences = [[name, "tiba", "di", "bandung"] for name in ("budi", "siti")] * 2
    rng = np.random.default_rng(0)
    vectors = WordVectors(["budi", "flood", "banjir"], rng.normal(size=(3, 8)), np.ones(3))
    clusters = learn_clusters(sentences, vectors)
    assert clusters.names == ("c32", "c128", "c512", "v64", "v256")
    both = clusters.values("budi")
    assert both is not None and set(both) == set(clusters.names)
    only_meaning = clusters.values("banjir")  # never in the sentences: no distributional class
    assert only_meaning is not None and set(only_meaning) == {"v64", "v256"}
    only_neighbours = clusters.values("tiba")
    assert only_neighbours is not None and set(only_neighbours) == {"c32", "c128", "c512"}


def test_shipped_models_on_the_valid_splits(shared_data: Path) -> None:
    nergrit, nerp = evaluate(shared_data)
    # Floors a little under the measured figures (see the report): a regression fails here.
    assert nergrit.score >= 0.73 and nergrit.score > nergrit.baseline  # type: ignore[operator]
    assert nerp.score >= 0.70 and nerp.score > nerp.baseline  # type: ignore[operator]


def test_helper_corpus_keeps_shared_types_only(tmp_path: Path) -> None:
    _write_corpora(tmp_path)
    helper = CORPORA[0].helper
    assert helper is not None and helper.folder == "indonlu-nerp"
    sentences = helper_sentences(tmp_path, helper)
    assert sentences[0] == (
        ["menlu", "retno", "marsudi", "hadir", "di", "ktt", "asean"],
        ["O", "B-PERSON", "I-PERSON", "O", "O", "O", "O"],  # the event is not NERGrit's
    )
    assert helper_sentences(tmp_path, None) == []


def test_feature_augmentation_folds_into_one_model() -> None:
    model = CrfModel(
        ["O", "B-PER"],
        np.zeros((2, 2)),
        ["own 0w=budi", "0w=budi", "helper 0w=budi", "helper 0w=siti", "bias"],
        np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 5.0], [0.0, 7.0], [0.5, 0.0]]),
        True,
    )
    folded = _fold_markers(model)
    assert folded.attributes == ["0w=budi", "bias"]
    assert folded.weights.tolist() == [[0.0, 3.0], [0.5, 0.0]]
