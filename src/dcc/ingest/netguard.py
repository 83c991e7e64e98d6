"""SSRF guard for fetching: which URLs and addresses DCC may connect to (DESIGN §5).

Only http(s) URLs without credentials are fetched, and only public addresses are connected
to unless a source is explicitly allowed. The address check runs at connection time on the
resolved IP (`GuardedNetworkBackend`), so redirects and DNS rebinding cannot slip past it:
the host name is resolved once, every answer is checked, and the socket is opened to the
checked IP literal, never to the name again.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, replace
from socket import SOCK_STREAM
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import anyio
import httpcore
import httpx

from dcc.errors import FetchRefusedError, SourceConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Resolves (host, port) to IP address strings; injectable so tests can play DNS.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
# Never connectable, whatever a policy allows: 0.0.0.0 reaches the local host on Linux and
# multicast is not a place a feed lives.
ALWAYS_REFUSED_KINDS = frozenset({"unspecified", "multicast"})

# Checked before `is_global`, whose answers changed across 3.11 patch releases (gh-113171):
# on 3.11.7 it calls multicast and fec0::/10 "global". Order matters: first match names the kind.
_V4_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unspecified", ("0.0.0.0/8",)),
    ("loopback", ("127.0.0.0/8",)),
    ("link-local", ("169.254.0.0/16",)),
    ("multicast", ("224.0.0.0/4",)),
    ("shared (CGNAT)", ("100.64.0.0/10",)),
    ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    ("special-purpose", ("192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15")),
    ("documentation", ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")),
    ("reserved", ("240.0.0.0/4",)),
)
_V6_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unspecified", ("::/128",)),
    ("loopback", ("::1/128",)),
    ("link-local", ("fe80::/10",)),
    ("multicast", ("ff00::/8",)),
    ("site-local", ("fec0::/10",)),
    ("unique local", ("fc00::/7",)),
    ("documentation", ("2001:db8::/32", "3fff::/20")),
    ("special-purpose", ("2001::/23", "64:ff9b:1::/48", "100::/64")),
)
# NAT64 (RFC 6052): the last 32 bits are the IPv4 address the gateway connects to.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# All globally routed IPv6 unicast lies here; anything outside it is not a feed server.
_V6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _networks(table: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, IPNetwork]]:
    return [(kind, ipaddress.ip_network(cidr)) for kind, cidrs in table for cidr in cidrs]


_V4_NETWORKS = _networks(_V4_KINDS)
_V6_NETWORKS = _networks(_V6_KINDS)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), else None."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> str | None:
    """Name why `ip` is not public ("loopback", "private", ...), or None when it is public."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        # An IPv6 wrapper reaches the IPv4 host inside it, so that host decides.
        return address_kind(inner)
    for kind, network in _V4_NETWORKS if ip.version == 4 else _V6_NETWORKS:
        if ip in network:
            return kind
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _V6_GLOBAL_UNICAST:
        return "reserved"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "non-global"
    return None


def is_public_address(ip: IPAddress | str) -> bool:
    """True when `ip` is a globally routable unicast address a public feed may live at."""
    return address_kind(ipaddress.ip_address(ip) if isinstance(ip, str) else ip) is None


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses may be connected to: named hosts, CIDR ranges, or all."""

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()
    allow_private: bool = False

    @classmethod
    def from_entries(cls, entries: Iterable[str], *, allow_private: bool = False) -> AddressPolicy:
        """Build a policy from `fetch_allowed_private` entries: host names or CIDR ranges."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if "/" in entry or ":" in entry or " " in entry:
                raise SourceConfigError(
                    f"fetch_allowed_private entry {raw!r} is neither a host name nor a CIDR range"
                )
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks), allow_private)

    def allowing_private(self) -> AddressPolicy:
        """Return this policy with every non-public address allowed (a source's opt-in)."""
        return replace(self, allow_private=True)

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """Say why connecting to `ip` (resolved from `host`) is refused, or None if allowed."""
        kind = address_kind(ip)
        if kind is None:
            return None
        if kind not in ALWAYS_REFUSED_KINDS and self._is_allowed(host, ip):
            return None
        if host == str(ip):
            return f"{ip} is not a public address ({kind})"
        return f"host {host} resolves to {ip}, not a public address ({kind})"

    def _is_allowed(self, host: str, ip: IPAddress) -> bool:
        if self.allow_private or host.lower().rstrip(".") in self.allowed_hosts:
            return True
        candidates = [ip] if (inner := embedded_ipv4(ip)) is None else [ip, inner]
        return any(
            candidate in network
            for candidate in candidates
            for network in self.allowed_networks
            if candidate.version == network.version
        )


