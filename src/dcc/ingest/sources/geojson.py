"""USGS earthquake summary GeoJSON: one `kind="quake"` RawItem per feature.

Properties used: mag, place, time and updated (ms since the epoch), tsunami, alert (PAGER
level), sig, magType, type, title, url; the geometry is a Point [lon, lat, depth_km].
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dcc.errors import SourceFormatError
from dcc.ingest.sources.fields import from_epoch_ms, geo_point, iso_utc
from dcc.records import JSONValue, ParseProblem, RawItem, Source


def parse_geojson(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """One RawItem per feature; a bad feature is a ParseProblem, a bad document raises."""
    try:
        document = json.loads(content)
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"GeoJSON is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise SourceFormatError(f"not a GeoJSON FeatureCollection (type is {found!r})")
    features = document.get("features")
    if not isinstance(features, list):
        raise SourceFormatError("GeoJSON FeatureCollection has no 'features' list")
    for index, feature in enumerate(features, start=1):
        try:
            yield item_from_feature(feature, source)
        except ValueError as exc:
            feature_id = feature.get("id") if isinstance(feature, dict) else None
            where = f"feature {index}" + (f" ({feature_id})" if feature_id else "")
            yield ParseProblem(where, str(exc))


def item_from_feature(feature: object, source: Source) -> RawItem:
    """The RawItem for one USGS feature; ValueError saying what is missing or wrong."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature object")
    feature_id = feature.get("id")
    if _is_number(feature_id):
        feature_id = str(feature_id)  # GeoJSON allows numeric ids; USGS writes strings.
    if not isinstance(feature_id, str) or not feature_id.strip():
        raise ValueError("feature has no 'id'")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise ValueError("feature has no 'properties' object")
    lon, lat, depth = _point(feature.get("geometry"))
    event_time = properties.get("time")
    if not isinstance(event_time, int | float) or isinstance(event_time, bool):
        raise ValueError(f"properties.time {event_time!r} is not a millisecond epoch time")
    published_at = from_epoch_ms(event_time)
    mag = properties.get("mag") if _is_number(properties.get("mag")) else None
    place = _string(properties, "place")
    title = _string(properties, "title") or f"M {_magnitude(mag)} - {place or 'unknown place'}"
    updated = properties.get("updated")
    updated_at = from_epoch_ms(updated) if isinstance(updated, int | float) else None
    extra: dict[str, JSONValue] = {
        "mag": mag,
        "magType": _string(properties, "magType") or None,
        "depth_km": depth,
        "place": place or None,
        "alert": _string(properties, "alert") or None,
        "tsunami": bool(properties.get("tsunami")),
        "sig": properties.get("sig") if _is_number(properties.get("sig")) else None,
        "event_type": _string(properties, "type") or None,
        "status": _string(properties, "status") or None,
        "felt": properties.get("felt"),
        "updated": iso_utc(updated_at),
    }
    return RawItem(
        source_id=source.id,
        external_id=feature_id.strip(),
        text=_sentence(title, extra, published_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        title=title,
        url=_string(properties, "url") or None,
        published_at=published_at,
        lang="en",  # USGS titles and place names are English, as is the sentence below.
        country=source.country,
        geo=geo_point(lat, lon),
        kind="quake",
        extra=extra,
    )


def _sentence(title: str, extra: Mapping[str, JSONValue], when: str) -> str:
    """A readable summary: "M 4.6 - 127 km NNE of Lae, Papua New Guinea; depth 35 km; ..."."""
    parts = [title]
    if extra["depth_km"] is not None:
        parts.append(f"depth {extra['depth_km']:g} km")
    parts.append(when)
    if extra["event_type"] and extra["event_type"] != "earthquake":
        parts.append(f"event type {extra['event_type']}")
    if extra["alert"]:
        parts.append(f"PAGER alert level {extra['alert']}")
    if extra["tsunami"]:
        parts.append("tsunami flag set")
    return "; ".join(parts)


def _point(geometry: object) -> tuple[float, float, float | None]:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise ValueError("geometry is not a GeoJSON Point")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise ValueError(f"Point coordinates {coordinates!r} are not [lon, lat, depth]")
    if not all(_is_number(value) for value in coordinates[:3]):
        raise ValueError(f"Point coordinates {coordinates!r} are not numbers")
    depth = float(coordinates[2]) if len(coordinates) > 2 else None
    return float(coordinates[0]), float(coordinates[1]), depth


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _string(properties: Mapping[str, Any], key: str) -> str:
    value = properties.get(key)
    return value.strip() if isinstance(value, str) else ""


def _magnitude(mag: float | None) -> str:
    return "?" if mag is None else f"{mag:g}"
