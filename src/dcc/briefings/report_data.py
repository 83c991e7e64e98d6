"""The facts of a situation report and of an after-action report, computed from an
IncidentView at a given instant (issue 6; pure, STYLE rule 4).

The view is already filtered to what its reader may see, so a report never shows more than
the incident page would; the renderers (report_json, report_html, report_pdf) only lay these
records out. A report's TLP label is the strictest among the incident and every task, entry
and attachment of the view (the charts count all of them), never less than the incident's.

Task counts are disjoint: `open` counts unfinished tasks that are not late, `overdue` the
unfinished ones past their deadline (sla.is_overdue: the acknowledgement deadline while a
task is unacknowledged, else the due date), then `done` and `cancelled`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from dcc.briefings.report_marking import normalize_tlp, strictest_tlp
from dcc.briefings.report_text import WIB
from dcc.coordination.records import (
    Entry,
    EntryKind,
    Incident,
    IncidentKind,
    IncidentRole,
    IncidentStatus,
    IncidentView,
    LinkType,
    Severity,
    Task,
    TaskStatus,
)
from dcc.coordination.sla import is_overdue, late_since

NO_AGENCY_NAMES: Final[Mapping[str, str]] = MappingProxyType({})
NO_USER_NAMES: Final[Mapping[int, str]] = MappingProxyType({})
LATEST_ENTRIES: Final = 10
NEXT_DEADLINES: Final = 5
# The timeline chart's bars (issue 6: per hour, per day for long incidents): (hours a bar
# spans, most bars); the first that holds the whole incident wins, else the last.
BUCKETS: Final = ((1, 72), (24, 92), (168, 106), (720, 1_000_000))


class ReportError(ValueError):
    """A report cannot be computed from what it was given (the message says why)."""


class DeadlineKind(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"  # the task is not yet acknowledged
    COMPLETE = "complete"


class SlaState(enum.StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"  # not done yet, deadline not passed
    NOT_APPLICABLE = "not_applicable"  # cancelled before the deadline was due


class BarState(enum.StrEnum):
    """How a task's bar is coloured in the schedule (Gantt) chart."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OPEN = "open"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class RoleLine:
    role: IncidentRole
    user_id: int
    name: str
    assigned_at: datetime


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """What both reports say about the incident at the top."""

    incident_id: int
    title: str
    summary: str
    kind: IncidentKind
    severity: Severity
    status: IncidentStatus
    incident_tlp: str
    tlp: str  # the report's label: the incident's, or stricter (module docstring)
    owner_agency: str
    owner_name: str
    opened_at: datetime
    status_changed_at: datetime
    closed_at: datetime | None
    generated_at: datetime
    roles: tuple[RoleLine, ...]


@dataclass(frozen=True, slots=True)
class AgencyTasks:
    """One agency's tasks by state; the four counts are disjoint (module docstring)."""

    agency: str
    name: str
    open: int = 0
    overdue: int = 0
    done: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.open + self.overdue + self.done + self.cancelled


@dataclass(frozen=True, slots=True)
class OverdueTask:
    task_id: int
    title: str
    agency: str
    agency_name: str
    status: TaskStatus
    deadline: datetime
    deadline_kind: DeadlineKind
    late_by: timedelta
    escalation_level: int


@dataclass(frozen=True, slots=True)
class UpcomingDeadline:
    task_id: int
    title: str
    agency: str
    agency_name: str
    status: TaskStatus
    deadline: datetime
    deadline_kind: DeadlineKind
    due_in: timedelta


@dataclass(frozen=True, slots=True)
class TimelineLine:
    """One timeline entry as a report shows it."""

    entry_id: int
    at: datetime
    since_open: timedelta
    kind: EntryKind
    author: str
    body: str
    task_id: int | None
    task_title: str | None
    tlp: str
    status_to: str | None  # the new incident status, for a status entry


@dataclass(frozen=True, slots=True)
class LinkCounts:
    items: int = 0
    stories: int = 0
    alerts: int = 0


@dataclass(frozen=True, slots=True)
class AttachmentLine:
    attachment_id: int
    filename: str
    media_type: str
    size_bytes: int
    uploaded_at: datetime
    uploaded_by: str
    task_id: int | None
    tlp: str


