"""The declared world of the coordination matrix (issue 6): matrix_world's agencies and people,
an incident per TLP label with its tasks, timeline and attachments, and how to make them with
the coordination actions.

Everything tests/web/test_coordination_matrix.py expects is computed from these declarations,
tests/tlp_rules.py (docs/accounts.md) and the need-to-know table of docs/coordination.md,
never from dcc.accounts.access or dcc.coordination.marking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from matrix_world import BY_NAME, KINDS, NAMED_USER, OWNER, PARENTS, PEOPLE, SHAREE, UNRELATED
from sqlalchemy import Engine, select

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.queries import principal_of
from dcc.accounts.records import LOCAL_OPERATOR, AgencySpec, Locale, Principal, Role, UserSpec
from dcc.accounts.signin import do_create_api_token
from dcc.coordination.actions import do_change_incident_status, do_open_incident
from dcc.coordination.errors import CoordinationError
from dcc.coordination.queries import list_entries
from dcc.coordination.records import (
    EntryKind,
    IncidentKind,
    IncidentSpec,
    IncidentStatus,
    Severity,
    TaskSpec,
)
from dcc.coordination.sharing import SharedObject, do_share_object, do_unshare_object
from dcc.coordination.task_actions import do_assign_tasks
from dcc.coordination.timeline_actions import do_add_attachment, do_comment
from dcc.store.schema import notifications
from tlp_rules import LABELS, Marked
from web_helpers import PASSWORD

AUTHOR = f"{OWNER}.analyst"  # opens every incident, shares it, assigns every task
OWNER_WORKER = f"{OWNER}.officer"  # works the owner's own tasks, writes its restricted notes
SHAREE_WORKER = f"{SHAREE}.liaison"  # works the sharee's tasks: comments, attaches a file
# NAMED_USER (kbri-tokyo.officer) is on the RED incident's share list by name, and mentioned
# in the comment on every other incident.

# docs/accounts.md, "Roles": the coordination permissions, and who holds them.
WORK_INCIDENTS = frozenset({"admin", "analyst", "officer", "liaison"})
OPEN_INCIDENTS = frozenset({"admin", "analyst"})

# Where each incident goes from `new` once everything of it is made (RED is closed last: a
# closed incident takes no comment).
STATUS_STEPS: dict[str, tuple[str, ...]] = {
    "CLEAR": (),
    "GREEN": ("triage",),
    "AMBER": ("active",),
    "AMBER+STRICT": ("active", "monitoring"),
    "RED": ("closed",),
    "AMBER+unshared": ("active",),
}
# An AMBER incident whose sharee agency is taken off its share list after it was given a
# task: the task's own list still names the agency, yet nothing of the incident is its to read
# ("Unsharing the incident hides everything of it").
UNSHARED = "AMBER+unshared"
# On the AMBER incident the owner's task comment is shared on its own with the sharee agency,
# which still does not read it: it does not read the task the comment is on.
SHARED_ENTRY = "entry:AMBER:owner-comment"


@dataclass(frozen=True)
class Thing:
    """One object of the world as declared: what it is, how it is marked and what it hangs
    from. Entries DCC writes itself (opened, status, assigned, attached) carry no token of
    their own; their text names the task or file they are about."""

    key: str
    kind: str  # "incident", "task", "entry" or "attachment"
    marked: Marked  # its own marking: owner agency, label, share list, author
    incident: str  # its incident's key (its own, for an incident)
    task: str | None = None  # the task it is on
    inherits: bool = False  # an entry or attachment its parent's readers read too
    token: str = ""  # in its title, body or file name, in no other object's
    status: str = "new"  # an incident's status once the world is made
    agency: str = ""  # the agency a task is given to


@dataclass(frozen=True)
class Notice:
    """A notification DCC should send, as declared: to whom and about what."""

    key: str
    kind: str  # "assigned" or "mention"
    incident: str
    entry: str  # the timeline entry it points at
    task: str | None = None
    to_agency: str | None = None
    to_user: str | None = None


def _declare() -> tuple[tuple[Thing, ...], tuple[Notice, ...]]:
    things: list[Thing] = []
    notices: list[Notice] = []
    tokens = iter(range(1, 1000))

    def token(letter: str) -> str:
        return f"cx{letter}{next(tokens)}q"

    for label in (*LABELS, UNSHARED):
        tlp = label.split("+unshared")[0]
        is_red = tlp == "RED"
        ikey = f"incident:{label}"
        if is_red:
            marked = Marked(OWNER, tlp, users=frozenset({NAMED_USER}), author=AUTHOR)
        elif label == UNSHARED:
            marked = Marked(OWNER, tlp, author=AUTHOR)
        else:
            marked = Marked(OWNER, tlp, agencies=frozenset({SHAREE}), author=AUTHOR)
        steps = STATUS_STEPS[label]
        things.append(
            Thing(ikey, "incident", marked, ikey, token=token("i"), status=(steps or ("new",))[-1])
        )

        def sub(
            name: str,
            kind: str,
            author: str,
            *,
            task: str | None = None,
            inherits: bool = True,
            mark: str = "",
            label: str = label,
            tlp: str = tlp,
            ikey: str = ikey,
        ) -> str:
            key = f"{kind}:{label}:{name}"
            agencies = frozenset({SHAREE}) if key == SHARED_ENTRY else frozenset()
            # A restricted entry is at least AMBER (docs/coordination.md, "Need-to-know").
            label_of = tlp if inherits or tlp in ("AMBER", "AMBER+STRICT", "RED") else "AMBER"
            own = Marked(BY_NAME[author].agency, label_of, agencies, author=author)
            things.append(Thing(key, kind, own, ikey, task, inherits, token(mark) if mark else ""))
            return key

        sub("opened", "entry", AUTHOR)
        for step in steps:
            sub(f"status-{step}", "entry", AUTHOR)
        comment = sub("comment", "entry", AUTHOR, mark="e")
        if not is_red:
            notices.append(Notice(f"mention:{label}", "mention", ikey, comment, to_user=NAMED_USER))
        sub("restricted", "entry", NAMED_USER if is_red else OWNER_WORKER, inherits=False, mark="e")
        sub("incident-file", "attachment", AUTHOR, mark="f")
        sub("incident-file-attached", "entry", AUTHOR)
        if is_red:
            continue  # RED is for named people: no agency gets a task
        givens = ((SHAREE, SHAREE_WORKER, "sharee"), (OWNER, OWNER_WORKER, "owner"))
        for agency, worker, name in givens if label != UNSHARED else givens[:1]:
            tkey = f"task:{label}:{name}"
            task_marked = Marked(OWNER, tlp, frozenset({agency}) - {OWNER}, author=AUTHOR)
            things.append(Thing(tkey, "task", task_marked, ikey, token=token("t"), agency=agency))
            assigned = sub(f"{name}-assigned", "entry", AUTHOR, task=tkey)
            sub(f"{name}-comment", "entry", worker, task=tkey, mark="e")
            notices.append(
                Notice(f"assigned:{label}:{name}", "assigned", ikey, assigned, tkey, agency)
            )
        sharee_task = f"task:{label}:sharee"
        sub("sharee-file", "attachment", SHAREE_WORKER, task=sharee_task, mark="f")
        sub("sharee-file-attached", "entry", SHAREE_WORKER, task=sharee_task)
    return tuple(things), tuple(notices)


THINGS, NOTICES = _declare()
BY_KEY = {t.key: t for t in THINGS}
INCIDENTS = tuple(t for t in THINGS if t.kind == "incident")
TASKS = tuple(t for t in THINGS if t.kind == "task")
ENTRIES = tuple(t for t in THINGS if t.kind == "entry")
ATTACHMENTS = tuple(t for t in THINGS if t.kind == "attachment")


def label_of(thing: Thing) -> str:
    """The incident's label as the keys spell it ("AMBER+unshared")."""
    return thing.incident.removeprefix("incident:")


