"""Choosing the sentence encoder's second opinion on cross-validation folds (training/opinion)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dcc.enrich.training.affect_data import Corpus
from dcc.enrich.training.opinion import ASK_BELOW, C_GRID, choose_opinion, fit_encoder_head
from dcc.enrich.training.wordvectors import Blend
from dcc.enrich.wordvectors import VectorHead

LABELS = ("negative", "neutral", "positive")
WORD_OF = {"negative": "awful", "neutral": "tuesday", "positive": "lovely"}


def sentence_vectors(texts: Sequence[str]) -> np.ndarray:
    # A stand-in sentence space: each label's word has its own direction, plus a little noise
    # from the text's number so that no two rows are the same point.
    rows = []
    for text in texts:
        word, number = text.split()
        vector = [float(word == WORD_OF[label]) for label in LABELS]
        rows.append(np.array(vector) + 0.01 * (int(number) % 7))
    return np.array(rows, np.float32)


def corpus() -> Corpus:
    labels = [LABELS[i % 3] for i in range(60)]
    return Corpus([f"{WORD_OF[y]} {i}" for i, y in enumerate(labels)], labels, "fixture")


def blend_with(held_out: np.ndarray) -> Blend:
    head = VectorHead(LABELS, np.zeros((3, 2)), np.zeros(3))
    return Blend(head, 0.5, 1.0, {}, held_out=held_out, labels=LABELS)


def test_an_opinion_that_fixes_unsure_rows_is_chosen_and_fitted_on_everything() -> None:
    data = corpus()
    # The blend is right and sure on even rows, wrong and unsure on odd ones.
    held_out = np.zeros((len(data), 3))
    for row, label in enumerate(data.labels):
        right = LABELS.index(label)
        if row % 2:
            held_out[row] = 0.3
            held_out[row, (right + 1) % 3] = 0.4
        else:
            held_out[row] = 0.1
            held_out[row, right] = 0.8
    seen: list[Sequence[int]] = []

    def head_rows(held: Sequence[int]) -> Corpus:
        seen.append(held)
        kept = [i for i in range(len(data)) if i not in set(held)]
        return Corpus([data.texts[i] for i in kept], [data.labels[i] for i in kept], "fixture")

    opinion, record = choose_opinion(data, blend_with(held_out), head_rows, sentence_vectors)
    assert opinion is not None and opinion.below == ASK_BELOW and opinion.head.labels == LABELS
    assert record["cv_macro_f1_without"] < 0.6 < max(record["cv_macro_f1"].values())
    # The final head learns from all rows (asked for first); each C's fold heads without
    # their held rows, each row held once.
    assert seen[0] == [] and sum(len(held) for held in seen) == len(data) * len(C_GRID)
    asked = opinion.head.probabilities(sentence_vectors(["lovely 3"]))[0]
    assert LABELS[int(asked.argmax())] == "positive"


def test_no_opinion_where_the_blend_is_already_sure() -> None:
    data = corpus()
    held_out = np.full((len(data), 3), 0.05)
    for row, label in enumerate(data.labels):
        held_out[row, LABELS.index(label)] = 0.9

    def head_rows(held: Sequence[int]) -> Corpus:
        return data

    opinion, record = choose_opinion(data, blend_with(held_out), head_rows, sentence_vectors)
    assert opinion is None and record["reason"] == "no share improved the blend"
    assert record["cv_macro_f1_without"] == 1.0


def test_the_encoder_head_lists_its_labels_in_the_models_order() -> None:
    data = corpus()
    head = fit_encoder_head(sentence_vectors(data.texts), data.labels, 1.0, LABELS[::-1])
    assert head.labels == LABELS[::-1]
    (row,) = head.probabilities(sentence_vectors(["awful 1"]))
    assert head.labels[int(row.argmax())] == "negative"
