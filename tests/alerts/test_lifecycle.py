"""The alert lifecycle: which moves are allowed, and what a refused one says."""

from __future__ import annotations

import pytest

from dcc.alerts.errors import AlertTransitionError
from dcc.alerts.lifecycle import TRANSITIONS, check_transition
from dcc.alerts.records import AlertStatus

NEW, ACK, DISMISSED, ESCALATED = (
    AlertStatus.NEW,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.DISMISSED,
    AlertStatus.ESCALATED,
)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(NEW, ACK), (NEW, DISMISSED), (NEW, ESCALATED), (ACK, DISMISSED), (ACK, ESCALATED)],
)
def test_allowed_moves(current: AlertStatus, wanted: AlertStatus) -> None:
    check_transition(1, current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted", "says"),
    [
        (ACK, ACK, "alert 7 is acknowledged; it can be dismissed or escalated, not acknowledged"),
        (DISMISSED, ACK, "alert 7 is dismissed, which is final, not acknowledged"),
        (ESCALATED, DISMISSED, "alert 7 is escalated, which is final, not dismissed"),
        (NEW, NEW, "alert 7 is new; it can be acknowledged or dismissed or escalated, not new"),
    ],
)
def test_refused_moves_say_why(current: AlertStatus, wanted: AlertStatus, says: str) -> None:
    with pytest.raises(AlertTransitionError) as refused:
        check_transition(7, current, wanted)
    assert str(refused.value) == says


def test_every_status_has_rules_and_final_ones_lead_nowhere() -> None:
    assert set(TRANSITIONS) == set(AlertStatus)
    assert not TRANSITIONS[DISMISSED] and not TRANSITIONS[ESCALATED]
    assert NEW not in set().union(*TRANSITIONS.values())  # nothing goes back to new
