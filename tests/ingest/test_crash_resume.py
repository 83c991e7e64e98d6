"""A process killed with SIGKILL mid-ingest loses nothing and doubles nothing on restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dcc.store.items import count_items

pytestmark = pytest.mark.slow

TOTAL_LINES = 50_000
DISTINCT = 48_000  # the last 2,000 lines repeat earlier ids, as a re-sent export would


def write_input(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for line in range(TOTAL_LINES):
            doc_id = line if line < DISTINCT else line - DISTINCT
            doc = {
                "id": f"post-{doc_id}",
                "text": f"Laporan banjir nomor {doc_id} dari warga",
                "published_at": "2026-11-20T08:00:00+07:00",
                "lang": "id",
            }
            handle.write(json.dumps(doc) + "\n")


def run_ingest(db_url: str, home: Path, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DCC_DATABASE_URL": db_url, "DCC_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "dcc", "ingest", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return count_items(conn)


def test_kill_mid_ingest_then_resume(engine: Engine, db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "posts.jsonl"
    write_input(data)
    process = run_ingest(db_url, tmp_path / "home", data)
    deadline = time.monotonic() + 120
    while stored(engine) < 5_000:  # wait until it is well into the file
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    if process.stderr:
        process.stderr.close()
    partial = stored(engine)
    assert 0 < partial < DISTINCT, "the kill should land mid-ingest"

    again = run_ingest(db_url, tmp_path / "home", data)
    _, errors = again.communicate(timeout=300)
    assert again.returncode == 0, errors.decode()
    assert stored(engine) == DISTINCT

    third = run_ingest(db_url, tmp_path / "home", data)
    third.communicate(timeout=300)
    assert stored(engine) == DISTINCT
