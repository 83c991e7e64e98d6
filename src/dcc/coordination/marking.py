"""Who reads incidents and their sub-objects (issue 6; docs/coordination.md, "Need-to-know").

Every object is marked on its own: an owner agency, a TLP 2.0 label and its own share list
(object_shares, under the types below). accounts/access.py's rules decide; this module says
where each object keeps its marking and how sub-objects hang together:

| object      | readable by                                                                  |
|-------------|------------------------------------------------------------------------------|
| incident    | its own marking (author: whoever opened it)                                  |
| task        | its own marking (its agency is put on its share list when it is assigned)   |
|             | AND the incident is readable                                                 |
| entry,      | the incident is readable, AND the task is readable when it is on a task, AND |
| attachment  | either its own marking, or — when it `inherits_shares`, and is not RED       |
|             | unless its parent is RED too — its own TLP read against its parent's owner  |
|             | agency, share list and author (the task's when it is on a task, else the    |
|             | incident's)                                                                  |

A task never inherits the incident's share list: agency A, on the incident's share list
because it was given a task, does not read the task given to agency B (issue 6's browser
test). Need-to-know holds downwards too: unsharing the incident hides all of it.

`*_readable(reader)` are WHERE clauses (the only way lists, pages, counts, the board and the
reports read); `*_marking` are the same rules as Marking records for explain_access ("who
can see this, and why") and for sharing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, exists, or_, select, true

from dcc.accounts.access import MarkedColumns, readable_filter
from dcc.accounts.queries import marking_of
from dcc.accounts.records import TLP, LocalOperator, Marking, ObjectRef, Reader
from dcc.coordination.records import Attachment, Entry, Incident, Task
from dcc.store.schema import attachments, incident_entries, incidents, tasks

INCIDENT = "incident"
TASK = "task"
ENTRY = "entry"
ATTACHMENT = "attachment"

INCIDENT_COLUMNS = MarkedColumns(
    object_type=INCIDENT,
    id=incidents.c.id,
    owner_agency=incidents.c.owner_agency,
    tlp=incidents.c.tlp,
    author=incidents.c.created_by,
)
TASK_COLUMNS = MarkedColumns(
    object_type=TASK,
    id=tasks.c.id,
    owner_agency=tasks.c.owner_agency,
    tlp=tasks.c.tlp,
    author=tasks.c.created_by,
)


def incident_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause (on `incidents`) keeping the incidents `reader` may read."""
    return readable_filter(reader, INCIDENT_COLUMNS)


def task_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause (on `tasks`) keeping the tasks `reader` may read."""
    if isinstance(reader, LocalOperator):
        return true()
    return and_(readable_filter(reader, TASK_COLUMNS), _incident_of(reader, tasks.c.incident_id))


def entry_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause (on `incident_entries`) keeping the timeline entries `reader` reads."""
    return _sub_object_readable(reader, incident_entries, ENTRY, incident_entries.c.author_id)


