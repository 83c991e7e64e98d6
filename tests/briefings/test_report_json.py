"""The reports as JSON: stable keys, UTC times, seconds for durations."""

from __future__ import annotations

import json

from report_fixtures import AGENCY_NAMES, ENTRIES, NOW, SCRIPT, USER_NAMES, lombok_view

from dcc.briefings.sitrep import (
    after_action_json,
    after_action_report,
    sitrep_json,
    situation_report,
)

COMMON_KEYS = {
    "report",
    "schema",
    "generated_at",
    "tlp",
    "tlp_label",
    "incident",
    "roles",
    "tasks_by_agency",
    "task_totals",
    "decisions",
    "links",
    "attachments",
    "activity",
}
ENTRY_KEYS = {
    "id",
    "at",
    "since_open_seconds",
    "kind",
    "author",
    "body",
    "task_id",
    "task_title",
    "tlp",
    "status_to",
}


def sitrep_document() -> dict:
    report = situation_report(
        lombok_view(), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )
    return sitrep_json(report)


def aar_document() -> dict:
    report = after_action_report(
        lombok_view(), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )
    return after_action_json(report)


def test_sitrep_keys():
    document = sitrep_document()
    assert set(document) == COMMON_KEYS | {"overdue", "next_deadlines", "latest"}
    assert document["report"] == "situation_report"
    assert document["schema"] == 1
    assert set(document["incident"]) == {
        "id",
        "title",
        "summary",
        "kind",
        "severity",
        "status",
        "tlp",
        "owner_agency",
        "owner_name",
        "opened_at",
        "status_changed_at",
        "closed_at",
    }
    assert all(set(line) == ENTRY_KEYS for line in document["latest"])


def test_sitrep_values():
    document = sitrep_document()
    assert document["generated_at"] == "2026-08-05T20:50:00Z"
    assert (document["tlp"], document["tlp_label"]) == ("AMBER", "TLP:AMBER")
    incident = document["incident"]
    assert incident["opened_at"] == "2026-08-05T11:50:00Z"
    assert incident["closed_at"] is None
    assert (incident["kind"], incident["severity"], incident["status"]) == (
        "disaster",
        "high",
        "active",
    )
    assert document["tasks_by_agency"][2] == {
        "agency": "kbri-tokyo",
        "name": "KBRI Tokyo",
        "open": 0,
        "overdue": 1,
        "done": 1,
        "cancelled": 0,
        "total": 2,
    }
    assert document["task_totals"] == {
        "open": 2,
        "overdue": 2,
        "done": 2,
        "cancelled": 1,
        "total": 7,
    }
    first = document["overdue"][0]
    assert first["task_id"] == 3
    assert first["deadline"] == "2026-08-05T13:05:00Z"
    assert first["deadline_kind"] == "acknowledge"
    assert first["late_by_seconds"] == 7 * 3600 + 45 * 60
    assert [u["due_in_seconds"] for u in document["next_deadlines"]] == [7200, 21600]
    assert [d["id"] for d in document["decisions"]] == [6, 9]
    assert document["links"] == {"item": 2, "story": 1, "alert": 1}
    assert document["attachments"][0]["uploaded_at"] == "2026-08-05T15:20:00Z"
    activity = document["activity"]
    assert activity["bucket_seconds"] == 3600
    assert activity["start"] == "2026-08-05T11:00:00Z"
    assert sum(activity["counts"]) == len(ENTRIES)
    assert activity["status_changes"][1] == {"at": "2026-08-05T12:30:00Z", "status": "active"}


def test_user_text_is_kept_as_it_is_and_the_document_serialises():
    document = sitrep_document()
    bodies = [line["body"] for line in document["latest"]]
    assert any(body.startswith(SCRIPT) for body in bodies)  # JSON is data: escaping is HTML's
    text = json.dumps(document, ensure_ascii=False)
    assert json.loads(text) == document


def test_after_action_keys_and_values():
    document = aar_document()
    assert set(document) == COMMON_KEYS | {
        "ended_at",
        "duration_seconds",
        "sla",
        "tasks",
        "escalations",
        "timeline",
    }
    assert document["report"] == "after_action_report"
    assert [line["id"] for line in document["timeline"]] == [e.id for e in ENTRIES]
    assert document["timeline"][-1]["since_open_seconds"] == 520 * 60
    assert document["duration_seconds"] == 9 * 3600
    assert document["sla"] == {"met": 1, "missed": 2, "pending": 3, "not_applicable": 1}
    late = next(task for task in document["tasks"] if task["task_id"] == 5)
    assert late["completion_sla"] == "missed"
    assert late["acknowledgement_sla"] == "missed"
    assert late["time_to_complete_seconds"] == 220 * 60
    assert late["completed_at"] == "2026-08-05T16:00:00Z"
    assert document["escalations"][0]["level"] == 1
    json.dumps(document)
