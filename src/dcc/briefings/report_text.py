"""The fixed words of the reports in English and Indonesian, and how times read in them.

The reports keep their own small catalogue (issue 6) instead of the web app's gettext one,
so that a PDF or HTML report renders the same wherever it is called from. Times are shown
in WIB (Asia/Jakarta, where the watch floor works) and durations in words:

    >>> Text("id").duration(timedelta(hours=26, minutes=5))
    '1 hari 2 jam'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

WIB: Final = ZoneInfo("Asia/Jakarta")
LOCALES: Final = ("en", "id")

_EN: Final[Mapping[str, str]] = {
    "situation_report": "Situation report",
    "after_action_report": "After-action report",
    "incident": "Incident",
    "generated": "Generated",
    "status": "Status",
    "severity": "Severity",
    "kind": "Kind",
    "owner": "Owner agency",
    "opened": "Opened",
    "status_changed": "Status since",
    "closed": "Closed",
    "ended": "Ended",
    "duration": "Duration",
    "summary": "Summary",
    "roles": "Roles",
    "role": "Role",
    "person": "Person",
    "assigned": "Assigned",
    "tasks": "Tasks",
    "tasks_by_agency": "Tasks by agency",
    "agency": "Agency",
    "open": "Open",
    "overdue": "Overdue",
    "done": "Done",
    "cancelled": "Cancelled",
    "total": "Total",
    "overdue_tasks": "Overdue tasks",
    "task": "Task",
    "deadline": "Deadline",
    "late_by": "Late by",
    "due_in": "Due in",
    "next_deadlines": "Next deadlines",
    "deadline.acknowledge": "acknowledge",
    "deadline.complete": "complete",
    "key_decisions": "Key decisions",
    "latest": "Latest developments",
    "none": "None.",
    "linked": "Linked",
    "link.item": "Items",
    "link.story": "Stories",
    "link.alert": "Alerts",
    "attachments": "Attachments",
    "file": "File",
    "type": "Type",
    "size": "Size",
    "uploaded": "Uploaded",
    "by": "By",
    "activity": "Timeline activity",
    "entries": "Entries",
    "per_bucket": "entries per {bucket}",
    "status_change": "Status change",
    "timeline": "Full timeline",
    "time": "Time (WIB)",
    "since_open": "Since opened",
    "entry": "Entry",
    "task_outcomes": "Tasks: response times and SLA",
    "created": "Created",
    "time_to_ack": "Time to acknowledge",
    "time_to_complete": "Time to complete",
    "sla_ack": "Acknowledgement SLA",
    "sla_done": "Completion SLA",
    "sla_summary": "Completion SLA: {met} met, {missed} missed, {pending} pending",
    "sla.met": "met",
    "sla.missed": "missed",
    "sla.pending": "pending",
    "sla.not_applicable": "n/a",
    "escalations": "Escalations",
    "level": "Level",
    "escalated_to": "Escalated to",
    "schedule": "Task schedule",
    "bar.done_on_time": "Done on time",
    "bar.done_late": "Done late",
    "bar.open": "Open",
    "bar.overdue": "Overdue",
    "bar.cancelled": "Cancelled",
    "deadline_mark": "Deadline",
    "no_tasks": "No tasks.",
    "no_entries": "No timeline entries.",
    "page": "Page {page} of {pages}",
    "continued": "(continued)",
    "unit.hour": "hour",
    "unit.hours": "{n} hours",
    "unit.day": "day",
    "unit.days": "{n} days",
    "status.new": "New",
    "status.triage": "Triage",
    "status.active": "Active",
    "status.monitoring": "Monitoring",
    "status.closed": "Closed",
    "severity.low": "Low",
    "severity.moderate": "Moderate",
    "severity.high": "High",
    "severity.critical": "Critical",
    "kind.disinformation": "Disinformation",
    "kind.disaster": "Disaster",
    "kind.cyber": "Cyber",
    "kind.consular": "Consular",
    "kind.diplomatic": "Diplomatic",
    "role.incident_commander": "Incident commander",
    "role.planning": "Planning",
    "role.operations": "Operations",
    "role.logistics": "Logistics",
    "role.liaison": "Liaison",
    "entry.comment": "Comment",
    "entry.decision": "Decision",
    "entry.status": "Status",
    "entry.task": "Task",
    "entry.attachment": "Attachment",
    "entry.link": "Link",
    "entry.role": "Role",
    "entry.escalation": "Escalation",
    "task.open": "Open",
    "task.acknowledged": "Acknowledged",
    "task.in_progress": "In progress",
    "task.done": "Done",
    "task.cancelled": "Cancelled",
    "d": "{n} d",
    "h": "{n} h",
    "min": "{n} min",
}

_ID: Final[Mapping[str, str]] = {
    "situation_report": "Laporan situasi",
    "after_action_report": "Laporan pasca-aksi",
    "incident": "Insiden",
    "generated": "Dibuat",
    "status": "Status",
    "severity": "Tingkat keparahan",
    "kind": "Jenis",
    "owner": "Instansi pemilik",
    "opened": "Dibuka",
    "status_changed": "Status sejak",
    "closed": "Ditutup",
    "ended": "Berakhir",
    "duration": "Durasi",
    "summary": "Ringkasan",
    "roles": "Peran",
    "role": "Peran",
    "person": "Petugas",
    "assigned": "Ditetapkan",
    "tasks": "Tugas",
    "tasks_by_agency": "Tugas per instansi",
    "agency": "Instansi",
    "open": "Terbuka",
    "overdue": "Terlambat",
    "done": "Selesai",
    "cancelled": "Dibatalkan",
    "total": "Jumlah",
    "overdue_tasks": "Tugas terlambat",
    "task": "Tugas",
    "deadline": "Tenggat",
    "late_by": "Terlambat",
    "due_in": "Jatuh tempo dalam",
    "next_deadlines": "Tenggat berikutnya",
    "deadline.acknowledge": "konfirmasi",
    "deadline.complete": "penyelesaian",
    "key_decisions": "Keputusan penting",
    "latest": "Perkembangan terbaru",
    "none": "Tidak ada.",
    "linked": "Tautan",
    "link.item": "Butir",
    "link.story": "Cerita",
    "link.alert": "Peringatan",
    "attachments": "Lampiran",
    "file": "Berkas",
    "type": "Jenis",
    "size": "Ukuran",
    "uploaded": "Diunggah",
    "by": "Oleh",
    "activity": "Aktivitas linimasa",
    "entries": "Entri",
    "per_bucket": "entri per {bucket}",
    "status_change": "Perubahan status",
    "timeline": "Linimasa lengkap",
    "time": "Waktu (WIB)",
    "since_open": "Sejak dibuka",
    "entry": "Entri",
    "task_outcomes": "Tugas: waktu respons dan SLA",
    "created": "Dibuat",
    "time_to_ack": "Waktu hingga konfirmasi",
    "time_to_complete": "Waktu hingga selesai",
    "sla_ack": "SLA konfirmasi",
    "sla_done": "SLA penyelesaian",
    "sla_summary": "SLA penyelesaian: {met} terpenuhi, {missed} terlewat, {pending} berjalan",
    "sla.met": "terpenuhi",
    "sla.missed": "terlewat",
    "sla.pending": "berjalan",
    "sla.not_applicable": "t/a",
    "escalations": "Eskalasi",
    "level": "Tingkat",
    "escalated_to": "Dieskalasi ke",
    "schedule": "Jadwal tugas",
    "bar.done_on_time": "Selesai tepat waktu",
    "bar.done_late": "Selesai terlambat",
    "bar.open": "Terbuka",
    "bar.overdue": "Terlambat",
    "bar.cancelled": "Dibatalkan",
    "deadline_mark": "Tenggat",
    "no_tasks": "Tidak ada tugas.",
    "no_entries": "Tidak ada entri linimasa.",
    "page": "Halaman {page} dari {pages}",
    "continued": "(lanjutan)",
    "unit.hour": "jam",
    "unit.hours": "{n} jam",
    "unit.day": "hari",
    "unit.days": "{n} hari",
    "status.new": "Baru",
    "status.triage": "Triase",
    "status.active": "Aktif",
    "status.monitoring": "Pemantauan",
    "status.closed": "Ditutup",
    "severity.low": "Rendah",
    "severity.moderate": "Sedang",
    "severity.high": "Tinggi",
    "severity.critical": "Kritis",
    "kind.disinformation": "Disinformasi",
    "kind.disaster": "Bencana",
    "kind.cyber": "Siber",
    "kind.consular": "Kekonsuleran",
    "kind.diplomatic": "Diplomatik",
    "role.incident_commander": "Komandan insiden",
    "role.planning": "Perencanaan",
    "role.operations": "Operasi",
    "role.logistics": "Logistik",
    "role.liaison": "Penghubung",
    "entry.comment": "Komentar",
    "entry.decision": "Keputusan",
    "entry.status": "Status",
    "entry.task": "Tugas",
    "entry.attachment": "Lampiran",
    "entry.link": "Tautan",
    "entry.role": "Peran",
    "entry.escalation": "Eskalasi",
    "task.open": "Terbuka",
    "task.acknowledged": "Dikonfirmasi",
    "task.in_progress": "Sedang dikerjakan",
    "task.done": "Selesai",
    "task.cancelled": "Dibatalkan",
    "d": "{n} hari",
    "h": "{n} jam",
    "min": "{n} menit",
}

CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = {"en": _EN, "id": _ID}


class Text:
    """The words and time formats of one locale ("en" or "id"; anything else reads as "en",
    and "id-ID" as "id")."""

    def __init__(self, locale: str = "en") -> None:
        base = locale.replace("_", "-").split("-", 1)[0].lower()
        self.locale = base if base in CATALOGUE else "en"
        self._words = CATALOGUE[self.locale]

    def __call__(self, key: str, **values: object) -> str:
        """The phrase `key`, with `{name}` fields filled from `values`; the key itself when
        the catalogue lacks it (a missing word shows, it never breaks a report)."""
        phrase = self._words.get(key, _EN.get(key, key))
        return phrase.format(**values) if values else phrase

    def value(self, group: str, value: str) -> str:
        """The name of an enumerated value: ("status", "active") -> "Active" / "Aktif"."""
        key = f"{group}.{value}"
        return self(key) if key in _EN else value.replace("_", " ")

    def when(self, moment: datetime | None) -> str:
        """A moment in WIB: "2026-11-24 10:05 WIB"; "-" for None."""
        return format_wib(moment)

    def duration(self, delta: timedelta | None) -> str:
        """A duration in two units at most: "2 h 15 min", "3 d 4 h", "0 min"; "-" for None."""
        if delta is None:
            return "-"
        sign = "-" if delta < timedelta(0) else ""
        minutes = int(abs(delta).total_seconds() // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts: list[str] = []
        if days:
            parts = [self("d", n=days)] + ([self("h", n=hours)] if hours else [])
        elif hours:
            parts = [self("h", n=hours)] + ([self("min", n=minutes)] if minutes else [])
        else:
            parts = [self("min", n=minutes)]
        return sign + " ".join(parts)

    def bucket(self, size: timedelta) -> str:
        """The width of a histogram bar in words: "hour", "6 hours", "day", "7 days"."""
        hours = int(size.total_seconds() // 3600)
        if hours % 24 == 0:
            days = hours // 24
            return self("unit.day") if days == 1 else self("unit.days", n=days)
        return self("unit.hour") if hours == 1 else self("unit.hours", n=hours)


def format_wib(moment: datetime | None) -> str:
    """A moment in WIB: "2026-11-24 10:05 WIB"; "-" for None."""
    if moment is None:
        return "-"
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M") + " WIB"


def iso_utc(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a "Z": "2026-11-24T03:05:00Z"; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def format_size(size_bytes: int) -> str:
    """A file size for people: 532 B, 14.2 kB, 3.1 MB (decimal units)."""
    if size_bytes < 1000:
        return f"{size_bytes} B"
    size = size_bytes / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
