"""Names and marked text the pages show (web/display.py): in the reader's language."""

from __future__ import annotations

import pytest

from dcc.web import display
from dcc.web.dashboard_data import drawable_path
from dcc.web.i18n import use_locale
from dcc.web.templating import TEMPLATES


def test_countries_labels_and_topics_are_named_in_the_readers_language() -> None:
    with use_locale("id"):
        assert display.country_name("TL") == "Timor Leste"
        assert display.label_name("negative") == "negatif"
        assert display.topic_name("disaster") == "Bencana"
        assert display.window_name("24h") == "24 jam terakhir"
    with use_locale("en"):
        assert display.country_name("tl") == "Timor-Leste"
        assert display.label_name("negative") == "negative"
        assert display.topic_name("disaster") == "Disasters"
    assert display.country_name("XX") == "XX"
    assert display.topic_name("new_topic") == "new topic"
    assert display.label_name("") == ""


def test_entities_are_cut_out_of_the_text_by_their_offsets() -> None:
    text = "Retno Marsudi di Jakarta"
    entities = [
        {"text": "Retno Marsudi", "type": "PER", "start": 0, "end": 13},
        {"text": "Marsudi", "type": "PER", "start": 6, "end": 13},  # overlaps: skipped
        {"text": "Jakarta", "type": "LOC", "start": 17, "end": 24},
        {"text": "beyond", "type": "LOC", "start": 30, "end": 36},  # out of range: skipped
        "not an entity",
    ]
    segments = display.marked_text(text, entities)
    assert segments == [("Retno Marsudi", "PER"), (" di ", None), ("Jakarta", "LOC")]
    assert "".join(s for s, _ in segments) == text
    assert display.marked_text("plain", None) == [("plain", None)]


def test_times_of_explanations_are_shown_in_wib() -> None:
    with use_locale("id"):
        assert display.when("2026-11-24T03:05:00Z") == "24 Nov 2026 10.05.00 WIB"
        assert display.when("not a time") == "not a time"
        assert display.score_percent(0.849) == "85%"
        assert display.score_percent(True) == ""


def test_the_map_cuts_rings_that_cross_the_antimeridian() -> None:
    # A ring from the east edge across to the west edge and back: two pieces, no line
    # across the world.
    ring = "M3590,100L3600,100L3600,120L0,120L10,120L10,100L0,100L0,90Z"
    pieces = drawable_path(ring).split("M")[1:]
    assert len(pieces) == 2
    for piece in pieces:
        xs = [int(p.split(",")[0]) for p in piece.rstrip("Z").split("L")]
        assert max(xs) - min(xs) < 1800
    assert drawable_path("M1,1L5,1L5,5Z") == "M1,1L5,1L5,5Z"


def test_only_web_urls_become_links() -> None:
    assert display.web_url(" https://antara.example/a ") == "https://antara.example/a"
    assert display.web_url("javascript:alert(1)") == ""
    assert display.web_url("JavaScript:alert(1)") == ""
    assert display.web_url("data:text/html,x") == ""
    assert display.web_url(None) == ""


# The tree as the template macro drew it before display.json_tree took its place: the two
# must draw the same HTML for every JSON value (explanations and evidence of any shape).
JSON_TREE_MACRO = (
    "{% macro json_tree(value) -%}\n"
    "{%- if value is mapping -%}\n"
    '<dl class="tree">{% for key, inner in value|dictsort %}<dt>'
    '{{ key|replace("_", " ") }}</dt><dd>{{ json_tree(inner) }}</dd>'
    "{% endfor %}</dl>\n"
    "{%- elif value is string -%}{{ value }}\n"
    "{%- elif value is sequence -%}\n"
    '  {%- if not value -%}<span class="meta">—</span>\n'
    '  {%- elif value|select("mapping")|list'
    ' or value|reject("string")|select("sequence")|list -%}<ul class="tree-list">'
    "{% for inner in value %}<li>{{ json_tree(inner) }}</li>{% endfor %}</ul>\n"
    "  {%- else -%}{% for inner in value %}{{ json_tree(inner) }}"
    "{% if not loop.last %}, {% endif %}{% endfor %}\n"
    "  {%- endif -%}\n"
    '{%- elif value is sameas true -%}{{ _("yes") }}\n'
    '{%- elif value is sameas false -%}{{ _("no") }}\n'
    '{%- elif value is none -%}<span class="meta">—</span>\n'
    "{%- elif value is number -%}{{ value|number }}\n"
    "{%- else -%}{{ value }}\n"
    "{%- endif -%}\n"
    "{%- endmacro %}{{ json_tree(value) }}"
)

JSON_VALUES = [
    {
        "model": "sentiment_id",
        "score": 0.8512,
        "Evidence": [{"ngram": "<b>banjir</b>", "weight": 1234567.5}, {"ngram": "a&b"}],
        "evidence": [],
        "top": [["id", 0.9], ["en", 0.1]],
        "matched": {"politics": ["menteri", "presiden"], "z_last": None, "A_first": True},
        "rule": 'first "sentence" or >= 2 mentions',
        "flags": [True, False, None, 3, "x"],
        "nested": {"empty": {}, "deep": [[1, 2], {"k": "v"}]},
    },
    [],
    {},
    "plain <text>",
    42,
    -0.5,
    None,
    True,
]


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("value", JSON_VALUES)
def test_json_tree_draws_what_the_template_macro_drew(locale: str, value: object) -> None:
    macro = TEMPLATES.env.from_string(JSON_TREE_MACRO)
    with use_locale(locale):
        assert str(display.json_tree(value)) == macro.render(value=value)
    with use_locale(locale):  # and through the macro the pages call
        page_macro = TEMPLATES.env.from_string(
            '{% import "_macros.html" as m with context %}{{ m.json_tree(value) }}'
        )
        assert page_macro.render(value=value) == macro.render(value=value)


def test_label_titles_are_named_in_the_readers_language() -> None:
    with use_locale("id"):
        titles = TEMPLATES.env.from_string(
            '{% import "_labels.html" as l with context %}{{ l.label_title("stance_id") }}'
        )
        assert titles.render() == display.label_title("stance_id") != "Stance toward Indonesia"
    with use_locale("en"):
        assert display.label_title("stance_id") == "Stance toward Indonesia"
    assert display.label_title("unknown_label") == "unknown_label"