def check_url(url: str | httpx.URL) -> httpx.URL:
    """Parse `url` the way the request will, and refuse it unless it is plain http(s).

    Refused: other schemes (file:, ftp:, gopher:), a missing host, and credentials in the
    URL (they would be sent to whoever a redirect points at, and logged).
    """
    shown = redact_url(url)
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchRefusedError(f"refused to fetch {shown}: not a valid URL ({exc})") from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        scheme = parsed.scheme or "no"
        raise FetchRefusedError(
            f"refused to fetch {shown}: {scheme} scheme, only http and https are fetched"
        )
    if not parsed.host:
        raise FetchRefusedError(f"refused to fetch {shown}: the URL has no host")
    if parsed.userinfo:
        raise FetchRefusedError(f"refused to fetch {shown}: credentials in the URL")
    return parsed


def redact_url(url: str | httpx.URL) -> str:
    """Return `url` safe to log: credentials and query values masked, fragment dropped.

    >>> redact_url("https://u:p@example.org/feed?token=abc&lang=id#top")
    'https://***@example.org/feed?token=***&lang=***'
    """
    try:
        parts = urlsplit(str(url))
        netloc = parts.netloc
    except ValueError:
        return "<unparseable URL>"
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    # Any value may be a token (`?k=`, `?sig=`), so all are masked, keys kept for context.
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{key}=***" for key, _ in pairs) if pairs else parts.query and "***"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class AddressRefusedError(FetchRefusedError):
    """A connection was refused because the host resolves to a non-allowed address."""


async def resolve_host(host: str, port: int) -> list[str]:
    """Resolve `host` to its IP address strings, in the resolver's preferred order."""
    answers = await anyio.getaddrinfo(host, port, type=SOCK_STREAM)
    return list(dict.fromkeys(sockaddr[0] for *_, sockaddr in answers))


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses `policy` allows.

    The name is resolved here, every answer is checked (one bad answer refuses the host: a
    name that is half public, half internal is a rebinding trick), and the socket is opened
    to the checked literal. TLS still verifies the original host name, because httpcore
    passes the connection's origin host as the SNI and verification name.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver = resolve_host,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve `host`, refuse it unless every address is allowed, connect to one."""
        addresses = await self._resolve(host, port, timeout)
        for ip in addresses:
            reason = self._policy.refusal(host, ip)
            if reason is not None:
                raise AddressRefusedError(reason)
        last_error: httpcore.ConnectError | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                # Try the next address, as a resolver-ordered client would (IPv6 then IPv4).
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        try:
            with anyio.fail_after(timeout):
                answers = await self._resolver(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not answers:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        return [ipaddress.ip_address(answer) for answer in answers]

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refuse: a Unix socket is always local, so it is never a feed."""
        raise AddressRefusedError(f"refused to connect to Unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does (httpcore uses it between connect retries)."""
        await self._inner.sleep(seconds)


# httpcore errors as httpx raises them, most specific first, so callers see one family.
_ERROR_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_error, httpx_error in _ERROR_MAP:
            if isinstance(exc, core_error):
                raise httpx_error(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections all pass through `GuardedNetworkBackend`.

    It mirrors `httpx.AsyncHTTPTransport` (request and response mapping, error mapping) but
    owns its connection pool, because httpx offers no public way to set the network backend.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver = resolve_host,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(policy, resolver=resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` over a guarded connection; refuse non-http(s) schemes outright."""
        if request.url.scheme not in ALLOWED_SCHEMES:
            raise FetchRefusedError(
                f"refused to fetch {redact_url(request.url)}: {request.url.scheme} scheme"
            )
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("GuardedTransport needs an async request body")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=dict(request.extensions),
        )
        with _httpx_errors():
            core_response = await self._pool.handle_async_request(core_request)
        if not isinstance(core_response.stream, AsyncIterable):
            raise TypeError("httpcore returned a synchronous response body")
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()
