"""Tests for the SSRF guard: address kinds, allow policies, URL checks, the network backend."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

import httpcore
import pytest

from dcc.errors import FetchRefusedError, SourceConfigError
from dcc.ingest.netguard import (
    AddressPolicy,
    AddressRefusedError,
    GuardedNetworkBackend,
    address_kind,
    check_url,
    is_public_address,
    redact_url,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("127.0.0.1", "loopback"),
        ("127.255.0.2", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.254", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.0.9", "special-purpose"),
        ("198.18.0.1", "special-purpose"),
        ("192.0.2.1", "documentation"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fe80::1%1", "link-local"),
        ("fec0::1", "site-local"),
        ("fc00::1", "unique local"),
        ("fd12:3456::1", "unique local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("2001::1", "special-purpose"),
        ("100::1", "special-purpose"),
        ("4000::1", "reserved"),
        ("::127.0.0.1", "reserved"),
        ("5f00::1", "reserved"),
        # IPv6 wrappers are judged by the IPv4 host they reach.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:c0a8:101::1", "private"),
    ],
)
def test_non_public_addresses_are_named(address: str, kind: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.1",
        "2001:4860:4860::8888",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) is None
    assert is_public_address(address)


def test_policy_refuses_private_by_default_with_a_clear_reason() -> None:
    policy = AddressPolicy()
    assert policy.refusal("8.8.8.8", ipaddress.ip_address("8.8.8.8")) is None
    assert policy.refusal("127.0.0.1", ipaddress.ip_address("127.0.0.1")) == (
        "127.0.0.1 is not a public address (loopback)"
    )
    assert policy.refusal("intranet", ipaddress.ip_address("10.0.0.5")) == (
        "host intranet resolves to 10.0.0.5, not a public address (private)"
    )


def test_policy_allows_listed_networks_and_names_only() -> None:
    policy = AddressPolicy.from_entries(["10.20.0.0/16", "Feeds.Intranet.", " ", "fd00::/8"])
    assert policy.allowed_hosts == frozenset({"feeds.intranet"})
    assert policy.refusal("x", ipaddress.ip_address("10.20.3.4")) is None
    assert policy.refusal("x", ipaddress.ip_address("::ffff:10.20.3.4")) is None
    assert policy.refusal("x", ipaddress.ip_address("fd00::5")) is None
    assert policy.refusal("x", ipaddress.ip_address("10.21.0.1")) is not None
    assert policy.refusal("feeds.intranet", ipaddress.ip_address("10.99.0.1")) is None
    assert policy.refusal("FEEDS.intranet.", ipaddress.ip_address("192.168.0.1")) is None
    assert policy.refusal("other.intranet", ipaddress.ip_address("192.168.0.1")) is not None


def test_allow_private_allows_loopback_but_never_multicast_or_unspecified() -> None:
    policy = AddressPolicy().allowing_private()
    assert policy.refusal("127.0.0.1", ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal("169.254.169.254", ipaddress.ip_address("169.254.169.254")) is None
    assert policy.refusal("224.0.0.1", ipaddress.ip_address("224.0.0.1")) is not None
    assert policy.refusal("0.0.0.0", ipaddress.ip_address("0.0.0.0")) is not None
    assert AddressPolicy.from_entries(["0.0.0.0/0"]).refusal(
        "0.0.0.0", ipaddress.ip_address("0.0.0.0")
    ) == ("0.0.0.0 is not a public address (unspecified)")


@pytest.mark.parametrize("entry", ["http://intranet/", "10.0.0.0/33", "fe80::zz", "two words"])
def test_policy_rejects_malformed_entries(entry: str) -> None:
    with pytest.raises(SourceConfigError, match="fetch_allowed_private entry"):
        AddressPolicy.from_entries([entry])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "file scheme, only http and https"),
        ("ftp://example.org/feed", "ftp scheme"),
        ("gopher://example.org:70/", "gopher scheme"),
        ("javascript:alert(1)", "javascript scheme"),
        ("example.org/feed", "no scheme"),
        ("http:///feed", "no host"),
        ("https://user:secret@example.org/feed", "credentials in the URL"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_check_url_refuses_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(FetchRefusedError, match=reason) as caught:
        check_url(url)
    assert "secret" not in str(caught.value)


def test_check_url_accepts_http_and_https() -> None:
    assert check_url("https://Example.org/feed.xml?x=1").host == "example.org"
    assert check_url("http://[2001:db8::1]:8080/").port == 8080


def test_redact_url_masks_credentials_and_query_values() -> None:
    assert redact_url("https://u:p@example.org/feed?token=abc&lang=id#top") == (
        "https://***@example.org/feed?token=***&lang=***"
    )
    assert redact_url("https://example.org/feed") == "https://example.org/feed"
    assert redact_url("http://[::1/") == "<unparseable URL>"


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the socket layer: records where it was asked to connect."""

    def __init__(self, refuse: Iterable[str] = ()) -> None:
        self.calls: list[tuple[str, int]] = []
        self.refuse = set(refuse)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((host, port))
        if host in self.refuse:
            raise httpcore.ConnectError(f"connection to {host} refused")
        return httpcore.AsyncMockStream([])


class FakeDNS:
    """An injected resolver: fixed answers, and a record of what was asked."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise OSError(f"unknown host {host}")
        return self.answers[host]


async def test_backend_connects_to_the_checked_literal_not_the_name() -> None:
    inner = RecordingBackend()
    resolver = FakeDNS({"feeds.example": ["93.184.215.14"]})
    backend = GuardedNetworkBackend(AddressPolicy(), resolver=resolver, inner=inner)
    await backend.connect_tcp("feeds.example", 443)
    assert inner.calls == [("93.184.215.14", 443)]
    assert resolver.calls == ["feeds.example"]


async def test_backend_refuses_a_name_with_any_private_answer() -> None:
    # A name answering public and internal addresses is a rebinding trick: refuse it whole.
    inner = RecordingBackend()
    resolver = FakeDNS({"rebind.example": ["93.184.215.14", "169.254.169.254"]})
    backend = GuardedNetworkBackend(AddressPolicy(), resolver=resolver, inner=inner)
    with pytest.raises(AddressRefusedError, match=r"rebind\.example resolves to 169\.254"):
        await backend.connect_tcp("rebind.example", 80)
    assert inner.calls == []


async def test_backend_tries_the_next_address_when_one_fails() -> None:
    inner = RecordingBackend(refuse={"2606:4700::1111"})
    resolver = FakeDNS({"dual.example": ["2606:4700::1111", "1.1.1.1"]})
    backend = GuardedNetworkBackend(AddressPolicy(), resolver=resolver, inner=inner)
    await backend.connect_tcp("dual.example", 80)
    assert inner.calls == [("2606:4700::1111", 80), ("1.1.1.1", 80)]


async def test_backend_reports_resolution_failures_as_connect_errors() -> None:
    backend = GuardedNetworkBackend(AddressPolicy(), resolver=FakeDNS({}), inner=RecordingBackend())
    with pytest.raises(httpcore.ConnectError, match=r"cannot resolve nowhere\.invalid"):
        await backend.connect_tcp("nowhere.invalid", 80)


async def test_backend_refuses_unix_sockets() -> None:
    backend = GuardedNetworkBackend(AddressPolicy().allowing_private(), inner=RecordingBackend())
    with pytest.raises(AddressRefusedError, match="Unix socket"):
        await backend.connect_unix_socket("/var/run/docker.sock")
