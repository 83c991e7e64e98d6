"""Webhooks: an alert (or a digest) POSTed as signed JSON to an http(s) URL.

Every request carries three headers:

    X-DCC-Delivery:  12                      (the delivery id: receivers de-duplicate on it)
    X-DCC-Timestamp: 1764000000              (unix seconds when it was signed)
    X-DCC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by DCC_WEBHOOK_SECRET>

`verify_signature` is what a receiver (or a test) checks them with. Requests go through the
fetcher's SSRF guard (ingest/netguard.py): the host is resolved and checked when the watchlist
is saved (`webhook_refusal`) and again on every connection (GuardedTransport), so a name that
later resolves to a private address (DNS rebinding) is refused at send time. Redirects are not
followed: a 3xx is a failure like any other non-2xx answer.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from dcc.alerts.channels.feed import alert_url
from dcc.alerts.errors import DeliveryError
from dcc.alerts.records import Alert
from dcc.alerts.serialize import alert_json
from dcc.errors import FetchRefusedError, SourceConfigError
from dcc.ingest.netguard import (
    AddressPolicy,
    GuardedTransport,
    Resolver,
    check_url,
    redact_url,
    resolve_host,
)
from dcc.settings import Settings

SIGNATURE_PREFIX = "sha256="
# How old (or how far ahead) a signed timestamp a receiver should accept, by default.
MAX_SIGNATURE_AGE_S = 300
USER_AGENT = "DCC-Webhook/0.1"
# Resolves (host, port) to IP address strings, synchronously (the check when saving).
SyncResolver = Callable[[str, int], Sequence[str]]


# --- where a webhook may point ---------------------------------------------------------------


def webhook_policy(settings: Settings) -> AddressPolicy:
    """The private hosts and ranges webhooks may reach (DCC_WEBHOOK_ALLOWED_PRIVATE)."""
    try:
        return AddressPolicy.from_entries(settings.webhook_allowed_private)
    except SourceConfigError as exc:
        detail = str(exc).replace("fetch_allowed_private", "DCC_WEBHOOK_ALLOWED_PRIVATE")
        raise DeliveryError(detail) from exc


def resolve_now(host: str, port: int) -> list[str]:
    """Resolve `host` to its IP address strings (blocking; for the check when saving)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in answers))


def webhook_refusal(
    url: str, policy: AddressPolicy, *, resolve: SyncResolver = resolve_now
) -> str | None:
    """Why a webhook to `url` is refused (bad URL, unresolvable, non-public address), or None.

    Every address the host resolves to must be allowed, as at connection time.
    """
    try:
        parsed = check_url(url)
    except FetchRefusedError as exc:
        return str(exc).removeprefix("refused to fetch ")
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        answers = resolve(host, port)
    except OSError as exc:
        return f"cannot resolve host {host}: {exc}"
    if not answers:
        return f"cannot resolve host {host}: no addresses"
    for answer in answers:
        reason = policy.refusal(host, ipaddress.ip_address(answer))
        if reason is not None:
            return reason
    return None


# --- signatures ------------------------------------------------------------------------------


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The X-DCC-Signature value for `body` sent at `timestamp`: "sha256=<hex>"."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str | bytes,
    timestamp: str | None,
    body: bytes,
    header: str | None,
    *,
    max_age_s: float = MAX_SIGNATURE_AGE_S,
    now: float | None = None,
) -> bool:
    """True when `header` (X-DCC-Signature) signs `body` at `timestamp` (X-DCC-Timestamp)
    with `secret`, and the timestamp is within `max_age_s` of `now` (default: the clock).

    The comparison takes constant time; the age check turns a replayed request away.
    """
    if not timestamp or not header or not timestamp.strip().isdigit():
        return False
    sent_at = int(timestamp.strip())
    current = time.time() if now is None else now
    if abs(current - sent_at) > max_age_s:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), header.strip())


# --- what is sent ----------------------------------------------------------------------------


def alert_payload(alert: Alert, delivery_id: int, *, public_url: str = "") -> dict[str, Any]:
    """The JSON body for one alert: the alert as the API shows it, and the delivery id."""
    return {"type": "alert", "delivery_id": delivery_id, "alert": _alert(alert, public_url)}


def digest_payload(entries: Sequence[tuple[int, Alert]], *, public_url: str = "") -> dict[str, Any]:
    """The JSON body for a digest: each (delivery id, alert), oldest first."""
    return {
        "type": "digest",
        "count": len(entries),
        "alerts": [
            {"delivery_id": delivery_id, "alert": _alert(alert, public_url)}
            for delivery_id, alert in entries
        ],
    }


def _alert(alert: Alert, public_url: str) -> dict[str, Any]:
    shown = alert_json(alert)
    shown["url"] = alert_url(public_url, alert.id) if public_url else None
    return shown


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and signed (UTF-8 JSON, compact)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- sending ---------------------------------------------------------------------------------


def webhook_client(settings: Settings, *, resolver: Resolver = resolve_host) -> httpx.AsyncClient:
    """An HTTP client whose every connection passes the SSRF guard with the webhook policy."""
    return httpx.AsyncClient(
        transport=GuardedTransport(webhook_policy(settings), resolver=resolver),
        timeout=httpx.Timeout(settings.delivery_timeout_s),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,  # an environment proxy would resolve names past the guard
    )


async def post_webhook(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    *,
    delivery_key: str,
    secret: str,
    timestamp: int,
) -> None:
    """POST `body` signed to `url`; return on a 2xx answer, else raise DeliveryError saying why.

    The answer's body is never read: a receiver cannot stall the worker by streaming one.
    """
    if not secret:
        raise DeliveryError(
            "DCC_WEBHOOK_SECRET is not set: webhooks are sent signed only; set it and the "
            "delivery is retried"
        )
    try:
        check_url(url)
    except FetchRefusedError as exc:
        raise DeliveryError(str(exc).replace("refused to fetch", "refused webhook")) from exc
    headers = {
        "Content-Type": "application/json",
        "X-DCC-Delivery": delivery_key,
        "X-DCC-Timestamp": str(timestamp),
        "X-DCC-Signature": sign(secret, timestamp, body),
    }
    try:
        async with client.stream("POST", url, content=body, headers=headers) as response:
            status = response.status_code
    except FetchRefusedError as exc:
        raise DeliveryError(f"refused: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{redact_url(url)} timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        text = " ".join(str(exc).split())[:200]
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        raise DeliveryError(f"{redact_url(url)}: {detail}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"{redact_url(url)} answered HTTP {status}")
