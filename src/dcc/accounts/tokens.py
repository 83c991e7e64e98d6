"""Secret tokens for sessions and API access: made random, stored only as hashes.

A token carries 256 random bits, so a fast hash (SHA-256) is enough to store it: unlike a
password it cannot be guessed, and looking one up by its hash costs one index read.
"""

from __future__ import annotations

import hashlib
import secrets as _secrets

TOKEN_BYTES = 32
# Lets secret scanners and people recognise a DCC token (a public marker, not a secret).
API_TOKEN_MARK = "dcc_"  # noqa: S105
API_TOKEN_PREFIX_LENGTH = len(API_TOKEN_MARK) + 8  # what is stored and shown: "dcc_AbC12xyz"
MAX_TOKEN_LENGTH = 200  # longer presented tokens are refused before hashing


def new_session_token() -> str:
    return _secrets.token_urlsafe(TOKEN_BYTES)


def new_api_token() -> str:
    return API_TOKEN_MARK + _secrets.token_urlsafe(TOKEN_BYTES)


def new_csrf_secret() -> str:
    return _secrets.token_hex(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_prefix(token: str) -> str:
    return token[:API_TOKEN_PREFIX_LENGTH]


def is_plausible_token(token: str | None) -> bool:
    """Whether a presented token is worth a lookup (not empty, not absurdly long)."""
    return bool(token) and len(token or "") <= MAX_TOKEN_LENGTH
