"""The reports' own words in English and Indonesian, WIB times and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dcc.briefings.report_text import CATALOGUE, Text, format_size, format_wib, iso_utc


def test_both_catalogues_have_the_same_words():
    assert set(CATALOGUE["en"]) == set(CATALOGUE["id"])
    assert all(CATALOGUE["id"][key].strip() for key in CATALOGUE["id"])


def test_locales():
    assert Text("id")("key_decisions") == "Keputusan penting"
    assert Text("id-ID")("key_decisions") == "Keputusan penting"
    assert Text("fr")("key_decisions") == "Key decisions"  # unknown: English
    assert Text("id").value("status", "monitoring") == "Pemantauan"
    assert Text("en").value("status", "unheard_of") == "unheard of"
    assert Text("en")("page", page=2, pages=7) == "Page 2 of 7"


@pytest.mark.parametrize(
    ("delta", "en", "id_"),
    [
        (timedelta(minutes=5), "5 min", "5 menit"),
        (timedelta(hours=2), "2 h", "2 jam"),
        (timedelta(hours=7, minutes=45), "7 h 45 min", "7 jam 45 menit"),
        (timedelta(days=1, hours=2, minutes=5), "1 d 2 h", "1 hari 2 jam"),
        (timedelta(days=3), "3 d", "3 hari"),
        (timedelta(seconds=20), "0 min", "0 menit"),
        (-timedelta(hours=1), "-1 h", "-1 jam"),
        (None, "-", "-"),
    ],
)
def test_durations(delta: timedelta | None, en: str, id_: str):
    assert Text("en").duration(delta) == en
    assert Text("id").duration(delta) == id_


def test_times_are_wib_for_people_and_utc_for_machines():
    moment = datetime(2026, 8, 5, 20, 50, tzinfo=UTC)
    assert format_wib(moment) == "2026-08-06 03:50 WIB"
    assert iso_utc(moment) == "2026-08-05T20:50:00Z"
    assert format_wib(None) == "-"
    assert iso_utc(None) is None


def test_bucket_words():
    assert Text("en").bucket(timedelta(hours=1)) == "hour"
    assert Text("id").bucket(timedelta(days=1)) == "hari"
    assert Text("en").bucket(timedelta(days=7)) == "7 days"


def test_sizes():
    assert format_size(532) == "532 B"
    assert format_size(482_113) == "482.1 kB"
    assert format_size(3_100_000) == "3.1 MB"
    assert format_size(5_000_000_000) == "5.0 GB"
