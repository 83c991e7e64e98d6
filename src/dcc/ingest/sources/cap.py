"""One CAP alert (OASIS Common Alerting Protocol) -> one RawItem, validated against CAP 1.2.

CAP 1.0 and 1.1 messages are upgraded in place and validated as 1.2: the namespace is
rewritten, 1.0's `password` is dropped (1.1 removed it; a secret has no place in the store),
1.0's "valueName=value" strings in eventCode, parameter and geocode become the valueName and
value elements 1.1 introduced, and the certainty "Very Likely" becomes "Likely" (deprecated in
1.1, removed in 1.2). The other 1.1 -> 1.2 changes only add values or tighten rarely used
fields, so a message that fails after the upgrade is refused like a failing 1.2 one.
`extra["cap"]["version"]` keeps the version the sender wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from dcc.errors import SchemaValidationError, SourceFormatError
from dcc.ingest.decoding import xml_as_utf8
from dcc.ingest.sources.fields import (
    geo_point,
    html_to_text,
    iso_utc,
    language_code,
    parse_timestamp,
)
from dcc.ingest.xmlsafe import parse_xml
from dcc.records import GeoPoint, JSONValue, ParseProblem, RawItem, Source

CAP_NAMESPACES = {
    "http://www.incident.com/cap/1.0": "1.0",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
    "urn:oasis:names:tc:emergency:cap:1.2": "1.2",
}
CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "cap12.xsd"
EXERCISE_STATUSES = ("Exercise", "Test")
_NAMESPACE_IN_TEXT = re.compile(r"\{[^}]*\}|\bcap:")


def parse_cap(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """The alert as one RawItem; SchemaValidationError if it fails the CAP 1.2 schema."""
    data, decoded = xml_as_utf8(content)
    root = parse_xml(data)
    version = cap_version(root)
    if version != "1.2":
        upgrade_to_cap12(root)
    validate_cap(root, version)
    problems: list[ParseProblem] = []
    if decoded.has_replacements:
        problems.append(
            ParseProblem("alert", f"bytes invalid in {decoded.encoding} were replaced by U+FFFD")
        )
    item = item_from_alert(root, source, version=version, problems=problems)
    yield from problems
    yield item


def cap_version(root: Element) -> str:
    """The CAP version of an `alert` root element; SourceFormatError if it is not one."""
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    version = CAP_NAMESPACES.get(namespace)
    if local != "alert" or version is None:
        raise SourceFormatError(f"not a CAP alert: the root element is {root.tag!r}")
    return version


def upgrade_to_cap12(root: Element) -> None:
    """Rewrite a CAP 1.0/1.1 tree as CAP 1.2, in place (see the module docstring)."""
    for namespace in CAP_NAMESPACES:
        prefix = f"{{{namespace}}}"
        for element in root.iter():
            if element.tag.startswith(prefix):
                element.tag = f"{{{CAP12}}}{element.tag[len(prefix) :]}"
    for password in root.findall(_q("password")):
        root.remove(password)
    for certainty in root.iter(_q("certainty")):
        if (certainty.text or "").strip() == "Very Likely":
            certainty.text = "Likely"
    for name in ("eventCode", "parameter", "geocode"):
        for pair in root.iter(_q(name)):
            if len(pair) == 0 and "=" in (pair.text or ""):
                value_name, _, value = (pair.text or "").strip().partition("=")
                SubElement(pair, _q("valueName")).text = value_name.strip()
                SubElement(pair, _q("value")).text = value.strip()
                pair.text = None


def validate_cap(root: Element, version: str) -> None:
    """Raise SchemaValidationError naming the first schema error's path and reason."""
    import xmlschema  # Imported here: it takes ~0.4 s, and only CAP sources need it.

    errors = list(cap_schema().iter_errors(xmlschema.XMLResource(root, allow="none")))
    if not errors:
        return
    first = errors[0]
    path = _NAMESPACE_IN_TEXT.sub("", first.path or "/alert")
    reason = _NAMESPACE_IN_TEXT.sub("", first.reason or first.message)
    element = first.elem
    if element is not None and len(element) == 0 and (element.text or "").strip():
        reason = f"{element.text.strip()[:80]!r} is not accepted: {reason}"
    upgraded = "" if version == "1.2" else f" (message is CAP {version}, upgraded)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise SchemaValidationError(f"CAP 1.2 schema{upgraded}: {path}: {reason}{more}")


