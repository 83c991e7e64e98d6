"""The situation report and the after-action report as JSON-ready dicts (issue 6).

The keys are a contract (/api/v1/incidents/{id}/sitrep.json): add keys, never rename or
drop one without bumping "schema". Times are ISO 8601 in UTC ("2026-11-24T03:05:00Z"),
durations whole seconds (`*_seconds`), enumerations their stored values.

Both reports:
    report             "situation_report" or "after_action_report"
    schema             1
    generated_at       when the report was computed (its `now`)
    tlp                the report's TLP 2.0 label ("AMBER+STRICT"); tlp_label "TLP:AMBER+STRICT"
    incident           {id, title, summary, kind, severity, status, tlp, owner_agency,
                        owner_name, opened_at, status_changed_at, closed_at}
    roles              [{role, user_id, name, assigned_at}]
    tasks_by_agency    [{agency, name, open, overdue, done, cancelled, total}]: disjoint
                       counts, "open" being unfinished and not late
    task_totals        {open, overdue, done, cancelled, total}
    decisions          [entry], oldest first
    links              {item, story, alert}: how many of each are linked
    attachments        [{id, filename, media_type, size_bytes, uploaded_at, uploaded_by,
                        task_id, tlp}]
    activity           {start, bucket_seconds, counts: [int], status_changes: [{at, status}]}
An entry: {id, at, since_open_seconds, kind, author, body, task_id, task_title, tlp,
status_to}.

Situation report only:
    overdue            [{task_id, title, agency, agency_name, status, deadline,
                        deadline_kind ("acknowledge"/"complete"), late_by_seconds,
                        escalation_level}], latest first
    next_deadlines     [{task_id, title, agency, agency_name, status, deadline,
                        deadline_kind, due_in_seconds}], soonest first
    latest             [entry], newest first

After-action report only:
    ended_at, duration_seconds   closed (or the report's instant), and how long since opened
    sla                {met, missed, pending, not_applicable}: completion SLA over tasks
    tasks              [{task_id, title, agency, agency_name, status, created_at,
                        ack_due_at, due_at, acknowledged_at, completed_at,
                        time_to_acknowledge_seconds, time_to_complete_seconds,
                        acknowledgement_sla, completion_sla ("met"/"missed"/"pending"/
                        "not_applicable"), late_by_seconds, escalation_level,
                        escalated_to_agency, outcome}]
    escalations        [{at, task_id, task_title, level, to, body}]
    timeline           [entry]: every entry, oldest first
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from dcc.briefings.report_data import (
    Activity,
    AfterActionReport,
    AgencyTasks,
    AttachmentLine,
    LinkCounts,
    ReportHeader,
    SituationReport,
    SlaState,
    TaskOutcome,
    TimelineLine,
)
from dcc.briefings.report_marking import tlp_label
from dcc.briefings.report_text import iso_utc

SCHEMA: Final = 1


def sitrep_json(report: SituationReport) -> dict[str, Any]:
    """The situation report as a JSON-ready dict (keys in the module docstring)."""
    document = _common("situation_report", report.header)
    document.update(
        tasks_by_agency=[_agency(row) for row in report.agency_tasks],
        task_totals=_totals(report.task_totals),
        overdue=[
            {
                "task_id": o.task_id,
                "title": o.title,
                "agency": o.agency,
                "agency_name": o.agency_name,
                "status": o.status.value,
                "deadline": iso_utc(o.deadline),
                "deadline_kind": o.deadline_kind.value,
                "late_by_seconds": _seconds(o.late_by),
                "escalation_level": o.escalation_level,
            }
            for o in report.overdue
        ],
        next_deadlines=[
            {
                "task_id": u.task_id,
                "title": u.title,
                "agency": u.agency,
                "agency_name": u.agency_name,
                "status": u.status.value,
                "deadline": iso_utc(u.deadline),
                "deadline_kind": u.deadline_kind.value,
                "due_in_seconds": _seconds(u.due_in),
            }
            for u in report.next_deadlines
        ],
        decisions=[_entry(line) for line in report.decisions],
        latest=[_entry(line) for line in report.latest],
        links=_links(report.links),
        attachments=[_attachment(a) for a in report.attachments],
        activity=_activity(report.activity),
    )
    return document


def after_action_json(report: AfterActionReport) -> dict[str, Any]:
    """The after-action report as a JSON-ready dict (keys in the module docstring)."""
    document = _common("after_action_report", report.header)
    document.update(
        ended_at=iso_utc(report.ended_at),
        duration_seconds=_seconds(report.duration),
        sla={state.value: report.completion_sla_count(state) for state in SlaState},
        tasks_by_agency=[_agency(row) for row in report.agency_tasks],
        task_totals=_totals(report.task_totals),
        tasks=[_outcome(task) for task in report.tasks],
        escalations=[
            {
                "at": iso_utc(e.at),
                "task_id": e.task_id,
                "task_title": e.task_title,
                "level": e.level,
                "to": e.to,
                "body": e.body,
            }
            for e in report.escalations
        ],
        decisions=[_entry(line) for line in report.decisions],
        timeline=[_entry(line) for line in report.timeline],
        links=_links(report.links),
        attachments=[_attachment(a) for a in report.attachments],
        activity=_activity(report.activity),
    )
    return document


def _common(kind: str, header: ReportHeader) -> dict[str, Any]:
    return {
        "report": kind,
        "schema": SCHEMA,
        "generated_at": iso_utc(header.generated_at),
        "tlp": header.tlp,
        "tlp_label": tlp_label(header.tlp),
        "incident": {
            "id": header.incident_id,
            "title": header.title,
            "summary": header.summary,
            "kind": header.kind.value,
            "severity": header.severity.value,
            "status": header.status.value,
            "tlp": header.incident_tlp,
            "owner_agency": header.owner_agency,
            "owner_name": header.owner_name,
            "opened_at": iso_utc(header.opened_at),
            "status_changed_at": iso_utc(header.status_changed_at),
            "closed_at": iso_utc(header.closed_at),
        },
        "roles": [
            {
                "role": r.role.value,
                "user_id": r.user_id,
                "name": r.name,
                "assigned_at": iso_utc(r.assigned_at),
            }
            for r in header.roles
        ],
    }


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _agency(row: AgencyTasks) -> dict[str, Any]:
    return {"agency": row.agency, "name": row.name, **_totals(row)}


def _totals(row: AgencyTasks) -> dict[str, int]:
    return {
        "open": row.open,
        "overdue": row.overdue,
        "done": row.done,
        "cancelled": row.cancelled,
        "total": row.total,
    }


def _entry(line: TimelineLine) -> dict[str, Any]:
    return {
        "id": line.entry_id,
        "at": iso_utc(line.at),
        "since_open_seconds": _seconds(line.since_open),
        "kind": line.kind.value,
        "author": line.author,
        "body": line.body,
        "task_id": line.task_id,
        "task_title": line.task_title,
        "tlp": line.tlp,
        "status_to": line.status_to,
    }


def _links(links: LinkCounts) -> dict[str, int]:
    return {"item": links.items, "story": links.stories, "alert": links.alerts}


def _attachment(a: AttachmentLine) -> dict[str, Any]:
    return {
        "id": a.attachment_id,
        "filename": a.filename,
        "media_type": a.media_type,
        "size_bytes": a.size_bytes,
        "uploaded_at": iso_utc(a.uploaded_at),
        "uploaded_by": a.uploaded_by,
        "task_id": a.task_id,
        "tlp": a.tlp,
    }


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "start": iso_utc(activity.start),
        "bucket_seconds": _seconds(activity.bucket),
        "counts": list(activity.counts),
        "status_changes": [
            {"at": iso_utc(mark.at), "status": mark.status} for mark in activity.status_marks
        ],
    }


def _outcome(task: TaskOutcome) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "title": task.title,
        "agency": task.agency,
        "agency_name": task.agency_name,
        "status": task.status.value,
        "created_at": iso_utc(task.created_at),
        "ack_due_at": iso_utc(task.ack_due_at),
        "due_at": iso_utc(task.due_at),
        "acknowledged_at": iso_utc(task.acknowledged_at),
        "completed_at": iso_utc(task.completed_at),
        "time_to_acknowledge_seconds": _seconds(task.time_to_acknowledge),
        "time_to_complete_seconds": _seconds(task.time_to_complete),
        "acknowledgement_sla": task.acknowledgement_sla.value,
        "completion_sla": task.completion_sla.value,
        "late_by_seconds": _seconds(task.late_by),
        "escalation_level": task.escalation_level,
        "escalated_to_agency": task.escalated_to_agency,
        "outcome": task.outcome,
    }
