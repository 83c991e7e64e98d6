"""docs/alerts.md and docs/settings.md keep up with the code: routes, events, statuses,
settings."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from dcc.alerts.records import AlertEventType, AlertStatus, Channel, DeliveryStatus
from dcc.settings import Settings
from dcc.web.api import alerts as alerts_api
from dcc.web.api import watchlists as watchlists_api

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_route_event_and_status_is_documented() -> None:
    text = (DOCS / "alerts.md").read_text(encoding="utf-8")
    for router in (alerts_api.router, watchlists_api.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            path = "/api/v1" + route.path.replace("{alert_id}", "{id}").replace(
                "{watchlist_id}", "{id}"
            )
            parent, last = path.rsplit("/", 1)
            # Either the whole path, or its parent with the last part listed beside it.
            assert path in text or (parent in text and f"`/{last}`" in text), path
    for event in AlertEventType:
        assert f"alert.{event.value}" in text, event
    for status in (*AlertStatus, *DeliveryStatus):
        assert f"`{status.value}`" in text or f" {status.value} " in text, status


def test_alert_settings_are_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    prefixes = ("alert_", "smtp_", "webhook_", "delivery_", "digest_", "public_url")
    for name in Settings.model_fields:
        if name.startswith(prefixes):
            assert f"`DCC_{name.upper()}`" in text, name


def test_every_channel_is_documented() -> None:
    text = (DOCS / "alerts.md").read_text(encoding="utf-8")
    for channel in Channel:
        assert f"| `{channel.value}` |" in text, channel
