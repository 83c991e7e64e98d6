"""Incident views built by hand for the report tests: an earthquake near Lombok, worked by
the ministry's crisis cell, the embassy in Tokyo, the disaster agency and the cyber agency.

Times (UTC; WIB is UTC+7): the incident opens at 11:50 UTC on 5 August 2026 and the
reports are taken at NOW, nine hours later (20:50 UTC, 03:50 WIB on the 6th).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dcc.coordination.records import (
    Attachment,
    Entry,
    EntryKind,
    Incident,
    IncidentKind,
    IncidentLink,
    IncidentRole,
    IncidentStatus,
    IncidentView,
    LinkType,
    RoleHolder,
    Severity,
    Task,
    TaskStatus,
)

OPENED = datetime(2026, 8, 5, 11, 50, tzinfo=UTC)
NOW = OPENED + timedelta(hours=9)
AGENCY_NAMES = {
    "kemlu-pwni": "Direktorat PWNI",
    "kbri-tokyo": "KBRI Tokyo",
    "bnpb": "BNPB",
    "bssn": "BSSN",
}
USER_NAMES = {1: "Rina Wulandari", 2: "Andi Pratama", 3: "Yuki Tanaka", 4: "Dewi Lestari"}
SCRIPT = "<script>alert('xss')</script>"
UNICODE_COMMENT = (
    "“Gempa” — warga aman 🌋🙏; 地震 ロンボク; زلزال في لومبوك; Ελλάδα; ﬁnal naïve café…"
)


def at(minutes: float) -> datetime:
    """OPENED + `minutes`."""
    return OPENED + timedelta(minutes=minutes)


def incident(**changes: Any) -> Incident:
    base = Incident(
        id=42,
        title="Gempa M6,4 dekat Lombok Utara: WNI dan wisatawan asing terdampak",
        summary=(
            "Gempa M6,4 (BMKG) pukul 18.47 WIB, pusat 12 km barat laut Lombok Utara. "
            "Sekitar 300 wisatawan Jepang di Gili Trawangan; jalur evakuasi ke Bangsal."
        ),
        kind=IncidentKind.DISASTER,
        severity=Severity.HIGH,
        status=IncidentStatus.ACTIVE,
        owner_agency="kemlu-pwni",
        tlp="AMBER",
        created_by=1,
        created_at=OPENED,
        updated_at=at(300),
        status_changed_at=at(40),
    )
    return replace(base, **changes)


def task(
    task_id: int,
    agency: str,
    title: str,
    status: TaskStatus,
    *,
    created: float,
    ack_due: float,
    due: float,
    acknowledged: float | None = None,
    completed: float | None = None,
    updated: float | None = None,
    tlp: str = "AMBER",
    escalation_level: int = 0,
    escalated: float | None = None,
    escalated_to: str | None = None,
    outcome: str | None = None,
) -> Task:
    return Task(
        id=task_id,
        incident_id=42,
        title=title,
        details="",
        assigned_agency=agency,
        assignee_id=None,
        status=status,
        ack_due_at=at(ack_due),
        due_at=at(due),
        acknowledged_at=at(acknowledged) if acknowledged is not None else None,
        completed_at=at(completed) if completed is not None else None,
        outcome=outcome,
        escalation_level=escalation_level,
        escalated_to_agency=escalated_to,
        escalated_to_user=None,
        escalated_at=at(escalated) if escalated is not None else None,
        reminded_at=None,
        owner_agency="kemlu-pwni",
        tlp=tlp,
        created_by=1,
        created_at=at(created),
        updated_at=at(updated if updated is not None else completed or created),
    )


def entry(
    entry_id: int,
    kind: EntryKind,
    minutes: float,
    body: str,
    *,
    task_id: int | None = None,
    data: dict[str, Any] | None = None,
    author: int | None = 1,
    author_name: str = "rina",
    tlp: str = "AMBER",
) -> Entry:
    return Entry(
        id=entry_id,
        incident_id=42,
        task_id=task_id,
        kind=kind,
        body=body,
        data=data or {},
        owner_agency="kemlu-pwni",
        tlp=tlp,
        inherits_shares=True,
        author_id=author,
        author_name=author_name,
        created_at=at(minutes),
    )


TASKS = (
    # 1 bnpb: done on time (due at +240, done at +200).
    task(
        1,
        "bnpb",
        "Data korban dan pengungsi di Lombok Utara",
        TaskStatus.DONE,
        created=20,
        ack_due=35,
        due=240,
        acknowledged=30,
        completed=200,
        outcome="Terkirim: 3 meninggal, 1.200 pengungsi",
    ),
    # 2 kbri-tokyo: acknowledged, due at +420 -> 120 min late at NOW (+540); escalated.
    task(
        2,
        "kbri-tokyo",
        "Koordinasi dengan MOFA Jepang: data wisatawan Jepang di Gili",
        TaskStatus.ACKNOWLEDGED,
        created=25,
        ack_due=40,
        due=420,
        acknowledged=38,
        updated=470,
        escalation_level=1,
        escalated=470,
        escalated_to="kemlu-pwni",
    ),
    # 3 bssn: never acknowledged; ack deadline +75 -> overdue since then (465 min at NOW).
    task(
        3,
        "bssn",
        "Pantau hoaks tsunami di media sosial",
        TaskStatus.OPEN,
        created=60,
        ack_due=75,
        due=600,
    ),
    # 4 bnpb: in progress, due at +660 -> due in 120 min at NOW.
    task(
        4,
        "bnpb",
        "Perbarui peta dampak dan jalur evakuasi",
        TaskStatus.IN_PROGRESS,
        created=90,
        ack_due=105,
        due=660,
        acknowledged=100,
    ),
    # 5 kbri-tokyo: done late (due +180, done +250).
    task(
        5,
        "kbri-tokyo",
        "Siaran pers dwibahasa (ID/JA) untuk media Jepang",
        TaskStatus.DONE,
        created=30,
        ack_due=45,
        due=180,
        acknowledged=50,
        completed=250,
    ),
    # 6 bssn: cancelled.
    task(
        6,
        "bssn",
        "Cek situs pemda terhadap defacement",
        TaskStatus.CANCELLED,
        created=70,
        ack_due=85,
        due=400,
        updated=120,
    ),
    # 7 bnpb: open, acknowledged in time, due at +900 -> due in 360 min at NOW.
    task(
        7,
        "bnpb",
        "Laporan logistik posko Tanjung",
        TaskStatus.ACKNOWLEDGED,
        created=300,
        ack_due=315,
        due=900,
        acknowledged=310,
    ),
)

ENTRIES = (
    entry(1, EntryKind.STATUS, 10, "", data={"from": "new", "to": "triage"}),
    entry(2, EntryKind.COMMENT, 15, "BMKG: tidak berpotensi tsunami. Guncangan terasa di Mataram."),
    entry(3, EntryKind.TASK, 20, "Tugas dibuat untuk BNPB", task_id=1),
    entry(4, EntryKind.TASK, 25, "Task assigned to KBRI Tokyo", task_id=2),
    entry(5, EntryKind.STATUS, 40, "", data={"from": "triage", "to": "active"}),
    entry(
        6,
        EntryKind.DECISION,
        45,
        "Aktifkan hotline PWNI 24 jam; KBRI Tokyo menjadi titik kontak MOFA Jepang.",
    ),
    entry(7, EntryKind.COMMENT, 65, SCRIPT + " komentar uji", author=2, author_name="andi"),
    entry(8, EntryKind.COMMENT, 130, UNICODE_COMMENT, author=3, author_name="yuki", tlp="GREEN"),
    entry(
        9,
        EntryKind.DECISION,
        180,
        "Evacuation of foreign tourists from Gili Trawangan via Bangsal harbour approved.",
        author=2,
        author_name="andi",
    ),
    entry(10, EntryKind.TASK, 200, "Selesai: data korban terkirim", task_id=1),
    entry(
        11,
        EntryKind.ESCALATION,
        470,
        "Task #2 overdue by 50 min: escalated to the supervising agency",
        task_id=2,
        data={"level": 1, "to": "supervising_agency"},
        author=None,
        author_name="DCC",
    ),
    entry(12, EntryKind.COMMENT, 520, "Tim BNPB tiba di Pemenang.", author=4, author_name="dewi"),
)

ROLES = (
    RoleHolder(42, IncidentRole.LIAISON, 3, "yuki", at(30)),
    RoleHolder(42, IncidentRole.INCIDENT_COMMANDER, 1, "rina", at(5)),
)

LINKS = (
    IncidentLink(1, 42, LinkType.ITEM, "item-1", at(5)),
    IncidentLink(2, 42, LinkType.ITEM, "item-2", at(6)),
    IncidentLink(3, 42, LinkType.STORY, "story-9", at(7)),
    IncidentLink(4, 42, LinkType.ALERT, "alert-3", at(2)),
)

ATTACHMENTS = (
    Attachment(
        id=1,
        incident_id=42,
        task_id=1,
        filename="peta_dampak_<lombok>.pdf",
        media_type="application/pdf",
        size_bytes=482_113,
        sha256="0" * 64,
        owner_agency="bnpb",
        tlp="GREEN",
        inherits_shares=True,
        uploaded_by=4,
        uploaded_at=at(210),
    ),
)


def lombok_view(**changes: Any) -> IncidentView:
    """The Lombok earthquake as its owner agency reads it; keyword arguments replace fields
    of the view (tasks=..., entries=...)."""
    view = IncidentView(
        incident=incident(),
        roles=ROLES,
        links=LINKS,
        tasks=TASKS,
        entries=ENTRIES,
        attachments=ATTACHMENTS,
    )
    return replace(view, **changes)


def long_view(count: int = 2000) -> IncidentView:
    """The same incident with `count` comments, one every three minutes, some long."""
    words = (
        "Laporan lapangan dari posko Tanjung: distribusi air bersih, tenda, dan obat-obatan "
        "berjalan; akses jalan ke Kayangan masih terputus longsor. "
    )
    entries = tuple(
        entry(
            1000 + n,
            EntryKind.STATUS if n % 500 == 0 else EntryKind.COMMENT,
            3 * n,
            words * (1 + n % 7) if n % 500 else "",
            data={"to": "monitoring" if n % 1000 else "active"} if n % 500 == 0 else None,
        )
        for n in range(count)
    )
    return lombok_view(entries=entries)
