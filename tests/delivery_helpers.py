"""Real receivers on localhost for the delivery tests (no mocks): an SMTP server (aiosmtpd)
and an HTTP webhook receiver that checks every signature with `verify_signature`."""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr
from sqlalchemy import Engine

from dcc.alerts.actions import do_create_watchlist, do_record_matches
from dcc.alerts.channels.webhook import verify_signature
from dcc.alerts.records import (
    Alert,
    AlertKind,
    AlertStatus,
    Schedule,
    Watchlist,
    WatchlistMatch,
    WatchlistSpec,
)
from dcc.settings import Settings

SECRET = "test-webhook-secret"
T0 = datetime(2026, 11, 24, 10, 0, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def delivery_settings(*, smtp_port: int = 0, **overrides: Any) -> Settings:
    """Settings for sending to the local receivers: plain SMTP, a webhook secret, short
    backoff, and 127.0.0.1 allowed for webhooks (as DCC_WEBHOOK_ALLOWED_PRIVATE would)."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port or free_port(),
        "smtp_starttls": False,
        "smtp_from": "DCC Alerts <alerts@dcc.example.org>",
        "webhook_secret": SecretStr(SECRET),
        "webhook_allowed_private": ["127.0.0.1"],
        "delivery_backoff_s": 10.0,
        "delivery_backoff_max_s": 60.0,
        "delivery_timeout_s": 5.0,
        "public_url": "https://dcc.example.org",
    }
    values.update(overrides)
    return Settings(**values)


_items = itertools.count(1)


def raise_alert(
    engine: Engine, watchlist: Watchlist, *, now: datetime = T0, title: str = "Gempa Lombok"
) -> int:
    """One new alert of `watchlist` (its own story), with its deliveries; return its id."""
    item_id = next(_items)
    match = WatchlistMatch(
        watchlist_id=watchlist.id,
        item_id=item_id,
        story_key=f"story:{item_id}",
        item_title=title,
        item_url=f"https://antara.example/{item_id}",
        source_id="antara-id",
        matched=("gempa",),
    )
    # Delivery tests raise many alerts of one watchlist at once: no flood cap here.
    return do_record_matches(engine, [match], window=HOUR, now=now, max_instant=10_000).created[0]


def watchlist_to(
    engine: Engine,
    recipients: Sequence[str],
    channels: Sequence[str],
    *,
    schedule: str = "instant",
    name: str = "Gempa",
) -> Watchlist:
    spec = WatchlistSpec(
        name=name,
        query="gempa",
        recipients=tuple(recipients),
        channels=tuple(channels),
        schedule=schedule,
    )
    return do_create_watchlist(engine, spec, owner="ana", settings=delivery_settings())


def an_alert(alert_id: int = 7) -> Alert:
    """An alert record as stored (for the pure tests)."""
    return Alert(
        id=alert_id,
        kind=AlertKind.WATCHLIST,
        rule="watchlist:1",
        watchlist_id=1,
        story_key="story:a",
        title="Gempa: Lombok",
        status=AlertStatus.NEW,
        schedule=Schedule.INSTANT,
        item_count=2,
        first_item_id=1,
        last_item_id=2,
        explanation={"matched": ["gempa"]},
        created_at=T0,
        updated_at=T0,
        window_ends_at=T0,
    )


# --- SMTP ------------------------------------------------------------------------------------


class SMTPSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"

    def __enter__(self) -> SMTPSink:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


# --- webhooks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    is_signed: bool  # verify_signature accepted it

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 answering by path: /ok... 204, /fail 500, /garbage with
    bytes that are not HTTP, /slow only once `release` is set. A bad signature gets 401."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.slow_answered = threading.Event()  # /slow answers only once released
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                is_signed = verify_signature(
                    SECRET,
                    headers.get("x-dcc-timestamp"),
                    body,
                    headers.get("x-dcc-signature"),
                )
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body, is_signed))
                receiver.arrived.set()
                if self.path.startswith("/garbage"):
                    self.wfile.write(b"this is not HTTP at all\r\n\r\n")
                    self.close_connection = True
                    return
                if self.path.startswith("/slow"):
                    receiver.release.wait(30)
                    receiver.slow_answered.set()
                status = 204 if is_signed else 401
                if self.path.startswith("/fail"):
                    status = 500
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # the default 5 drops concurrent senders' connections

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (timeout) closes its end: expected here

        self._server = Server(("127.0.0.1", port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.received]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class Ticker:
    """A clock that moves 1 ms on every reading: outcomes recorded later read later."""

    def __init__(self, start: datetime) -> None:
        self._times: Iterator[datetime] = (
            start + timedelta(milliseconds=n) for n in itertools.count()
        )
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return next(self._times)
