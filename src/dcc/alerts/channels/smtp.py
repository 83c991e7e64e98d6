"""E-mail: an alert (or a digest) as a plain-text message sent over SMTP (standard library).

The message is built here (pure: `alert_email`, `digest_email`) and sent by `send_email`, a
blocking call the delivery worker runs in a thread under its per-send timeout. Settings:
DCC_SMTP_HOST (empty: nothing is sent and the delivery waits with that error),
DCC_SMTP_PORT, DCC_SMTP_FROM, DCC_SMTP_STARTTLS, DCC_SMTP_USERNAME, DCC_SMTP_PASSWORD (never
logged). Header values are cleaned of control characters, so an item title cannot add headers.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import ssl
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from dcc.alerts.channels.feed import alert_url
from dcc.alerts.errors import DeliveryError
from dcc.alerts.records import Alert
from dcc.alerts.serialize import iso
from dcc.settings import Settings

MAX_SUBJECT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(value: str, *, limit: int = MAX_SUBJECT) -> str:
    """`value` safe for a header: no control characters (CR, LF), one line, at most `limit`."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def alert_email(
    alert: Alert, *, to: str, sender: str, delivery_id: int, public_url: str, now: datetime
) -> EmailMessage:
    """One alert as an e-mail to `to`; its Message-ID is the same on every retry."""
    message = _message(to=to, sender=sender, subject=alert.title, now=now)
    message["Message-ID"] = f"<dcc.delivery.{delivery_id}@{_domain(sender)}>"
    message["X-DCC-Delivery"] = str(delivery_id)
    message.set_content(alert_text(alert, public_url=public_url))
    return message


def digest_email(
    entries: Sequence[tuple[int, Alert]],
    *,
    to: str,
    sender: str,
    public_url: str,
    now: datetime,
) -> EmailMessage:
    """Several alerts (delivery id, alert), oldest first, as one e-mail to `to`."""
    count = len(entries)
    subject = f"DCC digest: {count} alert{'s' if count != 1 else ''}"
    message = _message(to=to, sender=sender, subject=subject, now=now)
    ids = ",".join(str(delivery_id) for delivery_id, _ in entries)
    key = hashlib.sha256(ids.encode()).hexdigest()[:16]
    message["Message-ID"] = f"<dcc.digest.{key}@{_domain(sender)}>"
    lines = [f"{count} alert{'s' if count != 1 else ''} since the last digest.", ""]
    for n, (_, alert) in enumerate(entries, start=1):
        items = f" ({alert.item_count} items)" if alert.item_count != 1 else ""
        lines.append(f"{n}. [{alert.status.value}] {header_text(alert.title, limit=300)}{items}")
        latest = alert.explanation.get("last_item")
        if isinstance(latest, dict) and latest.get("url"):
            lines.append(f"   latest: {latest['url']}")
        if public_url:
            lines.append(f"   {alert_url(public_url, alert.id)}")
    message.set_content("\n".join([*lines, "", _FOOTER]))
    return message


def alert_text(alert: Alert, *, public_url: str) -> str:
    """The plain-text body: what fired, what matched, the first and latest items, a link."""
    lines = [header_text(alert.title, limit=300), ""]
    explanation = dict(alert.explanation)
    watchlist = explanation.pop("watchlist", None)
    if isinstance(watchlist, dict):
        lines.append(f"Watchlist: {watchlist.get('name')}  (query: {watchlist.get('query')})")
    matched = explanation.pop("matched", None)
    if isinstance(matched, list) and matched:
        lines.append("Matched: " + ", ".join(str(m) for m in matched))
    lines.append(f"Items: {alert.item_count}")
    for key, label in (("first_item", "First item"), ("last_item", "Latest item")):
        item = explanation.pop(key, None)
        if isinstance(item, dict):
            lines.append(f"{label}: {item.get('title') or '(no title)'} [{item.get('source')}]")
            if item.get("url"):
                lines.append(f"  {item['url']}")
    explanation.pop("story", None)
    # Other kinds (bursts, campaigns...) explain themselves with other keys: shown as they are.
    for key, value in explanation.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"Status: {alert.status.value}; raised {iso(alert.created_at)}")
    if public_url:
        lines += ["", f"Open in DCC: {alert_url(public_url, alert.id)}"]
    return "\n".join([*lines, "", _FOOTER])


_FOOTER = "-- \nSent by DCC (Digital Command Center) because you are a watchlist recipient."


def _message(*, to: str, sender: str, subject: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header_text(sender)
    message["To"] = header_text(to)
    message["Subject"] = header_text(subject) or "DCC alert"
    message["Date"] = format_datetime(now)
    # RFC 3834: tells auto-responders (out-of-office) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    return message


def _domain(sender: str) -> str:
    address = parseaddr(header_text(sender))[1]
    domain = address.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "dcc.invalid"


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send `message` through the configured SMTP server (blocking); DeliveryError if not."""
    host = settings.smtp_host.strip()
    if not host:
        raise DeliveryError("DCC_SMTP_HOST is not set: e-mail waits until an SMTP server is")
    port = settings.smtp_port
    try:
        with smtplib.SMTP(host, port, timeout=settings.delivery_timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(
            f"{to}: {_reply(code, text)}" for to, (code, text) in exc.recipients.items()
        )
        raise DeliveryError(f"SMTP server {host}:{port} refused {codes}") from exc
    except smtplib.SMTPResponseException as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        raise DeliveryError(f"SMTP server {host}:{port} answered {reply}") from exc
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP server {host}:{port}: {type(exc).__name__}: {exc}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"SMTP server {host}:{port} timed out") from exc
    except OSError as exc:
        raise DeliveryError(f"cannot reach SMTP server {host}:{port}: {exc}") from exc


def _reply(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(shown.split())[:200]}"
