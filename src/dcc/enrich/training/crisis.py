"""Training and leave-events-out evaluation of the crisis models (`dcc train crisis`).

Data: ../shared/data/crisislex-t26 (26 crises, crowd-labelled; some held back by the data
owner) and crisislex-t6 (on-topic/off-topic, used only for `related`).

Label mapping from CrisisLex T26:
| Informativeness                 | related     | informative     |
|---------------------------------|-------------|-----------------|
| Related and informative         | related     | informative     |
| Related - but not informative   | related     | not_informative |
| Not related                     | not_related | not_informative |
| Not applicable                  | (dropped: tweet not judged, e.g. not English) |
Information Type "Affected individuals" -> affected_individuals, "Infrastructure and utilities"
-> infrastructure_and_utilities, "Donations and volunteering" -> donations_and_volunteering,
"Caution and advice" -> caution_and_advice, "Sympathy and support" -> sympathy_and_support,
"Other Useful Information" -> other_useful_information; "Not labeled" and "Not applicable"
are dropped from info_type training. The info_type model learns from related tweets only.
T6: on-topic -> related, off-topic -> not_related.

Evaluation never scores an event the model saw: EVAL_EVENTS are held out of training (and of
the tuning of C, which uses VALIDATION_EVENTS carved out of the training events).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dcc.enrich.crisis import MODEL_NAME, CrisisModels, prepare_text
from dcc.enrich.evaluation import EvalResult
from dcc.enrich.modelio import model_dir, save_json
from dcc.enrich.textclf import FeatureSpec, LinearTextClassifier, train_linear

T26 = "crisislex-t26"
T6 = "crisislex-t6"
COMMAND = "dcc train crisis"

INFORMATIVENESS = {
    "Related and informative": ("related", "informative"),
    "Related - but not informative": ("related", "not_informative"),
    "Not related": ("not_related", "not_informative"),
}
INFO_TYPE = {
    "Affected individuals": "affected_individuals",
    "Infrastructure and utilities": "infrastructure_and_utilities",
    "Donations and volunteering": "donations_and_volunteering",
    "Caution and advice": "caution_and_advice",
    "Sympathy and support": "sympathy_and_support",
    "Other Useful Information": "other_useful_information",
}
T6_LABELS = {"on-topic": "related", "off-topic": "not_related"}

# Held out for the reported scores: five types of crisis (earthquake, flood, wildfire, shooting,
# derailment) on three continents, none of them also in T6.
EVAL_EVENTS = (
    "2012_Italy_earthquakes",
    "2013_Colorado_floods",
    "2013_Australia_bushfire",
    "2013_LA_airport_shootings",
    "2013_Spain_train_crash",
)
# Carved out of the training events to choose C; again mixed types, none in T6.
VALIDATION_EVENTS = (
    "2012_Guatemala_earthquake",
    "2013_Sardinia_floods",
    "2013_NY_train_crash",
    "2013_Brazil_nightclub_fire",
)
C_GRID = (1.0, 4.0, 16.0)
SPEC = FeatureSpec(word_ngrams=(1, 2), char_ngrams=(2, 5), n_features=2**17)
TASKS = ("related", "informative", "info_type")


@dataclass(frozen=True, slots=True)
class Tweet:
    event: str  # folder name, e.g. "2013_Boston_bombings"
    text: str  # prepared with prepare_text
    related: str | None
    informative: str | None  # None: T6 tweet, or T26 "Not applicable"
    info_type: str | None  # None: not a related T26 tweet with one of the six types


def load_t26(data_dir: Path) -> list[Tweet]:
    """Every labelled T26 tweet under data_dir/crisislex-t26 (prepared text)."""
    tweets: list[Tweet] = []
    for path in sorted((data_dir / T26).glob("*/*-tweets_labeled.csv")):
        event = path.parent.name
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = csv.reader(handle)
            next(rows, None)  # header: Tweet ID, Tweet Text, Source, Type, Informativeness
            for row in rows:
                if len(row) < 5:
                    continue
                pair = INFORMATIVENESS.get(row[4].strip())
                related, informative = pair if pair else (None, None)
                info_type = INFO_TYPE.get(row[3].strip()) if related == "related" else None
                tweets.append(Tweet(event, prepare_text(row[1]), related, informative, info_type))
    return tweets


def load_t6(data_dir: Path, *, exclude: Sequence[str] = ()) -> list[Tweet]:
    """T6 tweets as related/not_related, skipping events named like any in `exclude`."""
    skip = {name.casefold() for name in exclude}
    tweets: list[Tweet] = []
    for path in sorted((data_dir / T6).glob("*/*-ontopic_offtopic.csv")):
        event = path.parent.name
        if event.casefold() in skip:
            continue
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = csv.reader(handle)
            next(rows, None)  # header: tweet id, tweet, label
            for row in rows:
                label = T6_LABELS.get(row[2].strip()) if len(row) >= 3 else None
                if label:
                    tweets.append(Tweet(event, prepare_text(row[1]), label, None, None))
    return tweets


def task_rows(tweets: Sequence[Tweet], task: str) -> tuple[list[str], list[str]]:
    """Texts and labels of the tweets that carry a label for `task`."""
    texts: list[str] = []
    labels: list[str] = []
    for tweet in tweets:
        label = getattr(tweet, task)
        if label is not None:
            texts.append(tweet.text)
            labels.append(label)
    return texts, labels


def fit_task(
    tweets: Sequence[Tweet], task: str, c: float, meta: dict[str, Any] | None = None
) -> LinearTextClassifier:
    """One logistic regression for `task` (balanced classes: the minority labels matter)."""
    texts, labels = task_rows(tweets, task)
    return train_linear(texts, labels, spec=SPEC, c=c, class_weight="balanced", meta=meta)


def macro_f1(gold: Sequence[str], predicted: Sequence[str], *, weighted: bool = False) -> float:
    """Macro (or support-weighted) F1 over the gold labels' classes."""
    from sklearn.metrics import f1_score

    average = "weighted" if weighted else "macro"
    return float(f1_score(gold, predicted, average=average, labels=sorted(set(gold))))
