"""Crisis training: label mapping, leave-events-out split, saved models, real-data score floors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from dcc.enrich.crisis import MODEL_NAME, CrisisModels, classify_by_model
from dcc.enrich.modelio import load_json, model_dir
from dcc.enrich.textclf import FeatureSpec, train_linear
from dcc.enrich.training import crisis as training

SMALL = FeatureSpec(n_features=2**12)  # fast fixture training; real models use training.SPEC
# (text, information type, informativeness) rows written for every fixture event.
ROWS = [
    ("3 people dead and 20 injured in {e}", "Affected individuals", "Related and informative"),
    (
        "roads closed and power out after {e}",
        "Infrastructure and utilities",
        "Related and informative",
    ),
    (
        "donate to the red cross for {e} victims",
        "Donations and volunteering",
        "Related and informative",
    ),
    ("stay indoors, avoid the area of {e}", "Caution and advice", "Related and informative"),
    ("praying for everyone hit by {e}", "Sympathy and support", "Related - but not informative"),
    ("photos of {e} http://t.co/x", "Other Useful Information", "Related and informative"),
    ("omg {e} wow", "Other Useful Information", "Related - but not informative"),
    ("loving this sunny weekend", "Not labeled", "Not related"),
    ("new album out now, listen", "Not labeled", "Not related"),
    ("que pasa hoy", "Not labeled", "Not applicable"),
]
EVENTS = {
    "2012_Italy_earthquakes": "the quake",  # an evaluation event
    "2012_Guatemala_earthquake": "the earthquake",  # a validation event
    "2013_NY_train_crash": "the derailment",  # a validation event
    "2013_Boston_bombings": "the blast",
    "2013_Alberta_floods": "the flood",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for event, name in EVENTS.items():
        folder = root / training.T26 / event
        folder.mkdir(parents=True)
        with (folder / f"{event}-tweets_labeled.csv").open("w", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(["Tweet ID", " Tweet Text", " Information Source", " Type", " Info"])
            for copy in range(3):
                for number, (text, kind, informativeness) in enumerate(ROWS):
                    tweet = f"{text.format(e=name)} {'!' * copy}"
                    writer.writerow([f"{copy}{number}", tweet, "Media", kind, informativeness])
    folder = root / training.T6 / "2013_Boston_Bombings"
    folder.mkdir(parents=True)
    with (folder / "2013_Boston_Bombings-ontopic_offtopic.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet id", " tweet", " label"])
        writer.writerows(
            [["'1'", "explosion at the marathon", "on-topic"], ["'2'", "lunch", "off-topic"]]
        )
    return root


def test_label_mapping(data_dir: Path) -> None:
    tweets = training.load_t26(data_dir)
    assert len(tweets) == len(EVENTS) * 3 * len(ROWS)
    by_text = {t.text: t for t in tweets if t.event == "2013_Alberta_floods"}
    dead = by_text["0 people dead and 0 injured in the flood"]
    assert (dead.related, dead.informative, dead.info_type) == (
        "related",
        "informative",
        "affected_individuals",
    )
    sympathy = by_text["praying for everyone hit by the flood"]
    assert (sympathy.related, sympathy.informative) == ("related", "not_informative")
    assert sympathy.info_type == "sympathy_and_support"
    unrelated = by_text["loving this sunny weekend"]
    assert (unrelated.related, unrelated.info_type) == ("not_related", None)
    unjudged = by_text["que pasa hoy"]
    assert (unjudged.related, unjudged.informative) == (None, None)
    t6 = training.load_t6(data_dir)
    assert [t.related for t in t6] == ["related", "not_related"]
    assert training.load_t6(data_dir, exclude=["2013_boston_bombings"]) == []


def test_evaluation_events_are_held_out(data_dir: Path) -> None:
    tweets = training.load_t26(data_dir)
    seen, unseen = training.split_events(tweets, training.EVAL_EVENTS)
    assert {t.event for t in unseen} == {"2012_Italy_earthquakes"}
    assert not {t.event for t in seen} & set(training.EVAL_EVENTS)
    assert not set(training.VALIDATION_EVENTS) & set(training.EVAL_EVENTS)


def test_cv_folds_cover_training_events_once() -> None:
    events = ["a", "b", "c", "d", *training.VALIDATION_EVENTS]
    folds = training.cv_folds(events)
    assert folds[0] == training.VALIDATION_EVENTS
    assert sorted(e for fold in folds for e in fold) == sorted(events)


def test_with_bias_moves_the_decision_toward_the_label() -> None:
    texts = ["dead and injured", "roads closed", "so sad", "thoughts with you"]
    labels = ["informative", "informative", "not_informative", "not_informative"]
    model = train_linear(texts, labels, spec=SMALL)
    odds = training.informative_log_odds(model, texts)
    biased = training.with_bias(model, "informative", 1.5)
    assert np.allclose(training.informative_log_odds(biased, texts), odds + 1.5, atol=1e-4)
    assert biased.meta["bias"] == {"label": "informative", "log_odds": 1.5}


def test_plateau_centre_is_the_middle_of_the_near_best_biases() -> None:
    grid = [0.0, 0.25, 0.5, 0.75, 1.0]
    # 0.5 and 0.75 tie within BIAS_TIE: whichever is ahead, the choice is the same.
    assert training.plateau_centre(grid, [0.70, 0.78, 0.7903, 0.7900, 0.77]) == 0.625
    assert training.plateau_centre(grid, [0.70, 0.78, 0.7900, 0.7903, 0.77]) == 0.625
    assert training.plateau_centre(grid, [0.70, 0.789, 0.790, 0.789, 0.77]) == 0.5
    assert training.plateau_centre(grid, [0.70, 0.75, 0.80, 0.76, 0.70]) == 0.5


def test_train_saves_models_and_meta(data_dir: Path, tmp_path: Path) -> None:
    meta = training.train(data_dir, tmp_path / "crisis", spec=SMALL, c_grid=(1.0,))
    assert meta["command"] == "dcc train crisis"
    assert meta["events"] == sorted(EVENTS)
    assert set(meta["c"]) == set(training.TASKS)
    assert min(training.BIAS_GRID) <= meta["informative_bias"] <= max(training.BIAS_GRID)
    assert (
        "crisislex-t6/2013_Boston_Bombings/2013_Boston_Bombings-ontopic_offtopic.csv"
        in (meta["source_files"])
    )
    assert load_json(tmp_path / "crisis" / "meta.json") == meta
    models = CrisisModels.load(tmp_path / "crisis")
    ((label, _),) = classify_by_model(["RT @x: 5 people dead and 40 injured in the storm"], models)
    assert label.related and label.info_type == "affected_individuals"


def test_evaluate_scores_only_unseen_events(data_dir: Path) -> None:
    results = training.evaluate(data_dir, spec=SMALL, c_grid=(1.0,))
    assert [r.task for r in results] == ["crisis.informative", "crisis.related", "crisis.info_type"]
    informative = results[0]
    assert informative.n == 3 * (len(ROWS) - 1)  # the Italy rows less "Not applicable"
    assert informative.target == 0.80 and 0 <= informative.score <= 1
    assert results[2].n == 3 * 7  # related rows with one of the six types


def test_shipped_models_meta() -> None:
    folder = model_dir(MODEL_NAME)
    meta = load_json(folder / "meta.json")
    assert meta["command"] == "dcc train crisis"
    assert meta["bytes"] <= 7_000_000  # 6.2 MB now; the issue asks for about 5
    held_back = {"2012_Typhoon_Pablo", "2013_Bohol_earthquake", "2013_Typhoon_Yolanda"}
    assert not held_back & set(meta["events"])


@pytest.mark.training
def test_real_data_scores_on_unseen_events(shared_data: Path) -> None:
    results = {r.task: r for r in training.evaluate(shared_data)}
    # Floors a little below the measured figures (see the issue report), so a regression fails.
    # Measured 2026-11-24: informative 0.804, related 0.647, info_type (weighted) 0.648.
    assert results["crisis.informative"].score >= 0.78
    assert results["crisis.related"].score >= 0.62
    assert results["crisis.info_type"].score >= 0.63
