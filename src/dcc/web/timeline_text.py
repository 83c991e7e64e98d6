"""A timeline entry DCC wrote (status, task, link, role, attachment, escalation) in the
reader's language, from the facts it keeps in `data`; a person's comment or decision as they
wrote it (issue 6). Entries written before their `data` held these facts show their stored
English text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from dcc.coordination.notify_text import late_reason
from dcc.coordination.records import Entry, EntryKind
from dcc.web.display import label_name
from dcc.web.i18n import format_datetime, format_number
from dcc.web.i18n import gettext as _

Phrase = Callable[[Mapping[str, Any]], str | None]


def entry_text(entry: Entry) -> str:
    """What the timeline shows for `entry`."""
    phrase = _PHRASES.get(entry.kind)
    if phrase is None:
        return entry.body
    try:
        said = phrase(entry.data)
    except (KeyError, TypeError, ValueError):
        said = None
    return said if said is not None else entry.body


def _when(value: Any) -> str:
    return format_datetime(datetime.fromisoformat(str(value)), style="short")


def _with_note(text: str, note: Any) -> str:
    return f"{text}: {note}" if note else text


def _status(data: Mapping[str, Any]) -> str | None:
    event = data.get("event")
    if event == "opened":
        if data.get("from_type"):
            return _("Incident opened from %(kind)s %(id)s") % {
                "kind": label_name(str(data["from_type"])),
                "id": data["from_id"],
            }
        return _("Incident opened")
    if event == "status":
        text = _("Status %(old)s → %(new)s") % {
            "old": label_name(str(data["from"])),
            "new": label_name(str(data["status"])),
        }
        return _with_note(text, data.get("note"))
    if event == "changed":
        fields = [label_name(k) for k in ("title", "kind", "severity", "summary") if k in data]
        return _("Changed %(fields)s") % {"fields": ", ".join(fields)}
    return None


def _task(data: Mapping[str, Any]) -> str | None:
    event = str(data.get("event"))
    number = data["task_id"]
    if event == "assigned" and "title" in data:
        who = str(data["agency"])
        if data.get("assignee"):
            who = f"{who} ({data['assignee']})"
        return _("Task #%(id)s “%(title)s” assigned to %(who)s, due %(due)s") % {
            "id": number,
            "title": data["title"],
            "who": who,
            "due": _when(data["due_at"]),
        }
    if event == "reassigned" and "from_agency" in data:
        return _("Task #%(id)s reassigned from %(old)s to %(new)s") % {
            "id": number,
            "old": data["from_agency"],
            "new": data["agency"],
        }
    if event == "due":
        return _("Task #%(id)s now due %(due)s") % {"id": number, "due": _when(data["due_at"])}
    if "from" in data:
        text = _("Task #%(id)s %(old)s → %(new)s") % {
            "id": number,
            "old": label_name(str(data["from"])),
            "new": label_name(event),
        }
        return _with_note(text, data.get("outcome"))
    return None


def _link(data: Mapping[str, Any]) -> str:
    return _("Linked %(kind)s %(id)s") % {
        "kind": label_name(str(data["target_type"])),
        "id": data["target_id"],
    }


def _role(data: Mapping[str, Any]) -> str:
    return _("%(user)s is %(role)s") % {"user": data["user"], "role": label_name(str(data["role"]))}


def _attachment(data: Mapping[str, Any]) -> str | None:
    if "filename" not in data:
        return None
    return _("Attached %(name)s (%(type)s, %(size)s bytes)") % {
        "name": data["filename"],
        "type": data["media_type"],
        "size": format_number(int(data["size_bytes"])),
    }


def _escalation(data: Mapping[str, Any]) -> str | None:
    if "why" not in data:
        return None
    # Worded as the escalation's notification is (notify_text): "terlambat 2 jam 5 menit".
    late = late_reason(data["why"] == "unacknowledged", int(data["late_minutes"]), _)
    if not data.get("to"):
        return _("Task #%(id)s %(late)s: nobody left on the escalation ladder to reach") % {
            "id": data["task_id"],
            "late": late,
        }
    return _("Task #%(id)s %(late)s: escalated to %(to)s (%(rung)s, level %(level)s)") % {
        "id": data["task_id"],
        "late": late,
        "to": data["to"],
        "rung": label_name(str(data["rung"])),
        "level": data["level"],
    }


_PHRASES: Mapping[EntryKind, Phrase] = {
    EntryKind.STATUS: _status,
    EntryKind.TASK: _task,
    EntryKind.LINK: _link,
    EntryKind.ROLE: _role,
    EntryKind.ATTACHMENT: _attachment,
    EntryKind.ESCALATION: _escalation,
}
