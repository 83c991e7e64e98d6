"""Issue 5's flow in a real browser: Playwright driving Debian's chromium against `dcc serve`.

A real server process (uvicorn) on a free localhost port, as a user would run it; the test
process stores and processes items in the same SQLite database while the page is open (a
replayed stream), so the dashboard must fill without a reload: new items by polling, alerts
by the live stream (Server-Sent Events). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from browser_helpers import ARTIFACTS, CHROMIUM_ARGS, WAIT_MS, dcc_serve, require_chromium
from page_helpers import LabelEnricher, store_items

from dcc.accounts.records import LOCAL_OPERATOR
from dcc.alerts.queries import list_alerts
from dcc.alerts.records import AlertStatus
from dcc.alerts.workers import AlertMatcher
from dcc.ingest.actions import do_ingest_stream
from dcc.ingest.workers import process_items
from dcc.records import RawItem
from dcc.store.database import create_db_engine
from web_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
SEED = [
    ("antara-id", "id", "Gempa guncang Lombok"),
    ("bbc-en", "en", "Earthquake hits Lombok, Indonesia"),
]
# The replayed stream: Indonesian and English items of the same earthquake story.
STREAM = [
    ("antara-id", "id", "Gempa susulan guncang Lombok Utara"),
    ("bbc-en", "en", "Second earthquake shakes Lombok"),
    ("antara-id", "id", "Warga Lombok mengungsi setelah gempa"),
]


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    engine = create_db_engine(sqlite_url)
    store_items(engine, SEED, prefix="seed")
    make_user(engine, "ana")
    engine.dispose()
    with dcc_serve(sqlite_url, tmp_path / "home") as base:
        yield base


def replay(sqlite_url: str) -> None:
    """Store and process the stream item by item, as the workers would (another process
    than the server's, as in `dcc run` with separate workers)."""
    engine = create_db_engine(sqlite_url)
    matcher = AlertMatcher(engine, window=timedelta(hours=1))
    enricher = LabelEnricher()
    try:
        for n, (source_id, lang, title) in enumerate(STREAM):
            outcome = do_ingest_stream(
                engine,
                [
                    RawItem(
                        source_id=source_id,
                        external_id=f"stream{n}",
                        title=title,
                        text=f"{title}. Warga diminta tetap tenang.",
                        lang=lang,
                    )
                ],
                source_id=source_id,
            )
            process_items(engine, outcome.new_item_ids, enricher, matcher)
    finally:
        engine.dispose()


def alert_statuses(sqlite_url: str) -> list[AlertStatus]:
    engine = create_db_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            return [a.status for a in list_alerts(conn, LOCAL_OPERATOR)]
    finally:
        engine.dispose()


def test_the_watch_floor_flow(server: str, sqlite_url: str) -> None:
    chromium = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        # Sign in (a wrong password first).
        page.goto(server + "/")
        page.wait_for_url("**/login?next=*")
        page.get_by_label("Username").fill("ana")
        page.get_by_label("Password").fill("not her password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#login-error")).to_contain_text("Wrong username or password")
        page.get_by_label("Username").fill("ana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(server + "/")
        expect(page.locator("#signed-in-as")).to_contain_text("ana")
        expect(page.locator("#latest-items li")).to_have_count(2)
        expect(page.locator("#alerts-empty")).to_be_visible()
        # The keyboard reaches the skip link first, and it leads to the content.
        page.keyboard.press("Tab")
        expect(page.locator("a.skip")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()

        # Search, narrow with a facet, save the query as a watchlist.
        page.get_by_label("Search items").fill("lombok")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search?q=lombok")
        expect(page.locator("#results li")).to_have_count(2)
        page.locator("#facet-lang + ul").get_by_role("link", name="Indonesian").click()
        page.wait_for_url("**/search?q=lombok+lang%3Aid")
        expect(page.locator("#results li")).to_have_count(1)
        expect(page.locator("#facet-lang + ul a[aria-current]")).to_contain_text("Indonesian")
        page.get_by_label("Watchlist name").fill("Gempa Lombok")
        page.get_by_role("button", name="Save as watchlist").click()
        expect(page.locator("#saved-notice")).to_contain_text("Gempa Lombok")
        page.screenshot(path=str(ARTIFACTS / "search-1366.png"), full_page=True)
        # A query that cannot be read is marked where it goes wrong.
        page.get_by_label("Query").fill("lombok lang:xx")
        page.keyboard.press("Enter")
        expect(page.locator("#query-error")).to_contain_text("not a language code")
        expect(page.locator("#query-error-mark")).to_have_text("x")

        # The dashboard fills from the replayed stream without a reload.
        page.get_by_role("link", name="Dashboard").click()
        page.wait_for_url(server + "/")
        expect(page.locator("body[data-alert-stream='open']")).to_have_count(1)
        page.evaluate("window.notReloaded = true")
        replay(sqlite_url)
        expect(page.locator("#latest-items li")).to_have_count(2 + len(STREAM))
        expect(page.locator("#latest-items li").first).to_contain_text(STREAM[-1][2])
        alerts = page.locator("#dashboard-alerts li")
        expect(alerts).to_have_count(1)
        expect(alerts.first).to_contain_text("Gempa Lombok: Gempa susulan guncang Lombok Utara")
        expect(page.locator("#live-status")).to_contain_text("New alert")
        assert page.evaluate("window.notReloaded") is True
        page.screenshot(path=str(ARTIFACTS / "dashboard-1366.png"), full_page=True)

        # Acknowledge the alert in the panel (the panel alone is redrawn).
        alerts.first.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("#dashboard-alerts .tag.status")).to_have_text("acknowledged")
        expect(page.locator("#alerts-title")).to_be_focused()
        assert alert_statuses(sqlite_url) == [AlertStatus.ACKNOWLEDGED]
        assert page.evaluate("window.notReloaded") is True

        # Open the rising story: its timeline holds both languages.
        page.reload()
        page.locator("#rising-stories").get_by_role("link", name="Gempa guncang Lombok").click()
        page.wait_for_url("**/stories/s-gempa")
        expect(page.locator("#timeline > li")).to_have_count(len(SEED) + len(STREAM))
        expect(page.locator("#timeline > li[lang='en']")).to_have_count(2)
        page.locator("#timeline > li").first.get_by_text("Why").first.click()
        expect(page.locator("#timeline dl.tree").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "story-1366.png"), full_page=True)

        # The alert explains itself on the alerts page.
        page.get_by_role("link", name="Alerts", exact=True).click()
        page.wait_for_url("**/alerts")
        expect(page.locator("#alerts .explanation")).to_contain_text("Watchlist Gempa Lombok")
        expect(page.locator("#alerts")).to_contain_text("acknowledged by ana")
        page.screenshot(path=str(ARTIFACTS / "alerts-1366.png"), full_page=True)

        # Bahasa Indonesia, on a wall screen.
        page.get_by_role("button", name="Bahasa Indonesia").click()
        expect(page.locator("h1")).to_have_text("Peringatan")
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(server + "/?wall=1")
        expect(page.locator("body.wall")).to_have_count(1)
        expect(page.locator("h1")).to_contain_text("Dasbor")
        expect(page.locator("#latest-items li")).to_have_count(2 + len(STREAM))
        expect(page.locator("#volume-chart .uplot")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "dashboard-wall-1920.png"))
        # A filter applies on choosing it, and stays in the URL (a bookmark for the wall).
        page.get_by_label("Negara", exact=True).select_option("MY")
        page.wait_for_url("**/?country=MY&wall=1")
        expect(page.locator("#items-empty")).to_be_visible()
        expect(page.locator("body.wall")).to_have_count(1)
        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url("**/login*")
        assert errors == []
        browser.close()
