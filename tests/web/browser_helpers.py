"""What the browser tests share: a real `dcc serve` subprocess on a free localhost port over a
test's SQLite database, Debian's chromium launched by Playwright, signing in by the form, and
where screenshots go (test-artifacts/)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from web_helpers import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
WAIT_MS = 20_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dcc_serve(database_url: str, home: Path) -> Iterator[str]:
    """`dcc serve` on a free port over `database_url`, as a user would run it; its base URL."""
    port = free_port()
    env = {**os.environ, "DCC_DATABASE_URL": database_url, "DCC_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dcc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "dcc serve exited"
            assert time.monotonic() < deadline, "dcc serve did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def require_chromium() -> str:
    """The chromium executable; the test skips without it (fails in CI)."""
    if CHROMIUM is None:
        if os.environ.get("DCC_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required in CI (make browser installs it)")
        pytest.skip("Debian's chromium is not installed (make browser)")
    return CHROMIUM


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and land on the dashboard."""
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
