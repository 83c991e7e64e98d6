"""Rules that decide whether a read of a source counts as a success for its health."""

from __future__ import annotations

from dcc.ingest.actions import IngestOutcome


def unusable_reason(outcome: IngestOutcome) -> str | None:
    """Why a fetched document counts as a failure: it gave problems and not a single item."""
    report = outcome.report
    if report.parsed == 0 and report.problems:
        return f"no usable item: {report.problems[0]}"
    return None
