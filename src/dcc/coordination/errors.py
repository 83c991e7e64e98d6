"""Failures of coordination a caller can handle (STYLE rule 10)."""

from __future__ import annotations

from dcc.accounts.errors import ObjectNotVisibleError
from dcc.errors import DCCError


class CoordinationError(DCCError):
    """Bad input to an incident, task, comment or attachment; the message says why."""


class IllegalTransitionError(CoordinationError):
    """An incident or task cannot move from its status to the one asked for."""


class ClosedIncidentError(CoordinationError):
    """A closed incident is read-only (reopen it first)."""


class AttachmentError(CoordinationError):
    """An attachment is too big, lies about its type, or its stored file is missing or
    changed."""


class IncidentNotFoundError(ObjectNotVisibleError):
    """No incident with that id, or one the reader may not see (the same words)."""


class TaskNotFoundError(ObjectNotVisibleError):
    """No task with that id, or one the reader may not see."""


class EntryNotFoundError(ObjectNotVisibleError):
    """No timeline entry with that id, or one the reader may not see."""


class AttachmentNotFoundError(ObjectNotVisibleError):
    """No attachment with that id, or one the reader may not see."""


class AuditChainError(DCCError):
    """The audit trail does not verify: a row was changed, deleted or reordered."""
