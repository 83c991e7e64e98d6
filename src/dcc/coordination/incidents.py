"""The incident status workflow, as a pure state machine (issue 6; STYLE rule 4).

    new ──> triage ──> active ──> monitoring ──> closed
     │        │          ^  │          │            │
     │        │          │  └──────────┘ (back to active when it flares up again)
     │        └──────────┼──────────────────────> closed   (a false alarm)
     └───────────────────┴──────────────────────> closed
    closed ──> active   (reopened: a closed incident is read-only until then)

Every transition is one step along an arrow; anything else raises IllegalTransitionError
naming both statuses and the allowed next ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from dcc.coordination.errors import IllegalTransitionError
from dcc.coordination.records import IncidentStatus

S = IncidentStatus

TRANSITIONS: Mapping[IncidentStatus, frozenset[IncidentStatus]] = {
    S.NEW: frozenset({S.TRIAGE, S.ACTIVE, S.CLOSED}),
    S.TRIAGE: frozenset({S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.MONITORING, S.CLOSED}),
    S.MONITORING: frozenset({S.ACTIVE, S.CLOSED}),
    S.CLOSED: frozenset({S.ACTIVE}),
}


def allowed_next(status: IncidentStatus) -> list[IncidentStatus]:
    """The statuses an incident in `status` may move to, in workflow order."""
    order = list(IncidentStatus)
    return sorted(TRANSITIONS[status], key=order.index)


def next_status(current: IncidentStatus, wanted: IncidentStatus) -> IncidentStatus:
    """`wanted`, when an incident in `current` may move there; else IllegalTransitionError."""
    if wanted in TRANSITIONS[current]:
        return wanted
    allowed = ", ".join(s.value for s in allowed_next(current))
    if wanted == current:
        raise IllegalTransitionError(f"the incident is already {current.value}")
    raise IllegalTransitionError(
        f"an incident cannot go from {current.value} to {wanted.value} (allowed: {allowed})"
    )


def is_editable(status: IncidentStatus) -> bool:
    """Whether an incident in `status` takes edits, tasks, comments and attachments."""
    return status is not IncidentStatus.CLOSED
