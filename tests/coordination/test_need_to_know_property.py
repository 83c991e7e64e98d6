"""Issue 6's property: no sequence of create, share, unshare, reassign and comment operations
lets an agency read an object not shared with it (hypothesis, both databases).

A model written here keeps, independently of DCC, each object's owner agency and share list
as the operations change them (giving a task to an agency shares the task and the incident
with it; reassigning moves the task's share; share and unshare edit one list). After the
operations, what each partner agency's liaison reads through every query (incident list,
one incident, task list, one task, the timeline, one entry) must be exactly what the model
says: the owner or an agency on the object's own list, for the object and every object it
hangs from; an entry also by its parent's readers when it inherits them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from dcc.accounts.errors import ObjectNotVisibleError, PermissionDeniedError
from dcc.accounts.queries import principal_of
from dcc.accounts.records import Principal, Role
from dcc.coordination.actions import do_open_incident
from dcc.coordination.errors import CoordinationError, EntryNotFoundError
from dcc.coordination.queries import (
    entry_or_raise,
    get_incident,
    get_task,
    list_entries,
    list_incidents,
    list_tasks,
)
from dcc.coordination.records import IncidentKind, IncidentSpec, Severity, TaskSpec
from dcc.coordination.sharing import SharedObject, do_share_object, do_unshare_object
from dcc.coordination.task_actions import do_create_task, do_reassign_task
from dcc.coordination.timeline_actions import do_comment
from dcc.store.schema import incident_entries
from web_helpers import make_user

pytestmark = pytest.mark.slow
OWNER = "kemlu"
PARTNERS = ("bnpb", "bssn", "polri")
TLPS = ("GREEN", "AMBER", "AMBER+STRICT")
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@dataclass
class Model:
    """Owner and share list of every object, as the operations say they should be."""

    incident_shares: dict[int, set[str]] = field(default_factory=dict)
    task_shares: dict[int, set[str]] = field(default_factory=dict)
    task_incident: dict[int, int] = field(default_factory=dict)
    task_agency: dict[int, str] = field(default_factory=dict)
    entry_shares: dict[int, set[str]] = field(default_factory=dict)

    def reads_incident(self, agency: str, incident_id: int) -> bool:
        return agency == OWNER or agency in self.incident_shares[incident_id]

    def reads_task(self, agency: str, task_id: int) -> bool:
        own = agency == OWNER or agency in self.task_shares[task_id]
        return own and self.reads_incident(agency, self.task_incident[task_id])

    def reads_entry(
        self, agency: str, entry_id: int, incident_id: int, task_id: int | None,
        owner: str, inherits: bool,
    ) -> bool:  # fmt: skip
        if not self.reads_incident(agency, incident_id):
            return False
        if task_id is not None and not self.reads_task(agency, task_id):
            return False
        if agency == owner or agency in self.entry_shares.get(entry_id, set()):
            return True
        if not inherits:
            return False
        parent = (
            self.task_shares[task_id] if task_id is not None else self.incident_shares[incident_id]
        )
        return agency == OWNER or agency in parent


@dataclass
class World:
    engine: Engine
    analyst: Principal
    liaisons: dict[str, Principal]


@pytest.fixture
def world(engine: Engine) -> World:
    analyst = principal_of(make_user(engine, "ana", role=Role.ANALYST, agency=OWNER))
    liaisons = {
        agency: principal_of(make_user(engine, f"lia-{agency}", role=Role.LIAISON, agency=agency))
        for agency in PARTNERS
    }
    return World(engine, analyst, liaisons)


# An operation: (verb, object index, agency index, flag), indices taken modulo what exists.
operation = st.tuples(
    st.sampled_from(
        ["task", "task", "share_incident", "unshare_incident", "share_task", "unshare_task",
         "reassign", "comment", "comment_task", "share_entry"]
    ),
    st.integers(0, 9),
    st.integers(0, len(PARTNERS) - 1),
    st.booleans(),
)  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tlps=st.lists(st.sampled_from(TLPS), min_size=1, max_size=2),
    operations=st.lists(operation, min_size=1, max_size=12),
)
def test_no_operations_let_an_agency_read_what_is_not_shared_with_it(
    world: World, tlps: list[str], operations: list[tuple[str, int, int, bool]]
) -> None:
    engine, model = world.engine, Model()
    incidents: list[int] = []
    for tlp in tlps:
        spec = IncidentSpec("Operasi gabungan", IncidentKind.CYBER, Severity.HIGH, tlp=tlp)
        incident_id = do_open_incident(engine, spec, by=world.analyst, now=T0).id
        incidents.append(incident_id)
        model.incident_shares[incident_id] = set()
    tasks: list[int] = []
    entries: list[int] = []
    for verb, index, agency_index, flag in operations:
        agency = PARTNERS[agency_index]
        incident_id = incidents[index % len(incidents)]
        # Refused operations change nothing (an agency commenting on what it cannot read).
        with contextlib.suppress(CoordinationError, PermissionDeniedError, ObjectNotVisibleError):
            _apply(world, model, verb, incident_id, tasks, entries, index, agency, flag)
    _check(world, model, incidents, tasks)


def _apply(
    world: World, model: Model, verb: str, incident_id: int, tasks: list[int],
    entries: list[int], index: int, agency: str, flag: bool,
) -> None:  # fmt: skip
    engine, by = world.engine, world.analyst
    task_id = tasks[index % len(tasks)] if tasks else None
    if verb == "task":
        task = do_create_task(engine, incident_id, TaskSpec("Tindak lanjut", agency), by=by, now=T0)
        tasks.append(task.id)
        model.task_incident[task.id] = incident_id
        model.task_agency[task.id] = agency
        model.task_shares[task.id] = {agency}
        model.incident_shares[incident_id].add(agency)
    elif verb == "share_incident":
        do_share_object(engine, SharedObject.INCIDENT, incident_id, agency_id=agency, by=by)
        model.incident_shares[incident_id].add(agency)
    elif verb == "unshare_incident":
        do_unshare_object(engine, SharedObject.INCIDENT, incident_id, agency_id=agency, by=by)
        model.incident_shares[incident_id].discard(agency)
    elif verb == "share_task" and task_id is not None:
        do_share_object(engine, SharedObject.TASK, task_id, agency_id=agency, by=by)
        model.task_shares[task_id].add(agency)
    elif verb == "unshare_task" and task_id is not None:
        do_unshare_object(engine, SharedObject.TASK, task_id, agency_id=agency, by=by)
        model.task_shares[task_id].discard(agency)
    elif verb == "reassign" and task_id is not None:
        old = model.task_agency[task_id]
        do_reassign_task(engine, task_id, agency, by=by)
        if agency != old:
            model.task_shares[task_id].discard(old)
            model.task_shares[task_id].add(agency)
            model.task_agency[task_id] = agency
            model.incident_shares[model.task_incident[task_id]].add(agency)
    elif verb == "comment":
        author = world.liaisons[agency] if flag else by
        entries.append(do_comment(engine, incident_id, "Catatan", restricted=flag, by=author).id)
    elif verb == "comment_task" and task_id is not None:
        author = world.liaisons[model.task_agency[task_id]] if flag else by
        incident_of_task = model.task_incident[task_id]
        entry = do_comment(engine, incident_of_task, "Progres", task_id=task_id, by=author)
        entries.append(entry.id)
    elif verb == "share_entry" and entries:
        entry_id = entries[index % len(entries)]
        do_share_object(engine, SharedObject.ENTRY, entry_id, agency_id=agency, by=by)
        model.entry_shares.setdefault(entry_id, set()).add(agency)


def _check(world: World, model: Model, incidents: list[int], tasks: list[int]) -> None:
    engine = world.engine
    with engine.connect() as conn:
        all_entries = conn.execute(
            select(incident_entries).where(incident_entries.c.incident_id.in_(incidents))
        ).all()
        for agency, liaison in world.liaisons.items():
            expected_incidents = {i for i in incidents if model.reads_incident(agency, i)}
            listed = {i.id for i in list_incidents(conn, liaison, limit=500)} & set(incidents)
            assert listed == expected_incidents, (agency, "incidents")
            for incident_id in incidents:
                found = get_incident(conn, liaison, incident_id) is not None
                assert found == (incident_id in expected_incidents)
            expected_tasks = {t for t in tasks if model.reads_task(agency, t)}
            listed_tasks = {
                t.id for i in incidents for t in list_tasks(conn, liaison, incident_id=i)
            }
            assert listed_tasks == expected_tasks, (agency, "tasks")
            for task_id in tasks:
                assert (get_task(conn, liaison, task_id) is not None) == (task_id in expected_tasks)
            expected_entries = {
                row.id
                for row in all_entries
                if model.reads_entry(
                    agency, row.id, row.incident_id, row.task_id, row.owner_agency,
                    bool(row.inherits_shares),
                )
            }  # fmt: skip
            listed_entries = {e.id for i in incidents for e in list_entries(conn, liaison, i)}
            assert listed_entries == expected_entries, (agency, "entries")
            for row in all_entries:
                try:
                    entry_or_raise(conn, liaison, row.id)
                    readable = True
                except EntryNotFoundError:
                    readable = False
                assert readable == (row.id in expected_entries)
