"""Records to JSON-ready dicts, shared by the API and `--json` CLI output."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from dcc.records import Source, SourceHealth, StoredItem


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def item_json(item: StoredItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "source": item.source_id,
        "external_id": item.external_id,
        "title": item.title,
        "text": item.text,
        "url": item.url,
        "author": item.author,
        "published_at": iso(item.published_at),
        "ingested_at": iso(item.ingested_at),
        "lang": item.lang,
        "country": item.country,
        "geo": {"lat": item.geo.lat, "lon": item.geo.lon} if item.geo else None,
        "kind": item.kind,
        "stage": item.stage,
        "extra": dict(item.extra),
        "labels": dict(item.enrichment) if item.enrichment is not None else None,
    }


def source_json(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "kind": source.kind.value,
        "url": source.url,
        "name": source.name,
        "lang": source.lang,
        "country": source.country,
        "tags": list(source.tags),
        "interval_s": source.interval_s,
        "allow_private": source.is_private_allowed,
        "enabled": source.is_enabled,
        "mapping": dict(source.mapping),
        # How a private source authenticates and which variable holds its secret, which is
        # never stored, so never shown.
        "auth": asdict(source.auth) if source.auth else None,
    }


def health_json(health: SourceHealth) -> dict[str, Any]:
    return {
        "source": health.source_id,
        "healthy": health.is_healthy,
        "last_attempt_at": iso(health.last_attempt_at),
        "last_success_at": iso(health.last_success_at),
        "last_error": health.last_error,
        "last_error_at": iso(health.last_error_at),
        "consecutive_failures": health.consecutive_failures,
        "items_total": health.items_total,
        "items_last_day": health.items_last_day,
    }
