"""Top terms, top sources and examples of a detection's explanation (no database)."""

from __future__ import annotations

from dataclasses import replace

from detection_helpers import NOW, stored

from dcc.alerts.explain import example_items, item_words, top_sources, top_terms


def test_terms_leave_out_stop_words_links_and_numbers() -> None:
    item = replace(
        stored(1, published_at=NOW),
        title="RT Gempa M5,4 guncang Lombok dan Bali https://t.co/abc 2026",
    )
    assert item_words(item) == {"gempa", "guncang", "lombok", "bali"}


def test_terms_and_sources_are_ranked_by_the_items_holding_them() -> None:
    items = [
        replace(stored(1, published_at=NOW), title="Banjir Jakarta, banjir lagi"),
        replace(stored(2, published_at=NOW), title="Banjir di Bekasi", source_id="detik"),
        replace(stored(3, published_at=NOW), title="Jakarta macet"),
    ]
    assert top_terms(items) == [["banjir", 2], ["jakarta", 2]]  # "bekasi", "macet": one each
    assert top_terms(items[:2]) == [["banjir", 2], ["bekasi", 1], ["jakarta", 1]]
    assert top_sources(items) == [["antara-id", 2], ["detik", 1]]


def test_examples_are_the_newest_with_distinct_titles_first() -> None:
    items = [replace(stored(n, published_at=NOW), title="Sama") for n in range(1, 4)]
    items.append(replace(stored(4, published_at=NOW), title="Lain"))
    examples = example_items(items, limit=3)
    assert [e["id"] for e in examples] == [4, 3, 2]
    assert examples[0] == {"id": 4, "title": "Lain", "url": None, "source": "antara-id"}
