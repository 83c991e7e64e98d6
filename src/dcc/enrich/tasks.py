"""The enrichment tasks that `dcc train` and `dcc eval` know, each a training module with
`train(data_dir, out_dir=None) -> dict` and `evaluate(data_dir) -> list[EvalResult]`."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from dcc.errors import DCCError

TASKS: dict[str, str] = {
    "language": "dcc.enrich.training.language",
    # Before sentiment and emotion: their vector heads read this table.
    "word_vectors": "dcc.enrich.training.wordvectors",
    "sentiment": "dcc.enrich.training.sentiment",
    "emotion": "dcc.enrich.training.emotion",
    "entities": "dcc.enrich.training.entities",
    "geo": "dcc.enrich.training.geo",  # evaluation only: gazetteers, nothing to train
    "crisis": "dcc.enrich.training.crisis",
}


def task_module(name: str) -> ModuleType:
    if name not in TASKS:
        raise DCCError(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    return importlib.import_module(TASKS[name])


def default_data_dir() -> Path:
    """../shared/data beside the checkout, or DCC_DATA_DIR."""
    configured = os.environ.get("DCC_DATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def require_data_dir(path: Path | None) -> Path:
    data_dir = path or default_data_dir()
    if not data_dir.is_dir():
        raise DCCError(
            f"no datasets at {data_dir}: pass --data or set DCC_DATA_DIR to ../shared/data"
        )
    return data_dir