def attachment_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause (on `attachments`) keeping the attachments `reader` may read."""
    return _sub_object_readable(reader, attachments, ATTACHMENT, attachments.c.uploaded_by)


def _incident_of(reader: Reader, incident_id: ColumnElement[int]) -> ColumnElement[bool]:
    parent = incidents.alias("parent_incident")
    columns = MarkedColumns(
        object_type=INCIDENT,
        id=parent.c.id,
        owner_agency=parent.c.owner_agency,
        tlp=parent.c.tlp,
        author=parent.c.created_by,
    )
    return exists(
        select(parent.c.id).where(parent.c.id == incident_id, readable_filter(reader, columns))
    )


def _task_of(reader: Reader, task_id: ColumnElement[int]) -> ColumnElement[bool]:
    parent = tasks.alias("parent_task")
    columns = MarkedColumns(
        object_type=TASK,
        id=parent.c.id,
        owner_agency=parent.c.owner_agency,
        tlp=parent.c.tlp,
        author=parent.c.created_by,
    )
    return exists(
        select(parent.c.id).where(parent.c.id == task_id, readable_filter(reader, columns))
    )


def _sub_object_readable(
    reader: Reader, table: Table, object_type: str, author: ColumnElement[int]
) -> ColumnElement[bool]:
    if isinstance(reader, LocalOperator):
        return true()
    c = table.c
    own = readable_filter(
        reader,
        MarkedColumns(
            object_type=object_type, id=c.id, owner_agency=c.owner_agency, tlp=c.tlp, author=author
        ),
    )

    def of_incident(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return select(column).where(incidents.c.id == c.incident_id).scalar_subquery()

    def of_task(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return select(column).where(tasks.c.id == c.task_id).scalar_subquery()

    # Read against the parent's owner agency, share list and author, at the sub-object's own
    # label; a RED sub-object inherits only from a RED parent (its named people).
    via_incident = readable_filter(
        reader,
        MarkedColumns(
            object_type=INCIDENT,
            id=c.incident_id,
            owner_agency=of_incident(incidents.c.owner_agency),
            tlp=c.tlp,
            author=of_incident(incidents.c.created_by),
        ),
    )
    via_task = readable_filter(
        reader,
        MarkedColumns(
            object_type=TASK,
            id=c.task_id,
            owner_agency=of_task(tasks.c.owner_agency),
            tlp=c.tlp,
            author=of_task(tasks.c.created_by),
        ),
    )
    red = TLP.RED.value
    inherited = and_(
        c.inherits_shares.is_(True),
        or_(
            and_(
                c.task_id.is_(None),
                or_(c.tlp != red, of_incident(incidents.c.tlp) == red),
                via_incident,
            ),
            and_(
                c.task_id.is_not(None),
                or_(c.tlp != red, of_task(tasks.c.tlp) == red),
                via_task,
            ),
        ),
    )
    task_ok = or_(c.task_id.is_(None), _task_of(reader, c.task_id))
    return and_(_incident_of(reader, c.incident_id), task_ok, or_(own, inherited))


# --- markings as records (explain_access, sharing) ---------------------------------------------


def incident_ref(incident_id: int) -> ObjectRef:
    return ObjectRef(INCIDENT, str(incident_id))


def task_ref(task_id: int) -> ObjectRef:
    return ObjectRef(TASK, str(task_id))


def entry_ref(entry_id: int) -> ObjectRef:
    return ObjectRef(ENTRY, str(entry_id))


def attachment_ref(attachment_id: int) -> ObjectRef:
    return ObjectRef(ATTACHMENT, str(attachment_id))


def incident_marking(conn: Connection, incident: Incident) -> Marking:
    return marking_of(
        conn,
        incident_ref(incident.id),
        owner_agency=incident.owner_agency,
        tlp=incident.tlp,
        author_id=incident.created_by,
    )


def task_marking(conn: Connection, task: Task) -> Marking:
    return marking_of(
        conn,
        task_ref(task.id),
        owner_agency=task.owner_agency,
        tlp=task.tlp,
        author_id=task.created_by,
    )


def entry_marking(conn: Connection, entry: Entry) -> Marking:
    return marking_of(
        conn,
        entry_ref(entry.id),
        owner_agency=entry.owner_agency,
        tlp=entry.tlp,
        author_id=entry.author_id,
    )


def attachment_marking(conn: Connection, attachment: Attachment) -> Marking:
    return marking_of(
        conn,
        attachment_ref(attachment.id),
        owner_agency=attachment.owner_agency,
        tlp=attachment.tlp,
        author_id=attachment.uploaded_by,
    )


def inherited_marking(
    conn: Connection,
    *,
    tlp: str,
    author_id: int | None,
    incident: Incident,
    task: Task | None,
) -> Marking:
    """The marking an inheriting entry or attachment is also read by: its own TLP against
    its parent's (the task's, else the incident's) owner agency and share list."""
    parent = task_marking(conn, task) if task is not None else incident_marking(conn, incident)
    return Marking(
        owner_agency=parent.owner_agency,
        tlp=tlp,
        shared_with=parent.shared_with,
        shared_with_users=parent.shared_with_users,
        author_id=parent.author_id,
    )


def inherits(tlp: str, inherits_shares: bool, *, parent_tlp: str) -> bool:
    """Whether a sub-object is read by its parent's readers: it inherits, and it is not RED
    unless its parent is RED too (then its named people read it)."""
    return inherits_shares and (tlp != TLP.RED.value or parent_tlp == TLP.RED.value)
