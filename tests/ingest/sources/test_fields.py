"""Tests for the field normalisers the parsers share."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from dcc.ingest.sources.fields import (
    canonical_url,
    from_epoch_ms,
    from_struct_time,
    geo_point,
    html_to_text,
    language_code,
    parse_timestamp,
    to_utc,
)
from dcc.records import GeoPoint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T10:00:00+07:00", datetime(2024, 3, 1, 3, 0, tzinfo=UTC)),
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("Sun, 29 Dec 2019 12:00:00 GMT", datetime(2019, 12, 29, 12, 0, tzinfo=UTC)),
        ("Fri, 01 Mar 2024 10:00:00 +0700", datetime(2024, 3, 1, 3, 0, tzinfo=UTC)),
        ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "32/01/2024"])
def test_parse_timestamp_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(text)


def test_to_utc_and_epoch() -> None:
    jakarta = timezone(timedelta(hours=7))
    assert to_utc(datetime(2024, 1, 1, 7, tzinfo=jakarta)) == datetime(2024, 1, 1, tzinfo=UTC)
    assert from_epoch_ms(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert from_struct_time(time.gmtime(0)) == datetime(1970, 1, 1, tzinfo=UTC)
    assert from_struct_time(None) is None
    with pytest.raises(ValueError, match="epoch"):
        from_epoch_ms(1e20)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://Example.COM:443/a/b?utm_source=x&id=3&UTM_Medium=y#top",
            "https://example.com/a/b?id=3",
        ),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("https://example.com/p?fbclid=abc&q=a%20b&flag", "https://example.com/p?q=a%20b&flag"),
        ("https://user@example.com/x", "https://user@example.com/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_language_code() -> None:
    assert language_code("en-US") == "en"
    assert language_code("id_ID") == "id"
    assert language_code("ace") == "ace"
    assert language_code("") is None
    assert language_code("x-klingon") is None


def test_geo_point() -> None:
    assert geo_point("-6.2", 106.8) == GeoPoint(lat=-6.2, lon=106.8)
    for lat, lon in [(91, 0), (0, -180.5), ("nan", 0), (True, 0), ("north", 0), (None, 0)]:
        with pytest.raises(ValueError, match=r"lat|lon"):
            geo_point(lat, lon)


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<div><h2>Title</h2><p>One &amp; <b>two</b>\nthree</p><script>x()</script><br>Four</div>"
    assert html_to_text(html) == "Title\nOne & two three\nFour"


def test_html_to_text_leaves_plain_text_lines() -> None:
    assert html_to_text("  line one  \n\n   line   two \n") == "line one\nline two"
    assert html_to_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("Fish &amp; chips\nnext") == "Fish & chips\nnext"
