"""Alert records as JSON-ready dicts: the API, `--json` CLI output and live-stream payloads
share one shape (webhooks will send it too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dcc.accounts.serialize import share_json
from dcc.alerts.records import Alert, AlertEvent, Delivery, ObjectAccess, Watchlist


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def watchlist_json(watchlist: Watchlist) -> dict[str, Any]:
    return {
        "id": watchlist.id,
        "name": watchlist.name,
        "query": watchlist.query,
        "owner": watchlist.owner,
        "recipients": list(watchlist.recipients),
        "channels": [c.value for c in watchlist.channels],
        "schedule": watchlist.schedule.value,
        "enabled": watchlist.is_enabled,
        "created_at": iso(watchlist.created_at),
        "updated_at": iso(watchlist.updated_at),
        "last_matched_at": iso(watchlist.last_matched_at),
        "owner_agency": watchlist.owner_agency,
        "tlp": watchlist.tlp,
    }


def alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind.value,
        "rule": alert.rule,
        "watchlist_id": alert.watchlist_id,
        "story": alert.story_key,
        "title": alert.title,
        "status": alert.status.value,
        "schedule": alert.schedule.value,
        "item_count": alert.item_count,
        "first_item_id": alert.first_item_id,
        "last_item_id": alert.last_item_id,
        "explanation": dict(alert.explanation),
        "created_at": iso(alert.created_at),
        "updated_at": iso(alert.updated_at),
        "window_ends_at": iso(alert.window_ends_at),
        "status_changed_at": iso(alert.status_changed_at),
        "status_changed_by": alert.status_changed_by,
        "owner_agency": alert.owner_agency,
        "tlp": alert.tlp,
    }


def event_json(event: AlertEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "alert_id": event.alert_id,
        "event": event.type.value,
        "status": event.status.value,
        "who": event.who,
        "note": event.note,
        "at": iso(event.at),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
    }


def delivery_detail_json(delivery: Delivery) -> dict[str, Any]:
    """A delivery on its own (the deliveries list): which one, of which alert, and when next."""
    return {
        "id": delivery.id,
        "alert_id": delivery.alert_id,
        **delivery_json(delivery),
        "updated_at": iso(delivery.updated_at),
        "next_attempt_at": iso(delivery.next_attempt_at),
    }


def alert_detail_json(
    alert: Alert,
    history: Sequence[AlertEvent],
    deliveries: Sequence[Delivery],
    item_ids: Sequence[int],
) -> dict[str, Any]:
    """One alert with what happened to it, where it went and the items it gathered."""
    return {
        **alert_json(alert),
        "history": [event_json(e) for e in history],
        "deliveries": [delivery_detail_json(d) for d in deliveries],
        "item_ids": list(item_ids),
    }


def access_json(access: ObjectAccess) -> dict[str, Any]:
    """Who can see a watchlist or an alert, and why (GET .../access)."""
    marking = access.marking
    return {
        "object_type": access.object_type,
        "id": access.object_id,
        "owner_agency": marking.owner_agency or None,
        "tlp": str(marking.tlp) or None,
        "author_id": marking.author_id,
        "shares": [
            {
                **share_json(s),
                "via": "own" if s.object_type == access.object_type else s.object_type,
            }
            for s in access.shares
        ],
        "who_can_read": access.who_can_read,
        "why_you_can": access.reason,
    }
