"""Issue 6's flow in a real browser: Playwright driving Debian's chromium against `dcc serve`.

An analyst of the ministry turns an alert into an incident and gives the same task to two
agencies at once; a liaison of one agency, in a browser of its own, sees the incident and its
own agency's task only, finishes it, and reaches the other agency's task neither by URL nor by
the API. The other task is late: the escalation sweep runs in the test process on the same
database with an injected clock (no sleeping) and the incident page shows the escalation.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from browser_helpers import ARTIFACTS, WAIT_MS, dcc_serve, launch, sign_in
from page_helpers import raise_watchlist_alert, store_items

from dcc.accounts.actions import do_create_agency
from dcc.accounts.records import LOCAL_OPERATOR, AgencyKind, AgencySpec, Role
from dcc.coordination.escalation import do_escalation_sweep
from dcc.coordination.queries import list_tasks
from dcc.coordination.records import TaskStatus
from dcc.store.database import create_db_engine
from web_helpers import make_user

pytestmark = pytest.mark.browser


@dataclass
class Floor:
    base: str
    sqlite_url: str
    alert_id: int


@pytest.fixture
def floor(sqlite_url: str, tmp_path: Path) -> Iterator[Floor]:
    """The server, and in its database: bssn (supervised by polhukam) and bnpb, an analyst of
    kemlu with an alert of her watchlist, a liaison of bnpb."""
    engine = create_db_engine(sqlite_url)
    do_create_agency(engine, AgencySpec("polhukam", "Kemenko Polhukam", AgencyKind.MINISTRY))
    do_create_agency(engine, AgencySpec("bssn", "BSSN", AgencyKind.PARTNER_AGENCY, "polhukam"))
    do_create_agency(engine, AgencySpec("bnpb", "BNPB", AgencyKind.PARTNER_AGENCY))
    make_user(engine, "ana")
    make_user(engine, "lia", role=Role.LIAISON, agency="bnpb")
    ids = store_items(engine, [("antara-id", "id", "Gempa guncang Lombok")])
    alert_id = raise_watchlist_alert(engine, ids, owner="ana")
    engine.dispose()
    with dcc_serve(sqlite_url, tmp_path / "home") as base:
        yield Floor(base, sqlite_url, alert_id)


def task_ids(sqlite_url: str) -> dict[str, int]:
    """Agency -> its task's id (the tasks as the local operator reads them)."""
    engine = create_db_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            return {t.assigned_agency: t.id for t in list_tasks(conn, LOCAL_OPERATOR)}
    finally:
        engine.dispose()


def sweep(sqlite_url: str, now: datetime) -> None:
    """The escalation sweep, as `dcc run` would run it, on an injected clock."""
    engine = create_db_engine(sqlite_url)
    try:
        steps = do_escalation_sweep(engine, now=now)
    finally:
        engine.dispose()
    assert [(s.action, s.level, s.to_agency) for s in steps] == [("escalated", 1, "polhukam")]


