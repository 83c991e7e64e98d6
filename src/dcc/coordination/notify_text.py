"""The words of a notification, from its kind and parameters, in the reader's language.

Why parameters and not only a sentence: a notification is written once, when the task is
assigned or the deadline passes, but read in Bahasa Indonesia by one official and in English
by another (the page's locale, web/i18n.py). So each notification keeps its parameters (task,
incident, TLP, lateness...) beside the English sentence; pages render the sentence again in
their locale, while e-mail, webhooks and the API keep the stored English one (their readers'
language is unknown, and the API's `title` is a contract).

The sentences are marked with `_` (a no-op here) so that `make messages` extracts them into
the Indonesian catalog, where tests/web/test_i18n.py checks each has its translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dcc.coordination.records import NotificationKind

Translate = Callable[[str], str]
NotificationParams = Mapping[str, str | int | bool]  # what fills a sentence (JSON-stored)


def _(message: str) -> str:
    """Marks a message for extraction; it is translated where it is rendered. As a
    `Translate`, it leaves the English as it is (the default below)."""
    return message


SENTENCES: Mapping[NotificationKind, str] = {
    NotificationKind.ASSIGNED: _(
        "[TLP:%(tlp)s] Task for %(agency)s: %(task)s (incident #%(incident)s)"
    ),
    NotificationKind.DUE: _(
        "[TLP:%(tlp)s] Due in %(minutes)s min: %(task)s (incident #%(incident)s)"
    ),
    NotificationKind.ESCALATION: _(
        "[TLP:%(tlp)s] Escalated: %(task)s (%(reason)s, incident #%(incident)s)"
    ),
    NotificationKind.OVERDUE: _(
        "[TLP:%(tlp)s] Overdue: %(task)s (%(reason)s, incident #%(incident)s)"
    ),
    NotificationKind.MENTION: _(
        "[TLP:%(tlp)s] %(author)s mentioned you on incident #%(incident)s: %(incident_title)s"
    ),
}
# Why a task is late (sla.Escalate.unacknowledged), with how late in words (`duration`).
LATE_REASONS = {
    False: _("overdue by %(late)s"),
    True: _("not acknowledged %(late)s after its acknowledgement deadline"),
}
DURATIONS = {
    "minutes": _("%(minutes)s min"),
    "hours": _("%(hours)s h"),
    "hours_minutes": _("%(hours)s h %(minutes)s min"),
    "days": _("%(days)s days"),
}


def duration(minutes: int, translate: Translate = _) -> str:
    """`minutes` in words: "45 min", "2 h 5 min" (under two days), "3 days"."""
    if minutes < 60:
        return translate(DURATIONS["minutes"]) % {"minutes": minutes}
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return translate(DURATIONS["days"]) % {"days": hours // 24}
    if rest:
        return translate(DURATIONS["hours_minutes"]) % {"hours": hours, "minutes": rest}
    return translate(DURATIONS["hours"]) % {"hours": hours}


def late_reason(unacknowledged: bool, late_minutes: int, translate: Translate = _) -> str:
    """Why a task escalates: "overdue by 2 h", "not acknowledged 30 min after ..."."""
    late = duration(late_minutes, translate)
    return translate(LATE_REASONS[unacknowledged]) % {"late": late}


def notification_text(
    kind: NotificationKind, params: Mapping[str, Any], translate: Translate = _
) -> str:
    """The notification's sentence; English unless `translate` (a gettext) says otherwise."""
    values = dict(params)
    if "late_minutes" in values:  # escalations and overdue tasks
        values["reason"] = late_reason(
            bool(values.get("unacknowledged")), int(values["late_minutes"]), translate
        )
    return translate(SENTENCES[kind]) % values
