"""The reports as PDF (fpdf2): TLP label on every page, both font paths, long timelines.

pypdf is not a dependency, so the tests read the PDF itself: with compression off and the
core font, each piece of text is a "(...) Tj" string in the page streams. With the embedded
TrueType font the strings hold glyph ids instead, so that path is checked by its structure.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from report_fixtures import (
    AGENCY_NAMES,
    ENTRIES,
    NOW,
    OPENED,
    SCRIPT,
    UNICODE_COMMENT,
    USER_NAMES,
    entry,
    lombok_view,
    long_view,
)

from dcc.briefings import pdf_canvas
from dcc.briefings.pdf_canvas import FontFiles, ReportPdf, find_unicode_font
from dcc.briefings.report_charts import tasks_chart
from dcc.briefings.report_data import AgencyTasks
from dcc.briefings.report_text import Text
from dcc.briefings.sitrep import (
    after_action_pdf,
    after_action_report,
    sitrep_pdf,
    situation_report,
)
from dcc.coordination.records import EntryKind

HAS_FONT = find_unicode_font() is not None
_STRING = re.compile(rb"\(((?:[^()\\]|\\.)*)\) Tj")
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)


def pdf_strings(document: bytes) -> list[str]:
    """The text strings of an uncompressed PDF drawn in a core font (Windows-1252)."""
    return [
        _ESCAPE.sub(lambda m: m.group(1), raw).decode("cp1252") for raw in _STRING.findall(document)
    ]


def page_count(document: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?!s)", document))


def sitrep(view=None):
    return situation_report(
        view or lombok_view(), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )


def aar(view=None, now=NOW):
    return after_action_report(
        view or lombok_view(), now=now, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )


@pytest.fixture(scope="module")
def long_pdf() -> tuple[bytes, float]:
    report = aar(long_view(2000), now=OPENED.replace(day=10))
    started = time.perf_counter()
    document = after_action_pdf(report, unicode_font=False, compress=False)
    return document, time.perf_counter() - started


def test_sitrep_pdf_with_the_core_font():
    document = sitrep_pdf(sitrep(), unicode_font=False, compress=False)
    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")
    strings = pdf_strings(document)
    pages = page_count(document)
    assert pages >= 2
    # TLP 2.0: the label at the top and the bottom of every page.
    assert strings.count("TLP:AMBER") >= 2 * pages
    joined = "\n".join(strings)
    for words in (
        "Situation report",
        "Tasks by agency",
        "KBRI Tokyo",
        "Overdue tasks (2)",
        "7 h 45 min",
        "Key decisions",
        "Latest developments",
        "Direktorat PWNI",
        "2026-08-06 03:50 WIB",
        SCRIPT,  # drawn as text in a PDF: nothing there to escape
    ):
        assert words in joined, words
    assert "Helvetica" in document.decode("latin-1")


def test_core_font_replaces_what_windows_1252_cannot_hold():
    document = sitrep_pdf(sitrep(), unicode_font=False, compress=False)
    [comment] = [s for s in pdf_strings(document) if "warga aman" in s]
    # Curly quotes and the dash exist in Windows-1252; the ligature decomposes; the rest
    # (emoji, Japanese, Arabic, Greek) becomes "?".
    assert comment.startswith("Comment: “Gempa” — warga aman ??; ")
    assert "final naïve café…" in " ".join(pdf_strings(document))
    assert "地震" not in comment


@pytest.mark.skipif(not HAS_FONT, reason="no DejaVu or Noto Sans TrueType font installed")
def test_sitrep_pdf_embeds_a_unicode_font(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        document = sitrep_pdf(sitrep(), compress=False)
    assert document.startswith(b"%PDF-")
    assert b"/FontFile2" in document  # an embedded TrueType font
    assert b"Helvetica" not in document
    assert page_count(document) >= 2
    # Characters the font lacks were replaced beforehand: fpdf2 has no glyph to complain of.
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


@pytest.mark.parametrize("unicode_font", [True, False])
def test_any_unicode_in_any_field_never_crashes(unicode_font: bool):
    nasty = UNICODE_COMMENT + " \x00\x07 \u202e reversed \ud7ff 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0001f1ee\U0001f1e9"
    entries = (*ENTRIES, entry(99, EntryKind.DECISION, 530, nasty, author_name="ユキ"))
    view = lombok_view(entries=entries)
    for document in (
        sitrep_pdf(sitrep(view), unicode_font=unicode_font),
        after_action_pdf(aar(view), unicode_font=unicode_font),
    ):
        assert document.startswith(b"%PDF-")


def test_the_unicode_font_keeps_what_the_core_font_loses():
    if not HAS_FONT:
        pytest.skip("no DejaVu or Noto Sans TrueType font installed")
    with ReportPdf(tlp="AMBER", title="t", text=Text(), created=NOW) as canvas:
        assert canvas.is_unicode
        assert canvas.clean("Ελλάδα — زلزال “ok”") == "Ελλάδα — زلزال “ok”"
        assert canvas.clean("🌋") in {"\ufffd", "?"}
    with ReportPdf(tlp="AMBER", title="t", text=Text(), created=NOW, unicode_font=False) as core:
        assert not core.is_unicode
        assert core.clean("Ελλάδα — “ok” ﬁ…") == "?????? — “ok” fi…"


def test_after_action_pdf_has_the_whole_timeline():
    document = after_action_pdf(aar(), unicode_font=False, compress=False)
    joined = "\n".join(pdf_strings(document))
    assert "Full timeline (12)" in joined
    for words in (
        "BMKG: tidak berpotensi tsunami.",
        "Tim BNPB tiba di Pemenang.",
        "Evacuation of foreign tourists",
        "Completion SLA: 1 met, 2 missed, 3 pending",
        "Task schedule",
        "Escalations",
        "+8 h 40 min",
    ):
        assert words in joined, words
    assert pdf_strings(document).count("TLP:AMBER") >= 2 * page_count(document)


def test_indonesian_pdf():
    document = sitrep_pdf(sitrep(), locale="id", unicode_font=False, compress=False)
    joined = "\n".join(pdf_strings(document))
    assert "Laporan situasi" in joined
    assert "Halaman 1 dari" in joined


def test_compressed_pdf_is_smaller_and_still_a_pdf():
    small = sitrep_pdf(sitrep(), unicode_font=False)
    large = sitrep_pdf(sitrep(), unicode_font=False, compress=False)
    assert small.startswith(b"%PDF-")
    assert len(small) < len(large)


@pytest.mark.slow
def test_two_thousand_entries_paginate_in_reasonable_time(long_pdf: tuple[bytes, float]):
    document, seconds = long_pdf
    assert document.startswith(b"%PDF-")
    pages = page_count(document)
    assert pages > 100
    strings = pdf_strings(document)
    assert strings.count("TLP:AMBER") >= 2 * pages
    assert "Full timeline (2000)" in strings
    # Every page shows "Page n of N"; the last page number is the count.
    assert seconds < 60


@pytest.mark.slow
@pytest.mark.skipif(not HAS_FONT, reason="no DejaVu or Noto Sans TrueType font installed")
def test_two_thousand_entries_with_the_unicode_font():
    document = after_action_pdf(aar(long_view(2000), now=OPENED.replace(day=10)))
    assert document.startswith(b"%PDF-")
    assert page_count(document) > 100


def test_a_chart_taller_than_a_page_is_scaled_to_fit_one():
    rows = tuple(AgencyTasks(f"kbri-{n}", f"KBRI {n}", open=1 + n % 3) for n in range(90))
    with ReportPdf(tlp="GREEN", title="t", text=Text(), created=NOW, unicode_font=False) as canvas:
        canvas.add_page()
        canvas.paragraph("Pembuka")
        canvas.chart(tasks_chart(rows, Text()))
        assert canvas.page == 2  # moved to a fresh page, and fits on it
        assert canvas.get_y() <= canvas.page_break_trigger + 3


def test_an_unreadable_font_file_falls_back_to_helvetica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    broken = tmp_path / "DejaVuSans.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(pdf_canvas, "find_unicode_font", lambda: FontFiles(broken, broken))
    document = sitrep_pdf(sitrep(), compress=False)
    assert document.startswith(b"%PDF-")
    assert "Situation report" in pdf_strings(document)
