"""Tests for CAP alerts: schema validation, 1.0/1.1 upgrade, fields, exercises, XML attacks."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dcc.errors import SchemaValidationError, SourceFormatError
from dcc.ingest.sources.cap import SCHEMA_PATH, parse_cap
from dcc.records import GeoPoint, ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
SOURCE = Source(id="cap-test", kind=SourceKind.CAP, url="https://alerts.example.id/feed")
# Every CAP message in the shared folder that is meant to be valid (xee.cap is an attack).
VALID_REAL_ALERTS = [
    "43b080713727.cap",
    "KAR0-0306112239-SW.cap",
    "australia.cap",
    "canada.cap",
    "earthquake-iso8859-1.cap",
    "earthquake.cap",
    "no_optional_fields.cap",
    "weather.cap",
]


def parse_one(content: bytes) -> tuple[RawItem, list[ParseProblem]]:
    results = list(parse_cap(content, SOURCE))
    items = [r for r in results if isinstance(r, RawItem)]
    assert len(items) == 1
    return items[0], [r for r in results if isinstance(r, ParseProblem)]


def test_schema_ships_with_its_notice() -> None:
    assert "Copyright OASIS Open 2010" in SCHEMA_PATH.read_text(encoding="utf-8")


def test_exercise_alert_is_kept_and_flagged(fixture_bytes: ReadFixture) -> None:
    item, problems = parse_one(fixture_bytes("cap-exercise.cap"))
    assert not problems
    cap = item.extra["cap"]
    assert item.extra["is_exercise"] is True
    assert cap["status"] == "Exercise"
    assert item.external_id == "exercise@bnpb.example.id|DCC-TEST-2024-0001"
    assert item.kind == "alert"
    assert item.title == "EXERCISE: tsunami warning for the west coast of Lombok"
    assert item.published_at == datetime(2024, 3, 1, 3, 15, tzinfo=UTC)
    assert item.lang == "en"
    assert item.url == "https://exercise.example.id/alerts/0001"
    # Both info blocks (English and Indonesian) are in the text.
    assert "Move to high ground. This is an exercise." in item.text
    assert "LATIHAN: peringatan tsunami untuk pantai barat Lombok" in item.text
    assert item.geo is not None
    assert item.geo.lat == pytest.approx(-8.6)
    assert item.geo.lon == pytest.approx(116.1)
    english, indonesian = cap["infos"]
    assert english["category"] == ["Geo"]
    assert english["responseType"] == ["Evacuate"]
    assert english["expires"] == "2024-03-01T09:15:00+00:00"
    assert english["areas"][0]["geocodes"] == [{"valueName": "ISO3166-2", "value": "ID-NB"}]
    assert english["areas"][0]["polygons"][0][0] == [-8.4, 116.0]
    assert indonesian["areas"][0]["circles"] == [{"lat": -8.6, "lon": 116.1, "radius_km": 30.0}]
    assert cap["version"] == "1.2"


def test_wrong_category_is_rejected_naming_path_and_value(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SchemaValidationError) as caught:
        list(parse_cap(fixture_bytes("cap-broken-category.cap"), SOURCE))
    message = str(caught.value)
    assert message.startswith("CAP 1.2 schema: /alert/info[1]/category: 'Foo' is not accepted")
    assert "'Geo'" in message


def test_missing_sender_is_rejected(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SchemaValidationError, match=r"/alert: .*'sender' expected"):
        list(parse_cap(fixture_bytes("cap-missing-sender.cap"), SOURCE))


def test_cap10_is_upgraded_and_its_password_dropped(fixture_bytes: ReadFixture) -> None:
    item, _ = parse_one(fixture_bytes("cap10-upgrade.cap"))
    cap = item.extra["cap"]
    assert cap["version"] == "1.0"
    info = cap["infos"][0]
    assert info["certainty"] == "Likely"
    assert info["eventCodes"] == [{"valueName": "SAME", "value": "SVR"}]
    assert info["areas"][0]["geocodes"] == [{"valueName": "FIPS6", "value": "006109"}]
    assert "not-for-the-store" not in repr(item)


def test_upgraded_message_failing_the_schema_says_so(fixture_bytes: ReadFixture) -> None:
    content = fixture_bytes("cap10-upgrade.cap").replace(b"<scope>Public", b"<scope>Everyone")
    with pytest.raises(
        SchemaValidationError, match=r"message is CAP 1\.0, upgraded\): /alert/scope"
    ):
        list(parse_cap(content, SOURCE))


def test_bad_polygon_is_a_problem_not_a_failure(fixture_bytes: ReadFixture) -> None:
    content = fixture_bytes("cap-exercise.cap").replace(
        b"<polygon>-8.4,116.0", b"<polygon>-98.4,116.0"
    )
    item, problems = parse_one(content)
    assert [p.location for p in problems] == ["alert"]
    assert "lat '-98.4' is outside" in problems[0].message
    assert item.geo == GeoPoint(lat=-8.6, lon=116.1)  # the circle of the next info block


def test_non_cap_xml_is_refused() -> None:
    with pytest.raises(SourceFormatError, match="not a CAP alert"):
        list(parse_cap(b"<rss version='2.0'/>", SOURCE))


def test_entity_bomb_and_external_entity_are_refused(fixture_bytes: ReadFixture) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceFormatError, match="entity-expansion attack"):
        list(parse_cap(fixture_bytes("billion-laughs.xml"), SOURCE))
    assert time.perf_counter() - started < 0.5
    with pytest.raises(SourceFormatError, match="external entities"):
        list(parse_cap(fixture_bytes("external-entity.xml"), SOURCE))


@pytest.mark.parametrize("name", VALID_REAL_ALERTS)
def test_real_alerts_pass_the_schema(shared_data: Path, name: str) -> None:
    item, problems = parse_one((shared_data / "cap-alerts" / name).read_bytes())
    assert not problems
    assert item.kind == "alert"
    assert item.published_at is not None and item.published_at.tzinfo is UTC
    assert item.text
    assert item.extra["cap"]["version"] in {"1.1", "1.2"}
    assert item.extra["is_exercise"] is False


def test_real_xxe_alert_is_refused(shared_data: Path) -> None:
    with pytest.raises(SourceFormatError, match="external entities are refused"):
        list(parse_cap((shared_data / "cap-alerts" / "xee.cap").read_bytes(), SOURCE))


def test_iso8859_alert_is_decoded(shared_data: Path) -> None:
    item, _ = parse_one((shared_data / "cap-alerts" / "earthquake-iso8859-1.cap").read_bytes())
    assert item.title == "EQ 4.6 Usulután, Usulután, El Salvador - PRELIMINARY REPORT"
    assert item.geo == GeoPoint(lat=12.747, lon=-88.783)


def test_real_multilingual_alert(shared_data: Path) -> None:
    item, _ = parse_one((shared_data / "cap-alerts" / "canada.cap").read_bytes())
    infos = item.extra["cap"]["infos"]
    assert [info["language"] for info in infos] == ["en-CA", "fr-CA"]
    assert "veille d'orages violents" in item.text
    assert len(infos[0]["areas"]) == 2
    assert item.geo is not None and 41.7 < item.geo.lat < 42.4  # Windsor - Leamington


def test_real_cap11_alert_keeps_its_version(shared_data: Path) -> None:
    item, _ = parse_one((shared_data / "cap-alerts" / "weather.cap").read_bytes())
    assert item.extra["cap"]["version"] == "1.1"
    assert item.extra["cap"]["infos"][0]["areas"][0]["geocodes"][0] == {
        "valueName": "FIPS6",
        "value": "030049",
    }


def test_alert_without_info_still_has_text(shared_data: Path) -> None:
    item, _ = parse_one((shared_data / "cap-alerts" / "no_optional_fields.cap").read_bytes())
    assert item.extra["cap"]["infos"] == []
    assert item.text.startswith("CAP Alert (Actual) from http://earthquake.usgs.gov/")
