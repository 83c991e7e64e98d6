"""The task workflow and dependencies, pure (issue 6; STYLE rule 4).

    open ──> acknowledged ──> in_progress ──> done
      │            │               │
      └────────────┴───────────────┴────> cancelled
    open or acknowledged ──> done    (small tasks need no "in progress")
    done ──> in_progress              (reopened: the work was not finished after all)

A task that depends on others cannot be done before they are (done or cancelled).
Dependencies stay inside one incident and never form a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dcc.coordination.errors import CoordinationError, IllegalTransitionError
from dcc.coordination.records import TaskStatus

T = TaskStatus

TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    T.OPEN: frozenset({T.ACKNOWLEDGED, T.IN_PROGRESS, T.DONE, T.CANCELLED}),
    T.ACKNOWLEDGED: frozenset({T.IN_PROGRESS, T.DONE, T.CANCELLED}),
    T.IN_PROGRESS: frozenset({T.DONE, T.CANCELLED}),
    T.DONE: frozenset({T.IN_PROGRESS}),
    T.CANCELLED: frozenset(),
}
FINISHED = frozenset({T.DONE, T.CANCELLED})


def next_task_status(
    current: TaskStatus, wanted: TaskStatus, *, unfinished_dependencies: Iterable[int] = ()
) -> TaskStatus:
    """`wanted` when a task in `current` may move there; else IllegalTransitionError (also
    when it would be done while a task it depends on is not)."""
    if wanted == current:
        raise IllegalTransitionError(f"the task is already {current.value}")
    if wanted not in TRANSITIONS[current]:
        order = list(TaskStatus)
        allowed = ", ".join(s.value for s in sorted(TRANSITIONS[current], key=order.index))
        raise IllegalTransitionError(
            f"a task cannot go from {current.value} to {wanted.value} "
            f"(allowed: {allowed or 'nothing, it is final'})"
        )
    waiting = sorted(unfinished_dependencies)
    if wanted is T.DONE and waiting:
        ids = ", ".join(f"#{task_id}" for task_id in waiting)
        raise IllegalTransitionError(f"the task waits for unfinished task(s) {ids}")
    return wanted


def check_dependencies(
    task_id: int | None,
    depends_on: Iterable[int],
    *,
    incident_of: Mapping[int, int],
    edges: Mapping[int, Iterable[int]],
    incident_id: int,
) -> tuple[int, ...]:
    """The dependencies of task `task_id` (None: a new task) as given, when valid.

    `incident_of` maps known task ids to their incident; `edges` maps each task to the tasks
    it already depends on. Raise CoordinationError for an unknown task, one of another
    incident, the task itself, or a dependency that would close a cycle.
    """
    wanted = tuple(dict.fromkeys(depends_on))
    for other in wanted:
        if other not in incident_of:
            raise CoordinationError(f"no task #{other} to depend on")
        if incident_of[other] != incident_id:
            raise CoordinationError(f"task #{other} belongs to another incident")
        if other == task_id:
            raise CoordinationError("a task cannot depend on itself")
        if task_id is not None and _reaches(other, task_id, edges):
            raise CoordinationError(f"depending on task #{other} would make a cycle")
    return wanted


def _reaches(start: int, target: int, edges: Mapping[int, Iterable[int]]) -> bool:
    seen: set[int] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False