@dataclass(frozen=True, slots=True)
class StatusMark:
    at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Activity:
    """Timeline entries counted per bar of `bucket` width from `start`, and the moments the
    incident's status changed (the timeline chart)."""

    start: datetime
    bucket: timedelta
    counts: tuple[int, ...]
    status_marks: tuple[StatusMark, ...]

    @property
    def end(self) -> datetime:
        return self.start + self.bucket * len(self.counts)


@dataclass(frozen=True, slots=True)
class SituationReport:
    """The state of an incident at `header.generated_at`, for the people working it."""

    header: ReportHeader
    agency_tasks: tuple[AgencyTasks, ...]
    overdue: tuple[OverdueTask, ...]  # latest first
    next_deadlines: tuple[UpcomingDeadline, ...]  # soonest first
    decisions: tuple[TimelineLine, ...]  # oldest first
    latest: tuple[TimelineLine, ...]  # newest first
    links: LinkCounts
    attachments: tuple[AttachmentLine, ...]
    activity: Activity

    @property
    def task_totals(self) -> AgencyTasks:
        return _totals(self.agency_tasks)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """How one task went: response times, SLA, escalation, and its bar in the schedule."""

    task_id: int
    title: str
    agency: str
    agency_name: str
    status: TaskStatus
    created_at: datetime
    ack_due_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None  # acknowledged, or done without an acknowledgement
    completed_at: datetime | None  # only for a done task
    time_to_acknowledge: timedelta | None
    time_to_complete: timedelta | None
    acknowledgement_sla: SlaState
    completion_sla: SlaState
    late_by: timedelta | None  # past the due date: when done, or until now while open
    escalation_level: int
    escalated_to_agency: str | None
    outcome: str | None
    bar_end: datetime  # completion, cancellation, or the report's instant
    bar_state: BarState


@dataclass(frozen=True, slots=True)
class EscalationLine:
    at: datetime
    task_id: int | None
    task_title: str | None
    level: int | None
    to: str | None
    body: str


@dataclass(frozen=True, slots=True)
class AfterActionReport:
    """The whole story of an incident: every timeline entry in order, how each task went."""

    header: ReportHeader
    ended_at: datetime  # closed, or the report's instant for an incident still open
    timeline: tuple[TimelineLine, ...]  # every entry, oldest first
    tasks: tuple[TaskOutcome, ...]  # by creation
    agency_tasks: tuple[AgencyTasks, ...]
    escalations: tuple[EscalationLine, ...]
    decisions: tuple[TimelineLine, ...]
    links: LinkCounts
    attachments: tuple[AttachmentLine, ...]
    activity: Activity

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.header.opened_at

    @property
    def task_totals(self) -> AgencyTasks:
        return _totals(self.agency_tasks)

    def completion_sla_count(self, state: SlaState) -> int:
        return sum(1 for task in self.tasks if task.completion_sla is state)


# --- the two reports --------------------------------------------------------------------------


def situation_report(
    view: IncidentView,
    *,
    now: datetime,
    agency_names: Mapping[str, str] = NO_AGENCY_NAMES,
    user_names: Mapping[int, str] = NO_USER_NAMES,
    latest: int = LATEST_ENTRIES,
    upcoming: int = NEXT_DEADLINES,
) -> SituationReport:
    """The situation of `view`'s incident at `now` (timezone-aware): its tasks per agency,
    what is late, what is due next, decisions, the `latest` entries and the activity."""
    _check_aware(now)
    entries = _ordered(view.entries)
    lines = _timeline(view, entries, user_names)
    tasks = sorted(view.tasks, key=lambda t: (t.created_at, t.id))
    overdue = [_overdue(t, now, agency_names) for t in tasks if is_overdue(t, now)]
    overdue.sort(key=lambda o: (-o.late_by, o.task_id))
    pending = [
        _upcoming(t, now, agency_names) for t in tasks if t.is_open and not is_overdue(t, now)
    ]
    pending.sort(key=lambda u: (u.deadline, u.task_id))
    return SituationReport(
        header=_header(view, now, agency_names, user_names),
        agency_tasks=_agency_tasks(tasks, now, agency_names),
        overdue=tuple(overdue),
        next_deadlines=tuple(pending[: max(upcoming, 0)]),
        decisions=tuple(line for line in lines if line.kind is EntryKind.DECISION),
        latest=tuple(reversed(lines[-latest:])) if latest > 0 else (),
        links=_links(view),
        attachments=_attachments(view, user_names),
        activity=_activity(view.incident, entries, max([now, *_last(entries)])),
    )


