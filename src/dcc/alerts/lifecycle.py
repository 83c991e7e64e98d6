"""The alert lifecycle as a pure state machine (issue 4, point 6).

    new ──> acknowledged ──> escalated
     │            └────────> dismissed
     ├──> escalated   (straight to the coordination side, issue: incidents)
     └──> dismissed

Escalated and dismissed are final. Asking for a move the table does not hold raises
AlertTransitionError naming the alert, its status and the move.
"""

from __future__ import annotations

from dcc.alerts.errors import AlertTransitionError
from dcc.alerts.records import AlertEventType, AlertStatus

TRANSITIONS: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.NEW: frozenset(
        {AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED, AlertStatus.ESCALATED}
    ),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.DISMISSED, AlertStatus.ESCALATED}),
    AlertStatus.DISMISSED: frozenset(),
    AlertStatus.ESCALATED: frozenset(),
}

# The event recorded for each status an alert moves to.
EVENT_FOR_STATUS: dict[AlertStatus, AlertEventType] = {
    AlertStatus.ACKNOWLEDGED: AlertEventType.ACKNOWLEDGED,
    AlertStatus.DISMISSED: AlertEventType.DISMISSED,
    AlertStatus.ESCALATED: AlertEventType.ESCALATED,
}


def check_transition(alert_id: int, current: AlertStatus, wanted: AlertStatus) -> None:
    """Return if an alert at `current` may move to `wanted`; raise AlertTransitionError if not."""
    if wanted in TRANSITIONS[current]:
        return
    allowed = sorted(status.value for status in TRANSITIONS[current])
    if not allowed:
        reason = f"alert {alert_id} is {current.value}, which is final"
    else:
        reason = f"alert {alert_id} is {current.value}; it can be {' or '.join(allowed)}"
    raise AlertTransitionError(f"{reason}, not {wanted.value}")
