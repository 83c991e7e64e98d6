"""Fetching sources over HTTP(S): polite, bounded, SSRF-guarded (DESIGN §2 and §5).

One `Fetcher` per process shares its connection pools. Each fetch:
- refuses non-http(s) URLs and, at connection time, non-public addresses (`netguard`), on
  every redirect hop, which is followed here (at most `MAX_REDIRECTS`) so each is checked;
- waits its turn per host: one request at a time, starts at least `fetch_host_delay_s` apart;
- bounds each attempt to `fetch_timeout_s` in total, so a server dripping bytes cannot hold a
  worker, and the body to `fetch_max_bytes`, refused before or while streaming, never read;
- retries connection errors, timeouts, 429 and 5xx with exponential backoff and jitter;
- sends If-None-Match / If-Modified-Since and reports a 304 as `is_not_modified`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType

import httpx

from dcc.errors import FetchRefusedError, SourceError
from dcc.ingest.netguard import (
    AddressPolicy,
    AddressRefusedError,
    GuardedTransport,
    Resolver,
    check_url,
    redact_url,
    resolve_host,
)
from dcc.ingest.source_auth import origin_of
from dcc.settings import Settings, get_settings

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The first retry waits about BACKOFF_BASE_S, each later one twice as long, up to the cap.
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
# A server asking for a longer pause than this is not retried now: the next scheduled poll
# is the polite retry, and a worker is not held for minutes.
RETRY_AFTER_MAX_S = 60.0
_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """What one fetch returned; `content` is empty when `is_not_modified` (HTTP 304)."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    is_not_modified: bool
    elapsed_s: float


@dataclass(frozen=True)
class _Reply:
    """One HTTP exchange after its body was read (or skipped) within the limits."""

    url: httpx.URL
    status: int
    headers: httpx.Headers
    content: bytes


@dataclass
class _HostSlot:
    """Politeness state for one host: who holds it and when its last request started."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None


def format_size(n_bytes: int) -> str:
    """Say a byte count the way limits are set: '20 MiB', '512 KiB' or '1000 bytes'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size and n_bytes % size == 0:
            return f"{n_bytes // size} {unit}"
    return f"{n_bytes} bytes"


def read_file_limited(path: Path, max_bytes: int) -> bytes:
    """Read a local file, refusing it once it passes `max_bytes` (read in chunks, not whole)."""
    chunks: list[bytes] = []
    total = 0
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit at most: /dev/zero or a growing log cannot fill memory.
            while chunk := handle.read(min(_CHUNK_BYTES, max_bytes + 1 - total)):
                total += len(chunk)
                if total > max_bytes:
                    raise FetchRefusedError(f"file {path} exceeds {format_size(max_bytes)} limit")
                chunks.append(chunk)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return b"".join(chunks)


# The name the fetch issue gave it; `read_file_limited` is what `ingest/local.py` imports.
fetch_file = read_file_limited


def retry_after_s(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(tz=UTC))).total_seconds())


