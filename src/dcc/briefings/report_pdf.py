"""The situation report and the after-action report as PDF (fpdf2; issue 6).

Both draw on pdf_canvas.ReportPdf, which puts the TLP label on every page and copes with any
Unicode. `unicode_font=False` forces the core Helvetica font (the path taken on a machine
without DejaVu or Noto fonts); `compress=False` leaves the page streams readable, for tests.
"""

from __future__ import annotations

from dcc.briefings.pdf_canvas import ReportPdf
from dcc.briefings.report_charts import activity_chart, schedule_charts, tasks_chart
from dcc.briefings.report_data import (
    AfterActionReport,
    AttachmentLine,
    LinkCounts,
    ReportHeader,
    SituationReport,
    SlaState,
    TaskOutcome,
    TimelineLine,
)
from dcc.briefings.report_marking import tlp_label
from dcc.briefings.report_text import Text, format_size


def sitrep_pdf(
    report: SituationReport,
    *,
    locale: str = "en",
    unicode_font: bool = True,
    compress: bool = True,
) -> bytes:
    """The situation report as a PDF document."""
    text = Text(locale)
    with _start(report.header, text, "situation_report", unicode_font, compress) as pdf:
        _draw_sitrep(pdf, report, text)
        return pdf.to_bytes()


def _draw_sitrep(pdf: ReportPdf, report: SituationReport, text: Text) -> None:
    _header(pdf, report.header, text)
    totals = report.task_totals
    pdf.heading(text("tasks"))
    pdf.chart(tasks_chart(report.agency_tasks, text))
    _agency_table(pdf, report, text)
    pdf.heading(f"{text('overdue_tasks')} ({totals.overdue})")
    if report.overdue:
        pdf.data_table(
            [text("task"), text("agency"), text("deadline"), text("late_by")],
            [44, 20, 22, 14],
            [
                [
                    f"#{o.task_id} {o.title}",
                    o.agency_name,
                    f"{text.when(o.deadline)} ({text('deadline.' + o.deadline_kind.value)})",
                    text.duration(o.late_by),
                ]
                for o in report.overdue
            ],
        )
    else:
        pdf.paragraph(text("none"))
    pdf.heading(text("next_deadlines"))
    if report.next_deadlines:
        pdf.data_table(
            [text("task"), text("agency"), text("deadline"), text("due_in")],
            [44, 20, 22, 14],
            [
                [
                    f"#{u.task_id} {u.title}",
                    u.agency_name,
                    f"{text.when(u.deadline)} ({text('deadline.' + u.deadline_kind.value)})",
                    text.duration(u.due_in),
                ]
                for u in report.next_deadlines
            ],
        )
    else:
        pdf.paragraph(text("none"))
    pdf.heading(text("key_decisions"))
    _entries(pdf, report.decisions, text, since_open=False)
    pdf.heading(text("latest"))
    _entries(pdf, report.latest, text, since_open=False)
    pdf.chart(activity_chart(report.activity, text))
    _links_and_attachments(pdf, report.links, report.attachments, text)


def after_action_pdf(
    report: AfterActionReport,
    *,
    locale: str = "en",
    unicode_font: bool = True,
    compress: bool = True,
) -> bytes:
    """The after-action report as a PDF document: every timeline entry, paginated."""
    text = Text(locale)
    with _start(report.header, text, "after_action_report", unicode_font, compress) as pdf:
        _draw_after_action(pdf, report, text)
        return pdf.to_bytes()


def _draw_after_action(pdf: ReportPdf, report: AfterActionReport, text: Text) -> None:
    _header(pdf, report.header, text, ended=report)
    pdf.paragraph(
        text(
            "sla_summary",
            met=report.completion_sla_count(SlaState.MET),
            missed=report.completion_sla_count(SlaState.MISSED),
            pending=report.completion_sla_count(SlaState.PENDING),
        ),
        bold=True,
    )
    pdf.heading(text("tasks"))
    pdf.chart(tasks_chart(report.agency_tasks, text))
    for chart in schedule_charts(report.tasks, text):
        pdf.chart(chart)
    pdf.heading(text("task_outcomes"))
    if report.tasks:
        pdf.data_table(
            [
                text("task"),
                text("agency"),
                text("created"),
                text("time_to_ack"),
                text("time_to_complete"),
                text("level"),
            ],
            [36, 16, 17, 16, 16, 7],
            [_outcome_row(task, text) for task in report.tasks],
        )
    else:
        pdf.paragraph(text("no_tasks"))
    pdf.heading(text("escalations"))
    if report.escalations:
        pdf.data_table(
            [text("time"), text("task"), text("level"), text("escalated_to"), text("entry")],
            [17, 30, 7, 16, 30],
            [
                [
                    text.when(e.at),
                    f"#{e.task_id} {e.task_title or ''}" if e.task_id is not None else "-",
                    str(e.level) if e.level is not None else "-",
                    e.to or "-",
                    e.body,
                ]
                for e in report.escalations
            ],
        )
    else:
        pdf.paragraph(text("none"))
    pdf.heading(text("key_decisions"))
    _entries(pdf, report.decisions, text, since_open=True)
    pdf.chart(activity_chart(report.activity, text))
    pdf.heading(f"{text('timeline')} ({len(report.timeline)})")
    _entries(pdf, report.timeline, text, since_open=True)
    _links_and_attachments(pdf, report.links, report.attachments, text)


