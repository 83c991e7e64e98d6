"""Story clustering: same event together, other events apart, near-duplicates joined, and
stories linked across languages."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from dcc.enrich.labels import Entity
from dcc.enrich.stories import LINK_AT_SIZE, StoryClusterer

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


def _fake_embedder(texts: list[str]) -> NDArray[np.float32]:
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
