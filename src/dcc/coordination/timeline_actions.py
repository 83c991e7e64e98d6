"""Writers of the timeline: comments (with @mentions), decisions and attachments (issue 6).

A comment or attachment is marked like its parent (the task it is on, else the incident)
and read by its parent's readers (`inherits_shares`), unless its author restricts it: a
stricter TLP, or `restricted=True` with its own share list (only the author's agency and
the agencies or people it is then shared with read it). A mention tells the person; one who
could not read the comment is refused with the reason, never told what they cannot read.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update

from dcc.accounts.access import parse_tlp, require_permission
from dcc.accounts.records import LOCAL_OPERATOR, TLP, Permission, Principal, Reader, Role
from dcc.coordination.audit import record_audit
from dcc.coordination.errors import CoordinationError
from dcc.coordination.files import check_file, read_file, store_file
from dcc.coordination.marking import entry_readable
from dcc.coordination.notify import Recipient, add_notification
from dcc.coordination.queries import (
    attachment_or_raise,
    entry_or_raise,
    incident_or_raise,
    task_or_raise,
)
from dcc.coordination.records import (
    Attachment,
    Entry,
    EntryKind,
    Incident,
    NotificationKind,
    Task,
)
from dcc.coordination.writing import (
    add_entry,
    checked_text,
    now_or,
    refusals_audited,
    require_editable,
    require_manager,
    snapshot,
    stricter,
)
from dcc.settings import get_settings
from dcc.store.schema import attachments, incident_entries, incidents, users

log = logging.getLogger("dcc.coordination")

# "@username" not inside an e-mail address: usernames are 2-64 of a-z 0-9 . _ -
MENTION = re.compile(r"(?<![\w.])@([a-z0-9][a-z0-9._-]{1,63})", re.IGNORECASE)
MAX_MENTIONS = 20


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


def mentioned_usernames(body: str) -> list[str]:
    """The usernames mentioned in a comment, in order, once each (trailing dots dropped)."""
    names = [m.group(1).lower().rstrip(".") for m in MENTION.finditer(body)]
    return list(dict.fromkeys(names))


def do_comment(
    engine: Engine,
    incident_id: int,
    body: str,
    *,
    task_id: int | None = None,
    kind: EntryKind = EntryKind.COMMENT,
    tlp: str | None = None,
    restricted: bool = False,
    by: Principal | None = None,
    now: datetime | None = None,
) -> Entry:
    """Add a comment (or a decision, for the incident's managers) to the timeline."""
    with refusals_audited(engine, by, "entry.add", "incident", incident_id):
        if kind not in (EntryKind.COMMENT, EntryKind.DECISION):
            raise CoordinationError(f"a comment is a comment or a decision, not {kind.value}")
        require_permission(by, Permission.WORK_INCIDENTS, "comment on incidents")
        text = checked_text(body, what="comment")
        if not text:
            raise CoordinationError("the comment is empty")
        at = now_or(now)
        with engine.begin() as conn:
            incident, task = _parent(conn, by, incident_id, task_id)
            require_editable(incident)
            if kind is EntryKind.DECISION:
                require_manager(conn, by, incident, "record decisions")
            marking_tlp = _entry_tlp(tlp, task, incident, restricted=restricted)
            entry_id = add_entry(
                conn,
                incident,
                kind,
                text,
                by=by,
                at=at,
                task=task,
                tlp=marking_tlp,
                inherits_shares=not restricted,
            )
            entry = entry_or_raise(conn, LOCAL_OPERATOR, entry_id)
            mentioned = _notify_mentions(conn, entry, incident, text, at)
            if mentioned:
                conn.execute(
                    update(incident_entries)
                    .where(incident_entries.c.id == entry_id)
                    .values(data={"mentions": mentioned})
                )
                entry = entry_or_raise(conn, LOCAL_OPERATOR, entry_id)
            conn.execute(
                update(incidents).where(incidents.c.id == incident.id).values(updated_at=at)
            )
            record_audit(
                conn,
                actor=by,
                action=f"entry.{kind.value}",
                object_type="entry",
                object_id=entry_id,
                before=None,
                after=snapshot(entry),
                at=at,
            )
    return entry


def _parent(
    conn: Connection, by: Principal | None, incident_id: int, task_id: int | None
) -> tuple[Incident, Task | None]:
    incident = incident_or_raise(conn, _reader(by), incident_id)
    if task_id is None:
        return incident, None
    task = task_or_raise(conn, _reader(by), task_id)
    if task.incident_id != incident.id:
        raise CoordinationError(f"task {task_id} is not a task of incident {incident_id}")
    return incident, task


def _entry_tlp(tlp: str | None, task: Task | None, incident: Incident, *, restricted: bool) -> str:
    """A sub-object is never marked less strictly than what it hangs from; a restricted one
    at least AMBER, so that only its agency (and whom it is shared with) reads it."""
    marking = task.tlp if task is not None else incident.tlp
    if tlp:
        marking = stricter(parse_tlp(tlp).value, marking)
    if restricted:
        marking = stricter(marking, TLP.AMBER.value)
    return marking


def _notify_mentions(
    conn: Connection, entry: Entry, incident: Incident, text: str, at: datetime
) -> list[str]:
    names = mentioned_usernames(text)[:MAX_MENTIONS]
    if not names:
        return []
    rows = conn.execute(
        select(users).where(users.c.username.in_(names), users.c.is_active.is_(True))
    ).all()
    found = {row.username: row for row in rows}
    cannot: list[str] = []
    told: list[str] = []
    for name in names:
        row = found.get(name)
        if row is None:
            continue  # "@5pm" or a typo: text, not a mention
        principal = Principal(row.id, row.username, row.agency_id, Role(row.role))
        visible = conn.execute(
            select(incident_entries.c.id).where(
                incident_entries.c.id == entry.id, entry_readable(principal)
            )
        ).first()
        if visible is None:
            cannot.append(name)
            continue
        told.append(name)
        add_notification(
            conn,
            Recipient(user_id=row.id),
            NotificationKind.MENTION,
            {
                "tlp": entry.tlp,
                "author": entry.author_name,
                "incident": incident.id,
                "incident_title": incident.title,
            },
            incident_id=incident.id,
            task_id=entry.task_id,
            entry_id=entry.id,
            at=at,
        )
    if cannot:
        people = ", ".join(f"@{name}" for name in cannot)
        raise CoordinationError(
            f"{people} cannot read this comment (TLP:{entry.tlp}, not shared with them): "
            "share the incident or task with them first, or leave them out"
        )
    return told


# --- attachments -----------------------------------------------------------------------------


def do_add_attachment(
    engine: Engine,
    incident_id: int,
    filename: str,
    content: bytes,
    *,
    declared_type: str | None = None,
    task_id: int | None = None,
    tlp: str | None = None,
    restricted: bool = False,
    by: Principal | None = None,
    now: datetime | None = None,
    root: Path | None = None,
) -> Attachment:
    """Attach a file: checked (size, real type against the declared one and the name),
    stored outside the database under its SHA-256, announced on the timeline."""
    with refusals_audited(engine, by, "attachment.add", "incident", incident_id):
        require_permission(by, Permission.WORK_INCIDENTS, "attach files")
        settings = get_settings()
        checked = check_file(
            filename, declared_type, content, max_bytes=settings.max_attachment_bytes
        )
        at = now_or(now)
        storage = root or settings.resolved_attachments_dir
        with engine.begin() as conn:
            incident, task = _parent(conn, by, incident_id, task_id)
            require_editable(incident)
            marking_tlp = _entry_tlp(tlp, task, incident, restricted=restricted)
            owner = by.agency_id if by is not None else incident.owner_agency
            store_file(storage, content, checked.sha256)
            attachment_id: int = conn.execute(
                insert(attachments)
                .values(
                    incident_id=incident.id,
                    task_id=task.id if task is not None else None,
                    filename=checked.filename,
                    media_type=checked.media_type,
                    size_bytes=checked.size_bytes,
                    sha256=checked.sha256,
                    owner_agency=owner,
                    tlp=marking_tlp,
                    inherits_shares=not restricted,
                    uploaded_by=by.user_id if by is not None else None,
                    uploaded_at=at,
                )
                .returning(attachments.c.id)
            ).scalar_one()
            attachment = attachment_or_raise(conn, LOCAL_OPERATOR, attachment_id)
            add_entry(
                conn,
                incident,
                EntryKind.ATTACHMENT,
                f"Attached {checked.filename} ({checked.media_type}, {checked.size_bytes:,} bytes)",
                by=by,
                at=at,
                task=task,
                tlp=marking_tlp,
                inherits_shares=not restricted,
                data={
                    "attachment_id": attachment_id,
                    "sha256": checked.sha256,
                    "filename": checked.filename,
                    "media_type": checked.media_type,
                    "size_bytes": checked.size_bytes,
                },
            )
            record_audit(
                conn,
                actor=by,
                action="attachment.add",
                object_type="attachment",
                object_id=attachment_id,
                before=None,
                after=snapshot(attachment),
                at=at,
            )
    return attachment


def read_attachment(
    engine: Engine, attachment_id: int, reader: Reader, *, root: Path | None = None
) -> tuple[Attachment, bytes]:
    """An attachment the reader may read and its bytes, checked against the checksum
    (AttachmentError when the stored file is missing or was changed)."""
    with engine.connect() as conn:
        attachment = attachment_or_raise(conn, reader, attachment_id)
    storage = root or get_settings().resolved_attachments_dir
    return attachment, read_file(storage, attachment.sha256)
