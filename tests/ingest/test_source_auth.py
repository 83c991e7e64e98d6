"""Private sources' credentials: definitions, where they may go, the headers they make."""

from __future__ import annotations

import base64

import pytest

from dcc.errors import SourceConfigError, SourceError
from dcc.ingest.source_auth import (
    auth_from_mapping,
    check_auth_url,
    credential_headers,
    credentials_for,
    origin_of,
)
from dcc.ingest.source_config import source_from_mapping
from dcc.records import Source, SourceAuth, SourceKind

ENV, BASIC, KEY = "DCC_SOURCE_SECRET_X", "DCC_SOURCE_SECRET_BASIC", "DCC_SOURCE_SECRET_KEY"
BEARER = SourceAuth(scheme="bearer", secret_env="DCC_SOURCE_SECRET_WIRE")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("DCC_SECRET", "must be a table"),
        ({"scheme": "bearer", "token": "abc123"}, "a secret never goes in the sources file"),
        ({"scheme": "digest", "secret_env": ENV}, "not one of bearer, basic, header"),
        ({"scheme": "bearer", "secret_env": "lower_case"}, "must name an environment variable"),
        ({"scheme": "bearer"}, "must name an environment variable"),
        # Another setting (a database password, a signing key) can never be sent to a server.
        ({"scheme": "bearer", "secret_env": "DCC_DATABASE_URL"}, "only those may be sent"),
        ({"scheme": "bearer", "secret_env": "DCC_SOURCE_SECRET_"}, "must name"),
        ({"scheme": "header", "secret_env": ENV}, "needs a header name"),
        ({"scheme": "header", "secret_env": ENV, "header": "X Key"}, "needs a header"),
        ({"scheme": "header", "secret_env": ENV, "header": "Host"}, "cannot carry"),
        ({"scheme": "bearer", "secret_env": ENV, "header": "X-Key"}, "only for scheme"),
    ],
)
def test_bad_auth_tables_say_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(SourceConfigError, match=message):
        auth_from_mapping(data, where="sources.toml source #1 wire")


def test_a_header_scheme_keeps_its_header() -> None:
    auth = auth_from_mapping(
        {"scheme": "header", "secret_env": ENV, "header": "X-Api-Key"}, where="s"
    )
    assert auth == SourceAuth("header", ENV, "X-Api-Key")


@pytest.mark.parametrize(
    ("url", "allow_private", "message"),
    [
        ("https://wire.example/rss", False, None),
        ("http://intranet.kemlu.local/feed", True, None),
        ("http://wire.example/rss", False, "only over https"),
        ("/data/private.jsonl", False, "a local file takes no credentials"),
    ],
)
def test_credentials_go_only_over_https_or_to_an_intranet(
    url: str, allow_private: bool, message: str | None
) -> None:
    data = {"id": "wire", "kind": "rss", "url": url, "allow_private": allow_private,
            "auth": {"scheme": "bearer", "secret_env": "DCC_SOURCE_SECRET_WIRE"}}  # fmt: skip
    if message is None:
        assert source_from_mapping(data).auth == BEARER
        check_auth_url(url, is_private_allowed=allow_private, where="s")
    else:
        with pytest.raises(SourceConfigError, match=message):
            source_from_mapping(data)


def test_each_scheme_makes_its_header_from_the_environment() -> None:
    environ = {"DCC_SOURCE_SECRET_WIRE": " t0ken ", BASIC: "kemlu:pa:ss", KEY: "k3y"}
    assert credential_headers(BEARER, "wire", environ) == {"Authorization": "Bearer t0ken"}
    basic = credential_headers(SourceAuth("basic", BASIC), "wire", environ)
    assert basic == {"Authorization": "Basic " + base64.b64encode(b"kemlu:pa:ss").decode()}
    header = credential_headers(SourceAuth("header", KEY, "X-Api-Key"), "wire", environ)
    assert header == {"X-Api-Key": "k3y"}


def test_a_missing_or_unsendable_secret_is_named_never_shown() -> None:
    with pytest.raises(SourceError, match="needs its secret in the environment variable "
                       "DCC_SOURCE_SECRET_WIRE, which is not set") as caught:  # fmt: skip
        credential_headers(BEARER, "wire", {})
    assert "wire" in str(caught.value)
    with pytest.raises(SourceError, match="line break") as caught:
        credential_headers(BEARER, "wire", {"DCC_SOURCE_SECRET_WIRE": "abc\r\nX-Evil: 1"})
    assert "abc" not in str(caught.value)
    with pytest.raises(SourceError, match="user:password") as caught:
        credential_headers(SourceAuth("basic", BASIC), "wire", {BASIC: "s3cret"})
    assert "s3cret" not in str(caught.value)


def test_credentials_go_with_the_sources_own_origin_only() -> None:
    source = Source(id="wire", kind=SourceKind.CAP_INDEX, url="https://wire.example/cap/index",
                    auth=BEARER)  # fmt: skip
    environ = {"DCC_SOURCE_SECRET_WIRE": "t0ken"}
    assert credentials_for(source, "https://wire.example:443/cap/a.xml", environ)
    for elsewhere in ("https://cdn.example/cap/a.xml", "http://wire.example/cap/a.xml",
                      "https://wire.example:8443/cap/a.xml"):  # fmt: skip
        assert credentials_for(source, elsewhere, environ) is None
    public = Source(id="open", kind=SourceKind.RSS, url="https://wire.example/rss")
    assert credentials_for(public, public.url, environ) is None


def test_origins() -> None:
    assert origin_of("HTTPS://Wire.Example/x") == ("https", "wire.example", 443)
    assert origin_of("http://wire.example:8080/") == ("http", "wire.example", 8080)
    assert origin_of("http://wire.example:99999/")[2] == -1  # malformed: matches nothing
