"""Tests for `Fetcher` against a real HTTP server on 127.0.0.1 (no internet needed)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dcc.errors import FetchRefusedError, SourceError
from dcc.ingest.fetch import (
    Fetcher,
    fetch_file,
    format_size,
    read_file_limited,
    retry_after_s,
)
from dcc.settings import Settings

pytestmark = pytest.mark.network

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
HUGE_BYTES = 100 * 1024 * 1024
ZEROS = bytes(64 * 1024)


@dataclass
class ServerState:
    """What the server saw, for assertions; shared with the handler threads."""

    hits: Counter[str] = field(default_factory=Counter)
    host_headers: list[str] = field(default_factory=list)
    # (path, Authorization, X-Api-Key) of each request to /private
    credentials_seen: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)
    huge_sent: int = 0
    is_huge_aborted: bool = False
    huge_done: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def make_handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # a stuck client cannot hold a server thread past the test

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            state.hits[parts.path] += 1
            route = getattr(self, "route_" + parts.path.strip("/").replace("-", "_"), None)
            if route is None:
                self.reply(404, b"not found")
            else:
                route(query)

        def route_feed(self, query: dict[str, str]) -> None:
            state.host_headers.append(self.headers.get("Host", ""))
            self.reply(200, FEED, Content_Type="application/rss+xml")

        def route_cond(self, query: dict[str, str]) -> None:
            if (
                self.headers.get("If-None-Match") == ETAG
                or self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self.reply(304, ETag=ETAG)
            else:
                self.reply(200, FEED, ETag=ETAG, Last_Modified=LAST_MODIFIED)

        def route_huge(self, query: dict[str, str]) -> None:
            self.send_response(200)
            if "nolength" in query:
                self.close_connection = True  # the body runs until the connection closes
            else:
                self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            try:
                # Written lazily, 64 KiB at a time: nothing here holds 100 MB either.
                while state.huge_sent < HUGE_BYTES:
                    self.wfile.write(ZEROS)
                    state.huge_sent += len(ZEROS)
            except OSError:
                state.is_huge_aborted = True
            finally:
                state.huge_done.set()

        def route_slow(self, query: dict[str, str]) -> None:
            state.release.wait(timeout=5)
            with contextlib.suppress(OSError):  # the client gave up long ago
                self.reply(200, b"late")

        def route_private(self, query: dict[str, str]) -> None:
            state.credentials_seen.append(
                (self.headers.get("Host", ""), self.headers.get("Authorization"),
                 self.headers.get("X-Api-Key"))
            )  # fmt: skip
            if self.headers.get("Authorization") == "Bearer t0ken":
                self.reply(200, FEED, Content_Type="application/rss+xml")
            else:
                self.reply(401, b"who are you?")

        def route_redirect(self, query: dict[str, str]) -> None:
            self.reply(302, Location=query["to"])

        def route_loop(self, query: dict[str, str]) -> None:
            self.reply(302, Location="/loop")

        def route_flaky(self, query: dict[str, str]) -> None:
            if state.hits["/flaky"] <= int(query["fail"]):
                extra = {"Retry_After": query["retry_after"]} if "retry_after" in query else {}
                self.reply(503, b"busy", **extra)
            else:
                self.reply(200, b"ok")

        def route_status(self, query: dict[str, str]) -> None:
            self.reply(int(query["code"]))

        def route_ratelimited(self, query: dict[str, str]) -> None:
            self.reply(429, b"slow down", Retry_After="3600")

        def route_stamp(self, query: dict[str, str]) -> None:
            state.stamps.append(time.monotonic())
            self.reply(200, b"stamped")

    return Handler


@dataclass
class Server:
    state: ServerState
    port: int

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = ServerState()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    httpd.daemon_threads = False  # server_close joins every handler: no socket outlives a test
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Server(state, httpd.server_address[1])
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@dataclass
class Sleeps:
    """An injected sleep: records each wait and returns at once."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def make_fetcher() -> AsyncIterator[Callable[..., Fetcher]]:
    fetchers: list[Fetcher] = []

    def make(*, sleep: Any = asyncio.sleep, resolver: Any = None, **settings: Any) -> Fetcher:
        defaults: dict[str, Any] = {
            "fetch_timeout_s": 5.0,
            "fetch_retries": 0,
            "fetch_host_delay_s": 0.0,
        }
        extra = {"resolver": resolver} if resolver else {}
        fetcher = Fetcher(Settings(**(defaults | settings)), sleep=sleep, **extra)
        fetchers.append(fetcher)
        return fetcher

    yield make
    for fetcher in fetchers:
        await fetcher.aclose()