def test_from_alert_to_tasks_for_two_agencies_and_an_escalation(floor: Floor) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = floor.base
    with sync_playwright() as playwright:
        browser = launch(playwright)
        analyst_context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="en-US"
        )
        page = analyst_context.new_page()
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        # The analyst turns the alert into an incident from the alerts page.
        sign_in(page, base, "ana")
        page.get_by_role("link", name="Alerts", exact=True).click()
        page.wait_for_url(base + "/alerts")
        card = page.locator(f"#alert-{floor.alert_id}")
        card.get_by_text("Open incident").click()
        card.get_by_label("Kind").select_option("disaster")
        card.get_by_label("Severity").select_option("high")
        page.screenshot(path=str(ARTIFACTS / "alerts-open-incident-1366.png"))
        card.get_by_role("button", name="Open the incident").click()
        page.wait_for_url(re.compile(r".*/incidents/\d+\?done=opened$"))
        incident_url = page.url.split("?")[0]
        expect(page.locator("#done")).to_have_text("Incident opened.")
        expect(page.locator("h1")).to_contain_text("Gempa guncang Lombok")
        expect(page.locator("#links")).to_contain_text("alert")

        # The same task for bnpb and bssn at once (bulk), by keyboard-reachable fields.
        page.get_by_text("Assign a task").click()
        page.get_by_label("Task", exact=True).fill("Laporan dampak awal")
        page.get_by_label("BNPB (bnpb)").check()
        page.get_by_label("BSSN (bssn)").check()
        page.get_by_label("Details").fill("Jumlah korban dan pengungsi")
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.locator("#done")).to_have_text("2 tasks assigned.")
        expect(page.locator("#tasks tbody tr")).to_have_count(2)
        ids = task_ids(floor.sqlite_url)
        assert set(ids) == {"bnpb", "bssn"}
        page.screenshot(path=str(ARTIFACTS / "incident-1366.png"), full_page=True)

        # A liaison of bnpb, in a browser context of its own.
        liaison_context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="en-US"
        )
        liaison = liaison_context.new_page()
        liaison.set_default_timeout(WAIT_MS)
        liaison.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(liaison, base, "lia")
        expect(liaison.locator("#unread-count")).to_contain_text("1")
        liaison.get_by_role("link", name="Incidents", exact=True).click()
        liaison.get_by_role("link", name=re.compile("Gempa guncang Lombok")).click()
        liaison.wait_for_url(incident_url)
        rows = liaison.locator("#tasks tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator(".task-agency")).to_have_text("bnpb")
        expect(liaison.locator("#assign-form")).to_have_count(0)
        row = liaison.locator(f"#task-{ids['bnpb']}")
        row.get_by_label(f"Outcome of task #{ids['bnpb']}").fill("Data dikirim ke posko")
        row.get_by_role("button", name="Done").click()
        expect(liaison.locator("#done")).to_have_text("Task updated.")
        expect(liaison.locator(f"#task-{ids['bnpb']}")).to_contain_text("done")
        liaison.screenshot(path=str(ARTIFACTS / "incident-liaison-1366.png"), full_page=True)
        liaison.get_by_role("link", name=re.compile("^Tasks")).click()
        expect(liaison.locator("#tasks-empty")).to_be_visible()
        expect(liaison.locator("#notifications li")).to_have_count(1)
        liaison.get_by_role("button", name="Mark all read").click()
        expect(liaison.locator("#unread-count")).to_have_count(0)
        liaison.goto(base + "/tasks?show=all")
        expect(liaison.locator(f"#task-{ids['bnpb']}")).to_contain_text("Data dikirim ke posko")
        liaison.screenshot(path=str(ARTIFACTS / "tasks-liaison-1366.png"), full_page=True)
        # Not bssn's task: its page is the 404 page, and the API answers 404 too.
        answer = liaison.goto(f"{base}/tasks/{ids['bssn']}")
        assert answer is not None and answer.status == 404
        expect(liaison.locator("h1")).to_have_text("Not found")
        status = liaison.evaluate(
            "async (id) => (await fetch('/api/v1/tasks/' + id)).status", ids["bssn"]
        )
        assert status == 404
        cookies = {c["name"]: c["value"] for c in liaison_context.cookies()}
        with httpx.Client(base_url=base, cookies=cookies) as api:
            assert api.get(f"/api/v1/tasks/{ids['bnpb']}").status_code == 200
            assert api.get(f"/api/v1/tasks/{ids['bssn']}").status_code == 404
        liaison_context.close()

        # bssn did not acknowledge within the hour of a high-severity incident: the sweep (on
        # a clock moved past that deadline) escalates to its supervising agency, polhukam.
        sweep(floor.sqlite_url, datetime.now(tz=UTC) + timedelta(hours=1, minutes=5))
        page.reload()
        escalation = page.locator("#timeline-entries .entry-escalation")
        expect(escalation).to_have_count(1)
        expect(escalation).to_contain_text("escalated to polhukam (supervising agency, level 1)")
        bssn_row = page.locator(f"#task-{ids['bssn']} .task-escalation")
        expect(bssn_row).to_contain_text("level 1")
        expect(bssn_row).to_contain_text("to polhukam")
        expect(page.locator(f"#task-{ids['bnpb']}")).to_contain_text("Data dikirim ke posko")
        page.locator("#timeline").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "incident-escalated-1366.png"), full_page=True)

        # --- situation report ----------------------------------------------------------------
        # The PDF linked from the page renders (with the session of the page), the report's
        # timeline holds the escalation, and the printable HTML shows it with its TLP banner.
        pdf_url = page.locator("#sitrep-pdf").get_attribute("href")
        assert pdf_url is not None
        pdf = page.request.get(base + pdf_url)
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        body = pdf.body()
        assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
        assert body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") >= 1
        report = page.request.get(base + pdf_url.replace(".pdf", ".json")).json()
        assert "polhukam" in json.dumps(report, ensure_ascii=False)
        (ARTIFACTS / "sitrep.pdf").write_bytes(body)
        page.goto(base + pdf_url.replace("sitrep.pdf", "after-action.html"))
        expect(page.locator("body")).to_contain_text("TLP:AMBER")
        expect(page.locator("body")).to_contain_text("polhukam")
        page.screenshot(path=str(ARTIFACTS / "after-action-1366.png"), full_page=True)

        page.goto(base + "/incidents")
        expect(page.locator("#incidents tbody tr")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "incidents-1366.png"), full_page=True)

        # The board, on a wall screen.
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(base + "/incidents/board?wall=1")
        expect(page.locator("body.wall")).to_have_count(1)
        card_on_board = page.locator("#board-new .card")
        expect(card_on_board).to_have_count(1)
        expect(card_on_board).to_contain_text("1 open task")
        page.screenshot(path=str(ARTIFACTS / "incident-board-wall-1920.png"))
        # The keyboard reaches the board's cards.
        page.locator("#board-new .card-title").focus()
        expect(page.locator("#board-new .card-title")).to_be_focused()
        assert errors == []
        browser.close()
    done = task_ids(floor.sqlite_url)
    assert set(done) == {"bnpb", "bssn"}
    engine = create_db_engine(floor.sqlite_url)
    with engine.connect() as conn:
        statuses = {t.assigned_agency: t.status for t in list_tasks(conn, LOCAL_OPERATOR)}
    engine.dispose()
    assert statuses == {"bnpb": TaskStatus.DONE, "bssn": TaskStatus.OPEN}
