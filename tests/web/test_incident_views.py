"""The incident and task pages (issue 6), signed in by form on both databases: the list, the
board, an incident's page and each of its forms, refusals in words with their status, my
agency's tasks and notifications, and need-to-know: a liaison reads its own agency's task and
nothing else, and a forged id is the 404 page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from page_helpers import raise_watchlist_alert, store_items

from dcc.accounts.actions import do_create_agency
from dcc.accounts.queries import principal_of
from dcc.accounts.records import LOCAL_OPERATOR, AgencyKind, AgencySpec, Locale, Principal, Role
from dcc.alerts.queries import get_alert
from dcc.alerts.records import AlertStatus
from dcc.app import create_app
from dcc.context import Context
from dcc.coordination.actions import do_change_incident_status, do_open_incident
from dcc.coordination.escalation import do_escalation_sweep
from dcc.coordination.queries import get_incident, list_tasks
from dcc.coordination.records import (
    IncidentKind,
    IncidentSpec,
    IncidentStatus,
    LinkType,
    Severity,
    TaskSpec,
    TaskStatus,
)
from dcc.coordination.task_actions import do_assign_to_agencies
from dcc.web.i18n import format_datetime, use_locale
from web_helpers import make_user, sign_in_by_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MISSING = 987654321
WIB = ZoneInfo("Asia/Jakarta")


@dataclass
class Desk:
    ctx: Context
    ana: Principal  # analyst of kemlu, opens and manages incidents
    lia: Principal  # liaison of bnpb
    budi: Principal  # liaison of bssn (supervised by polhukam)


@pytest.fixture
def desk(ctx: Context) -> Desk:
    engine = ctx.engine
    do_create_agency(engine, AgencySpec("polhukam", "Kemenko Polhukam", AgencyKind.MINISTRY))
    do_create_agency(engine, AgencySpec("bssn", "BSSN", AgencyKind.PARTNER_AGENCY, "polhukam"))
    do_create_agency(engine, AgencySpec("bnpb", "BNPB", AgencyKind.PARTNER_AGENCY))
    ana = principal_of(make_user(engine, "ana"))
    lia = principal_of(make_user(engine, "lia", role=Role.LIAISON, agency="bnpb"))
    budi = principal_of(make_user(engine, "budi", role=Role.LIAISON, agency="bssn"))
    make_user(engine, "vera", role=Role.VIEWER)
    return Desk(ctx, ana, lia, budi)


@contextmanager
def signed_in(ctx: Context, username: str) -> Iterator[tuple[TestClient, str]]:
    """A browser-like client signed in by form, and its session's CSRF token."""
    with TestClient(create_app(ctx)) as client:
        yield client, sign_in_by_form(client, username)


def open_incident(desk: Desk, title: str = "Gempa M6.2 dekat Lombok") -> int:
    spec = IncidentSpec(title, IncidentKind.DISASTER, Severity.HIGH)
    return do_open_incident(desk.ctx.engine, spec, by=desk.ana).id


def two_tasks(desk: Desk, incident_id: int, at: datetime | None = None) -> tuple[int, int]:
    """One task for bnpb and one for bssn (assigned `at`, default now); their ids."""
    first, second = do_assign_to_agencies(
        desk.ctx.engine,
        incident_id,
        TaskSpec("Laporan dampak", ""),
        ["bnpb", "bssn"],
        by=desk.ana,
        now=at,
    )
    return first.id, second.id


def task_status(desk: Desk, task_id: int) -> TaskStatus:
    with desk.ctx.engine.connect() as conn:
        (task,) = [t for t in list_tasks(conn, LOCAL_OPERATOR) if t.id == task_id]
    return task.status


