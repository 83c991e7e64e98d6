"""Topics from the editable taxonomy: whole-word matching, ordering, evidence, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dcc.enrich import topics
from dcc.enrich.termindex import TermIndex, tokenize
from dcc.enrich.topics import TaxonomyError, assign_topics, load_taxonomy, read_taxonomy

SMALL = """
[topics.diplomacy]
label = "Diplomacy"
en = ["diplomat*", "foreign minister"]
id = ["dubes", "menlu"]

[topics.maritime]
en = ["south china sea", "vessel*"]
id = ["natuna"]
weight = 2.0

[topics.disaster]
en = ["flood*"]
id = ["gempa"]
"""


@pytest.fixture
def small(tmp_path: Path) -> topics.Taxonomy:
    path = tmp_path / "topics.toml"
    path.write_text(SMALL, encoding="utf-8")
    return read_taxonomy(path)


@pytest.fixture
def restore_default() -> Iterator[None]:
    yield
    load_taxonomy()


def test_terms_phrases_and_stems_with_evidence(small: topics.Taxonomy) -> None:
    text = "The Foreign Minister met diplomats; vessels seen off Natuna (#Natuna)."
    found, why = assign_topics(text, "en", taxonomy=small)
    assert found == ["maritime", "diplomacy"]  # 3 matches x weight 2 beats 2 matches
    assert why["maritime"] == {"terms": {"vessels": 1, "natuna": 2}, "score": 6.0}
    assert why["diplomacy"]["terms"] == {"foreign minister": 1, "diplomats": 1}


def test_whole_words_only(small: topics.Taxonomy) -> None:
    # "gempar" (uproar) is not "gempa"; "undiplomatic" does not start with the stem.
    assert assign_topics("Penonton gempar, sikap undiplomatic", "id", taxonomy=small)[0] == []


def test_ties_follow_taxonomy_order(small: topics.Taxonomy) -> None:
    assert assign_topics("gempa, kata menlu", "id", taxonomy=small)[0] == [
        "diplomacy",
        "disaster",
    ]


def test_crisis_related_adds_disaster_only_when_unexplained(small: topics.Taxonomy) -> None:
    found, why = assign_topics("dubes visits", "en", crisis_related=True, taxonomy=small)
    assert found == ["diplomacy", "disaster"]
    assert why["disaster"]["source"] == "crisis model: related"
    found, _ = assign_topics("floods again", "en", crisis_related=True, taxonomy=small)
    assert found == ["disaster"]
    assert assign_topics("dubes", "en", crisis_related=False, taxonomy=small)[0] == ["diplomacy"]


def test_shipped_taxonomy_covers_the_watch_floor() -> None:
    taxonomy = read_taxonomy(topics.TAXONOMY_PATH)
    required = {
        "diplomacy",
        "cyber",
        "disaster",
        "economy_trade",
        "security_defence",
        "politics",
        "health",
        "citizens_abroad_migration",
        "maritime",
        "environment",
    }
    assert required <= set(taxonomy.topic_ids())
    assert len(taxonomy.topics) >= len(required) + 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Menlu bertemu Dubes Malaysia bahas perlindungan WNI", "diplomacy"),
        ("Kebocoran data di Pusat Data Nasional, BSSN turun tangan", "cyber"),
        ("Gempa M 5,6 guncang Cianjur", "disaster"),
        ("Indonesia's nickel exports face new EU tariffs", "economy_trade"),
        ("Kapal asing mencuri ikan di perairan Natuna", "maritime"),
        ("Pekerja migran Indonesia dideportasi dari Malaysia", "citizens_abroad_migration"),
        ("Ransomware attack hits ministry servers", "cyber"),
        ("It is important to rest", None),
    ],
)
def test_shipped_taxonomy_examples(text: str, expected: str | None) -> None:
    found, _ = assign_topics(text, "id")
    if expected is None:
        assert found == []
    else:
        assert found[0] == expected


def test_reload_installs_a_new_taxonomy(tmp_path: Path, restore_default: None) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[topics.sport]\nen = ["football"]\n', encoding="utf-8")
    load_taxonomy(path)
    assert assign_topics("football tonight", "en")[0] == ["sport"]
    load_taxonomy()
    assert assign_topics("football tonight", "en")[0] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[topics.a]\nen = ["x"]\nlabel = \n', "not valid TOML.*at line 3"),
        ("[other]\nx = 1\n", "no \\[topics.<id>\\] tables"),
        ('[topics.cyber]\nen = ["hack*ers"]\n', "topic 'cyber'.*only allowed at the end"),
        ('[topics.cyber]\nen = "hack"\n', "topic 'cyber': en must be a list of strings"),
        ('[topics.cyber]\nwords = ["hack"]\n', "topic 'cyber': unknown keys \\['words'\\]"),
        ('[topics.cyber]\nen = ["hack"]\nweight = 0\n', "topic 'cyber': weight must be"),
        ("[topics.cyber]\nen = []\n", "topic 'cyber': no terms"),
        ('[topics.Cyber-Sec]\nen = ["hack"]\n', "topic 'Cyber-Sec': ids are lowercase"),
        ('[topics.cyber]\nen = ["!!"]\n', "topic 'cyber'.*no word characters"),
    ],
)
def test_malformed_taxonomy_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        read_taxonomy(path)


def test_term_index_prefers_the_longest_term() -> None:
    index: TermIndex[str] = TermIndex([("banjir", "a"), ("banjir bandang", "b"), ("band*", "c")])
    found = index.find(tokenize("Banjir bandang; banjir; bandung"))
    assert [(m.term, m.text, m.payloads) for m in found] == [
        ("banjir bandang", "banjir bandang", ("b",)),
        ("banjir", "banjir", ("a",)),
        ("band*", "bandung", ("c",)),
    ]


def test_term_index_skips_words_inside_a_match() -> None:
    # "b c" starts inside "a b": after "a b" the next match can only start at "c".
    index: TermIndex[int] = TermIndex([("a b", 1), ("b c", 2), ("c", 3), ("b", 4)])
    found = index.find(tokenize("a b c b"))
    assert [(m.text, m.payloads) for m in found] == [("a b", (1,)), ("c", (3,)), ("b", (4,))]


def test_term_index_forgets_idle_words_when_a_term_is_added() -> None:
    index: TermIndex[int] = TermIndex([("gempa", 1)])
    text = tokenize("gempa dan tsunami, tsunami lagi")
    assert [m.text for m in index.find(text)] == ["gempa"]  # "tsunami" now known to match none
    assert [m.text for m in index.find(text)] == ["gempa"]
    index.add("tsunami", 2)
    index.add("dan tsunami", 3)
    assert [(m.text, m.payloads) for m in index.find(text)] == [
        ("gempa", (1,)),
        ("dan tsunami", (3,)),
        ("tsunami", (2,)),
    ]


def test_tokenize_normalises_unicode_and_case() -> None:
    assert tokenize("Banjir di #JAKARTA, banjir lagi") == [
        "banjir",
        "di",
        "jakarta",
        "banjir",
        "lagi",
    ]
    assert tokenize("Ｊａｋａｒｔａ ﬁre Straße") == ["jakarta", "fire", "strasse"]  # NFKC, casefold