def after_action_report(
    view: IncidentView,
    *,
    now: datetime,
    agency_names: Mapping[str, str] = NO_AGENCY_NAMES,
    user_names: Mapping[int, str] = NO_USER_NAMES,
) -> AfterActionReport:
    """The after-action record of `view`'s incident as of `now` (timezone-aware): every
    entry with its time since the incident opened, each task's response times and SLA,
    escalations and decisions. An incident still open ends at `now`."""
    _check_aware(now)
    entries = _ordered(view.entries)
    lines = _timeline(view, entries, user_names)
    tasks = sorted(view.tasks, key=lambda t: (t.created_at, t.id))
    incident = view.incident
    ended = incident.closed_at if incident.closed_at is not None else now
    return AfterActionReport(
        header=_header(view, now, agency_names, user_names),
        ended_at=ended,
        timeline=tuple(lines),
        tasks=tuple(_outcome(t, now, agency_names) for t in tasks),
        agency_tasks=_agency_tasks(tasks, now, agency_names),
        escalations=_escalations(entries, tasks),
        decisions=tuple(line for line in lines if line.kind is EntryKind.DECISION),
        links=_links(view),
        attachments=_attachments(view, user_names),
        activity=_activity(incident, entries, max([ended, *_last(entries)])),
    )


# --- parts ------------------------------------------------------------------------------------


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ReportError(f"`now` must be timezone-aware, got {now.isoformat()}")


def _ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.created_at, e.id))


def _last(entries: Sequence[Entry]) -> list[datetime]:
    return [entries[-1].created_at] if entries else []


def _header(
    view: IncidentView,
    now: datetime,
    agency_names: Mapping[str, str],
    user_names: Mapping[int, str],
) -> ReportHeader:
    incident = view.incident
    labels = [incident.tlp]
    labels += [t.tlp for t in view.tasks]
    labels += [e.tlp for e in view.entries]
    labels += [a.tlp for a in view.attachments]
    roles = sorted(view.roles, key=lambda r: (list(IncidentRole).index(r.role), r.assigned_at))
    return ReportHeader(
        incident_id=incident.id,
        title=incident.title,
        summary=incident.summary,
        kind=incident.kind,
        severity=incident.severity,
        status=incident.status,
        incident_tlp=normalize_tlp(incident.tlp),
        tlp=strictest_tlp(labels),
        owner_agency=incident.owner_agency,
        owner_name=agency_names.get(incident.owner_agency, incident.owner_agency),
        opened_at=incident.created_at,
        status_changed_at=incident.status_changed_at,
        closed_at=incident.closed_at,
        generated_at=now,
        roles=tuple(
            RoleLine(r.role, r.user_id, user_names.get(r.user_id, r.username), r.assigned_at)
            for r in roles
        ),
    )


def _agency_tasks(
    tasks: Iterable[Task], now: datetime, agency_names: Mapping[str, str]
) -> tuple[AgencyTasks, ...]:
    counts: dict[str, Counter[str]] = {}
    for task in tasks:
        counts.setdefault(task.assigned_agency, Counter())[_count_state(task, now)] += 1
    rows = [
        AgencyTasks(
            agency=agency,
            name=agency_names.get(agency, agency),
            open=c["open"],
            overdue=c["overdue"],
            done=c["done"],
            cancelled=c["cancelled"],
        )
        for agency, c in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.name.casefold(), r.agency)))


def _count_state(task: Task, now: datetime) -> str:
    if task.status is TaskStatus.DONE:
        return "done"
    if task.status is TaskStatus.CANCELLED:
        return "cancelled"
    return "overdue" if is_overdue(task, now) else "open"


def _totals(rows: Iterable[AgencyTasks]) -> AgencyTasks:
    rows = list(rows)
    return AgencyTasks(
        agency="",
        name="",
        open=sum(r.open for r in rows),
        overdue=sum(r.overdue for r in rows),
        done=sum(r.done for r in rows),
        cancelled=sum(r.cancelled for r in rows),
    )