def title(thing: Thing) -> str:
    """The words a declared object is made with (its title, body or file name)."""
    match thing.kind:
        case "incident":
            return f"Banjir bandang {thing.token}"
        case "task":
            return f"Laporan dampak {thing.token}"
        case "attachment":
            return f"{thing.token}.txt"
    is_mentioning = any(n.entry == thing.key and n.kind == "mention" for n in NOTICES)
    mention = f" @{NAMED_USER}" if is_mentioning else ""
    return f"Catatan {thing.token}{mention}"


def content(thing: Thing) -> bytes:
    """An attachment's bytes."""
    return f"Isi berkas {thing.token}\n".encode()


# --- making it -------------------------------------------------------------------------------


@dataclass
class Made:
    """The ids of what was made, each person's API header, and the refusals met on the way."""

    principals: dict[str, Principal] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # thing or notice key -> id
    refusals: dict[str, str] = field(default_factory=dict)  # what was refused -> why


def make_people(engine: Engine, made: Made) -> None:
    """matrix_world's agencies and people, who can sign in by form (PASSWORD) and by token."""
    for agency, parent in sorted(PARENTS.items(), key=lambda p: p[1] is not None):
        do_create_agency(engine, AgencySpec(agency, agency.upper(), KINDS[agency], parent))
    for person in PEOPLE:
        spec = UserSpec(person.name, person.agency, Role(person.role), locale=Locale.EN)
        user = do_create_user(engine, spec, PASSWORD)
        made.principals[person.name] = principal_of(user)
        token = do_create_api_token(engine, user.id, "coordination matrix").token
        made.headers[person.name] = {"Authorization": f"Bearer {token}"}


