"""How long sessions last and how often a login may fail, from the settings (docs/settings.md).

The defaults here equal the settings' defaults, so actions called without a policy behave as
a default install does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dcc.settings import Settings


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """A session ends `ttl` after sign-in, or after `idle` without a request."""

    ttl: timedelta = timedelta(hours=12)
    idle: timedelta = timedelta(hours=2)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """DCC_SESSION_TTL_S and DCC_SESSION_IDLE_S."""
        return cls(
            ttl=timedelta(seconds=settings.session_ttl_s),
            idle=timedelta(seconds=settings.session_idle_s),
        )


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """Login rate limits: a username is refused after `max_failures` failed logins within
    `window` since its last success; a client address after `max_failures_per_address`
    failures within `window`, for any usernames."""

    max_failures: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        """DCC_LOGIN_MAX_FAILURES, DCC_LOGIN_MAX_FAILURES_PER_ADDRESS, DCC_LOGIN_WINDOW_S."""
        return cls(
            max_failures=settings.login_max_failures,
            max_failures_per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_window_s),
        )
