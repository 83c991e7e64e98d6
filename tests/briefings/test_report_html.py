"""The reports as self-contained HTML: TLP banners, SVG charts, escaped user text."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from report_fixtures import (
    AGENCY_NAMES,
    ENTRIES,
    NOW,
    SCRIPT,
    TASKS,
    UNICODE_COMMENT,
    USER_NAMES,
    entry,
    incident,
    lombok_view,
)

from dcc.briefings.sitrep import (
    after_action_html,
    after_action_report,
    sitrep_html,
    situation_report,
)
from dcc.coordination.records import EntryKind

HOSTILE_TITLE = 'Gempa "Lombok" <img src=x onerror=alert(1)> & co'


def sitrep_page(locale: str = "en", **changes) -> str:
    report = situation_report(
        lombok_view(**changes), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )
    return sitrep_html(report, locale)


def aar_page(locale: str = "en", **changes) -> str:
    report = after_action_report(
        lombok_view(**changes), now=NOW, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )
    return after_action_html(report, locale)


@pytest.mark.parametrize("render", [sitrep_page, aar_page])
def test_tlp_label_at_top_and_bottom_in_firsts_colour(render):
    page = render()
    assert page.startswith("<!DOCTYPE html>")
    banners = re.findall(r'<span class="tlp" data-position="(\w+)">([^<]*)</span>', page)
    assert banners == [("top", "TLP:AMBER"), ("bottom", "TLP:AMBER")]
    # thead/tfoot: browsers repeat them at the top and bottom of every printed page.
    assert page.index('<thead><tr><td><span class="tlp"') < page.index("<main>")
    assert page.index('<tfoot><tr><td><span class="tlp"') < page.index("<main>")
    assert "background: #000; color: #FFC000" in page
    assert "<title>TLP:AMBER" in page


def test_stricter_sub_object_raises_the_banner():
    red = (*ENTRIES, entry(99, EntryKind.COMMENT, 530, "Sumber manusia", tlp="RED"))
    page = sitrep_page(entries=red)
    assert page.count(">TLP:RED</span>") == 2
    assert "color: #FF2B2B" in page


@pytest.mark.parametrize("render", [sitrep_page, aar_page])
def test_self_contained_with_inline_svg_charts(render):
    page = render()
    assert page.count("<svg ") >= 2
    assert "<script" not in page  # no script at all, injected or ours
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page
    assert "@import" not in page


def test_user_text_is_escaped():
    page = sitrep_page(incident=incident(title=HOSTILE_TITLE, summary="1 < 2 & 3 > 2"))
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; komentar uji" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "1 &lt; 2 &amp; 3 &gt; 2" in page
    assert "peta_dampak_&lt;lombok&gt;.pdf" in page


def test_hostile_task_titles_are_escaped_in_charts_too():
    tasks = (replace(TASKS[1], title=SCRIPT), *TASKS[2:])
    page = aar_page(tasks=tasks)
    assert SCRIPT not in page
    assert "<script" not in page


def test_sitrep_sections_in_english():
    page = sitrep_page()
    for words in (
        "Situation report",
        "Tasks by agency",
        "Overdue tasks (2)",
        "Next deadlines",
        "Key decisions",
        "Latest developments",
        "Timeline activity (entries per hour)",
        "Attachments (1)",
        "2026-08-06 03:50 WIB",  # generated, in WIB
        "7 h 45 min",
        UNICODE_COMMENT,
        "Direktorat PWNI",
    ):
        assert words in page, words


def test_sitrep_in_indonesian():
    page = sitrep_page("id")
    assert '<html lang="id">' in page
    for words in (
        "Laporan situasi",
        "Tugas per instansi",
        "Tugas terlambat (2)",
        "Keputusan penting",
        "Perkembangan terbaru",
        "Komandan insiden",
        "7 jam 45 menit",
        "Bencana",
    ):
        assert words in page, words
    assert "Latest developments" not in page


def test_after_action_has_every_entry_sla_and_schedule():
    page = aar_page()
    for line in ENTRIES:
        assert f'id="entry-{line.id}"' in page
    assert "Completion SLA: 1 met, 2 missed, 3 pending" in page
    assert "Task schedule" in page
    assert page.count("<svg ") == 3
    assert 'class="sla-missed"' in page
    assert "Escalations" in page
    assert "+8 h 40 min" in page  # the last entry, 520 minutes after opening
    assert "Full timeline (12)" in page
