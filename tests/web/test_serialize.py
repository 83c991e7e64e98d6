"""What the API says of a source: a private source's auth is how and where, never the secret."""

from __future__ import annotations

import json

import pytest

from dcc.records import Source, SourceAuth, SourceKind
from dcc.web.serialize import source_json


def test_a_private_source_shows_how_and_where_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCC_SOURCE_SECRET_WIRE", "t0ken-that-must-not-show")
    wire = Source(id="wire", kind=SourceKind.RSS, url="https://wire.example/rss",
                  auth=SourceAuth("bearer", "DCC_SOURCE_SECRET_WIRE"))  # fmt: skip
    shown = source_json(wire)
    assert shown["auth"] == {"scheme": "bearer", "secret_env": "DCC_SOURCE_SECRET_WIRE",
                             "header": "Authorization"}  # fmt: skip
    assert "t0ken" not in json.dumps(shown)
    public = source_json(Source(id="open", kind=SourceKind.RSS, url="https://open.example/rss"))
    assert public["auth"] is None
