"""`dcc train word_vectors` on the real training splits, and the shipped table's provenance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.modelio import model_dir
from dcc.enrich.training import wordvectors as training
from dcc.enrich.training.crisis import EVAL_EVENTS
from dcc.enrich.wordvectors import VECTORS_NAME, WordVectors


def test_the_shipped_table_records_how_it_was_made() -> None:
    meta = json.loads((model_dir(VECTORS_NAME) / "meta.json").read_text())
    assert meta["command"] == "dcc train word_vectors"
    assert not any("valid" in source or "test" in source for source in meta["source_files"])
    assert not any(event in source for event in EVAL_EVENTS for source in meta["source_files"])
    table = WordVectors.load(model_dir(VECTORS_NAME))
    assert table.dimensions == meta["dimensions"] and len(table.index) == meta["words"]


def test_words_of_reads_what_the_pipeline_looks_up() -> None:
    assert training.words_of("Tidak BAGUS!!! https://x.id @budi") == [
        "tidak", "bagus", "url", "username"
    ]  # fmt: skip


@pytest.mark.training
def test_distilling_the_real_training_text(shared_data: Path, tmp_path: Path) -> None:
    meta = training.train(shared_data, tmp_path)
    assert meta["words"] > 15_000 and meta["sentences"] > 20_000
    end, start = meta["residual_per_sentence"]["end"], meta["residual_per_sentence"]["start"]
    assert end < 0.7 * start  # the fit moved the words toward whole-sentence meaning
    table = WordVectors.load(tmp_path / VECTORS_NAME)
    good, bagus, buruk = table.embed([" good ", " bagus ", " buruk "])
    assert float(np.dot(good, bagus)) > float(np.dot(good, buruk))
