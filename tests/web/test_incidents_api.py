"""/api/v1/incidents, /api/v1/tasks and /api/v1/notifications over HTTP (issue 6): an alert
escalated to an incident, tasks for two agencies, each agency's liaison reaching only its
own task, refusals with their status codes, attachments up and down, who can see what."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dcc.accounts.records import Role
from dcc.alerts.actions import do_record_matches
from dcc.alerts.records import WatchlistMatch
from dcc.app import create_app
from dcc.context import Context
from web_helpers import bearer, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Clients:
    http: TestClient
    ana: dict[str, str]  # analyst of kemlu
    lia_a: dict[str, str]  # liaison of bnpb
    lia_b: dict[str, str]  # liaison of bssn
    viewer: dict[str, str]  # viewer of kemlu


@pytest.fixture
def clients(ctx: Context) -> Iterator[Clients]:
    engine = ctx.engine
    ana = bearer(engine, make_user(engine, "ana"))
    lia_a = bearer(engine, make_user(engine, "lia-a", agency="bnpb", role=Role.LIAISON))
    lia_b = bearer(engine, make_user(engine, "lia-b", agency="bssn", role=Role.LIAISON))
    viewer = bearer(engine, make_user(engine, "vera", role=Role.VIEWER))
    with TestClient(create_app(ctx)) as http:
        yield Clients(http, ana, lia_a, lia_b, viewer)


def _alert(c: Clients, ctx: Context) -> int:
    made = c.http.post(
        "/api/v1/watchlists", json={"name": "Gempa", "query": "gempa"}, headers=c.ana
    ).json()
    match = WatchlistMatch(int(made["id"]), 1, "story:lombok", "Gempa Lombok", None, "antara-id")
    [alert_id] = do_record_matches(ctx.engine, [match], window=timedelta(hours=1)).created
    return int(alert_id)


def _incident_with_two_tasks(c: Clients, ctx: Context) -> tuple[int, int, int]:
    alert_id = _alert(c, ctx)
    opened = c.http.post(
        f"/api/v1/incidents/from-alert/{alert_id}",
        json={"kind": "disaster", "severity": "high"},
        headers=c.ana,
    )
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    assert incident["opened_from"] == {"type": "alert", "id": str(alert_id)}
    assert c.http.get(f"/api/v1/alerts/{alert_id}", headers=c.ana).json()["status"] == "escalated"
    made = c.http.post(
        f"/api/v1/incidents/{incident['id']}/tasks",
        json={"title": "Laporan dampak", "agencies": ["bnpb", "bssn"]},
        headers=c.ana,
    )
    assert made.status_code == 201, made.text
    task_a, task_b = (t["id"] for t in made.json()["tasks"])
    return int(incident["id"]), int(task_a), int(task_b)


def test_an_alert_becomes_an_incident_and_each_agency_works_only_its_task(
    clients: Clients, ctx: Context
) -> None:
    c = clients
    incident_id, task_a, task_b = _incident_with_two_tasks(c, ctx)
    seen = c.http.get(f"/api/v1/incidents/{incident_id}", headers=c.lia_a).json()
    assert [t["id"] for t in seen["tasks"]] == [task_a]
    assert [link["type"] for link in seen["links"]] == ["alert"]  # the story has no items
    assert c.http.get(f"/api/v1/tasks/{task_b}", headers=c.lia_a).status_code == 404
    refused = c.http.post(
        f"/api/v1/tasks/{task_b}/status", json={"status": "done"}, headers=c.lia_a
    )
    assert refused.status_code == 404
    mine = c.http.get("/api/v1/tasks?agency=mine", headers=c.lia_a).json()["tasks"]
    assert [t["id"] for t in mine] == [task_a] and mine[0]["is_overdue"] is False
    done = c.http.post(
        f"/api/v1/tasks/{task_a}/status", json={"status": "done", "outcome": "OK"}, headers=c.lia_a
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    notes = c.http.get("/api/v1/notifications", headers=c.lia_b).json()["notifications"]
    assert [n["kind"] for n in notes] == ["assigned"] and notes[0]["task_id"] == task_b
    marked = c.http.post(
        "/api/v1/notifications/read", json={"ids": [notes[0]["id"]]}, headers=c.lia_b
    )
    assert marked.json() == {"marked": 1}
    assert c.http.get("/api/v1/notifications?unread=true", headers=c.lia_b).json() == {
        "notifications": []
    }
    access = c.http.get(f"/api/v1/tasks/{task_a}/access", headers=c.lia_a).json()
    assert "shared with your agency (bnpb)" in access["why_you_can"]
    assert access["requires"] == [f"incident {incident_id}"]


def test_refusals_have_their_status_and_reason(clients: Clients, ctx: Context) -> None:
    c = clients
    incident_id, task_a, _ = _incident_with_two_tasks(c, ctx)
    base = f"/api/v1/incidents/{incident_id}"
    illegal = c.http.post(f"{base}/status", json={"status": "monitoring"}, headers=c.ana)
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "invalid_transition"
    assert "new to monitoring" in illegal.json()["error"]["message"]
    assert (
        c.http.post(f"{base}/status", json={"status": "active"}, headers=c.lia_a).status_code == 403
    )
    assert (
        c.http.post(f"{base}/status", json={"status": "closed"}, headers=c.ana).status_code == 200
    )
    closed = c.http.post(f"{base}/comments", json={"body": "lagi"}, headers=c.ana)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "incident_closed"
    assert (
        c.http.post(f"{base}/status", json={"status": "active"}, headers=c.ana).status_code == 200
    )
    unknown = c.http.post(f"{base}/tasks", json={"title": "x", "agency": "nowhere"}, headers=c.ana)
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["error"]["message"]
    no_agency = c.http.post(f"{base}/tasks", json={"title": "x"}, headers=c.ana)
    assert no_agency.status_code == 400
    viewer = c.http.post(f"{base}/comments", json={"body": "hai"}, headers=c.viewer)
    assert viewer.status_code == 403
    assert c.http.get("/api/v1/incidents/999999", headers=c.ana).status_code == 404
    assert c.http.get(f"/api/v1/tasks/{task_a}", headers=c.viewer).status_code == 200


def test_attachments_go_up_checked_and_come_down_intact(clients: Clients, ctx: Context) -> None:
    c = clients
    incident_id, task_a, _ = _incident_with_two_tasks(c, ctx)
    base = f"/api/v1/incidents/{incident_id}/attachments"
    sent = c.http.post(
        base,
        files={"file": ("peta.pdf", PDF, "application/pdf")},
        data={"task_id": str(task_a)},
        headers=c.lia_a,
    )
    assert sent.status_code == 201, sent.text
    record = sent.json()
    down = c.http.get(record["url"], headers=c.ana)
    assert down.status_code == 200 and down.content == PDF
    assert down.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in down.headers["content-disposition"]
    assert c.http.get(record["url"], headers=c.lia_b).status_code == 404
    lying = c.http.post(base, files={"file": ("foto.png", PDF, "image/png")}, headers=c.ana)
    assert lying.status_code == 400 and "lies about its type" in lying.json()["error"]["message"]
    # Larger than other requests may be (2 MB), within the attachment limit (10 MiB).
    log = c.http.post(
        base, files={"file": ("log.txt", b"x" * (3 * 1024 * 1024), "text/plain")}, headers=c.ana
    )
    assert log.status_code == 201, log.text
    over = c.http.post(
        base,
        files={"file": ("big.txt", b"x" * (10 * 1024 * 1024 + 1), "text/plain")},
        headers=c.ana,
    )
    assert over.status_code == 400 and "the most an attachment" in over.json()["error"]["message"]
    huge = c.http.post(
        base, files={"file": ("big.txt", b"x" * (11 * 1024 * 1024), "text/plain")}, headers=c.ana
    )
    assert huge.status_code == 413  # refused before it is read
    form = c.http.post(
        f"/api/v1/incidents/{incident_id}/comments", content=b"x" * (3 * 1024 * 1024), headers=c.ana
    )
    assert form.status_code == 413  # other requests keep their limit


def test_comments_mentions_and_restricted_notes(clients: Clients, ctx: Context) -> None:
    c = clients
    incident_id, _, _ = _incident_with_two_tasks(c, ctx)
    base = f"/api/v1/incidents/{incident_id}"
    posted = c.http.post(f"{base}/comments", json={"body": "Mohon cek @lia-a"}, headers=c.ana)
    assert posted.status_code == 201 and posted.json()["data"] == {"mentions": ["lia-a"]}
    hidden = c.http.post(
        f"{base}/comments", json={"body": "internal", "restricted": True}, headers=c.ana
    ).json()
    timeline_a = c.http.get(f"{base}/timeline", headers=c.lia_a).json()["timeline"]
    assert posted.json()["id"] in [e["id"] for e in timeline_a]
    assert hidden["id"] not in [e["id"] for e in timeline_a]
    assert c.http.get(f"/api/v1/entries/{hidden['id']}/access", headers=c.lia_a).status_code == 404
    refused = c.http.post(
        f"{base}/comments", json={"body": "@lia-b lihat", "restricted": True}, headers=c.ana
    )
    assert refused.status_code == 400 and "@lia-b cannot read" in refused.json()["error"]["message"]
    decision = c.http.post(
        f"{base}/comments", json={"body": "Kirim tim", "kind": "decision"}, headers=c.lia_a
    )
    assert decision.status_code == 403


def test_reports_hold_only_what_the_reader_may_read(clients: Clients, ctx: Context) -> None:
    c = clients
    incident_id, _, task_b = _incident_with_two_tasks(c, ctx)
    base = f"/api/v1/incidents/{incident_id}"
    c.http.post(f"{base}/comments", json={"body": "Hanya kemlu", "restricted": True}, headers=c.ana)
    full = c.http.get(f"{base}/sitrep.json", headers=c.ana)
    assert full.status_code == 200, full.text
    for_a = c.http.get(f"{base}/after-action.json", headers=c.lia_a).json()
    text_a = str(for_a)
    assert "Hanya kemlu" not in text_a and f"#{task_b}" not in text_a
    assert "Hanya kemlu" in str(c.http.get(f"{base}/after-action.json", headers=c.ana).json())
    pdf = c.http.get(f"{base}/sitrep.pdf", headers=c.lia_a)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    html = c.http.get(f"{base}/sitrep.html?locale=id", headers=c.ana)
    assert html.status_code == 200 and "TLP:AMBER" in html.text
    assert c.http.get(f"{base}/sitrep.docx", headers=c.ana).status_code == 422
    assert c.http.get(f"{base}/sitrep.pdf", headers=c.viewer).status_code == 200
    other = c.http.post(
        "/api/v1/incidents",
        json={"title": "Rahasia", "kind": "cyber", "severity": "low"},
        headers=c.ana,
    ).json()
    assert (
        c.http.get(f"/api/v1/incidents/{other['id']}/sitrep.pdf", headers=c.lia_a).status_code
        == 404
    )


def test_a_dismissed_alert_still_opens_its_incident(clients: Clients, ctx: Context) -> None:
    # The refused escalation happens inside the incident's transaction: on PostgreSQL a
    # failed statement there would abort it, so this checks that nothing is written first.
    c = clients
    alert_id = _alert(c, ctx)
    assert c.http.post(f"/api/v1/alerts/{alert_id}/dismiss", headers=c.ana).status_code == 200
    opened = c.http.post(
        f"/api/v1/incidents/from-alert/{alert_id}",
        json={"kind": "disaster", "severity": "high"},
        headers=c.ana,
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["opened_from"] == {"type": "alert", "id": str(alert_id)}
    assert c.http.get(f"/api/v1/alerts/{alert_id}", headers=c.ana).json()["status"] == "dismissed"


def test_an_escalation_that_fails_opens_no_incident(
    clients: Clients, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected fault (the database refusing the alert's update): opening and escalating are
    # one transaction, so neither the incident nor the alert's move is left behind.
    c = clients
    alert_id = _alert(c, ctx)

    def failing_escalation(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database refused the update")

    monkeypatch.setattr("dcc.coordination.actions.escalate_alert_in", failing_escalation)
    with pytest.raises(RuntimeError, match="refused"):
        c.http.post(
            f"/api/v1/incidents/from-alert/{alert_id}",
            json={"kind": "disaster", "severity": "high"},
            headers=c.ana,
        )
    assert c.http.get("/api/v1/incidents", headers=c.ana).json()["incidents"] == []
    assert c.http.get(f"/api/v1/alerts/{alert_id}", headers=c.ana).json()["status"] == "new"