def test_open_an_incident_by_form_then_the_list_and_the_board(desk: Desk) -> None:
    with signed_in(desk.ctx, "ana") as (client, csrf):
        form = client.get("/incidents").text
        assert 'id="new-incident"' in form and 'id="incidents-empty"' in form
        data = {"csrf_token": csrf, "title": "Hoaks evakuasi", "kind": "disinformation"}
        data |= {"severity": "high", "tlp": "AMBER+STRICT", "summary": "Pesan berantai"}
        opened = client.post("/incidents", data=data, follow_redirects=False)
        assert opened.status_code == 303
        location = opened.headers["location"]
        incident_id = int(re.findall(r"/incidents/(\d+)\?done=opened", location)[0])
        page = client.get(location).text
        assert "Incident opened." in page and "<h1" in page and "Hoaks evakuasi" in page
        assert '<span class="tlp tlp-amber-strict"' in page and "TLP:AMBER+STRICT" in page
        assert "Pesan berantai" in page and "incident commander: ana" in page
        assert f"/api/v1/incidents/{incident_id}/sitrep.pdf" in page

        listed = client.get("/incidents").text
        assert f'id="incident-{incident_id}"' in listed and "no open task" in listed
        assert f'id="incident-{incident_id}"' in client.get("/incidents?status=new").text
        assert "No incident with this status" in client.get("/incidents?status=closed").text
        assert "No incident with this status" in client.get("/incidents?kind=cyber").text
        board = client.get("/incidents/board").text
        new_column = board.split('id="board-new"')[1].split("</section>")[0]
        assert f'id="card-{incident_id}"' in new_column
        wall = client.get("/incidents/board?wall=1").text
        assert '<body class="wall">' in wall and 'http-equiv="refresh"' in wall


def test_a_refused_incident_keeps_what_was_typed(desk: Desk) -> None:
    with signed_in(desk.ctx, "ana") as (client, csrf):
        data = {"csrf_token": csrf, "title": "   ", "kind": "cyber", "severity": "low"}
        data |= {"summary": "Ringkasan yang panjang"}
        empty = client.post("/incidents", data=data)
        assert empty.status_code == 400
        assert 'id="form-error"' in empty.text and "the title is empty" in empty.text
        assert "Ringkasan yang panjang</textarea>" in empty.text
        assert '<option value="cyber" selected>' in empty.text
        bad_tlp = client.post("/incidents", data=data | {"title": "x", "tlp": "PURPLE"})
        assert bad_tlp.status_code == 400 and "PURPLE" in bad_tlp.text
        no_token = client.post("/incidents", data={**data, "csrf_token": "forged"})
        assert no_token.status_code == 403


def test_status_buttons_follow_the_workflow_and_a_refused_move_is_409(desk: Desk) -> None:
    incident_id = open_incident(desk)
    with signed_in(desk.ctx, "ana") as (client, csrf):
        page = client.get(f"/incidents/{incident_id}").text
        buttons = re.findall(r'name="status" value="(\w+)"', page)
        assert buttons == ["triage", "active", "closed"]
        moved = client.post(
            f"/incidents/{incident_id}/status",
            data={"csrf_token": csrf, "status": "triage", "note": "cek lapangan"},
            follow_redirects=False,
        )
        assert moved.status_code == 303
        page = client.get(moved.headers["location"]).text
        assert "Status changed." in page and "Status new → triage: cek lapangan" in page
        refused = client.post(
            f"/incidents/{incident_id}/status",
            data={"csrf_token": csrf, "status": "monitoring", "note": "terlalu cepat"},
        )
        assert refused.status_code == 409
        assert "cannot go from triage to monitoring" in refused.text
        assert 'value="terlalu cepat"' in refused.text


