"""Exceptions of the accounts package, one per failure a caller can handle (STYLE rule 10)."""

from __future__ import annotations

from datetime import timedelta

from dcc.errors import DCCError


class AccountError(DCCError):
    """An account value is invalid: a malformed username or agency id, an unknown role."""


class PasswordPolicyError(AccountError):
    """A new password fails the policy (too short, too long, the username)."""


class AccountNotFoundError(DCCError):
    """No user, agency or API token has this name or id."""


class AccountConflictError(DCCError):
    """The change would clash with what exists: a taken username or agency id, removing the
    last active administrator, a second first administrator."""


class LoginRefusedError(DCCError):
    """A login failed. The message never says whether the user exists (no enumeration)."""

    GENERIC_MESSAGE = "wrong username or password"

    def __init__(self) -> None:
        super().__init__(self.GENERIC_MESSAGE)


class RateLimitedError(DCCError):
    """Too many failed logins for this username or client address; try after `retry_after`.

    Raised for known and unknown usernames alike, so it reveals nothing about who exists.
    """

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        seconds = max(1, int(retry_after.total_seconds() + 0.999))
        super().__init__(f"too many failed logins; try again in {seconds} s")

    @property
    def retry_after_s(self) -> int:
        """Whole seconds to wait, at least 1 (an HTTP Retry-After value)."""
        return max(1, int(self.retry_after.total_seconds() + 0.999))


class PermissionDeniedError(DCCError):
    """The signed-in user's role does not allow this action (HTTP 403)."""


class CsrfError(DCCError):
    """A state-changing browser request came without a valid CSRF token for its session."""


class MarkingError(DCCError):
    """A marking or share is invalid: an unknown TLP label, an agency share on a RED object."""


class ObjectNotVisibleError(DCCError):
    """The object does not exist for this user. Raised both when it is missing and when the
    user may not read it, with the same message, so forged ids reveal nothing (HTTP 404)."""