def _start(
    header: ReportHeader, text: Text, kind: str, unicode_font: bool, compress: bool
) -> ReportPdf:
    title = f"{text(kind)}: #{header.incident_id} {header.title}"
    pdf = ReportPdf(
        tlp=header.tlp,
        title=title,
        text=text,
        created=header.generated_at,
        unicode_font=unicode_font,
        compress=compress,
    )
    pdf.add_page()
    return pdf


def _header(
    pdf: ReportPdf, header: ReportHeader, text: Text, *, ended: AfterActionReport | None = None
) -> None:
    pdf.paragraph(text("situation_report" if ended is None else "after_action_report"), size=11)
    pdf.paragraph(f"#{header.incident_id} {header.title}", size=17, bold=True)
    pdf.ln(2)
    facts = [
        (text("status"), text.value("status", header.status.value)),
        (text("severity"), text.value("severity", header.severity.value)),
        (text("kind"), text.value("kind", header.kind.value)),
        (text("owner"), header.owner_name),
        (text("opened"), text.when(header.opened_at)),
        (text("status_changed"), text.when(header.status_changed_at)),
    ]
    if header.closed_at is not None:
        facts.append((text("closed"), text.when(header.closed_at)))
    if ended is not None:
        facts.append((text("duration"), text.duration(ended.duration)))
    facts.append((text("generated"), text.when(header.generated_at)))
    facts.append(("TLP", tlp_label(header.tlp)))
    pdf.facts(facts)
    if header.summary.strip():
        pdf.heading(text("summary"), size=11)
        pdf.paragraph(header.summary)
    pdf.heading(text("roles"), size=11)
    if header.roles:
        pdf.data_table(
            [text("role"), text("person"), text("assigned")],
            [30, 40, 30],
            [
                [text.value("role", r.role.value), r.name, text.when(r.assigned_at)]
                for r in header.roles
            ],
        )
    else:
        pdf.paragraph(text("none"))


def _agency_table(pdf: ReportPdf, report: SituationReport, text: Text) -> None:
    totals = report.task_totals
    rows = [
        [r.name, str(r.open), str(r.overdue), str(r.done), str(r.cancelled), str(r.total)]
        for r in (*report.agency_tasks, totals)
    ]
    rows[-1][0] = text("total")
    pdf.data_table(
        [
            text("agency"),
            text("open"),
            text("overdue"),
            text("done"),
            text("cancelled"),
            text("total"),
        ],
        [40, 12, 12, 12, 12, 12],
        rows,
    )


def _outcome_row(task: TaskOutcome, text: Text) -> list[str]:
    return [
        f"#{task.task_id} {task.title} ({text.value('task', task.status.value)})",
        task.agency_name,
        text.when(task.created_at),
        f"{text.duration(task.time_to_acknowledge)} "
        f"({text('sla.' + task.acknowledgement_sla.value)})",
        f"{text.duration(task.time_to_complete)} ({text('sla.' + task.completion_sla.value)})",
        str(task.escalation_level),
    ]


def _entries(
    pdf: ReportPdf, lines: tuple[TimelineLine, ...], text: Text, *, since_open: bool
) -> None:
    if not lines:
        pdf.paragraph(text("none"))
        return
    headers = [text("time"), text("entry"), text("by")]
    widths = [19.0, 66.0, 15.0]
    if since_open:
        headers.insert(1, text("since_open"))
        widths = [19.0, 13.0, 55.0, 13.0]
    rows = []
    for line in lines:
        row = [text.when(line.at), _entry_text(line, text), line.author]
        if since_open:
            row.insert(1, "+" + text.duration(line.since_open))
        rows.append(row)
    pdf.data_table(headers, widths, rows)


def _entry_text(line: TimelineLine, text: Text) -> str:
    kind = text.value("entry", line.kind.value)
    body = line.body.strip()
    if line.status_to is not None:
        rest = "" if body == line.status_to else f": {body}" if body else ""
        body = f"-> {text.value('status', line.status_to)}{rest}"
    task = f" [#{line.task_id} {line.task_title or ''}]".replace(" ]", "]") if line.task_id else ""
    return f"{kind}{task}: {body}" if body else f"{kind}{task}"


def _links_and_attachments(
    pdf: ReportPdf, links: LinkCounts, attachments: tuple[AttachmentLine, ...], text: Text
) -> None:
    pdf.heading(text("linked"), size=11)
    pdf.paragraph(
        f"{text('link.item')}: {links.items}   {text('link.story')}: {links.stories}   "
        f"{text('link.alert')}: {links.alerts}"
    )
    pdf.heading(f"{text('attachments')} ({len(attachments)})", size=11)
    if not attachments:
        pdf.paragraph(text("none"))
        return
    pdf.data_table(
        [text("file"), text("type"), text("size"), text("uploaded"), text("by"), "TLP"],
        [32, 18, 10, 21, 12, 11],
        [
            [
                a.filename,
                a.media_type,
                format_size(a.size_bytes),
                text.when(a.uploaded_at),
                a.uploaded_by,
                a.tlp,
            ]
            for a in attachments
        ],
    )