def test_bulk_assignment_and_the_task_actions(desk: Desk) -> None:
    incident_id = open_incident(desk)
    with signed_in(desk.ctx, "ana") as (client, csrf):
        page = client.get(f"/incidents/{incident_id}").text
        assert 'id="assign-form"' in page and 'id="assign-agency-bssn"' in page
        due = (datetime.now(tz=UTC) + timedelta(days=1)).astimezone(WIB)
        data = {"csrf_token": csrf, "title": "Laporan dampak", "agencies": ["bnpb", "bssn"]}
        data |= {"details": "Jumlah korban", "due_at": due.strftime("%Y-%m-%dT%H:%M")}
        assigned = client.post(f"/incidents/{incident_id}/tasks", data=data, follow_redirects=False)
        assert assigned.status_code == 303 and "done=tasks:2" in assigned.headers["location"]
        page = client.get(assigned.headers["location"]).text
        assert "2 tasks assigned." in page
        with desk.ctx.engine.connect() as conn:
            tasks = list_tasks(conn, desk.ana, incident_id=incident_id)
        assert sorted(t.assigned_agency for t in tasks) == ["bnpb", "bssn"]
        assert all(abs((t.due_at - due).total_seconds()) < 60 for t in tasks)
        first, second = (t.id for t in tasks)
        with use_locale("en"):
            shown = format_datetime(tasks[0].due_at, style="short")
        assert f'id="task-{first}"' in page and shown in page
        assert "Jumlah korban" in page and "WIB" in page

        def move(task_id: int, status: str, **extra: str) -> str:
            answer = client.post(
                f"/tasks/{task_id}/status",
                data={"csrf_token": csrf, "status": status, **extra},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
            return str(answer.headers["location"])

        assert move(first, "acknowledged") == f"/incidents/{incident_id}?done=task#task-{first}"
        move(first, "in_progress")
        move(first, "done", outcome="Terkirim ke posko")
        move(second, "cancelled", back="tasks")
        assert task_status(desk, first) is TaskStatus.DONE
        assert task_status(desk, second) is TaskStatus.CANCELLED
        page = client.get(f"/incidents/{incident_id}").text
        assert "Terkirim ke posko" in page and ">Reopen</button>" in page
        again = client.post(f"/tasks/{second}/status", data={"csrf_token": csrf, "status": "done"})
        assert again.status_code == 409 and "cancelled" in again.text


def test_assignments_refused_with_their_reasons(desk: Desk) -> None:
    incident_id = open_incident(desk)
    url = f"/incidents/{incident_id}/tasks"
    with signed_in(desk.ctx, "ana") as (client, csrf):
        base = {"csrf_token": csrf, "title": "Data pengungsi", "details": "tolong cepat"}
        nobody = client.post(url, data=base)
        assert nobody.status_code == 400 and "tick the agency" in nobody.text
        assert "tolong cepat</textarea>" in nobody.text
        unknown = client.post(url, data=base | {"agencies": ["nowhere"]})
        assert unknown.status_code == 400 and "no agency &#39;nowhere&#39;" in unknown.text
        two = client.post(url, data=base | {"agencies": ["bnpb", "bssn"], "assignee": "lia"})
        assert two.status_code == 400 and "one agency" in two.text
        assert 'id="assign-agency-bnpb" name="agencies" value="bnpb" checked' in two.text
        past = client.post(url, data=base | {"agencies": ["bnpb"], "due_at": "2020-01-01T10:00"})
        assert past.status_code == 400 and "in the past" in past.text
        garbled = client.post(url, data=base | {"agencies": ["bnpb"], "due_at": "besok"})
        assert garbled.status_code == 400 and "not a date and time" in garbled.text
        do_change_incident_status(desk.ctx.engine, incident_id, IncidentStatus.CLOSED, by=desk.ana)
        closed = client.post(url, data=base | {"agencies": ["bnpb"]})
        assert closed.status_code == 409 and "reopen it" in closed.text
        assert 'id="assign-form"' not in closed.text
        missing = client.post(f"/incidents/{MISSING}/tasks", data=base | {"agencies": ["bnpb"]})
        assert missing.status_code == 404 and "Not found" in missing.text


def test_comments_decisions_and_attachments_on_the_timeline(desk: Desk) -> None:
    incident_id = open_incident(desk)
    url = f"/incidents/{incident_id}"
    with signed_in(desk.ctx, "ana") as (client, csrf):
        said = client.post(
            f"{url}/comments",
            data={"csrf_token": csrf, "body": "Posko dibuka", "tlp": "AMBER+STRICT"},
            follow_redirects=False,
        )
        assert said.status_code == 303 and said.headers["location"].endswith("#timeline")
        decided = {"csrf_token": csrf, "body": "Evakuasi WNI", "kind": "decision"}
        client.post(f"{url}/comments", data=decided | {"restricted": "true"})
        files = {"file": ("peta.pdf", PDF, "application/pdf")}
        attached = client.post(
            f"{url}/attachments", data={"csrf_token": csrf}, files=files, follow_redirects=False
        )
        assert attached.status_code == 303, attached.text
        page = client.get(attached.headers["location"]).text
        assert "File attached." in page
        timeline = page.split('id="timeline-entries"')[1].split("</ol>")[0]
        bodies = re.findall(r'<p class="entry-body">([^<]*)</p>', timeline)
        assert bodies[0].startswith("Incident opened") and bodies[1:3] == [
            "Posko dibuka",
            "Evakuasi WNI",
        ]
        assert "Attached peta.pdf" in bodies[3]
        assert 'class="tag warn">restricted' in timeline and "TLP:AMBER+STRICT" in timeline
        link = re.search(r'href="(/api/v1/attachments/(\d+)/content)"', timeline)
        assert link is not None
        downloaded = client.get(link.group(1))
        assert downloaded.status_code == 200 and downloaded.content == PDF

        empty = client.post(f"{url}/comments", data={"csrf_token": csrf, "body": "   "})
        assert empty.status_code == 400 and "the comment is empty" in empty.text
        lying = {"file": ("foto.png", PDF, "image/png")}
        refused = client.post(f"{url}/attachments", data={"csrf_token": csrf}, files=lying)
        assert refused.status_code == 400 and "foto.png" in refused.text


def test_who_can_see_this_and_the_share_form(desk: Desk) -> None:
    incident_id = open_incident(desk)
    url = f"/incidents/{incident_id}"
    with signed_in(desk.ctx, "lia") as (liaison, _):
        assert liaison.get(url).status_code == 404
    with signed_in(desk.ctx, "ana") as (client, csrf):
        page = client.get(url).text
        assert "Who can see this" in page and "users of kemlu" in page
        assert "Nobody besides the owner agency." in page
        shared = client.post(
            f"{url}/shares", data={"csrf_token": csrf, "agency": "bnpb"}, follow_redirects=False
        )
        assert shared.status_code == 303
        page = client.get(shared.headers["location"]).text
        assert 'id="share-bnpb"' in page and "users of kemlu, bnpb" in page
        both = client.post(
            f"{url}/shares", data={"csrf_token": csrf, "agency": "bssn", "username": "budi"}
        )
        assert both.status_code == 400 and "one of the two" in both.text
        nobody = client.post(f"{url}/shares", data={"csrf_token": csrf, "username": "ghost"})
        assert nobody.status_code == 400 and "no user named" in nobody.text
        assert 'value="ghost"' in nobody.text
    with signed_in(desk.ctx, "lia") as (liaison, _):
        assert liaison.get(url).status_code == 200
    with signed_in(desk.ctx, "ana") as (client, csrf):
        client.post(f"{url}/unshare", data={"csrf_token": csrf, "agency": "bnpb"})
        assert 'id="share-bnpb"' not in client.get(url).text
    with signed_in(desk.ctx, "lia") as (liaison, _):
        assert liaison.get(url).status_code == 404


def test_a_liaison_sees_its_own_task_only_and_forged_ids_are_404(desk: Desk) -> None:
    incident_id = open_incident(desk)
    own, other = two_tasks(desk, incident_id)
    hidden = open_incident(desk, title="Urusan internal")
    with signed_in(desk.ctx, "lia") as (client, csrf):
        listed = client.get("/incidents").text
        assert f'id="incident-{incident_id}"' in listed
        assert f'id="incident-{hidden}"' not in listed and "Urusan internal" not in listed
        assert "1 open task" in listed
        page = client.get(f"/incidents/{incident_id}").text
        assert f'id="task-{own}"' in page and f'id="task-{other}"' not in page
        assert f"#{other}" not in page
        # A liaison works its task but does not manage the incident.
        assert 'id="assign-form"' not in page and 'name="status" value="triage"' not in page
        assert 'id="comment-form"' in page and ">Cancel task<" not in page
        # It reads the share list but takes nobody off it (the owner agency does).
        assert 'id="share-bssn"' in page and f"/incidents/{incident_id}/unshare" not in page
        unshare = client.post(
            f"/incidents/{incident_id}/unshare", data={"csrf_token": csrf, "agency": "bssn"}
        )
        assert unshare.status_code == 403 and "only the owner agency" in unshare.text
        for forged in (f"/incidents/{hidden}", f"/tasks/{other}", f"/incidents/{MISSING}"):
            answer = client.get(forged)
            assert answer.status_code == 404 and "Not found" in answer.text, forged
        assert client.get(f"/api/v1/tasks/{other}").status_code == 404
        assert client.get("/incidents/abc").status_code == 404
        moved = client.post(f"/tasks/{other}/status", data={"csrf_token": csrf, "status": "done"})
        assert moved.status_code == 404
        on_other = client.post(
            f"/incidents/{incident_id}/comments",
            data={"csrf_token": csrf, "body": "intip", "task_id": str(other)},
        )
        assert on_other.status_code == 404
        refused = client.post(
            f"/incidents/{incident_id}/status", data={"csrf_token": csrf, "status": "active"}
        )
        assert refused.status_code == 403 and "only kemlu" in refused.text

        mine = client.get("/tasks").text
        assert f'id="task-{own}"' in mine and f'id="task-{other}"' not in mine
        done = client.post(
            f"/tasks/{own}/status",
            data={"csrf_token": csrf, "status": "done", "outcome": "Terkirim", "back": "tasks"},
            follow_redirects=False,
        )
        assert done.headers["location"] == f"/tasks?done=task#task-{own}"
        assert "No task for your agency." in client.get("/tasks").text
        assert f'id="task-{own}"' in client.get("/tasks?show=all").text
        task_page = client.get(f"/tasks/{own}").text
        assert "Terkirim" in task_page and "Timeline of this task" in task_page
    assert task_status(desk, other) is TaskStatus.OPEN


def test_a_comment_on_a_task_goes_back_to_the_task(desk: Desk) -> None:
    incident_id = open_incident(desk)
    own, _ = two_tasks(desk, incident_id)
    with signed_in(desk.ctx, "lia") as (client, csrf):
        data = {"csrf_token": csrf, "body": "Tim berangkat", "task_id": str(own)}
        said = client.post(f"/incidents/{incident_id}/comments", data=data, follow_redirects=False)
        assert said.headers["location"] == f"/tasks/{own}?done=comment#timeline"
        assert "Tim berangkat" in client.get(f"/tasks/{own}").text
        empty = client.post(f"/incidents/{incident_id}/comments", data=data | {"body": " "})
        assert empty.status_code == 400 and "Timeline of this task" in empty.text


def test_a_viewer_reads_without_forms_and_is_refused(desk: Desk) -> None:
    incident_id = open_incident(desk)
    own, _ = two_tasks(desk, incident_id)
    with signed_in(desk.ctx, "vera") as (client, csrf):
        page = client.get(f"/incidents/{incident_id}").text
        assert f'id="task-{own}"' in page
        for form in ("assign-form", "comment-form", "attach-form", "share-form", "status-note"):
            assert f'id="{form}"' not in page
        assert 'action="/tasks/' not in page
        assert 'id="new-incident"' not in client.get("/incidents").text
        assert 'id="card-' in client.get("/incidents/board").text
        refused = client.post(
            f"/incidents/{incident_id}/comments", data={"csrf_token": csrf, "body": "hai"}
        )
        assert refused.status_code == 403 and "You may not do this" in refused.text
        data = {"csrf_token": csrf, "title": "x", "kind": "cyber", "severity": "low"}
        assert client.post("/incidents", data=data).status_code == 403


def test_an_alert_becomes_an_incident(desk: Desk) -> None:
    ids = store_items(desk.ctx.engine, [("antara-id", "id", "Gempa guncang Lombok")])
    alert_id = raise_watchlist_alert(desk.ctx.engine, ids)
    with signed_in(desk.ctx, "ana") as (client, csrf):
        page = client.get("/alerts").text
        assert f'action="/incidents/from-alert/{alert_id}"' in page
        assert f'for="incident-kind-alert-{alert_id}"' in page
        opened = client.post(
            f"/incidents/from-alert/{alert_id}",
            data={"csrf_token": csrf, "kind": "disaster", "severity": "high"},
            follow_redirects=False,
        )
        assert opened.status_code == 303
        page = client.get(opened.headers["location"]).text
        assert "Incident opened." in page and f'href="/alerts#alert-{alert_id}"' in page
        missing = client.post(
            f"/incidents/from-alert/{MISSING}",
            data={"csrf_token": csrf, "kind": "disaster", "severity": "high"},
        )
        assert missing.status_code == 404
    with desk.ctx.engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
        incident_id = int(opened.headers["location"].split("/")[2].split("?")[0])
        incident = get_incident(conn, LOCAL_OPERATOR, incident_id)
    assert alert is not None and alert.status is AlertStatus.ESCALATED
    assert incident is not None and incident.opened_from_type == LinkType.ALERT.value


def test_a_story_becomes_an_incident(desk: Desk) -> None:
    store_items(desk.ctx.engine, [("antara-id", "id", "Gempa guncang Lombok")])
    with signed_in(desk.ctx, "ana") as (client, csrf):
        assert 'action="/incidents/from-story/s-gempa"' in client.get("/stories/s-gempa").text
        opened = client.post(
            "/incidents/from-story/s-gempa",
            data={"csrf_token": csrf, "kind": "disaster", "severity": "moderate"},
            follow_redirects=False,
        )
        page = client.get(opened.headers["location"]).text
        assert "Gempa guncang Lombok" in page and 'href="/stories/s-gempa"' in page
        data = {"csrf_token": csrf, "kind": "disaster", "severity": "low"}
        nothing = client.post("/incidents/from-story/s-nothing", data=data)
        assert nothing.status_code == 400 and "no story with id" in nothing.text


def test_notifications_are_counted_listed_and_marked_read(desk: Desk) -> None:
    incident_id = open_incident(desk)
    two_tasks(desk, incident_id)
    with signed_in(desk.ctx, "lia") as (client, csrf):
        home = client.get("/incidents").text
        count = re.search(r'id="unread-count">(\d+)<', home)
        assert count is not None and count.group(1) == "1"
        page = client.get("/tasks").text
        assert "Task for bnpb: Laporan dampak" in page and "Task for bssn" not in page
        ids = re.findall(r'name="ids" value="(\d+)"', page)
        marked = client.post(
            "/notifications/read", data={"csrf_token": csrf, "ids": ids}, follow_redirects=False
        )
        assert marked.headers["location"] == "/tasks?done=read#notifications"
        page = client.get("/tasks?done=read").text
        assert "Notifications marked read." in page and 'id="unread-count"' not in page


def test_notifications_read_in_the_readers_language(desk: Desk) -> None:
    """Stored once, with their parameters: an Indonesian liaison reads them in Indonesian,
    an English one in English, and the API keeps the stored English title."""
    make_user(desk.ctx.engine, "wati", role=Role.LIAISON, agency="bnpb", locale=Locale.ID)
    incident_id = open_incident(desk)
    assigned = datetime.now(tz=UTC) - timedelta(minutes=65)
    two_tasks(desk, incident_id, at=assigned)
    do_escalation_sweep(desk.ctx.engine, now=assigned + timedelta(minutes=62))
    with signed_in(desk.ctx, "wati") as (client, _):
        page = client.get("/tasks").text
        assert f"Tugas untuk bnpb: Laporan dampak (insiden #{incident_id})" in page
        assert "Terlambat: Laporan dampak (belum dikonfirmasi 2 menit setelah tenggat" in page
        assert "Task for bnpb" not in page and "Overdue:" not in page
        titles = [n["title"] for n in client.get("/api/v1/notifications").json()["notifications"]]
        assert any(t.startswith("[TLP:") and "Task for bnpb: Laporan dampak" in t for t in titles)
    with signed_in(desk.ctx, "lia") as (client, _):
        page = client.get("/tasks").text
        assert "Overdue: Laporan dampak (not acknowledged 2 min after its acknowledgement" in page


def test_escalation_shows_on_the_incident_page(desk: Desk) -> None:
    incident_id = open_incident(desk)
    # High severity: acknowledged within an hour, else up the ladder (bssn -> polhukam).
    # Assigned 65 minutes ago, so that the page (on the real clock) shows them overdue too.
    assigned = datetime.now(tz=UTC) - timedelta(minutes=65)
    bnpb_task, bssn_task = two_tasks(desk, incident_id, at=assigned)
    steps = do_escalation_sweep(desk.ctx.engine, now=assigned + timedelta(minutes=62))
    assert {(s.task_id, s.level, s.to_agency) for s in steps} >= {(bssn_task, 1, "polhukam")}
    with signed_in(desk.ctx, "ana") as (client, _):
        page = client.get(f"/incidents/{incident_id}").text
        row = page.split(f'id="task-{bssn_task}"')[1].split("</tr>")[0]
        assert "level 1" in row and "to polhukam" in row and "overdue" in row
        assert 'class="timeline-item entry entry-escalation"' in page
        assert "escalated to polhukam (supervising agency, level 1)" in page
    with signed_in(desk.ctx, "budi") as (client, _):
        assert f'id="task-{bssn_task}"' in client.get("/tasks").text
        assert f'id="task-{bnpb_task}"' not in client.get("/tasks").text


def test_the_pages_in_indonesian(desk: Desk) -> None:
    make_user(desk.ctx.engine, "sari", locale=Locale.ID)
    incident_id = open_incident(desk)
    two_tasks(desk, incident_id)
    with signed_in(desk.ctx, "sari") as (client, _):
        page = client.get(f"/incidents/{incident_id}").text
        assert "Siapa yang dapat melihat ini" in page and "Tugaskan" in page
        assert ">Insiden</a>" in page
        assert "Papan insiden" in client.get("/incidents/board").text
        assert "Tugas instansi saya" in client.get("/tasks").text
