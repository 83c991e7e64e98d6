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
from web_helpers import PASSWORD, make_user

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
    make_user(engine, "ana")
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
            if httpx.get(base + "/login", timeout=1).status_code == 200:
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
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
        page.goto(server + "/")
        page.wait_for_url("**/login?next=*")  # not signed in: the login page first
        page.get_by_label("Username").fill("ana")
        page.get_by_label("Password").fill("not her password")
        page.get_by_role("button", name="Sign in").click()
        assert "Wrong username or password" in page.locator("#login-error").inner_text()
        page.get_by_label("Username").fill("ana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(server + "/")
        assert "ana" in page.locator("#signed-in-as").inner_text()
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
        # Switch to Bahasa Indonesia: the user's own setting from now on.
        page.get_by_role("button", name="Bahasa Indonesia").click()
        page.wait_for_load_state()
        assert "Tidak ada butir" in page.locator("#empty").inner_text()
        page.screenshot(path=str(ARTIFACTS / "home-indonesian.png"), full_page=True)
        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url("**/login*")
        browser.close()
