"""Crisis labels: text preparation, the Indonesian lexicon rule, the English models and gating."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcc.enrich.crisis import (
    CrisisModels,
    LexiconError,
    classify_by_lexicon,
    classify_by_model,
    classify_crises,
    classify_crisis,
    default_lexicon,
    hashed_form,
    load_lexicon,
    prepare_text,
)
from dcc.enrich.labels import INFO_TYPES
from dcc.enrich.ngrams import analysed_form
from dcc.enrich.textclf import FeatureSpec, train_linear

SMALL = FeatureSpec(n_features=2**12)
RELATED = [
    "flood waters rising, roads closed downtown",
    "earthquake damage, people trapped under rubble",
    "donate blood for the victims of the explosion",
    "praying for everyone affected by the fire",
]
UNRELATED = ["great coffee this morning", "watching football tonight", "new phone who dis"] * 2


@pytest.fixture(scope="module")
def tiny_models() -> CrisisModels:
    """Three classifiers trained on a handful of sentences (shape of the real ones)."""
    texts = RELATED * 3 + UNRELATED * 2
    related = ["related"] * 12 + ["not_related"] * 12
    informative = (["informative"] * 3 + ["not_informative"]) * 3 + ["not_informative"] * 12
    types = [
        "infrastructure_and_utilities",
        "affected_individuals",
        "donations_and_volunteering",
        "sympathy_and_support",
    ] * 3
    return CrisisModels(
        related=train_linear(texts, related, spec=SMALL),
        informative=train_linear(texts, informative, spec=SMALL),
        info_type=train_linear(RELATED * 3, types, spec=SMALL),
    )


def test_prepare_text_makes_urls_mentions_hashtags_digits_and_retweets_generic() -> None:
    prepared = prepare_text("RT @bnpb_ri: 3 dead &amp; 12 hurt #Flood http://t.co/abc")
    assert prepared == "retweetmark atuser : 0 dead & 0 hurt hashtagmark httpurl"
    assert prepare_text("  Dead,\tINJURED\n ") == "dead , injured"  # as the hasher reads it


def test_prepare_text_reads_glossary_crisis_words_in_english() -> None:
    prepared = prepare_text("Terremoto in Emilia: 7 morti, decine di feriti. #terremoto")
    assert prepared == "earthquake in emilia : 0 dead , decine di injured . hashtagmark"
    assert prepare_text("Route closed") == "route closed"  # English words stay as they are
    # Whole words only, in any case: a glossary word inside a longer word stays.
    assert prepare_text("TERREMOTO terremotos terremotoX") == "earthquake earthquake terremotox"


def test_model_path_labels_and_explains(tiny_models: CrisisModels) -> None:
    ((label, why),) = classify_by_model(["roads closed by flood waters"], tiny_models)
    assert label.related and label.informative
    assert label.info_type == "infrastructure_and_utilities"
    assert why["method"] == "model"
    assert any("flood" in e["ngram"] for e in why["related"]["top"])
    assert 0.5 < why["related"]["score"] <= 1


def test_unrelated_text_gets_not_applicable(tiny_models: CrisisModels) -> None:
    label, why = classify_crisis("coffee and football tonight", "en", models=tiny_models)
    assert (label.related, label.informative, label.info_type) == (False, False, "not_applicable")
    assert "info_type" not in why


def test_models_round_trip(tiny_models: CrisisModels, tmp_path: Path) -> None:
    tiny_models.save(tmp_path / "crisis")
    loaded = CrisisModels.load(tmp_path / "crisis")
    text = "people trapped after the earthquake"
    assert classify_by_model([text], loaded)[0][0] == classify_by_model([text], tiny_models)[0][0]


def test_a_batch_labels_each_document_as_alone(tiny_models: CrisisModels) -> None:
    texts = ["roads closed by flood waters", "coffee and football tonight", ""]
    langs = ["en", "en", "en"]
    one_by_one = [
        classify_crisis(t, g, models=tiny_models) for t, g in zip(texts, langs, strict=True)
    ]
    assert classify_crises(texts, langs, models=tiny_models) == one_by_one


@pytest.mark.parametrize(
    ("text", "related", "informative", "info_type"),
    [
        ("Gempa M 5,6 guncang Cianjur, 3 warga tewas", True, True, "affected_individuals"),
        ("BPBD: jalan putus akibat longsor di Garut", True, True, "infrastructure_and_utilities"),
        (
            "Posko bantuan banjir dibuka, relawan dibutuhkan",
            True,
            True,
            "donations_and_volunteering",
        ),
        ("BMKG: waspada potensi tsunami, jauhi pantai", True, True, "caution_and_advice"),
        ("Turut berduka untuk korban gempa", True, False, "sympathy_and_support"),
        ("Ya Allah, banjir lagi", True, False, "other_useful_information"),
        ("Semoga tabah, doa kami untuk kalian", False, False, "not_applicable"),
        ("Bantuan sosial cair bulan depan", False, False, "not_applicable"),
        ("Pertandingan malam ini gempar!", False, False, "not_applicable"),
    ],
)
def test_indonesian_lexicon_rule(
    text: str, related: bool, informative: bool, info_type: str
) -> None:
    label, why = classify_crisis(text, "id")
    assert (label.related, label.informative, label.info_type) == (related, informative, info_type)
    assert why["method"] == "lexicon"


def test_lexicon_why_names_matched_terms() -> None:
    _, why = classify_by_lexicon("Banjir bandang, warga mengungsi", default_lexicon())
    assert why["matched"] == {"hazard": ["banjir bandang"], "impact": ["mengungsi"]}
    assert why["info_type_votes"] == {"affected_individuals": 1}


def test_shipped_lexicon_uses_known_info_types() -> None:
    lexicon = default_lexicon()
    assert len(lexicon) > 80
    label, _ = classify_by_lexicon("erupsi gunung, abu vulkanik", lexicon)
    assert label.info_type in INFO_TYPES


def test_malformed_lexicon_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text("term\tkind\tinfo_type\ngempa\thazard\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="expected 3 columns"):
        load_lexicon(path)
    path.write_text("term\tkind\tinfo_type\ngempa\tquake\t-\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="'gempa': unknown kind 'quake'"):
        load_lexicon(path)


def test_shipped_english_models_on_clear_cases() -> None:
    label, why = classify_crisis(
        "Flood warning: evacuate low-lying areas now, roads closed http://t.co/x", "en"
    )
    assert label.related and label.informative
    assert why["related"]["top"]
    label, _ = classify_crisis("I love this new song so much", "en")
    assert not label.related and label.info_type == "not_applicable"


def test_the_glossary_leaves_english_words_alone() -> None:
    from dcc.enrich.crisis import GLOSSARY, prepare_text

    assert prepare_text("In case of fire, she sang; an aide took other routes.") == (
        "in case of fire , she sang ; an aide took other routes ."
    )
    assert not {"case", "sang", "aide", "routes", "replica"} & set(GLOSSARY)
    assert prepare_text("Terremoto: 5 MORTI e feriti") == "earthquake : 0 dead e injured"


# What prepare_text rewrites (URLs, RT, mentions, hashtags, digits, entities, glossary words in
# any case) and the hasher's NUL separator.
CRISIS_PIECES = st.sampled_from(
    ["RT @bnpb:", "http://t.co/x", "www.x.id", "#banjir", "M 6.1", "&amp;", "Terremoto",
     "MORTI", "heridos", "case", "\x00", "İzmir", "5,000", "n't"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(CRISIS_PIECES, st.text(max_size=12)), max_size=8).map(" ".join))
def test_the_hashed_form_is_the_prepared_text_as_the_hasher_reads_it(text: str) -> None:
    assert hashed_form(text) == analysed_form(prepare_text(text))
