"""Story clustering: same event together, other events apart, near-duplicates joined, stories
linked across languages, the index as exact as a full scan, and the state saved and restored."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from dcc.enrich import stories
from dcc.enrich.labels import Entity
from dcc.enrich.stories import LINK_AT_SIZE, Story, StoryClusterer, StoryStateError, _cosine

LOMBOK_ID = [
    "Gempa magnitudo 5,4 guncang Lombok, warga Lombok mengungsi ke tenda darurat",
    "BNPB: gempa Lombok rusak ratusan rumah, warga mengungsi",
    "Warga Lombok masih mengungsi usai gempa magnitudo 5,4",
]
JAKARTA_FLOOD_ID = [
    "Banjir rendam Jakarta Utara, ribuan warga terdampak banjir",
    "Banjir Jakarta: ribuan warga terdampak, posko banjir dibuka",
]


def test_same_event_joins_and_other_events_stay_apart() -> None:
    stories = StoryClusterer(link_languages=False)
    lombok = [stories.add(f"l{i}", t, "id")[0] for i, t in enumerate(LOMBOK_ID)]
    flood = [stories.add(f"f{i}", t, "id")[0] for i, t in enumerate(JAKARTA_FLOOD_ID)]
    assert len(set(lombok)) == 1
    assert len(set(flood)) == 1
    assert lombok[0] != flood[0]
    summary = next(s for s in stories.stories if s.id == lombok[0]).summary()
    assert summary["size"] == 3 and summary["languages"] == ["id"]
    assert "Lombok" in summary["title"]


def test_near_duplicate_joins_its_original_and_why_says_so() -> None:
    stories = StoryClusterer(link_languages=False)
    first, _ = stories.add("a", "Presiden meresmikan bendungan baru di Sulawesi Selatan", "id")
    joined, why = stories.add(
        "b", "RT @x: sesuatu yang lain sama sekali", "id", near_duplicate_of="a"
    )
    assert joined == first and why["joined_by"] == "near_duplicate"


def test_entities_weigh_in() -> None:
    stories = StoryClusterer(link_languages=False)
    kemlu = [Entity("Kemlu", "ORG", 0, 5)]
    first, _ = stories.add(
        "a", "Kemlu memanggil duta besar terkait insiden perbatasan", "id", entities=kemlu
    )
    second, why = stories.add(
        "b", "Kemlu menyampaikan protes atas insiden perbatasan", "id", entities=kemlu
    )
    assert first == second
    assert "e:kemlu" in why["shared_terms"]


def _fake_embedder(texts: Sequence[str]) -> NDArray[np.float32]:
    """Same event in both languages maps to the same direction (what USE does for real)."""
    vectors = []
    for text in texts:
        lower = text.lower()
        vector = np.array([1.0, 0.0] if "lombok" in lower else [0.0, 1.0], dtype=np.float32)
        vectors.append(vector)
    return np.stack(vectors)


def test_stories_link_across_languages() -> None:
    english = [
        "Magnitude 5.4 earthquake shakes Lombok, residents of Lombok flee to tents",
        "Lombok earthquake damages hundreds of houses, residents flee",
        "Residents of Lombok still in tents after the magnitude 5.4 earthquake",
    ]
    stories = StoryClusterer(embedder=_fake_embedder)
    indonesian = [stories.add(f"id{i}", t, "id")[0] for i, t in enumerate(LOMBOK_ID)]
    linked = [stories.add(f"en{i}", t, "en") for i, t in enumerate(english)]
    assert len(LOMBOK_ID) == LINK_AT_SIZE
    last_id, why = linked[-1]
    assert last_id == indonesian[0]
    assert why["linked_across_languages"]["similarity"] > 0.9
    # An English item arriving afterwards joins the shared story directly.
    later, _ = stories.add("en9", "Lombok earthquake: residents flee, houses damaged", "en")
    assert later == indonesian[0]


def test_only_titles_that_share_a_word_are_embedded() -> None:
    calls: list[list[str]] = []

    def recording(texts: Sequence[str]) -> NDArray[np.float32]:
        calls.append(list(texts))
        return _fake_embedder(texts)

    english = [
        "Magnitude 5.4 earthquake shakes Lombok, residents of Lombok flee to tents",
        "Lombok earthquake damages hundreds of houses, residents flee",
        "Residents of Lombok still in tents after the magnitude 5.4 earthquake",
    ]
    floods = [*JAKARTA_FLOOD_ID, "Banjir Jakarta meluas, warga terdampak banjir bertambah"]
    stories = StoryClusterer(embedder=recording)
    flood = [stories.add(f"f{i}", t, "id")[0] for i, t in enumerate(floods)]
    for i, text in enumerate(english):
        stories.add(f"en{i}", text, "en")
    assert calls == []  # the flood's title and the earthquake's share no word
    lombok = [stories.add(f"id{i}", t, "id") for i, t in enumerate(LOMBOK_ID)]
    # "Lombok" is in both titles: each is embedded once, in one call, and the two are linked.
    assert calls == [[LOMBOK_ID[0], english[0]]]
    assert "linked_across_languages" in lombok[-1][1]
    assert lombok[-1][0] != flood[0]


@pytest.mark.slow
def test_real_encoder_links_indonesian_and_english() -> None:
    stories = StoryClusterer()
    indonesian = [stories.add(f"id{i}", t, "id")[0] for i, t in enumerate(LOMBOK_ID)]
    english = [
        "Magnitude 5.4 earthquake shakes Lombok, residents of Lombok flee to tents",
        "Lombok earthquake damages hundreds of houses, residents flee",
        "Residents of Lombok still in tents after the magnitude 5.4 earthquake",
    ]
    results = [stories.add(f"en{i}", t, "en")[0] for i, t in enumerate(english)]
    assert results[-1] == indonesian[0]


class _CheckedClusterer(StoryClusterer):
    """Checks every index lookup against a scan of all stories of the item's language."""

    def _best_story(
        self, terms: dict[str, float], lang: str
    ) -> tuple[Story | None, float, list[str]]:
        found, score, shared = super()._best_story(terms, lang)
        norm = math.sqrt(sum(w * w for w in terms.values()))
        scanned = [
            (_cosine(terms, norm, story)[0], story.id)
            for story in self.stories
            if lang in story.languages and story.profile
        ]
        best_score, best_id = max(scanned, default=(0.0, ""))
        if best_score >= stories.JOIN_THRESHOLD:
            assert found is not None and found.id == best_id
            assert score == pytest.approx(best_score)
        else:
            assert found is None
        return found, score, shared


