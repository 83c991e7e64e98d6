"""The words of notifications: the English sentence stored as the title, and the same
sentence in another language through a translation function."""

from __future__ import annotations

import pytest

from dcc.coordination.notify_text import SENTENCES, duration, late_reason, notification_text
from dcc.coordination.records import NotificationKind


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (125, "2 h 5 min"), (47 * 60 + 59, "47 h 59 min"),
     (48 * 60, "2 days"), (80 * 60, "3 days")],
)  # fmt: skip
def test_durations_in_words(minutes: int, words: str) -> None:
    assert duration(minutes) == words


def test_sentences_as_the_titles_were_written() -> None:
    assigned = {"tlp": "AMBER", "agency": "bnpb", "task": "Data korban", "incident": 3}
    assert notification_text(NotificationKind.ASSIGNED, assigned) == (
        "[TLP:AMBER] Task for bnpb: Data korban (incident #3)"
    )
    late = {"tlp": "GREEN", "task": "Data korban", "incident": 3, "late_minutes": 125}
    assert notification_text(NotificationKind.OVERDUE, late) == (
        "[TLP:GREEN] Overdue: Data korban (overdue by 2 h 5 min, incident #3)"
    )
    unacknowledged = {**late, "unacknowledged": True, "late_minutes": 30}
    assert notification_text(NotificationKind.ESCALATION, unacknowledged) == (
        "[TLP:GREEN] Escalated: Data korban (not acknowledged 30 min after its acknowledgement "
        "deadline, incident #3)"
    )
    assert late_reason(False, 3 * 24 * 60) == "overdue by 3 days"


def test_every_kind_has_a_sentence_translated_whole() -> None:
    """A translation function sees each sentence and each part of a reason, once each."""
    seen: list[str] = []

    def translate(message: str) -> str:
        seen.append(message)
        return f"<{message}>"

    params = {"tlp": "RED", "agency": "a", "task": "t", "incident": 1, "minutes": 5,
              "author": "ana", "incident_title": "i", "late_minutes": 61}  # fmt: skip
    for kind in NotificationKind:
        assert kind in SENTENCES
        assert notification_text(kind, params, translate).startswith("<[TLP:RED]")
    assert "overdue by %(late)s" in seen and "%(hours)s h %(minutes)s min" in seen
    said = notification_text(NotificationKind.OVERDUE, params, translate)
    assert "(<overdue by <1 h 1 min>>, incident #1)>" in said