def make_things(engine: Engine, made: Made) -> None:
    """Every declared object, made as DCC makes it: by the coordination actions, as the
    people the declarations name."""
    for incident in INCIDENTS:
        _make_incident(engine, made, incident)
    _find_written_entries(engine, made)
    _find_notifications(engine, made)


def _make_incident(engine: Engine, made: Made, incident: Thing) -> None:
    by = made.principals
    label = label_of(incident)
    spec = IncidentSpec(
        title(incident), IncidentKind.DISASTER, Severity.LOW, tlp=incident.marked.tlp
    )
    incident_id = made.ids[incident.key] = do_open_incident(engine, spec, by=by[AUTHOR]).id
    if incident.marked.tlp == "RED":
        share: dict[str, Any] = {"username": NAMED_USER}
    else:
        share = {"agency_id": SHAREE}
    do_share_object(engine, SharedObject.INCIDENT, incident_id, **share, by=by[AUTHOR])
    for task in (t for t in TASKS if t.incident == incident.key):
        (made.ids[task.key],) = [
            t.id
            for t in do_assign_tasks(
                engine, incident_id, [TaskSpec(title(task), task.agency)], by=by[AUTHOR]
            )
        ]
    if incident.marked.tlp == "RED":
        _refused_on_red(engine, made, incident_id)
    sub_objects = [t for t in THINGS if t.incident == incident.key and t.token and t != incident]
    for thing in sub_objects:
        author = by[str(thing.marked.author)]
        task_id = made.ids[thing.task] if thing.task else None
        if thing.kind == "entry":
            entry = do_comment(
                engine,
                incident_id,
                title(thing),
                task_id=task_id,
                restricted=not thing.inherits,
                by=author,
            )
            made.ids[thing.key] = entry.id
        elif thing.kind == "attachment":
            attachment = do_add_attachment(
                engine,
                incident_id,
                title(thing),
                content(thing),
                declared_type="text/plain",
                task_id=task_id,
                by=author,
            )
            made.ids[thing.key] = attachment.id
    if SHARED_ENTRY in made.ids and BY_KEY[SHARED_ENTRY].incident == incident.key:
        do_share_object(
            engine,
            SharedObject.ENTRY,
            made.ids[SHARED_ENTRY],
            agency_id=SHAREE,
            by=by[OWNER_WORKER],
        )
    if label == UNSHARED:
        do_unshare_object(
            engine, SharedObject.INCIDENT, incident_id, agency_id=SHAREE, by=by[AUTHOR]
        )
    for step in STATUS_STEPS[label]:
        do_change_incident_status(engine, incident_id, IncidentStatus(step), by=by[AUTHOR])


