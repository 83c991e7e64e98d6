"""Records of the coordination package (STYLE rule 5): incidents, their roles and links, tasks,
timeline entries, attachments and notifications, as the queries return them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class IncidentKind(enum.StrEnum):
    DISINFORMATION = "disinformation"  # disinformation and media
    DISASTER = "disaster"  # disaster and crisis
    CYBER = "cyber"
    CONSULAR = "consular"
    DIPLOMATIC = "diplomatic"


class Severity(enum.StrEnum):
    """How bad; sets the tasks' SLA (sla.py). Ordered from least to most severe."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentStatus(enum.StrEnum):
    """new -> triage -> active -> monitoring -> closed (incidents.py has the transitions)."""

    NEW = "new"
    TRIAGE = "triage"
    ACTIVE = "active"
    MONITORING = "monitoring"
    CLOSED = "closed"


class IncidentRole(enum.StrEnum):
    """ISO 22320 command and control functions, one person each."""

    INCIDENT_COMMANDER = "incident_commander"
    PLANNING = "planning"
    OPERATIONS = "operations"
    LOGISTICS = "logistics"
    LIAISON = "liaison"


class LinkType(enum.StrEnum):
    ITEM = "item"
    STORY = "story"
    ALERT = "alert"


class TaskStatus(enum.StrEnum):
    """open -> acknowledged -> in_progress -> done; cancelled from any open state (tasks.py)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class EntryKind(enum.StrEnum):
    """What a timeline entry records."""

    COMMENT = "comment"
    DECISION = "decision"
    STATUS = "status"  # the incident's status changed
    TASK = "task"  # a task was created, assigned, acknowledged, done ...
    ATTACHMENT = "attachment"
    LINK = "link"
    ROLE = "role"
    ESCALATION = "escalation"


class NotificationKind(enum.StrEnum):
    ASSIGNED = "assigned"
    MENTION = "mention"
    DUE = "due"  # a reminder before the deadline
    OVERDUE = "overdue"
    ESCALATION = "escalation"


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    title: str
    summary: str
    kind: IncidentKind
    severity: Severity
    status: IncidentStatus
    owner_agency: str
    tlp: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    closed_at: datetime | None = None
    opened_from_type: str | None = None
    opened_from_id: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """An incident as someone opens it. The owner agency is the opener's (or given by the
    local operator); TLP defaults to AMBER: an incident is its agencies' business."""

    title: str
    kind: IncidentKind
    severity: Severity
    summary: str = ""
    tlp: str = "AMBER"
    owner_agency: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentChanges:
    """Fields of an open incident to change; None leaves one as it is."""

    title: str | None = None
    summary: str | None = None
    kind: IncidentKind | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class RoleHolder:
    incident_id: int
    role: IncidentRole
    user_id: int
    username: str
    assigned_at: datetime


@dataclass(frozen=True, slots=True)
class IncidentLink:
    id: int
    incident_id: int
    target_type: LinkType
    target_id: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    incident_id: int
    title: str
    details: str
    assigned_agency: str
    assignee_id: int | None
    status: TaskStatus
    ack_due_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None
    completed_at: datetime | None
    outcome: str | None
    escalation_level: int
    escalated_to_agency: str | None
    escalated_to_user: int | None
    escalated_at: datetime | None
    reminded_at: datetime | None
    owner_agency: str
    tlp: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    depends_on: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A task as someone assigns it. `due_at` None: the SLA of the incident's severity
    (sla.py). TLP None: the incident's. The task is shared with its agency on creation."""

    title: str
    assigned_agency: str
    details: str = ""
    assignee: str | None = None  # a username of the assigned agency
    due_at: datetime | None = None
    tlp: str | None = None
    depends_on: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of an incident's timeline."""

    id: int
    incident_id: int
    task_id: int | None
    kind: EntryKind
    body: str
    data: dict[str, Any]
    owner_agency: str
    tlp: str
    inherits_shares: bool
    author_id: int | None
    author_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    id: int
    incident_id: int
    task_id: int | None
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    owner_agency: str
    tlp: str
    inherits_shares: bool
    uploaded_by: int | None
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    user_id: int | None
    agency_id: str | None
    kind: NotificationKind
    incident_id: int
    task_id: int | None
    entry_id: int | None
    title: str  # in English (notify_text.notification_text of kind and params)
    created_at: datetime
    read_at: datetime | None
    # What the title says (notify_text.SENTENCES), for pages to say it in their language;
    # None for notifications written before migration 0011.
    params: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with what its reader may see of it: roles, links, tasks, timeline,
    attachments (each already filtered by its own marking)."""

    incident: Incident
    roles: tuple[RoleHolder, ...] = ()
    links: tuple[IncidentLink, ...] = ()
    tasks: tuple[Task, ...] = ()
    entries: tuple[Entry, ...] = ()
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