def _deadline_kind(task: Task) -> DeadlineKind:
    if task.status is TaskStatus.OPEN and task.ack_due_at < task.due_at:
        return DeadlineKind.ACKNOWLEDGE
    return DeadlineKind.COMPLETE


def _overdue(task: Task, now: datetime, agency_names: Mapping[str, str]) -> OverdueTask:
    deadline = late_since(task)
    return OverdueTask(
        task_id=task.id,
        title=task.title,
        agency=task.assigned_agency,
        agency_name=agency_names.get(task.assigned_agency, task.assigned_agency),
        status=task.status,
        deadline=deadline,
        deadline_kind=_deadline_kind(task),
        late_by=now - deadline,
        escalation_level=task.escalation_level,
    )


def _upcoming(task: Task, now: datetime, agency_names: Mapping[str, str]) -> UpcomingDeadline:
    deadline = late_since(task)
    return UpcomingDeadline(
        task_id=task.id,
        title=task.title,
        agency=task.assigned_agency,
        agency_name=agency_names.get(task.assigned_agency, task.assigned_agency),
        status=task.status,
        deadline=deadline,
        deadline_kind=_deadline_kind(task),
        due_in=deadline - now,
    )


def _timeline(
    view: IncidentView, entries: Sequence[Entry], user_names: Mapping[int, str]
) -> list[TimelineLine]:
    opened = view.incident.created_at
    titles = {t.id: t.title for t in view.tasks}
    return [
        TimelineLine(
            entry_id=e.id,
            at=e.created_at,
            since_open=e.created_at - opened,
            kind=e.kind,
            author=user_names.get(e.author_id, e.author_name)
            if e.author_id is not None
            else e.author_name,
            body=e.body,
            task_id=e.task_id,
            task_title=titles.get(e.task_id) if e.task_id is not None else None,
            tlp=normalize_tlp(e.tlp),
            status_to=_status_to(e),
        )
        for e in entries
    ]


def _status_to(entry: Entry) -> str | None:
    """The status a status entry moved the incident to: data["to"] (or data["status"]) when
    the entry records it, else its body."""
    if entry.kind is not EntryKind.STATUS:
        return None
    for key in ("to", "status"):
        value = entry.data.get(key)
        if isinstance(value, str) and value:
            return value
    return entry.body.strip() or None


def _links(view: IncidentView) -> LinkCounts:
    counts = Counter(link.target_type for link in view.links)
    return LinkCounts(
        items=counts[LinkType.ITEM], stories=counts[LinkType.STORY], alerts=counts[LinkType.ALERT]
    )


def _attachments(view: IncidentView, user_names: Mapping[int, str]) -> tuple[AttachmentLine, ...]:
    ordered = sorted(view.attachments, key=lambda a: (a.uploaded_at, a.id))
    return tuple(
        AttachmentLine(
            attachment_id=a.id,
            filename=a.filename,
            media_type=a.media_type,
            size_bytes=a.size_bytes,
            uploaded_at=a.uploaded_at,
            uploaded_by=user_names.get(a.uploaded_by, f"#{a.uploaded_by}")
            if a.uploaded_by is not None
            else "-",
            task_id=a.task_id,
            tlp=normalize_tlp(a.tlp),
        )
        for a in ordered
    )


