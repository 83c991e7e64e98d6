"""Fixtures for the ingest tests; `shared_data` (the real datasets) comes from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Read a small file the project wrote, from tests/fixtures, by name."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read