class Fetcher:
    """Fetches http(s) URLs for sources; use `async with Fetcher(settings) as fetcher`.

    `sleep`, `clock`, `rng` and `resolver` are injectable so tests neither wait nor need DNS.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        resolver: Resolver = resolve_host,
    ) -> None:
        settings = settings or get_settings()
        self.timeout_s = settings.fetch_timeout_s
        self.max_bytes = settings.fetch_max_bytes
        self.retries = max(0, settings.fetch_retries)
        self.host_delay_s = settings.fetch_host_delay_s
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret
        self._hosts: dict[str, _HostSlot] = {}
        policy = AddressPolicy.from_entries(settings.fetch_allowed_private)
        # Loading the CA bundle takes ~50 ms, so both pools share one context.
        ssl_context = httpx.create_ssl_context()
        # Two pools, never one: a keep-alive connection opened for a source allowed to reach
        # an intranet host must not be reused by a fetch that is not allowed to.
        self._client = _make_client(
            settings, GuardedTransport(policy, resolver=resolver, ssl_context=ssl_context)
        )
        self._private_client = _make_client(
            settings,
            GuardedTransport(policy.allowing_private(), resolver=resolver, ssl_context=ssl_context),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close both connection pools."""
        await self._client.aclose()
        await self._private_client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        allow_private: bool = False,
        credentials: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET `url` within the limits, following redirects; raise `SourceError` on failure.

        `FetchRefusedError` (a `SourceError`) says the URL, an address or the size was refused.
        `credentials` (a private source's headers: ingest/source_auth) go only to `url`'s own
        origin: a redirect to another scheme, host or port is followed without them.
        """
        started = self._clock()
        current = check_url(url)
        client = self._private_client if allow_private else self._client
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        origin = origin_of(str(current))
        for hop in range(MAX_REDIRECTS + 1):
            sent = headers
            if credentials and origin_of(str(current)) == origin:
                sent = headers | dict(credentials)
            try:
                reply = await self._send_with_retries(client, current, sent)
            except AddressRefusedError as exc:
                via = f" (redirected from {redact_url(url)})" if hop else ""
                raise FetchRefusedError(
                    f"refused to fetch {redact_url(current)}{via}: {exc}; allow it with the "
                    "source's allow_private or DCC_FETCH_ALLOWED_PRIVATE"
                ) from exc
            if reply.status not in REDIRECT_STATUSES:
                break
            current = self._redirect_target(reply)
        else:
            raise SourceError(
                f"too many redirects (more than {MAX_REDIRECTS}) fetching {redact_url(url)}"
            )
        if 300 <= reply.status < 400 and reply.status != 304:
            # 300, 305, 306: nothing a feed reader can follow, and not content either.
            raise SourceError(f"HTTP {reply.status} fetching {redact_url(reply.url)}")
        return FetchResult(
            url=url,
            final_url=str(reply.url),
            status=reply.status,
            content=reply.content,
            content_type=reply.headers.get("Content-Type"),
            etag=reply.headers.get("ETag") or (etag if reply.status == 304 else None),
            last_modified=reply.headers.get("Last-Modified")
            or (last_modified if reply.status == 304 else None),
            is_not_modified=reply.status == 304,
            elapsed_s=self._clock() - started,
        )

    @staticmethod
    def _redirect_target(reply: _Reply) -> httpx.URL:
        location = reply.headers.get("Location")
        shown = redact_url(reply.url)
        if not location:
            raise SourceError(f"HTTP {reply.status} redirect without a Location from {shown}")
        try:
            target = reply.url.join(location)
        except httpx.InvalidURL as exc:
            raise SourceError(f"invalid redirect Location from {shown}: {exc}") from exc
        try:
            return check_url(target)
        except FetchRefusedError as exc:
            raise FetchRefusedError(f"redirect from {shown} {exc}") from exc

    async def _send_with_retries(
        self, client: httpx.AsyncClient, url: httpx.URL, headers: dict[str, str]
    ) -> _Reply:
        shown = redact_url(url)
        for attempt in range(self.retries + 1):
            is_last = attempt == self.retries
            try:
                reply = await self._send_once(client, url, headers)
            except (TimeoutError, httpx.TimeoutException) as exc:
                # asyncio's total bound or one of httpx's connect/read/write bounds.
                error = SourceError(f"timed out after {self.timeout_s:g} s fetching {shown}")
                error.__cause__ = exc
            except httpx.NetworkError as exc:
                error = SourceError(f"cannot fetch {shown}: {_describe(exc)}")
                error.__cause__ = exc
            except httpx.HTTPError as exc:
                # A malformed response or protocol error: the same server will answer the same.
                raise SourceError(f"cannot fetch {shown}: {_describe(exc)}") from exc
            else:
                if reply.status < 400:
                    return reply
                error = SourceError(f"HTTP {reply.status} fetching {shown}")
                if reply.status != 429 and reply.status < 500:
                    raise error
                wait = retry_after_s(reply.headers.get("Retry-After"))
                if wait is not None and wait > RETRY_AFTER_MAX_S and not is_last:
                    raise SourceError(
                        f"HTTP {reply.status} fetching {shown}; the server asks to retry after "
                        f"{wait:g} s"
                    )
                if wait is not None and not is_last:
                    logger.info("retrying %s in %.1f s (Retry-After)", shown, wait)
                    await self._sleep(wait)
                    continue
            if is_last:
                raise error
            delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempt) * self._rng.uniform(0.5, 1.0)
            logger.info("retrying %s in %.1f s after: %s", shown, delay, error)
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send_once(
        self, client: httpx.AsyncClient, url: httpx.URL, headers: dict[str, str]
    ) -> _Reply:
        async with self._host_turn(url.host):
            # The total bound starts once this host is ours: queueing is not the server's fault.
            async with asyncio.timeout(self.timeout_s):
                request = client.build_request("GET", url, headers=headers)
                response = await client.send(request, stream=True)
                try:
                    content = b""
                    if response.status_code < 300:
                        content = await self._read_body(response)
                    return _Reply(url, response.status_code, response.headers, content)
                finally:
                    # Unread bodies (redirects, errors, refusals) close the connection here.
                    await response.aclose()

    async def _read_body(self, response: httpx.Response) -> bytes:
        shown = redact_url(response.request.url)
        limit = format_size(self.max_bytes)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchRefusedError(
                f"response from {shown} exceeds {limit} limit (Content-Length {declared})"
            )
        chunks: list[bytes] = []
        total = 0
        # Decoded bytes are counted: they are what would fill memory. A compressed chunk can
        # inflate to ~1000x before the check sees it, bounded by the chunk size.
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise FetchRefusedError(f"response from {shown} exceeds {limit} limit")
            chunks.append(chunk)
        return b"".join(chunks)

    @asynccontextmanager
    async def _host_turn(self, host: str) -> AsyncIterator[None]:
        """Hold `host` for one request, starting it at least `host_delay_s` after the last."""
        slot = self._hosts.setdefault(host, _HostSlot())
        async with slot.lock:
            if slot.last_start is not None:
                wait = slot.last_start + self.host_delay_s - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            slot.last_start = self._clock()
            yield


def _make_client(settings: Settings, transport: GuardedTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.fetch_timeout_s),
        headers={"User-Agent": settings.fetch_user_agent},
        follow_redirects=False,  # followed in `fetch`, so every hop is checked
        trust_env=False,  # an environment proxy would resolve names past the guard
    )


def _describe(exc: httpx.HTTPError) -> str:
    """Name an httpx error for a message; some (timeouts) carry no text of their own."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