def _activity(incident: Incident, entries: Sequence[Entry], end: datetime) -> Activity:
    """Entries per bar from the hour (WIB) the incident opened to `end`."""
    opened = incident.created_at.astimezone(WIB)
    first = min([opened, *(e.created_at.astimezone(WIB) for e in entries[:1])])
    span = max(end - first, timedelta(hours=1))
    hours = next((h for h, most in BUCKETS if span <= timedelta(hours=h * most)), BUCKETS[-1][0])
    bucket = timedelta(hours=hours)
    if hours >= 24:
        start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = first.replace(minute=0, second=0, microsecond=0)
    size = max(1, -(-(end - start) // bucket))  # ceiling division of timedeltas
    counts = [0] * size
    for entry in entries:
        index = min(max((entry.created_at - start) // bucket, 0), size - 1)
        counts[index] += 1
    marks = tuple(
        StatusMark(e.created_at, status) for e in entries if (status := _status_to(e)) is not None
    )
    return Activity(start=start, bucket=bucket, counts=tuple(counts), status_marks=marks)


def _outcome(task: Task, now: datetime, agency_names: Mapping[str, str]) -> TaskOutcome:
    done = task.status is TaskStatus.DONE
    cancelled = task.status is TaskStatus.CANCELLED
    completed = task.completed_at if done else None
    acknowledged = task.acknowledged_at or completed
    if done and completed is None:  # a done task always has its completion time; be safe
        completed = task.updated_at
        acknowledged = acknowledged or completed
    cancelled_at = (task.completed_at or task.updated_at) if cancelled else None
    late_by: timedelta | None = None
    if completed is not None and completed > task.due_at:
        late_by = completed - task.due_at
    elif task.is_open and now > task.due_at:
        late_by = now - task.due_at
    if completed is not None:
        bar_end = completed
        bar = BarState.DONE_LATE if late_by is not None else BarState.DONE_ON_TIME
    elif cancelled_at is not None:
        bar_end = cancelled_at
        bar = BarState.CANCELLED
    else:
        bar_end = now
        bar = BarState.OVERDUE if is_overdue(task, now) else BarState.OPEN
    return TaskOutcome(
        task_id=task.id,
        title=task.title,
        agency=task.assigned_agency,
        agency_name=agency_names.get(task.assigned_agency, task.assigned_agency),
        status=task.status,
        created_at=task.created_at,
        ack_due_at=task.ack_due_at,
        due_at=task.due_at,
        acknowledged_at=acknowledged,
        completed_at=completed,
        time_to_acknowledge=acknowledged - task.created_at if acknowledged else None,
        time_to_complete=completed - task.created_at if completed else None,
        acknowledgement_sla=_sla(acknowledged, task.ack_due_at, now, cancelled=cancelled_at),
        completion_sla=_sla(completed, task.due_at, now, cancelled=cancelled_at),
        late_by=late_by,
        escalation_level=task.escalation_level,
        escalated_to_agency=task.escalated_to_agency,
        outcome=task.outcome,
        bar_end=max(bar_end, task.created_at),
        bar_state=bar,
    )


def _sla(
    reached: datetime | None, deadline: datetime, now: datetime, *, cancelled: datetime | None
) -> SlaState:
    """Met when `reached` by the deadline; missed when reached late, or not reached by a
    deadline already past (at `now`, or when the task was `cancelled`); not applicable
    when cancelled before the deadline."""
    if reached is not None:
        return SlaState.MET if reached <= deadline else SlaState.MISSED
    if cancelled is not None:
        return SlaState.MISSED if cancelled > deadline else SlaState.NOT_APPLICABLE
    return SlaState.MISSED if now > deadline else SlaState.PENDING


def _escalations(entries: Sequence[Entry], tasks: Sequence[Task]) -> tuple[EscalationLine, ...]:
    """Escalation entries, plus the escalation a task records when no visible entry tells
    of it (an escalation entry may be marked stricter than the task)."""
    by_id = {t.id: t for t in tasks}
    lines: list[EscalationLine] = []
    told: set[int] = set()
    for entry in entries:
        if entry.kind is not EntryKind.ESCALATION:
            continue
        task = by_id.get(entry.task_id) if entry.task_id is not None else None
        if entry.task_id is not None:
            told.add(entry.task_id)
        lines.append(
            EscalationLine(
                at=entry.created_at,
                task_id=entry.task_id,
                task_title=task.title if task else None,
                level=_int(entry.data.get("level")),
                to=_text(entry.data.get("to")) or (task.escalated_to_agency if task else None),
                body=entry.body,
            )
        )
    for task in tasks:
        if task.escalated_at is not None and task.escalation_level > 0 and task.id not in told:
            lines.append(
                EscalationLine(
                    at=task.escalated_at,
                    task_id=task.id,
                    task_title=task.title,
                    level=task.escalation_level,
                    to=task.escalated_to_agency,
                    body="",
                )
            )
    lines.sort(key=lambda line: line.at)
    return tuple(lines)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
