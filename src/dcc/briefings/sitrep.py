"""Situation reports and after-action reports of an incident (issue 6): the public API.

Compute a report from an IncidentView (already filtered to what its reader may see), then
render it; nothing here touches the database:

    report = situation_report(view, now=datetime.now(tz=UTC), agency_names=names)
    sitrep_json(report)        # dict, keys documented in report_json
    sitrep_html(report, "id")  # self-contained HTML, inline SVG charts
    sitrep_pdf(report)         # bytes, fpdf2, TLP label on every page

    aar = after_action_report(view, now=...)
    after_action_json(aar); after_action_html(aar); after_action_pdf(aar)
"""

from __future__ import annotations

from dcc.briefings.report_data import (
    AfterActionReport,
    ReportError,
    SituationReport,
    after_action_report,
    situation_report,
)
from dcc.briefings.report_html import after_action_html, sitrep_html
from dcc.briefings.report_json import after_action_json, sitrep_json
from dcc.briefings.report_pdf import after_action_pdf, sitrep_pdf

__all__ = [
    "AfterActionReport",
    "ReportError",
    "SituationReport",
    "after_action_html",
    "after_action_json",
    "after_action_pdf",
    "after_action_report",
    "sitrep_html",
    "sitrep_json",
    "sitrep_pdf",
    "situation_report",
]