def _refused_on_red(engine: Engine, made: Made, incident_id: int) -> None:
    """A RED incident's tasks for agencies, and a mention of someone who could not read the
    comment (not named on the incident; its named user could), are refused
    (docs/coordination.md): their reasons are kept for the test."""
    author = made.principals[AUTHOR]
    for agency in (SHAREE, UNRELATED):
        with pytest.raises(CoordinationError) as refused:
            do_assign_tasks(engine, incident_id, [TaskSpec("Tugas RED", agency)], by=author)
        made.refusals[f"RED task for {agency}"] = str(refused.value)
    with pytest.raises(CoordinationError) as refused:
        do_comment(engine, incident_id, f"Untuk @{SHAREE_WORKER}", by=author)
    made.refusals["RED mention"] = str(refused.value)


def _find_written_entries(engine: Engine, made: Made) -> None:
    """The ids of the entries DCC wrote itself, found by what they say they are about (every
    entry of the timeline must be a declared one)."""
    for incident in INCIDENTS:
        label = label_of(incident)
        task_of = {
            made.ids[t.key]: t.key.rsplit(":", 1)[1] for t in TASKS if t.incident == incident.key
        }
        file_of = {
            made.ids[a.key]: a.key.rsplit(":", 1)[1]
            for a in ATTACHMENTS
            if a.incident == incident.key
        }
        declared = {made.ids[t.key] for t in ENTRIES if t.key in made.ids}
        with engine.connect() as conn:
            entries = list_entries(conn, LOCAL_OPERATOR, made.ids[incident.key])
        for entry in entries:
            if entry.id in declared:
                continue
            data = entry.data
            if entry.kind is EntryKind.STATUS and data.get("from") is None:
                name = "opened"
            elif entry.kind is EntryKind.STATUS:
                name = f"status-{data['status']}"
            elif entry.kind is EntryKind.TASK and data.get("event") == "assigned":
                name = f"{task_of[data['task_id']]}-assigned"
            elif entry.kind is EntryKind.ATTACHMENT:
                name = f"{file_of[data['attachment_id']]}-attached"
            else:
                raise AssertionError(f"an entry nobody declared: {entry}")
            key = f"entry:{label}:{name}"
            assert key in BY_KEY, f"an entry nobody declared: {key} {entry}"
            made.ids[key] = entry.id
    missing = [t.key for t in THINGS if t.key not in made.ids]
    assert not missing, f"declared but never made: {missing}"


def _find_notifications(engine: Engine, made: Made) -> None:
    """The ids of the notifications DCC sent, each matched to a declared one."""
    key_of = {made.ids[n.entry]: n for n in NOTICES}
    with engine.connect() as conn:
        rows = conn.execute(select(notifications)).all()
    for row in rows:
        notice = key_of.get(row.entry_id)
        assert notice is not None, f"a notification nobody declared: {row}"
        assert row.kind == notice.kind, (row, notice)
        assert (row.agency_id, row.user_id) == (
            notice.to_agency,
            made.principals[notice.to_user].user_id if notice.to_user else None,
        ), (row, notice)
        made.ids[notice.key] = row.id
    missing = [n.key for n in NOTICES if n.key not in made.ids]
    assert not missing, f"declared but never sent: {missing}"
