"""Timeline entries DCC writes read in the reader's language, from their `data`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dcc.coordination.records import Entry, EntryKind
from dcc.web.i18n import use_locale
from dcc.web.timeline_text import entry_text

AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _entry(kind: EntryKind, data: dict[str, Any], body: str = "stored English") -> Entry:
    return Entry(
        id=1, incident_id=1, task_id=None, kind=kind, body=body, data=data, owner_agency="kemlu",
        tlp="AMBER", inherits_shares=True, author_id=None, author_name="DCC", created_at=AT,
    )  # fmt: skip


def test_system_entries_in_indonesian_and_english() -> None:
    assigned = _entry(
        EntryKind.TASK,
        {"task_id": 7, "event": "assigned", "agency": "bnpb", "assignee": None,
         "title": "Data pengungsi", "due_at": "2026-11-24T05:00:00+00:00"},
    )  # fmt: skip
    escalated = _entry(
        EntryKind.ESCALATION,
        {"task_id": 7, "level": 1, "rung": "supervising_agency", "to": "polhukam",
         "why": "unacknowledged", "late_minutes": 65, "reason": "x"},
    )  # fmt: skip
    status = _entry(
        EntryKind.STATUS, {"event": "status", "from": "new", "status": "active", "note": "gempa"}
    )
    with use_locale("id"):
        assert entry_text(assigned).startswith("Tugas #7 “Data pengungsi” diberikan kepada bnpb")
        assert "12.00" in entry_text(assigned)  # 05:00 UTC is noon in Jakarta (WIB)
        assert entry_text(escalated) == (
            "Tugas #7 belum dikonfirmasi 1 jam 5 menit setelah tenggat konfirmasinya: "
            "dieskalasi ke polhukam (instansi pembina, tingkat 1)"
        )
        assert entry_text(status) == "Status baru → aktif: gempa"
    with use_locale("en"):
        assert entry_text(status) == "Status new → active: gempa"
        assert "overdue" not in entry_text(escalated)
        assert "not acknowledged 1 h 5 min after its acknowledgement deadline" in entry_text(
            escalated
        )


def test_people_and_old_entries_keep_their_own_words() -> None:
    comment = _entry(EntryKind.COMMENT, {"mentions": ["ana"]}, body="Tim SAR berangkat @ana")
    old = _entry(EntryKind.TASK, {"task_id": 3, "event": "assigned", "agency": "bnpb"}, "Old text")
    broken = _entry(EntryKind.ESCALATION, {"why": "overdue"}, body="Stored words")
    with use_locale("id"):
        assert entry_text(comment) == "Tim SAR berangkat @ana"
        assert entry_text(old) == "Old text"
        assert entry_text(broken) == "Stored words"
