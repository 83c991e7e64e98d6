"""Credentials of private sources: subscription newswires, partner feeds, intranet portals.

A source's definition says how it authenticates and which environment variable holds the
secret; the secret itself is read from the environment of the process that fetches, when it
fetches. So it never enters the sources file (kept in version control), the database, the API,
a log line or an error message, and rotating it is a restart, not an edit.

    [[source]]
    id = "antara-premium"
    kind = "rss"
    url = "https://example.antaranews.com/premium/rss"
    auth = { scheme = "bearer", secret_env = "DCC_SOURCE_SECRET_ANTARA" }

Credentials travel only over https, or to an intranet host the source may reach
(`allow_private`), and only to the source's own origin: a redirect elsewhere is followed
without them (dcc.ingest.fetch), as browsers do.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from dcc.errors import SourceConfigError, SourceError
from dcc.records import Source, SourceAuth

SCHEMES = ("bearer", "basic", "header")
# Only variables of this family may be sent to a source: a sources file (or whoever edits it)
# must not be able to send another setting, the database URL or a signing key, to a server.
SECRET_ENV_PREFIX = "DCC_SOURCE_SECRET_"  # noqa: S105 - a variable-name prefix, not a secret
_ENV_NAME = re.compile(rf"^{SECRET_ENV_PREFIX}[A-Z0-9_]{{1,80}}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# Headers the fetcher sets itself, or that would change what is fetched rather than who asks.
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "if-none-match",
     "if-modified-since", "cookie"}
)  # fmt: skip
_FIELDS = {"scheme", "secret_env", "header"}


def auth_from_mapping(data: object, *, where: str) -> SourceAuth:
    """Validate a source's `auth` table; raise SourceConfigError naming what is wrong."""
    if not isinstance(data, Mapping):
        example = '{ scheme = "bearer", secret_env = "DCC_SOURCE_SECRET_NAME" }'
        raise SourceConfigError(f"{where}: auth must be a table, e.g. {example}")
    unknown = set(data) - _FIELDS
    if unknown:
        # The likeliest mistake is the secret itself: say where it goes instead.
        raise SourceConfigError(
            f"{where}: auth has unknown field(s) {', '.join(sorted(unknown))}; a secret never "
            "goes in the sources file: put it in an environment variable and name that "
            "variable in secret_env"
        )
    scheme = str(data.get("scheme", ""))
    if scheme not in SCHEMES:
        raise SourceConfigError(
            f"{where}: auth scheme {scheme!r} is not one of {', '.join(SCHEMES)}"
        )
    secret_env = str(data.get("secret_env", ""))
    if not _ENV_NAME.match(secret_env):
        raise SourceConfigError(
            f"{where}: auth secret_env {secret_env!r} must name an environment variable "
            f"{SECRET_ENV_PREFIX}... (capital letters, digits and '_', e.g. "
            f"{SECRET_ENV_PREFIX}ANTARA): only those may be sent to a source"
        )
    header = str(data.get("header", "Authorization"))
    if scheme == "header":
        if "header" not in data or not _HEADER_NAME.match(header):
            raise SourceConfigError(
                f"{where}: auth scheme \"header\" needs a header name (letters, digits, '-'), "
                'e.g. header = "X-Api-Key"'
            )
        if header.lower() in _RESERVED_HEADERS:
            raise SourceConfigError(f"{where}: auth header {header!r} cannot carry a secret")
    elif "header" in data:
        raise SourceConfigError(f'{where}: auth header is only for scheme "header"')
    return SourceAuth(scheme=scheme, secret_env=secret_env, header=header)


def auth_to_mapping(auth: SourceAuth) -> dict[str, Any]:
    data: dict[str, Any] = {"scheme": auth.scheme, "secret_env": auth.secret_env}
    if auth.scheme == "header":
        data["header"] = auth.header
    return data


def check_auth_url(url: str, *, is_private_allowed: bool, where: str) -> None:
    """Refuse credentials for a URL they could leak from: plain http to the internet, files."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "https" or (scheme == "http" and is_private_allowed):
        return
    if scheme == "http":
        raise SourceConfigError(
            f"{where}: credentials go only over https (or to an intranet source with "
            "allow_private = true); this url is plain http"
        )
    raise SourceConfigError(f"{where}: a local file takes no credentials (auth)")


def credential_headers(
    auth: SourceAuth, source_id: str, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The request headers that carry `auth`'s secret, read from `environ` now.

    Raises SourceError (kept on the source's health) naming the variable, never its value.
    """
    secret = environ.get(auth.secret_env, "").strip()
    if not secret:
        raise SourceError(
            f"source {source_id} needs its secret in the environment variable "
            f"{auth.secret_env}, which is not set on this machine"
        )
    if any(ch in secret for ch in "\r\n\x00"):
        raise SourceError(f"the secret in {auth.secret_env} holds a line break; it cannot be sent")
    if auth.scheme == "bearer":
        return {"Authorization": f"Bearer {secret}"}
    if auth.scheme == "basic":
        if ":" not in secret:
            raise SourceError(
                f"the secret in {auth.secret_env} must be user:password for basic auth"
            )
        token = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    return {auth.header: secret}


def credentials_for(
    source: Source, url: str, environ: Mapping[str, str] = os.environ
) -> dict[str, str] | None:
    """The headers a fetch of `url` for `source` carries: its credentials where `url` is on
    the source's own origin (a CAP index's alerts usually are); None otherwise."""
    if source.auth is None or origin_of(url) != origin_of(source.url):
        return None
    return credential_headers(source.auth, source.id, environ)


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) as the web defines an origin; a default port counts as given."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: an origin of its own, matching nothing else
        return scheme, parts.netloc, -1
    return scheme, parts.hostname or "", port or {"http": 80, "https": 443}.get(scheme)
