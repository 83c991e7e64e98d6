"""Webhook signatures, bodies, and where a webhook may point (no sockets: DNS is played)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine

from dcc.alerts.actions import do_create_watchlist, do_update_watchlist
from dcc.alerts.channels.webhook import (
    SyncResolver,
    alert_payload,
    digest_payload,
    encode_payload,
    sign,
    verify_signature,
    webhook_refusal,
)
from dcc.alerts.errors import WatchlistError
from dcc.alerts.records import WatchlistChanges, WatchlistSpec
from dcc.ingest.netguard import AddressPolicy
from dcc.settings import get_settings
from delivery_helpers import an_alert

SECRET = "s3cret"
BODY = b'{"type":"alert","delivery_id":12}'
NOW = 1_764_000_000


# --- signatures ------------------------------------------------------------------------------


def test_a_signature_is_the_hmac_of_timestamp_and_body() -> None:
    header = sign(SECRET, NOW, BODY)
    expected = hmac.new(b"s3cret", b"1764000000." + BODY, hashlib.sha256).hexdigest()
    assert header == "sha256=" + expected
    assert verify_signature(SECRET, str(NOW), BODY, header, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now", "header"),
    [
        ("other", str(NOW), BODY, NOW, None),  # wrong key
        (SECRET, str(NOW), BODY + b" ", NOW, None),  # body changed
        (SECRET, str(NOW + 1), BODY, NOW, None),  # timestamp changed
        (SECRET, str(NOW), BODY, NOW + 301, None),  # too old: a replay
        (SECRET, str(NOW), BODY, NOW - 301, None),  # from the future
        (SECRET, "soon", BODY, NOW, None),
        (SECRET, None, BODY, NOW, None),
        (SECRET, str(NOW), BODY, NOW, ""),
        (SECRET, str(NOW), BODY, NOW, "sha256=00"),
    ],
)
def test_a_bad_or_old_signature_is_refused(
    secret: str, timestamp: str | None, body: bytes, now: int, header: str | None
) -> None:
    signed = sign(SECRET, NOW, BODY) if header is None else header
    assert not verify_signature(secret, timestamp, body, signed, now=now)


def test_the_body_carries_the_alert_and_the_delivery_id() -> None:
    payload = json.loads(encode_payload(alert_payload(an_alert(), 12, public_url="")))
    assert payload["type"] == "alert" and payload["delivery_id"] == 12
    alert = payload["alert"]
    assert {k: alert[k] for k in ("id", "kind", "title", "status", "url")} == {
        "id": 7,
        "kind": "watchlist",
        "title": "Gempa: Lombok",
        "status": "new",
        "url": None,
    }
    assert alert["explanation"] == {"matched": ["gempa"]}
    assert alert["created_at"] == "2026-11-24T10:00:30Z"
    digest = digest_payload([(12, an_alert(7)), (13, an_alert(8))], public_url="https://d.example")
    assert digest["type"] == "digest" and digest["count"] == 2
    assert [(e["delivery_id"], e["alert"]["id"]) for e in digest["alerts"]] == [(12, 7), (13, 8)]
    assert digest["alerts"][0]["alert"]["url"] == "https://d.example/api/v1/alerts/7"


# --- where a webhook may point ---------------------------------------------------------------


def playing(answers: dict[str, Sequence[str]]) -> SyncResolver:
    """A resolver that answers from `answers` (DNS played, offline)."""

    def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return answers[host]

    return resolve


DNS = playing(
    {
        "hooks.example.org": ["93.184.216.34"],
        "intranet.example": ["10.1.2.3"],
        "split.example": ["93.184.216.34", "192.168.1.9"],
        "metadata.example": ["169.254.169.254"],
    }
)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://hooks.example.org/dcc", None),
        ("https://intranet.example/dcc", "resolves to 10.1.2.3, not a public address (private)"),
        ("https://split.example/dcc", "resolves to 192.168.1.9"),
        ("http://metadata.example/", "not a public address (link-local)"),
        ("https://nowhere.example/x", "cannot resolve host nowhere.example"),
        ("https://user:pw@hooks.example.org/x", "credentials in the URL"),
        ("ftp://hooks.example.org/x", "ftp scheme"),
    ],
)
def test_where_a_webhook_may_point(url: str, says: str | None) -> None:
    reason = webhook_refusal(url, AddressPolicy(), resolve=DNS)
    assert reason is None if says is None else says in (reason or "")


def test_private_receivers_can_be_allowed_by_name_or_range() -> None:
    by_name = AddressPolicy.from_entries(["intranet.example"])
    by_range = AddressPolicy.from_entries(["10.0.0.0/8"])
    for policy in (by_name, by_range):
        assert webhook_refusal("https://intranet.example/x", policy, resolve=DNS) is None
    assert webhook_refusal("http://metadata.example/", by_range, resolve=DNS) is not None


def test_a_private_webhook_is_refused_when_saved_unless_allowed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = WatchlistSpec(
        name="Hook", query="gempa", recipients=("http://127.0.0.1:9/hook",), channels=("webhook",)
    )
    with pytest.raises(WatchlistError, match=r"127\.0\.0\.1 is not a public address \(loopback\)"):
        do_create_watchlist(engine, spec)
    with pytest.raises(WatchlistError, match="DCC_WEBHOOK_ALLOWED_PRIVATE"):
        do_create_watchlist(engine, spec)
    monkeypatch.setenv("DCC_WEBHOOK_ALLOWED_PRIVATE", "127.0.0.1, intranet.example")
    get_settings.cache_clear()
    created = do_create_watchlist(engine, spec)
    assert created.recipients == ("http://127.0.0.1:9/hook",)
    # A change is checked as a whole, as on creation.
    with pytest.raises(WatchlistError, match=r"10\.9\.9\.9 is not a public address \(private\)"):
        do_update_watchlist(
            engine, created.id, WatchlistChanges(recipients=("http://10.9.9.9/hook",))
        )


def test_a_public_webhook_is_saved(engine: Engine) -> None:
    spec = WatchlistSpec(
        name="Hook", query="gempa", recipients=("https://93.184.216.34/dcc",), channels=("webhook",)
    )
    assert do_create_watchlist(engine, spec).channels[0].value == "webhook"
