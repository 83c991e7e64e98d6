"""Source definitions in TOML: read, validate and write (`[[source]]` tables).

The file is the administrator's record of sources (kept in version control on a watch floor);
the database holds the same definitions plus health. `dcc sources add|remove` write both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from dcc.errors import SourceConfigError
from dcc.ingest.source_auth import auth_from_mapping, auth_to_mapping, check_auth_url
from dcc.records import Source, SourceKind

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_FIELDS = {
    "id",
    "kind",
    "url",
    "name",
    "lang",
    "country",
    "tags",
    "interval_s",
    "allow_private",
    "enabled",
    "mapping",
    "auth",
}


def source_from_mapping(data: Mapping[str, Any], *, where: str = "source") -> Source:
    """Validate one source definition; raise SourceConfigError naming the bad field."""
    unknown = set(data) - _FIELDS
    if unknown:
        raise SourceConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    source_id = str(data.get("id", "")).strip()
    if not _ID_PATTERN.match(source_id):
        raise SourceConfigError(
            f"{where}: id {source_id!r} must be 1-100 lowercase letters, digits, '.', '_' or '-'"
        )
    try:
        kind = SourceKind(str(data.get("kind", "")))
    except ValueError:
        kinds = ", ".join(k.value for k in SourceKind)
        raise SourceConfigError(
            f"{where} {source_id}: kind {data.get('kind')!r} is not one of {kinds}"
        ) from None
    url = str(data.get("url", "")).strip()
    if not url:
        raise SourceConfigError(f"{where} {source_id}: url is required")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme and scheme not in ("http", "https"):
        raise SourceConfigError(
            f"{where} {source_id}: url {url!r} must be http(s) or a local file path"
        )
    country = data.get("country")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", str(country)):
        raise SourceConfigError(
            f"{where} {source_id}: country {country!r} must be an ISO 3166-1 alpha-2 code"
        )
    interval = data.get("interval_s", 900)
    if not isinstance(interval, int) or interval < 60:
        raise SourceConfigError(
            f"{where} {source_id}: interval_s {interval!r} must be an integer ≥ 60"
        )
    mapping = data.get("mapping", {})
    if not isinstance(mapping, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise SourceConfigError(f"{where} {source_id}: mapping must map field names to columns")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise SourceConfigError(f"{where} {source_id}: tags must be a list of strings")
    auth = None
    if "auth" in data:
        auth = auth_from_mapping(data["auth"], where=f"{where} {source_id}")
        check_auth_url(
            url,
            is_private_allowed=bool(data.get("allow_private", False)),
            where=f"{where} {source_id}",
        )
    return Source(
        id=source_id,
        kind=kind,
        url=url,
        name=str(data.get("name", "")) or source_id,
        lang=data.get("lang"),
        country=country,
        tags=tuple(tags),
        interval_s=interval,
        is_private_allowed=bool(data.get("allow_private", False)),
        is_enabled=bool(data.get("enabled", True)),
        mapping=dict(mapping),
        auth=auth,
    )


def source_to_mapping(source: Source) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": source.id,
        "kind": source.kind.value,
        "url": source.url,
        "name": source.name,
    }
    if source.lang:
        data["lang"] = source.lang
    if source.country:
        data["country"] = source.country
    if source.tags:
        data["tags"] = list(source.tags)
    if source.interval_s != 900:
        data["interval_s"] = source.interval_s
    if source.is_private_allowed:
        data["allow_private"] = True
    if not source.is_enabled:
        data["enabled"] = False
    if source.mapping:
        data["mapping"] = dict(source.mapping)
    if source.auth is not None:
        data["auth"] = auth_to_mapping(source.auth)
    return data


def read_sources_file(path: Path) -> list[Source]:
    """All sources in a TOML file; raise SourceConfigError for any invalid one or duplicate."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceConfigError(f"sources file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceConfigError(f"sources file {path} is not valid TOML: {exc}") from None
    entries = document.get("source", [])
    if not isinstance(entries, list):
        raise SourceConfigError(f"sources file {path}: use [[source]] tables")
    found: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        source = source_from_mapping(entry, where=f"{path.name} source #{index}")
        if source.id in seen:
            raise SourceConfigError(f"{path.name}: source id {source.id!r} appears twice")
        seen.add(source.id)
        found.append(source)
    return found


def write_sources_file(path: Path, sources: Iterable[Source]) -> None:
    """Write sources atomically (a crash never leaves a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = tomli_w.dumps({"source": [source_to_mapping(s) for s in sources]})
    header = "# DCC sources: edit here or with `dcc sources add|remove`.\n\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(path)
