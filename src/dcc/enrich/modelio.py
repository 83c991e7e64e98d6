"""Model files: numpy arrays in .npz and metadata in .json, never pickle (DESIGN §5).

Models live in src/dcc/enrich/models/<name>/ and are produced by `dcc train` from
../shared/data; each folder's meta.json records the files and command that made it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODELS_DIR = Path(__file__).parent / "models"


class ModelMissingError(FileNotFoundError):
    """A model file is absent: run `dcc train` (or `make models`) to produce it."""


def model_dir(name: str) -> Path:
    return MODELS_DIR / name


def save_arrays(path: Path, **arrays: NDArray[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, allow_pickle=False, **arrays)


def load_arrays(path: Path) -> dict[str, NDArray[Any]]:
    if not path.exists():
        raise ModelMissingError(f"model file {path} is missing; run `dcc train`")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def save_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def load_json(path: Path) -> Any:
    if not path.exists():
        raise ModelMissingError(f"model file {path} is missing; run `dcc train`")
    return json.loads(path.read_text(encoding="utf-8"))
