"""Source definitions in TOML: validation with reasons, round trip, the default list."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcc.errors import SourceConfigError
from dcc.ingest.source_config import (
    read_sources_file,
    source_from_mapping,
    write_sources_file,
)
from dcc.records import Source, SourceAuth, SourceKind
from dcc.settings import DEFAULT_SOURCES_FILE


def test_default_sources_are_valid_real_feeds() -> None:
    sources = read_sources_file(DEFAULT_SOURCES_FILE)
    assert len(sources) >= 12
    assert all(s.url.startswith("https://") and s.lang for s in sources)
    kinds = {s.kind for s in sources}
    assert {SourceKind.RSS, SourceKind.GEOJSON} <= kinds
    tags = {t for s in sources for t in s.tags}
    assert {"indonesia", "disaster", "official"} <= tags
    assert any(s.lang == "id" for s in sources) and any(s.lang == "en" for s in sources)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "Bad Id", "kind": "rss", "url": "x"}, "lowercase"),
        ({"id": "a", "kind": "telegram", "url": "x"}, "not one of"),
        ({"id": "a", "kind": "rss"}, "url is required"),
        ({"id": "a", "kind": "rss", "url": "ftp://x.example/feed"}, "http"),
        ({"id": "a", "kind": "rss", "url": "file:///etc/passwd"}, "http"),
        ({"id": "a", "kind": "rss", "url": "x", "country": "IDN"}, "alpha-2"),
        ({"id": "a", "kind": "rss", "url": "x", "interval_s": 5}, "≥ 60"),
        ({"id": "a", "kind": "rss", "url": "x", "colour": "red"}, "unknown field"),
        ({"id": "a", "kind": "csv", "url": "x", "mapping": {"id": 3}}, "mapping"),
    ],
)
def test_invalid_definitions_name_the_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(SourceConfigError, match=message):
        source_from_mapping(data)


def test_round_trip(tmp_path: Path) -> None:
    sources = [
        Source(
            id="a",
            kind=SourceKind.CSV,
            url="/data/a.csv",
            name="A",
            lang="id",
            country="ID",
            tags=("x",),
            interval_s=120,
            is_private_allowed=True,
            is_enabled=False,
            mapping={"id": "tweet id", "text": "tweet"},
        ),
        Source(id="b", kind=SourceKind.RSS, url="https://b.example/rss", name="b"),
        Source(
            id="c",
            kind=SourceKind.RSS,
            url="https://c.example/premium/rss",
            name="c",
            auth=SourceAuth(scheme="header", secret_env="DCC_SOURCE_SECRET_C", header="X-Api-Key"),
        ),
    ]
    path = tmp_path / "s.toml"
    write_sources_file(path, sources)
    assert read_sources_file(path) == sources


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="does not exist"):
        read_sources_file(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[source]\nid=", encoding="utf-8")
    with pytest.raises(SourceConfigError, match="not valid TOML"):
        read_sources_file(broken)
    twice = tmp_path / "twice.toml"
    twice.write_text('[[source]]\nid="a"\nkind="rss"\nurl="u"\n' * 2, encoding="utf-8")
    with pytest.raises(SourceConfigError, match="appears twice"):
        read_sources_file(twice)
