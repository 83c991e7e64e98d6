"""Entities: exact offsets, gazetteer readings and case rules, CRF spans, the English heuristic."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcc.enrich import entities as entities_module
from dcc.enrich.entities import extract_entities
from dcc.enrich.gazetteer import gazetteer, tokenize
from dcc.enrich.labels import ENTITY_TYPES
from dcc.enrich.ner_crf import Span, bio_spans

TEXTS = [
    ("Menlu Retno Marsudi bertemu Sekjen PBB Antonio Guterres di New York.", "id"),
    ("gempa guncang palu, bnpb kirim bantuan ke sulawesi tengah 🙏\n#PrayForPalu", "id"),
    ("Warga Malaysia di Jakarta aman, kata KBRI Kuala Lumpur. Banda Sea diguncang gempa.", "id"),
    ("  Président Macron à Jakarta — «Indonésie»  ", "fr"),
    ("Prime Minister Anthony Albanese met President Prabowo Subianto in Jakarta.", "en"),
    ("The Ministry of Foreign Affairs said the ASEAN Summit opens in Kuala Lumpur.", "en"),
    ("", "id"),
]


def _pairs(text: str, lang: str) -> list[tuple[str, str]]:
    return [(e.text, e.type) for e in extract_entities(text, lang)[0]]


@pytest.mark.parametrize(("text", "lang"), TEXTS)
def test_offsets_are_exact_and_types_known(text: str, lang: str) -> None:
    found, why = extract_entities(text, lang)
    for entity in found:
        assert text[entity.start : entity.end] == entity.text
        assert entity.type in ENTITY_TYPES
    assert [e.start for e in found] == sorted(e.start for e in found)
    assert len(why["evidence"]) == len(found)


def test_gazetteer_names_and_demonyms() -> None:
    pairs = _pairs(TEXTS[2][0], "id")
    assert ("Warga Malaysia", "MISC") in pairs
    assert ("Jakarta", "LOC") in pairs
    assert ("Banda Sea", "LOC") in pairs
    assert any(text.startswith("KBRI") and kind == "ORG" for text, kind in pairs)


def test_common_words_need_their_capitals_and_no_sentence_start() -> None:
    names = [m.text for m in gazetteer().find("Lima orang tewas. Warga lima desa mengungsi.")]
    assert names == []
    assert [m.best.countries for m in gazetteer().find("Gempa di Lima, kata BMKG.")] == [
        ("PE",),
        ("ID",),
    ]


def test_acronyms_match_only_in_capitals() -> None:
    assert [m.text for m in gazetteer().find("PBB dan WHO")] == ["PBB", "WHO"]
    assert [m.text for m in gazetteer().find("who said pbb")] == []


def test_indonesian_person_from_the_crf() -> None:
    pairs = _pairs(TEXTS[0][0], "id")
    assert ("Retno Marsudi", "PER") in pairs
    assert ("Antonio Guterres", "PER") in pairs
    assert ("PBB", "ORG") in pairs


def test_lowercase_indonesian_places() -> None:
    pairs = _pairs(TEXTS[1][0], "id")
    assert ("palu", "LOC") in pairs
    assert ("sulawesi tengah", "LOC") in pairs


def test_english_capitalisation_heuristic() -> None:
    pairs = _pairs(TEXTS[4][0], "en")
    assert ("Anthony Albanese", "PER") in pairs  # the title is not part of the name
    assert ("Prabowo Subianto", "PER") in pairs
    pairs = _pairs(TEXTS[5][0], "en")
    assert ("Ministry of Foreign Affairs", "ORG") in pairs
    assert ("Kuala Lumpur", "LOC") in pairs
    assert _pairs("Yesterday the talks ended.", "en") == []


def test_missing_models_leave_gazetteer_entities(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(entities_module, "model_dir", lambda name: tmp_path / name)
    entities_module._taggers.cache_clear()
    try:
        found, why = extract_entities("Presiden bertemu warga Malaysia di Jakarta.", "id")
    finally:
        entities_module._taggers.cache_clear()
    assert [(e.text, e.type) for e in found] == [("warga Malaysia", "MISC"), ("Jakarta", "LOC")]
    assert "dcc train entities" in why["notes"][0]


def test_bio_spans_read_like_conlleval() -> None:
    assert bio_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == [
        Span("PER", 0, 2),
        Span("LOC", 3, 4),
        Span("LOC", 4, 5),
        Span("ORG", 5, 6),
    ]


def test_tokens_keep_offsets() -> None:
    text = "Timor-Leste, kompas.com & PDI-P"
    assert [(t.text, text[t.start : t.end]) for t in tokenize(text)] == [
        ("Timor-Leste", "Timor-Leste"),
        (",", ","),
        ("kompas.com", "kompas.com"),
        ("&", "&"),
        ("PDI-P", "PDI-P"),
    ]