def test_index_finds_the_story_a_full_scan_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the cut to the most recent stories per term, the inverted index with prefix
    # filtering must pick exactly what comparing with every story picks.
    monkeypatch.setattr(stories, "MAX_CANDIDATES_PER_TERM", 10_000)
    rng = random.Random(3)
    vocabulary = [f"kata{chr(97 + i)}{chr(97 + j)}" for i in range(8) for j in range(8)]
    zipf = [1 / rank for rank in range(1, len(vocabulary) + 1)]  # common and rare words
    clusterer = _CheckedClusterer(link_languages=False)
    for i in range(800):
        words = rng.choices(vocabulary, weights=zipf, k=rng.randint(3, 6))
        clusterer.add(str(i), " ".join(words), rng.choice(["id", "en"]))
    assert 10 <= len(clusterer.stories) < 700


def test_forgotten_stories_are_not_joined(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories, "MAX_STORIES", 2)
    clusterer = StoryClusterer(link_languages=False)
    lombok = [clusterer.add(f"l{i}", t, "id")[0] for i, t in enumerate(LOMBOK_ID[:2])]
    clusterer.add("f0", JAKARTA_FLOOD_ID[0], "id")
    clusterer.add("k0", "Kemlu memanggil duta besar terkait insiden perbatasan", "id")
    assert lombok[0] not in {s.id for s in clusterer.stories}
    # Neither by terms nor as the near-duplicate of an item of the forgotten story.
    again, why = clusterer.add("l9", LOMBOK_ID[2], "id", near_duplicate_of="l0")
    assert again != lombok[0]
    assert why["joined_by"] == "new_story"


def test_state_round_trip_goes_on_identically() -> None:
    first = StoryClusterer(embedder=_fake_embedder)
    english = [
        "Magnitude 5.4 earthquake shakes Lombok, residents of Lombok flee to tents",
        "Lombok earthquake damages hundreds of houses, residents flee",
        "Residents of Lombok still in tents after the magnitude 5.4 earthquake",
    ]
    for i, text in enumerate(LOMBOK_ID + JAKARTA_FLOOD_ID):
        first.add(f"id{i}", text, "id")
    for i, text in enumerate(english):
        first.add(f"en{i}", text, "en")  # the third links the two Lombok stories
    saved = json.loads(json.dumps(first.state()))  # plain JSON types only
    restored = StoryClusterer.from_state(saved, embedder=_fake_embedder)
    later = [
        ("n1", "Banjir Jakarta meluas, warga terdampak banjir bertambah", "id", None),
        ("n2", "Lombok earthquake: residents flee, houses damaged", "en", None),
        ("n3", "RT sesuatu yang lain", "id", "id0"),
        ("n4", "Harga cabai naik di pasar tradisional menjelang lebaran", "id", None),
    ]
    for doc_id, text, lang, near in later:
        expected = first.add(doc_id, text, lang, near_duplicate_of=near)
        assert restored.add(doc_id, text, lang, near_duplicate_of=near) == expected
    assert restored.state() == first.state()


@pytest.mark.parametrize(
    ("state", "message"),
    [({"version": 99}, "version 99"), ({"version": 1, "next": 1}, "malformed.*KeyError")],
)
def test_bad_state_is_refused(state: dict[str, Any], message: str) -> None:
    with pytest.raises(StoryStateError, match=message):
        StoryClusterer.from_state(state)


def test_term_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories, "MAX_TERMS_REMEMBERED", 40)
    clusterer = StoryClusterer(link_languages=False)
    for i in range(30):
        clusterer.add(str(i), f"gempa lombok kata{chr(97 + i % 26)}{i} lain{i} unik{i}", "id")
    assert len(clusterer.state()["document_frequency"]) <= 40
    assert clusterer.state()["document_frequency"]["gempa"] == 30  # frequent terms stay
