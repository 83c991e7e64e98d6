"""The charts as shapes, and as SVG (the PDF draws the same shapes)."""

from __future__ import annotations

from dataclasses import replace

from report_fixtures import AGENCY_NAMES, NOW, SCRIPT, TASKS, USER_NAMES, lombok_view

from dcc.briefings.report_charts import (
    DONE,
    OPEN,
    OVERDUE,
    STATUS,
    Label,
    Line,
    Rect,
    activity_chart,
    chart_svg,
    schedule_charts,
    tasks_chart,
)
from dcc.briefings.report_data import after_action_report
from dcc.briefings.report_text import Text

REPORT = after_action_report(
    lombok_view(), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
)
TEXT = Text("en")


def bars(chart, colour):
    return [s for s in chart.shapes if isinstance(s, Rect) and s.fill == colour and s.tip]


def test_tasks_chart_stacks_done_open_overdue_per_agency():
    chart = tasks_chart(REPORT.agency_tasks, TEXT)
    labels = [s.text for s in chart.shapes if isinstance(s, Label)]
    assert {"BNPB", "BSSN", "KBRI Tokyo"} <= set(labels)
    done, open_, overdue = bars(chart, DONE), bars(chart, OPEN), bars(chart, OVERDUE)
    assert len(done) == 2 and len(open_) == 1 and len(overdue) == 2
    # One task is one unit wide whatever its state; BNPB's two open tasks are twice that.
    assert open_[0].w == 2 * done[0].w
    assert {round(bar.w, 3) for bar in done + overdue} == {round(done[0].w, 3)}


def test_activity_chart_marks_status_changes():
    chart = activity_chart(REPORT.activity, TEXT)
    assert chart.title == "Timeline activity (entries per hour)"
    dashed = [s for s in chart.shapes if isinstance(s, Line) and s.is_dashed and s.y2 > 100]
    assert len(dashed) == 2
    words = [s.text for s in chart.shapes if isinstance(s, Label) and s.fill == STATUS]
    assert words == ["Triage", "Active"]


def test_schedule_has_a_bar_and_a_deadline_per_task_and_splits_long_lists():
    [chart] = schedule_charts(REPORT.tasks, TEXT)
    tips = [s.tip for s in chart.shapes if isinstance(s, Rect) and s.tip]
    assert sum(tip.startswith("Deadline:") for tip in tips) == len(TASKS)
    assert len(tips) == 2 * len(TASKS)
    charts = schedule_charts(REPORT.tasks, TEXT, rows_per_chart=3)
    assert len(charts) == 3
    assert charts[1].title == "Task schedule (continued)"


def test_svg_escapes_user_text():
    view = lombok_view(tasks=(replace(TASKS[0], title=SCRIPT),))
    report = after_action_report(view, now=NOW)
    svg = "".join(chart_svg(c) for c in schedule_charts(report.tasks, TEXT))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_no_tasks_says_so():
    chart = tasks_chart((), TEXT)
    assert any(isinstance(s, Label) and s.text == "No tasks." for s in chart.shapes)
    assert "No tasks." in chart_svg(schedule_charts((), TEXT)[0])
