"""The incident and task workflows and task dependencies (pure)."""

from __future__ import annotations

import pytest

from dcc.coordination.errors import CoordinationError, IllegalTransitionError
from dcc.coordination.incidents import TRANSITIONS, allowed_next, is_editable, next_status
from dcc.coordination.records import IncidentStatus as S
from dcc.coordination.records import TaskStatus as T
from dcc.coordination.tasks import check_dependencies, next_task_status


def test_incident_moves_along_the_workflow() -> None:
    status = S.NEW
    for wanted in (S.TRIAGE, S.ACTIVE, S.MONITORING, S.ACTIVE, S.MONITORING, S.CLOSED, S.ACTIVE):
        status = next_status(status, wanted)
    assert status is S.ACTIVE


@pytest.mark.parametrize("current", list(S))
def test_every_illegal_incident_transition_is_refused_with_the_allowed_ones(current: S) -> None:
    for wanted in S:
        if wanted in TRANSITIONS[current]:
            continue
        with pytest.raises(IllegalTransitionError) as error:
            next_status(current, wanted)
        if wanted is not current:
            assert current.value in str(error.value) and wanted.value in str(error.value)
            assert all(s.value in str(error.value) for s in allowed_next(current))


def test_only_a_closed_incident_is_read_only() -> None:
    assert [s for s in S if not is_editable(s)] == [S.CLOSED]


def test_task_workflow_and_its_refusals() -> None:
    assert next_task_status(T.OPEN, T.ACKNOWLEDGED) is T.ACKNOWLEDGED
    assert next_task_status(T.ACKNOWLEDGED, T.DONE) is T.DONE
    assert next_task_status(T.DONE, T.IN_PROGRESS) is T.IN_PROGRESS
    with pytest.raises(IllegalTransitionError, match="final"):
        next_task_status(T.CANCELLED, T.OPEN)
    with pytest.raises(IllegalTransitionError, match="already"):
        next_task_status(T.OPEN, T.OPEN)
    with pytest.raises(IllegalTransitionError, match="#4, #7"):
        next_task_status(T.IN_PROGRESS, T.DONE, unfinished_dependencies=[7, 4])
    # Cancelling does not wait for dependencies.
    assert next_task_status(T.OPEN, T.CANCELLED, unfinished_dependencies=[4]) is T.CANCELLED


def test_dependencies_stay_in_one_incident_and_never_cycle() -> None:
    incident_of = {1: 10, 2: 10, 3: 10, 4: 20}
    edges = {2: [1], 3: [2]}
    assert check_dependencies(
        None, [1, 2, 1], incident_of=incident_of, edges=edges, incident_id=10
    ) == (1, 2)
    with pytest.raises(CoordinationError, match="another incident"):
        check_dependencies(None, [4], incident_of=incident_of, edges=edges, incident_id=10)
    with pytest.raises(CoordinationError, match="no task #9"):
        check_dependencies(None, [9], incident_of=incident_of, edges=edges, incident_id=10)
    with pytest.raises(CoordinationError, match="itself"):
        check_dependencies(2, [2], incident_of=incident_of, edges=edges, incident_id=10)
    with pytest.raises(CoordinationError, match="cycle"):
        check_dependencies(1, [3], incident_of=incident_of, edges=edges, incident_id=10)
