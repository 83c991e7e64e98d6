"""Alert e-mails as built (pure): subject, body, headers safe from injection."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dcc.alerts.channels.smtp import alert_email, digest_email, header_text, send_email
from dcc.alerts.errors import DeliveryError
from dcc.settings import Settings
from delivery_helpers import T0, an_alert

SENDER = "DCC <alerts@dcc.example.org>"


def test_an_alert_email_has_the_title_as_subject_and_a_stable_message_id() -> None:
    alert = replace(
        an_alert(),
        title="Gempa\r\nBcc: spy@evil.example\x00",
        explanation={
            "watchlist": {"id": 1, "name": "Gempa", "query": "gempa OR tsunami"},
            "story": "story:a",
            "matched": ["gempa", "country:ID"],
            "first_item": {
                "id": 1,
                "title": "Gempa M6",
                "url": "https://a.example/1",
                "source": "antara",
            },
            "last_item": {"id": 2, "title": None, "url": None, "source": "detik"},
        },
    )
    message = alert_email(
        alert,
        to="ops@example.org",
        sender=SENDER,
        delivery_id=12,
        public_url="https://d.example",
        now=T0,
    )
    again = alert_email(
        alert, to="ops@example.org", sender=SENDER, delivery_id=12, public_url="", now=T0
    )
    assert message["Subject"] == "Gempa Bcc: spy@evil.example"
    assert message["Bcc"] is None
    assert message["Message-ID"] == again["Message-ID"] == "<dcc.delivery.12@dcc.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert body.splitlines()[:8] == [
        "Gempa Bcc: spy@evil.example",
        "",
        "Watchlist: Gempa  (query: gempa OR tsunami)",
        "Matched: gempa, country:ID",
        "Items: 2",
        "First item: Gempa M6 [antara]",
        "  https://a.example/1",
        "Latest item: (no title) [detik]",
    ]
    assert "Open in DCC: https://d.example/api/v1/alerts/7" in body
    assert "Open in DCC" not in again.get_content()


def test_other_kinds_of_alert_explain_themselves_as_they_are() -> None:
    alert = replace(an_alert(), explanation={"baseline": 3.5, "country": "ID"})
    body = alert_email(
        alert, to="ops@example.org", sender=SENDER, delivery_id=1, public_url="", now=T0
    ).get_content()
    assert "baseline: 3.5" in body and 'country: "ID"' in body


def test_a_digest_lists_its_alerts_in_one_message() -> None:
    message = digest_email(
        [(12, an_alert(7)), (13, replace(an_alert(8), title="Banjir", item_count=1))],
        to="ops@example.org",
        sender=SENDER,
        public_url="https://d.example",
        now=T0,
    )
    assert message["Subject"] == "DCC digest: 2 alerts"
    body = message.get_content()
    assert "1. [new] Gempa: Lombok (2 items)" in body and "2. [new] Banjir" in body
    assert "https://d.example/api/v1/alerts/8" in body


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [("a\r\nb", "a b"), ("  x\t y ", "x y"), ("\u2028z\x7f", "z"), ("é" * 300, "é" * 200)],
)
def test_header_text_is_one_clean_line(value: str, cleaned: str) -> None:
    assert header_text(value) == cleaned


def test_no_smtp_host_is_a_clear_delivery_error() -> None:
    message = alert_email(
        an_alert(), to="ops@example.org", sender=SENDER, delivery_id=1, public_url="", now=T0
    )
    with pytest.raises(DeliveryError, match="DCC_SMTP_HOST is not set"):
        send_email(Settings(smtp_host=""), message)
