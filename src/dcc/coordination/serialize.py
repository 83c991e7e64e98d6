"""Coordination records as JSON (the API under /api/v1/incidents and /api/v1/tasks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dcc.accounts.serialize import share_json
from dcc.coordination.records import (
    Attachment,
    Entry,
    Incident,
    IncidentView,
    Notification,
    Task,
)
from dcc.coordination.sharing import CoordinationAccess
from dcc.coordination.sla import is_overdue


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "kind": incident.kind.value,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "owner_agency": incident.owner_agency,
        "tlp": incident.tlp,
        "created_by": incident.created_by,
        "created_at": _time(incident.created_at),
        "updated_at": _time(incident.updated_at),
        "status_changed_at": _time(incident.status_changed_at),
        "closed_at": _time(incident.closed_at),
        "opened_from": (
            {"type": incident.opened_from_type, "id": incident.opened_from_id}
            if incident.opened_from_type
            else None
        ),
    }


def task_json(task: Task, *, now: datetime | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": task.id,
        "incident_id": task.incident_id,
        "title": task.title,
        "details": task.details,
        "agency": task.assigned_agency,
        "assignee_id": task.assignee_id,
        "status": task.status.value,
        "ack_due_at": _time(task.ack_due_at),
        "due_at": _time(task.due_at),
        "acknowledged_at": _time(task.acknowledged_at),
        "completed_at": _time(task.completed_at),
        "outcome": task.outcome,
        "escalation": {
            "level": task.escalation_level,
            "to_agency": task.escalated_to_agency,
            "to_user_id": task.escalated_to_user,
            "at": _time(task.escalated_at),
        },
        "depends_on": list(task.depends_on),
        "owner_agency": task.owner_agency,
        "tlp": task.tlp,
        "created_by": task.created_by,
        "created_at": _time(task.created_at),
        "updated_at": _time(task.updated_at),
    }
    if now is not None:
        body["is_overdue"] = is_overdue(task, now)
    return body


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "incident_id": entry.incident_id,
        "task_id": entry.task_id,
        "kind": entry.kind.value,
        "body": entry.body,
        "data": entry.data,
        "owner_agency": entry.owner_agency,
        "tlp": entry.tlp,
        "inherits_shares": entry.inherits_shares,
        "author_id": entry.author_id,
        "author": entry.author_name,
        "created_at": _time(entry.created_at),
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "incident_id": attachment.incident_id,
        "task_id": attachment.task_id,
        "filename": attachment.filename,
        "media_type": attachment.media_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "owner_agency": attachment.owner_agency,
        "tlp": attachment.tlp,
        "inherits_shares": attachment.inherits_shares,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": _time(attachment.uploaded_at),
        "url": f"/api/v1/attachments/{attachment.id}/content",
    }


def incident_view_json(view: IncidentView, *, now: datetime) -> dict[str, Any]:
    return {
        **incident_json(view.incident),
        "roles": [
            {"role": r.role.value, "user_id": r.user_id, "username": r.username} for r in view.roles
        ],
        "links": [
            {"type": link.target_type.value, "id": link.target_id, "added_at": _time(link.added_at)}
            for link in view.links
        ],
        "tasks": [task_json(t, now=now) for t in view.tasks],
        "timeline": [entry_json(e) for e in view.entries],
        "attachments": [attachment_json(a) for a in view.attachments],
    }


def notification_json(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind.value,
        "title": notification.title,
        "incident_id": notification.incident_id,
        "task_id": notification.task_id,
        "entry_id": notification.entry_id,
        "to_user_id": notification.user_id,
        "to_agency": notification.agency_id,
        "created_at": _time(notification.created_at),
        "read_at": _time(notification.read_at),
    }


def coordination_access_json(access: CoordinationAccess) -> dict[str, Any]:
    marking = access.marking
    return {
        "object_type": access.object_type,
        "id": access.object_id,
        "owner_agency": marking.owner_agency,
        "tlp": str(marking.tlp),
        "author_id": marking.author_id,
        "shares": [share_json(s) for s in access.shares],
        "requires": list(access.requires),
        "inherits_from": access.inherits_from,
        "who_can_read": access.who_can_read,
        "why_you_can": access.reason,
    }