@cache
def cap_schema() -> Any:
    """The CAP 1.2 XSD, loaded once; it may read nothing beside itself."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA_PATH), allow="sandbox", defuse="always")


def item_from_alert(
    root: Element, source: Source, *, version: str, problems: list[ParseProblem]
) -> RawItem:
    """The RawItem for a validated CAP 1.2 tree; bad polygons or circles go to `problems`."""
    sender = _text(root, "sender")
    identifier = _text(root, "identifier")
    status = _text(root, "status")
    infos = [_info(info, problems) for info in root.findall(_q("info"))]
    first = infos[0] if infos else {}
    cap: dict[str, JSONValue] = {
        "version": version,
        "identifier": identifier,
        "sender": sender,
        "sent": _timestamp(_text(root, "sent")),
        "status": status,
        "msgType": _text(root, "msgType"),
        "scope": _text(root, "scope"),
        "source": _text(root, "source") or None,
        "note": _text(root, "note") or None,
        "references": _text(root, "references") or None,
        "incidents": _text(root, "incidents") or None,
        "code": [code.text.strip() for code in root.findall(_q("code")) if code.text],
        "infos": infos,
    }
    title = str(first.get("headline") or first.get("event") or cap["note"] or "")
    text = _alert_text(root) or title or f"CAP {cap['msgType']} ({status}) from {sender}"
    return RawItem(
        source_id=source.id,
        external_id=f"{sender}|{identifier}",
        text=text,
        title=title,
        url=first.get("web") or None,
        author=first.get("senderName") or sender or None,
        published_at=parse_timestamp(_text(root, "sent")),
        lang=language_code(first.get("language")) or source.lang,
        country=source.country,
        geo=_first_point(infos),
        kind="alert",
        extra={"cap": cap, "is_exercise": status in EXERCISE_STATUSES},
    )


def _info(info: Element, problems: list[ParseProblem]) -> dict[str, Any]:
    return {
        "language": _text(info, "language") or "en-US",  # The schema's default.
        "category": _texts(info, "category"),
        "event": _text(info, "event"),
        "responseType": _texts(info, "responseType"),
        "urgency": _text(info, "urgency"),
        "severity": _text(info, "severity"),
        "certainty": _text(info, "certainty"),
        "headline": _text(info, "headline") or None,
        "senderName": _text(info, "senderName") or None,
        "effective": _timestamp(_text(info, "effective")),
        "onset": _timestamp(_text(info, "onset")),
        "expires": _timestamp(_text(info, "expires")),
        "web": _text(info, "web") or None,
        "eventCodes": _pairs(info, "eventCode"),
        "parameters": _pairs(info, "parameter"),
        "areas": [_area(area, problems) for area in info.findall(_q("area"))],
    }


def _area(area: Element, problems: list[ParseProblem]) -> dict[str, JSONValue]:
    description = _text(area, "areaDesc")
    polygons: list[JSONValue] = []
    for polygon in _texts(area, "polygon"):
        try:
            polygons.append([[p.lat, p.lon] for p in _polygon_points(polygon)])
        except ValueError as exc:
            problems.append(ParseProblem("alert", f"area {description!r}: polygon: {exc}"))
    circles: list[JSONValue] = []
    for circle in _texts(area, "circle"):
        try:
            centre, radius = _circle(circle)
        except ValueError as exc:
            problems.append(ParseProblem("alert", f"area {description!r}: circle: {exc}"))
        else:
            circles.append({"lat": centre.lat, "lon": centre.lon, "radius_km": radius})
    return {
        "areaDesc": description,
        "polygons": polygons,
        "circles": circles,
        "geocodes": _pairs(area, "geocode"),
        "altitude": _text(area, "altitude") or None,
        "ceiling": _text(area, "ceiling") or None,
    }


def _polygon_points(value: str) -> list[GeoPoint]:
    # CAP writes "lat,lon lat,lon ...", closed (first point repeated), at least four pairs.
    points = []
    for pair in value.split():
        lat, _, lon = pair.partition(",")
        points.append(geo_point(lat, lon))
    if len(points) < 3:
        raise ValueError(f"{value[:60]!r} has fewer than three points")
    return points


def _circle(value: str) -> tuple[GeoPoint, float]:
    # CAP writes "lat,lon radius" with the radius in kilometres.
    centre, _, radius = value.strip().partition(" ")
    lat, _, lon = centre.partition(",")
    try:
        radius_km = float(radius)
    except ValueError:
        raise ValueError(f"{value!r} is not 'lat,lon radius'") from None
    return geo_point(lat, lon), radius_km


def _first_point(infos: list[dict[str, Any]]) -> GeoPoint | None:
    for info in infos:
        for area in info["areas"]:
            if area["polygons"]:
                return _centroid([GeoPoint(lat, lon) for lat, lon in area["polygons"][0]])
            if area["circles"]:
                circle = area["circles"][0]
                return GeoPoint(circle["lat"], circle["lon"])
    return None


def _centroid(points: list[GeoPoint]) -> GeoPoint:
    """Area centroid of a polygon on the plane (alert areas are small), else the vertex mean."""
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    # Work relative to the first vertex: the products stay small and rounding stays tiny.
    origin = points[0]
    xy = [(p.lon - origin.lon, p.lat - origin.lat) for p in points]
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-12:
        return GeoPoint(
            sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points)
        )
    return GeoPoint(lat=origin.lat + cy / (3 * area), lon=origin.lon + cx / (3 * area))


def _alert_text(root: Element) -> str:
    # Headline, description and instruction of every info block, each paragraph once:
    # multilingual alerts keep every language, repeated blocks (one per area) add nothing.
    parts: list[str] = []
    for info in root.findall(_q("info")):
        for name in ("headline", "description", "instruction"):
            value = html_to_text(_text(info, name))
            if value and value not in parts:
                parts.append(value)
    return "\n".join(parts)


def _q(name: str) -> str:
    return f"{{{CAP12}}}{name}"


def _text(element: Element, name: str) -> str:
    return (element.findtext(_q(name)) or "").strip()


def _texts(element: Element, name: str) -> list[str]:
    return [child.text.strip() for child in element.findall(_q(name)) if child.text]


def _pairs(element: Element, name: str) -> list[JSONValue]:
    return [
        {"valueName": _text(pair, "valueName"), "value": _text(pair, "value")}
        for pair in element.findall(_q(name))
    ]


def _timestamp(value: str) -> str | None:
    try:
        return iso_utc(parse_timestamp(value)) if value else None
    except ValueError:
        return None