class FakeDNS:
    """An injected resolver: fixed answers, and a record of what was asked."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        return self.answers[host]


async def test_fetch_returns_the_feed_when_private_is_allowed(server: Server, make_fetcher):
    result = await make_fetcher().fetch(server.url("/feed"), allow_private=True)
    assert result.status == 200
    assert result.content == FEED
    assert result.content_type == "application/rss+xml"
    assert result.final_url == result.url == server.url("/feed")
    assert not result.is_not_modified
    assert 0 <= result.elapsed_s < 5


async def test_loopback_is_refused_by_default_before_connecting(server: Server, make_fetcher):
    with pytest.raises(FetchRefusedError) as caught:
        await make_fetcher().fetch(server.url("/feed"))
    message = str(caught.value)
    assert f"refused to fetch {server.url('/feed')}" in message
    assert "127.0.0.1 is not a public address (loopback)" in message
    assert "DCC_FETCH_ALLOWED_PRIVATE" in message
    assert server.state.hits["/feed"] == 0


async def test_a_name_resolving_to_loopback_is_refused(server: Server, make_fetcher):
    with pytest.raises(FetchRefusedError, match="host localhost resolves to"):
        await make_fetcher().fetch(server.url("/feed", host="localhost"))
    assert server.state.hits["/feed"] == 0


@pytest.mark.parametrize("host", ["[::1]", "2130706433", "0x7f.0.0.1", "127.1"])
async def test_loopback_in_other_spellings_is_refused(host: str, server: Server, make_fetcher):
    # Numeric spellings reach the resolver, whose answer (127.0.0.1 or ::1) is what is checked.
    with pytest.raises(FetchRefusedError, match=r"not a public address \(loopback\)"):
        await make_fetcher().fetch(server.url("/feed", host=host))
    assert server.state.hits["/feed"] == 0


async def test_other_3xx_statuses_are_errors(server: Server, make_fetcher):
    with pytest.raises(SourceError, match=r"^HTTP 300 fetching http://127\.0\.0\.1:\d+/status"):
        await make_fetcher().fetch(server.url("/status?code=300"), allow_private=True)


async def test_allowed_private_setting_admits_a_cidr(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_allowed_private=["127.0.0.1/32"])
    assert (await fetcher.fetch(server.url("/feed"))).content == FEED


async def test_redirect_from_allowed_host_to_another_loopback_is_refused(
    server: Server, make_fetcher
):
    fetcher = make_fetcher(fetch_allowed_private=["127.0.0.1/32"])
    target = f"http://127.0.0.2:{server.port}/feed"
    with pytest.raises(FetchRefusedError) as caught:
        await fetcher.fetch(server.url(f"/redirect?to={target}"))
    message = str(caught.value)
    assert f"refused to fetch {target} (redirected from" in message
    assert "127.0.0.2 is not a public address (loopback)" in message


async def test_redirect_to_cloud_metadata_is_refused(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_allowed_private=["127.0.0.1/32"])
    target = "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(FetchRefusedError, match=r"\(link-local\)"):
        await fetcher.fetch(server.url(f"/redirect?to={target}"))


async def test_redirect_from_an_allowed_name_to_an_ip_literal_is_refused(
    server: Server, make_fetcher
):
    fetcher = make_fetcher(fetch_allowed_private=["localhost"])
    # The name itself is allowed (and connects even if ::1 is tried first and refused) ...
    assert (await fetcher.fetch(server.url("/feed", host="localhost"))).content == FEED
    # ... but the address it resolves to is not allowed under another name.
    redirect = server.url(f"/redirect?to={server.url('/feed')}", host="localhost")
    with pytest.raises(FetchRefusedError, match=r"127\.0\.0\.1 is not a public address"):
        await fetcher.fetch(redirect)


async def test_redirect_to_a_file_url_is_refused(server: Server, make_fetcher):
    with pytest.raises(FetchRefusedError, match="file scheme, only http and https"):
        await make_fetcher().fetch(
            server.url("/redirect?to=file:///etc/passwd"), allow_private=True
        )


async def test_relative_redirects_are_followed(server: Server, make_fetcher):
    result = await make_fetcher().fetch(server.url("/redirect?to=/feed"), allow_private=True)
    assert result.final_url == server.url("/feed")
    assert result.content == FEED


BEARER = {"Authorization": "Bearer t0ken"}


async def test_credentials_reach_the_source_and_its_own_origin(server: Server, make_fetcher):
    fetcher = make_fetcher()
    result = await fetcher.fetch(server.url("/private"), allow_private=True, credentials=BEARER)
    assert result.content == FEED
    # A redirect within the origin keeps them.
    moved = server.url("/redirect?to=/private")
    assert (await fetcher.fetch(moved, allow_private=True, credentials=BEARER)).content == FEED
    assert [auth for _, auth, _ in server.state.credentials_seen] == ["Bearer t0ken"] * 2
    # Without them the server says who-are-you, and the error shows no header.
    with pytest.raises(SourceError, match="HTTP 401"):
        await fetcher.fetch(server.url("/private"), allow_private=True)


async def test_a_redirect_to_another_origin_goes_without_credentials(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_allowed_private=["127.0.0.1/32", "localhost"])
    elsewhere = server.url("/private", host="localhost")  # another host: another origin
    with pytest.raises(SourceError, match="HTTP 401"):
        await fetcher.fetch(
            server.url(f"/redirect?to={elsewhere}"),
            credentials=BEARER | {"X-Api-Key": "k3y"},
        )
    assert server.state.credentials_seen == [(f"localhost:{server.port}", None, None)]


async def test_redirect_loops_stop(server: Server, make_fetcher):
    with pytest.raises(SourceError, match="too many redirects"):
        await make_fetcher().fetch(server.url("/loop"), allow_private=True)
    assert server.state.hits["/loop"] == 6


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/feed", "gopher://127.0.0.1:70/", "data:,x"],
)
async def test_non_http_schemes_are_refused(url: str, make_fetcher):
    with pytest.raises(FetchRefusedError, match="only http and https"):
        await make_fetcher().fetch(url, allow_private=True)


async def test_dns_answers_are_checked_and_used_once(server: Server, make_fetcher):
    resolver = FakeDNS({"feeds.test": ["127.0.0.1"], "mixed.test": ["93.184.215.14", "10.0.0.1"]})
    fetcher = make_fetcher(resolver=resolver, fetch_allowed_private=["127.0.0.1/32"])
    result = await fetcher.fetch(f"http://feeds.test:{server.port}/feed")
    assert result.content == FEED
    # Resolved once, here; the request still names the host (and TLS would verify it).
    assert resolver.calls == ["feeds.test"]
    assert server.state.host_headers == [f"feeds.test:{server.port}"]
    with pytest.raises(
        FetchRefusedError,
        match=r"host mixed\.test resolves to 10\.0\.0\.1, not a public address \(private\)",
    ):
        await fetcher.fetch(f"http://mixed.test:{server.port}/feed")


async def test_connect_falls_back_to_the_next_address(server: Server, make_fetcher):
    # Nothing listens on 127.0.0.2, so the first answer is refused by the kernel.
    resolver = FakeDNS({"two.test": ["127.0.0.2", "127.0.0.1"]})
    fetcher = make_fetcher(resolver=resolver, fetch_allowed_private=["127.0.0.0/8"])
    assert (await fetcher.fetch(f"http://two.test:{server.port}/feed")).content == FEED


async def test_declared_oversized_body_is_refused_unread(server: Server, make_fetcher):
    fetcher = make_fetcher()  # the default 20 MiB limit
    with pytest.raises(FetchRefusedError) as caught:
        await fetcher.fetch(server.url("/huge"), allow_private=True)
    assert str(caught.value) == (
        f"response from {server.url('/huge')} exceeds 20 MiB limit (Content-Length {HUGE_BYTES})"
    )
    assert server.state.huge_done.wait(timeout=5)
    assert server.state.is_huge_aborted
    assert server.state.huge_sent < HUGE_BYTES // 4


async def test_streamed_oversized_body_is_refused_early(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_max_bytes=1024 * 1024)
    with pytest.raises(FetchRefusedError, match=r"/huge\?nolength=\*\*\* exceeds 1 MiB limit$"):
        await fetcher.fetch(server.url("/huge?nolength=1"), allow_private=True)
    assert server.state.huge_done.wait(timeout=5)
    assert server.state.is_huge_aborted
    assert server.state.huge_sent < HUGE_BYTES // 4


async def test_a_slow_server_times_out_quickly(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"^timed out after 0\.3 s fetching http://"):
        await fetcher.fetch(server.url("/slow"), allow_private=True)
    assert time.monotonic() - started < 2


async def test_server_errors_are_retried_with_backoff(server: Server, make_fetcher):
    sleeps = Sleeps()
    fetcher = make_fetcher(fetch_retries=2, sleep=sleeps)
    result = await fetcher.fetch(server.url("/flaky?fail=2"), allow_private=True)
    assert result.content == b"ok"
    assert server.state.hits["/flaky"] == 3
    first, second = sleeps.waits
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


async def test_retry_after_is_honoured(server: Server, make_fetcher):
    sleeps = Sleeps()
    fetcher = make_fetcher(fetch_retries=2, sleep=sleeps)
    await fetcher.fetch(server.url("/flaky?fail=1&retry_after=7"), allow_private=True)
    assert sleeps.waits == [7.0]


async def test_a_long_retry_after_is_not_waited_for(server: Server, make_fetcher):
    sleeps = Sleeps()
    fetcher = make_fetcher(fetch_retries=2, sleep=sleeps)
    with pytest.raises(SourceError, match=r"HTTP 429 .* asks to retry after 3600 s"):
        await fetcher.fetch(server.url("/ratelimited"), allow_private=True)
    assert sleeps.waits == []


async def test_retries_run_out_with_the_status_in_the_error(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_retries=1, sleep=Sleeps())
    with pytest.raises(SourceError, match=r"^HTTP 503 fetching http://127\.0\.0\.1:\d+/flaky"):
        await fetcher.fetch(server.url("/flaky?fail=9"), allow_private=True)
    assert server.state.hits["/flaky"] == 2


async def test_client_errors_are_not_retried_and_tokens_not_shown(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_retries=2, sleep=Sleeps())
    with pytest.raises(SourceError, match="HTTP 404") as caught:
        await fetcher.fetch(server.url("/missing?token=s3cret"), allow_private=True)
    assert "s3cret" not in str(caught.value)
    assert server.state.hits["/missing"] == 1


async def test_connection_errors_are_retried(make_fetcher):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    sleeps = Sleeps()
    fetcher = make_fetcher(fetch_retries=1, sleep=sleeps)
    with pytest.raises(SourceError, match=r"^cannot fetch http://127\.0\.0\.1:\d+/: ConnectError"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/", allow_private=True)
    assert len(sleeps.waits) == 1


async def test_conditional_get_reports_not_modified(server: Server, make_fetcher):
    fetcher = make_fetcher()
    first = await fetcher.fetch(server.url("/cond"), allow_private=True)
    assert (first.etag, first.last_modified) == (ETAG, LAST_MODIFIED)
    by_etag = await fetcher.fetch(server.url("/cond"), etag=first.etag, allow_private=True)
    assert by_etag.is_not_modified
    assert (by_etag.status, by_etag.content) == (304, b"")
    assert (by_etag.etag, by_etag.last_modified) == (ETAG, None)
    by_date = await fetcher.fetch(
        server.url("/cond"), last_modified=LAST_MODIFIED, allow_private=True
    )
    assert by_date.is_not_modified
    assert by_date.last_modified == LAST_MODIFIED


async def test_requests_to_one_host_are_spaced(server: Server, make_fetcher):
    fetcher = make_fetcher(fetch_host_delay_s=0.2)
    url = server.url("/stamp")
    await asyncio.gather(*(fetcher.fetch(url, allow_private=True) for _ in range(3)))
    first, second, third = server.state.stamps
    # The fetcher spaces the requests it sends; the server stamps them when its handler runs,
    # which a busy machine delays by a varying few tens of milliseconds: allow for that jitter
    # on each gap, while the whole span still shows both delays.
    assert second - first >= 0.12
    assert third - second >= 0.12
    assert third - first >= 0.36


def test_read_file_limited_reads_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    assert read_file_limited(path, max_bytes=len(FEED)) == FEED
    assert fetch_file is read_file_limited
    with pytest.raises(FetchRefusedError, match=r"feed\.xml exceeds 10 bytes limit"):
        read_file_limited(path, max_bytes=10)
    with pytest.raises(SourceError, match=r"cannot read .*missing\.xml: No such file"):
        read_file_limited(tmp_path / "missing.xml", max_bytes=10)


def test_read_file_limited_stops_on_endless_files() -> None:
    with pytest.raises(FetchRefusedError, match="exceeds 1 MiB limit"):
        read_file_limited(Path("/dev/zero"), max_bytes=1024 * 1024)


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert retry_after_s("120") == 120.0
    assert retry_after_s(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after_s(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert retry_after_s("soon") is None
    assert retry_after_s(None) is None


def test_format_size() -> None:
    assert format_size(20 * 1024 * 1024) == "20 MiB"
    assert format_size(512 * 1024) == "512 KiB"
    assert format_size(1000) == "1000 bytes"
