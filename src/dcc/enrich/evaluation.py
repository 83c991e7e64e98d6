"""Evaluation rows for `dcc eval`: one per task and dataset, with baseline and published anchor."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EvalResult:
    task: str  # "sentiment", "language", ...
    dataset: str  # "indonlu-smsa valid", ...
    metric: str  # "macro-F1", "accuracy", ...
    score: float  # DCC's default pipeline
    baseline: float | None  # the classical baseline, measured here on the same split
    baseline_name: str  # "TF-IDF + logistic regression", ...
    anchor: str  # the published reference (DESIGN §7), as text
    target: float | None  # the target, if any
    n: int  # documents scored
    notes: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
