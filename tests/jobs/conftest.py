"""Fixtures running the job-queue tests on every backend: the jobs table always, NATS when
`DCC_TEST_NATS_URL` names a server (STYLE rule 12)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from queue_backends import NATS_SKIP_REASON, NATS_URL, Backend

from dcc.jobs.base import JobQueue
from dcc.store.database import create_db_engine
from dcc.store.migrate import migrate


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test instead of migrating each time (STYLE rule 12)."""
    path = tmp_path_factory.mktemp("jobs-template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    # Closing the last connection checkpoints the WAL into the file, so a copy is complete.
    engine.dispose()
    return path


@pytest.fixture(
    params=["table", pytest.param("nats", marks=[pytest.mark.nats, pytest.mark.network])]
)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path
) -> AsyncIterator[Backend]:
    """Each backend in turn; on NATS each test gets its own streams and subjects."""
    if request.param == "table":
        db = tmp_path / "jobs.db"
        shutil.copyfile(migrated_template, db)
        backend = Backend(kind="table", store={"db": str(db)})
    else:
        backend = Backend(kind="nats", store=_nats_store())
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture(params=[pytest.param("nats", marks=[pytest.mark.nats, pytest.mark.network])])
async def nats_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """NATS only, for what only NATS has (headers on dead letters, foreign publishers)."""
    backend = Backend(kind="nats", store=_nats_store())
    try:
        yield backend
    finally:
        await backend.close()


def _nats_store() -> dict[str, Any]:
    """A stream and subjects no other test uses; the Backend deletes the streams afterwards."""
    if not NATS_URL:
        # In CI a missing service is a failure, not a skip (see tests/conftest.py).
        if os.environ.get("DCC_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"NATS is required in CI: {NATS_SKIP_REASON}")
        pytest.skip(NATS_SKIP_REASON)
    unique = uuid.uuid4().hex[:12]
    return {
        "url": NATS_URL,
        "stream": f"TEST_{unique}",
        "subject_prefix": f"test{unique}.jobs",
        "dead_prefix": f"test{unique}.dead",
    }


@pytest.fixture
async def queue(backend: Backend) -> JobQueue:
    """A queue with the defaults (60 s lease, 5 attempts); tests of expiry open their own."""
    return await backend.open()


@pytest.fixture
def topic() -> str:
    """A dotted topic, like the real ones, to exercise the mapping to NATS consumer names."""
    return "items.process"
