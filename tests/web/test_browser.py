"""The first page in a real browser: Playwright driving Debian's chromium against `dcc serve`.

Runs a real server process (uvicorn) on a free localhost port, as a user would.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.records import RawItem, Source, SourceKind
from dcc.store.database import create_db_engine

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    engine = create_db_engine(sqlite_url)
    do_sync_sources(
        engine,
        [Source(id="antara-id", kind=SourceKind.RSS, url="https://antara.example/rss", lang="id")],
    )
    do_ingest_stream(
        engine,
        [
            RawItem(
                source_id="antara-id",
                external_id="1",
                title="Gempa magnitudo 5,4 guncang Lombok",
                text="Warga Lombok mengungsi setelah gempa",
                lang="id",
            ),
            RawItem(
                source_id="antara-id",
                external_id="2",
                title="Banjir rendam Jakarta Utara",
                text="Ribuan warga terdampak banjir",
                lang="id",
            ),
        ],
        source_id="antara-id",
    )
    engine.dispose()
    port = free_port()
    env = {**os.environ, "DCC_DATABASE_URL": sqlite_url, "DCC_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        [sys.executable, "-m", "dcc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/api/v1/sources", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, "dcc serve exited"
        assert time.monotonic() < deadline, "dcc serve did not start"
        time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=15)


def test_open_search_and_see_results(server: str) -> None:
    if CHROMIUM is None:
        if os.environ.get("DCC_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required in CI (make browser installs it)")
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(server + "/")
        assert "Latest items" in page.locator("h1").inner_text()
        assert page.locator("#results li").count() == 2
        page.get_by_label("Search items").fill("lombok")
        page.keyboard.press("Enter")
        page.wait_for_url("**/?q=lombok*")
        results = page.locator("#results li")
        assert results.count() == 1
        assert "Lombok" in results.first.inner_text()
        assert "1 item ·" in page.locator("#result-count").inner_text()
        page.screenshot(path=str(ARTIFACTS / "home-search.png"), full_page=True)
        page.get_by_label("Search items").fill("tsunami")
        page.keyboard.press("Enter")
        page.wait_for_url("**/?q=tsunami*")
        assert "No items match" in page.locator("#empty").inner_text()
        browser.close()
