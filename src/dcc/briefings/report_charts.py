"""The reports' charts as plain shapes, drawn the same way in HTML (SVG) and in the PDF.

A chart is built once from a report's records as rectangles, lines and text in its own
units (about a CSS pixel each, y downwards, text positioned at its baseline, like SVG);
`chart_svg` writes it as inline SVG and pdf_canvas draws the same shapes with fpdf2, so the
two formats cannot disagree. Three charts (issue 6):

- tasks per agency, stacked by state (done / open / overdue), `tasks_chart`;
- timeline entries per hour (or wider bars for long incidents) with status changes marked,
  `activity_chart`;
- one bar per task from creation to completion (or now) with its deadline, `schedule_charts`
  (a list: long task lists are cut into charts of `rows_per_chart` rows for the PDF pages).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Final

from dcc.briefings.report_data import Activity, AgencyTasks, BarState, TaskOutcome
from dcc.briefings.report_text import WIB, Text

WIDTH: Final = 720.0
FONT: Final = 11.0
SMALL: Final = 9.0
INK: Final = "#212121"
GRID: Final = "#BDBDBD"
DONE: Final = "#2E7D32"
OPEN: Final = "#1565C0"
OVERDUE: Final = "#C62828"
LATE: Final = "#EF6C00"
CANCELLED: Final = "#9E9E9E"
ENTRIES: Final = "#455A64"
STATUS: Final = "#6A1B9A"
BAR_COLOURS: Final = {
    BarState.DONE_ON_TIME: DONE,
    BarState.DONE_LATE: LATE,
    BarState.OPEN: OPEN,
    BarState.OVERDUE: OVERDUE,
    BarState.CANCELLED: CANCELLED,
}
ROWS_PER_CHART: Final = 30


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    tip: str = ""  # a tooltip in SVG


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0
    is_dashed: bool = False


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float  # the baseline
    text: str
    size: float = FONT
    anchor: str = "start"  # start, middle or end, as SVG's text-anchor
    fill: str = INK
    is_bold: bool = False


Shape = Rect | Line | Label


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    width: float
    height: float
    shapes: tuple[Shape, ...]


# --- tasks per agency -------------------------------------------------------------------------


def tasks_chart(rows: Sequence[AgencyTasks], text: Text) -> Chart:
    """Horizontal bars, one per agency, stacked done / open / overdue (cancelled left out)."""
    title = text("tasks_by_agency")
    shapes: list[Shape] = []
    _legend(shapes, [(text("done"), DONE), (text("open"), OPEN), (text("overdue"), OVERDUE)])
    rows = [r for r in rows if r.done + r.open + r.overdue > 0]
    if not rows:
        shapes.append(Label(0, 44, text("no_tasks")))
        return Chart(title, WIDTH, 56, tuple(shapes))
    left, right, top, pitch = 170.0, WIDTH - 40, 34.0, 22.0
    peak = max(r.done + r.open + r.overdue for r in rows)
    step, ceiling = _ticks(peak)
    scale = (right - left) / ceiling
    bottom = top + pitch * len(rows)
    for tick in range(0, int(ceiling) + 1, int(step)):
        x = left + tick * scale
        shapes.append(Line(x, top - 4, x, bottom, GRID, 0.5))
        shapes.append(Label(x, bottom + 14, str(tick), SMALL, "middle"))
    for index, row in enumerate(rows):
        y = top + index * pitch
        shapes.append(Label(left - 8, y + 14, _clip(row.name, 26), FONT, "end"))
        x = left
        for count, colour, word in (
            (row.done, DONE, text("done")),
            (row.open, OPEN, text("open")),
            (row.overdue, OVERDUE, text("overdue")),
        ):
            if count:
                shapes.append(
                    Rect(x, y + 3, count * scale, 15, colour, f"{row.name}: {count} {word}")
                )
                x += count * scale
        total = row.done + row.open + row.overdue
        shapes.append(Label(x + 5, y + 14, str(total), SMALL))
    return Chart(title, WIDTH, bottom + 22, tuple(shapes))


# --- timeline activity ------------------------------------------------------------------------


def activity_chart(activity: Activity, text: Text) -> Chart:
    """Vertical bars of entries per bucket, with a dashed line where the status changed."""
    title = f"{text('activity')} ({text('per_bucket', bucket=text.bucket(activity.bucket))})"
    shapes: list[Shape] = []
    _legend(shapes, [(text("entries"), ENTRIES)], lines=[(text("status_change"), STATUS)])
    left, right, top, bottom = 44.0, WIDTH - 10, 62.0, 200.0
    counts = activity.counts
    peak = max(counts, default=0)
    step, ceiling = _ticks(peak)
    for tick in range(0, int(ceiling) + 1, int(step)):
        y = bottom - (bottom - top) * tick / ceiling
        shapes.append(Line(left, y, right, y, GRID, 0.5))
        shapes.append(Label(left - 6, y + 3, str(tick), SMALL, "end"))
    slot = (right - left) / len(counts)
    for index, count in enumerate(counts):
        if count:
            height = (bottom - top) * count / ceiling
            start = activity.start + activity.bucket * index
            shapes.append(
                Rect(
                    left + index * slot + slot * 0.1,
                    bottom - height,
                    slot * 0.8,
                    height,
                    ENTRIES,
                    f"{text.when(start)}: {count}",
                )
            )
    every = max(1, math.ceil(len(counts) / 8))
    daily = activity.bucket >= timedelta(days=1)
    for index in range(0, len(counts), every):
        moment = (activity.start + activity.bucket * index).astimezone(WIB)
        word = moment.strftime("%d/%m") if daily else moment.strftime("%d/%m %H:%M")
        shapes.append(Line(left + index * slot, bottom, left + index * slot, bottom + 4, INK))
        shapes.append(Label(left + index * slot, bottom + 16, word, SMALL, "middle"))
    span = (activity.end - activity.start).total_seconds()
    for number, mark in enumerate(activity.status_marks):
        x = left + (right - left) * (mark.at - activity.start).total_seconds() / span
        x = min(max(x, left), right)
        shapes.append(Line(x, top - 14 - 11 * (number % 2), x, bottom, STATUS, 1.2, True))
        word = text.value("status", mark.status)
        y = top - 16 - 11 * (number % 2)
        anchor = "end" if x > right - 80 else "start"
        shapes.append(Label(x + (-2 if anchor == "end" else 2), y, word, SMALL, anchor, STATUS))
    shapes.append(Line(left, bottom, right, bottom, INK))
    return Chart(title, WIDTH, bottom + 24, tuple(shapes))


# --- task schedule (Gantt) ----------------------------------------------------------------------


def schedule_charts(
    tasks: Sequence[TaskOutcome], text: Text, *, rows_per_chart: int = ROWS_PER_CHART
) -> list[Chart]:
    """One bar per task from creation to completion (or the report's instant), its due date
    marked; `rows_per_chart` tasks a chart, every chart on the same time axis."""
    if not tasks:
        return [Chart(text("schedule"), WIDTH, 30, (Label(0, 18, text("no_tasks")),))]
    start = min(t.created_at for t in tasks)
    end = max(max(t.bar_end, t.due_at) for t in tasks)
    end = max(end, start + timedelta(hours=1))
    charts: list[Chart] = []
    size = max(1, rows_per_chart)
    for first in range(0, len(tasks), size):
        chunk = tasks[first : first + size]
        title = text("schedule") if first == 0 else f"{text('schedule')} {text('continued')}"
        charts.append(_schedule_chart(title, chunk, start, end, text))
    return charts


def _schedule_chart(
    title: str, tasks: Sequence[TaskOutcome], start: datetime, end: datetime, text: Text
) -> Chart:
    shapes: list[Shape] = []
    _legend(
        shapes,
        [(text(f"bar.{state.value}"), colour) for state, colour in BAR_COLOURS.items()],
        marks=[(text("deadline_mark"), INK)],
    )
    left, right, top, pitch = 230.0, WIDTH - 10, 58.0, 18.0
    span = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        return left + (right - left) * (moment - start).total_seconds() / span

    bottom = top + pitch * len(tasks)
    for index in range(5):
        moment = start + (end - start) * index / 4
        x = x_of(moment)
        shapes.append(Line(x, top - 4, x, bottom, GRID, 0.5))
        anchor = "start" if index == 0 else "end" if index == 4 else "middle"
        shapes.append(
            Label(x, top - 8, moment.astimezone(WIB).strftime("%d/%m %H:%M"), SMALL, anchor)
        )
    for index, task in enumerate(tasks):
        y = top + index * pitch
        name = _clip(f"#{task.task_id} {task.title}", 28) + f" · {_clip(task.agency_name, 10)}"
        shapes.append(Label(left - 6, y + 12, name, SMALL, "end"))
        x1, x2 = x_of(task.created_at), x_of(task.bar_end)
        tip = f"{task.title}: {text.when(task.created_at)} - {text.when(task.bar_end)}"
        shapes.append(Rect(x1, y + 4, max(x2 - x1, 1.5), 10, BAR_COLOURS[task.bar_state], tip))
        due = x_of(task.due_at)
        shapes.append(
            Rect(due - 1.25, y + 1, 2.5, 16, INK, f"{text('deadline')}: {text.when(task.due_at)}")
        )
    return Chart(title, WIDTH, bottom + 8, tuple(shapes))


# --- helpers ----------------------------------------------------------------------------------


def _legend(
    shapes: list[Shape],
    boxes: Sequence[tuple[str, str]],
    *,
    lines: Sequence[tuple[str, str]] = (),
    marks: Sequence[tuple[str, str]] = (),
) -> None:
    """A legend on the chart's first row; each key's width estimated from its length."""
    x = 0.0
    for word, colour in boxes:
        shapes.append(Rect(x, 6, 12, 12, colour))
        shapes.append(Label(x + 16, 16, word, SMALL))
        x += 28 + len(word) * 5.6
    for word, colour in lines:
        shapes.append(Line(x + 6, 4, x + 6, 20, colour, 1.2, True))
        shapes.append(Label(x + 14, 16, word, SMALL))
        x += 26 + len(word) * 5.6
    for word, colour in marks:
        shapes.append(Rect(x + 5, 4, 2.5, 16, colour))
        shapes.append(Label(x + 14, 16, word, SMALL))
        x += 26 + len(word) * 5.6


def _ticks(peak: int) -> tuple[float, float]:
    """A round step (1, 2, 5, 10, 20, 50 ...) giving at most 5 intervals, and the axis top."""
    peak = max(peak, 1)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if peak <= 5 * step:
                return float(step), float(step * math.ceil(peak / step))
        magnitude *= 10


def _clip(words: str, limit: int) -> str:
    words = " ".join(words.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def chart_svg(chart: Chart) -> str:
    """The chart as an inline SVG element; every text escaped (titles are user input)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {chart.width:g} {chart.height:.1f}" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            tip = f"<title>{escape(shape.tip)}</title>" if shape.tip else ""
            parts.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}" '
                f'height="{shape.h:.1f}" fill="{shape.fill}">{tip}</rect>'
            )
        elif isinstance(shape, Line):
            dash = ' stroke-dasharray="4 3"' if shape.is_dashed else ""
            parts.append(
                f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" '
                f'y2="{shape.y2:.1f}" stroke="{shape.stroke}" '
                f'stroke-width="{shape.width:g}"{dash}/>'
            )
        else:
            weight = ' font-weight="bold"' if shape.is_bold else ""
            parts.append(
                f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
                f'text-anchor="{shape.anchor}" fill="{shape.fill}"{weight}>'
                f"{escape(shape.text)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
