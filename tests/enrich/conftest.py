"""Fixtures shared by the enrichment tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from affect_fixtures import save_tiny_models


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny sentiment_id, sentiment_en and emotion_id models, trained once per module."""
    folder = tmp_path_factory.mktemp("models")
    save_tiny_models(folder)
    return folder
