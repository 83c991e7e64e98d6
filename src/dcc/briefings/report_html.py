"""The situation report and the after-action report as self-contained HTML (issue 6).

One document each: inline CSS, inline SVG charts, no script and nothing fetched, so it can
be saved, mailed or printed as it is. Jinja2 escapes every value (titles, comments and
names are user input); the only markup inserted as is is the SVG that report_charts writes,
which escapes its own text. The TLP label sits in the page table's header and footer, which
browsers repeat at the top and bottom of every printed page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from dcc.briefings.report_charts import (
    Chart,
    activity_chart,
    chart_svg,
    schedule_charts,
    tasks_chart,
)
from dcc.briefings.report_data import AfterActionReport, SituationReport, SlaState
from dcc.briefings.report_marking import tlp_colour, tlp_label
from dcc.briefings.report_text import Text, format_size

_ENVIRONMENT: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=False,
)
_ENVIRONMENT.filters["size"] = format_size


@dataclass(frozen=True, slots=True)
class _Figure:
    title: str
    svg: Markup


def _figure(chart: Chart) -> _Figure:
    # chart_svg escapes every text it writes (report_charts), so its output is markup.
    return _Figure(chart.title, Markup(chart_svg(chart)))  # noqa: S704


def sitrep_html(report: SituationReport, locale: str = "en") -> str:
    """The situation report as one HTML document; `locale` "en" or "id" for its fixed words."""
    text = Text(locale)
    charts = {
        "tasks": _figure(tasks_chart(report.agency_tasks, text)),
        "activity": _figure(activity_chart(report.activity, text)),
    }
    return _render("sitrep.html", "situation_report", report, text, charts)


def after_action_html(report: AfterActionReport, locale: str = "en") -> str:
    """The after-action report as one HTML document, every timeline entry included."""
    text = Text(locale)
    charts: dict[str, Any] = {
        "tasks": _figure(tasks_chart(report.agency_tasks, text)),
        "activity": _figure(activity_chart(report.activity, text)),
        # One chart on screen: HTML has no pages to cut the schedule into.
        "schedule": [
            _figure(c) for c in schedule_charts(report.tasks, text, rows_per_chart=10_000)
        ],
    }
    sla = {state.value: report.completion_sla_count(state) for state in SlaState}
    return _render("after_action.html", "after_action_report", report, text, charts, sla=sla)


def _render(
    template: str,
    kind: str,
    report: SituationReport | AfterActionReport,
    text: Text,
    charts: dict[str, Any],
    **extra: Any,
) -> str:
    header = report.header
    return _ENVIRONMENT.get_template(template).render(
        report=report,
        h=header,
        t=text,
        report_kind=kind,
        charts=charts,
        tlp_label=tlp_label(header.tlp),
        tlp_colour=tlp_colour(header.tlp),
        **extra,
    )
