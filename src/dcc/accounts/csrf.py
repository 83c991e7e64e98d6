"""CSRF tokens bound to a session, for the web layer's forms and browser API calls.

A token is `<nonce>.<HMAC-SHA256(session csrf secret, session id + nonce)>`. Every page can
carry a fresh one (a new nonce each time, which also keeps a compressed response from
leaking a constant secret, the BREACH attack); each stays valid for as long as its session,
and no other session's secret can make one that passes. Checked in constant time.

    token = new_csrf_token(signed_in.session)      # put in the form / a meta tag
    check_csrf(signed_in.session, form["csrf"])    # on POST, PUT, PATCH, DELETE
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets

from dcc.accounts.errors import CsrfError
from dcc.accounts.records import Session

NONCE_BYTES = 16
MAX_CSRF_TOKEN_LENGTH = 200


def new_csrf_token(session: Session) -> str:
    """A fresh CSRF token for `session`."""
    nonce = _secrets.token_urlsafe(NONCE_BYTES)
    return f"{nonce}.{_signature(session, nonce)}"


def is_csrf_token_valid(session: Session, presented: str | None) -> bool:
    """Whether `presented` was made by new_csrf_token for this very session."""
    if not presented or len(presented) > MAX_CSRF_TOKEN_LENGTH or "." not in presented:
        return False
    nonce, _, signature = presented.partition(".")
    if not nonce:
        return False
    return hmac.compare_digest(signature.encode(), _signature(session, nonce).encode())


def check_csrf(session: Session, presented: str | None) -> None:
    """Raise CsrfError unless `presented` is a valid CSRF token for `session`."""
    if not is_csrf_token_valid(session, presented):
        reason = "missing" if not presented else "invalid"
        raise CsrfError(f"the CSRF token is {reason} for this session; reload the page")


def _signature(session: Session, nonce: str) -> str:
    message = f"dcc-csrf:{session.id}:{nonce}".encode()
    return hmac.new(session.csrf_secret.encode(), message, hashlib.sha256).hexdigest()
