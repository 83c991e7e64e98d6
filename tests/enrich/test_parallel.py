"""Enrichment in worker processes gives what one process gives, in order, and stops cleanly."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dcc.enrich.parallel import STREAM_GC_THRESHOLD, ParallelEnricher, _parts, open_enricher
from dcc.enrich.pipeline import Document, Enricher

TEXTS = [
    "Gempa bumi magnitudo 6,1 mengguncang Lombok, warga mengungsi.",
    "Kementerian Luar Negeri memantau WNI di Jepang setelah gempa.",
    "A magnitude 6.1 earthquake struck Lombok, Indonesia, on Sunday.",
    "Gempa bumi magnitudo 6,1 mengguncang Lombok, warga mengungsi!",  # a near-duplicate
    "",
    "Pelayanan di kedutaan sangat ramah dan cepat, terima kasih.",
    "Flood warning for Jakarta: residents told to move to higher ground.",
]


@pytest.fixture(scope="module")
def parallel() -> Iterator[ParallelEnricher]:
    enricher = ParallelEnricher(2)
    yield enricher
    enricher.close()


def docs() -> list[Document]:
    return [Document(id=f"d{i}", text=text) for i, text in enumerate(TEXTS)]


def test_same_labels_as_one_process(parallel: ParallelEnricher) -> None:
    expected = [e.as_json() for e in Enricher().enrich_batch(docs())]
    assert [e.as_json() for e in parallel.enrich_batch(docs())[: len(TEXTS)]] == expected
    assert expected[3]["near_duplicate_of"] == "d0"


def test_batches_come_back_in_order(parallel: ParallelEnricher) -> None:
    # Uneven sizes, an empty batch and one of a single document: each goes out in parts
    # (one per worker) and comes back whole, in order, with the same stream memory.
    sizes = [7, 0, 1, 3, 7, 2]
    batches = [
        [Document(id=f"b{b}-{i}", text=TEXTS[(b + i) % len(TEXTS)]) for i in range(size)]
        for b, size in enumerate(sizes)
    ]
    single = Enricher()
    expected = [[e.as_json() for e in single.enrich_batch(b)] for b in batches]
    fresh = ParallelEnricher(2)
    try:
        got = [[e.as_json() for e in labels] for labels in fresh.enrich_batches(batches)]
    finally:
        fresh.close()
    assert got == expected
    assert [len(labels) for labels in got] == sizes


def test_parts_cover_the_batch_in_order() -> None:
    batch = docs()
    assert _parts(batch, 2) == [batch[:4], batch[4:]]
    assert _parts(batch[:1], 2) == [batch[:1]]
    assert _parts([], 2) == [[]]


def test_a_closed_enricher_refuses_work() -> None:
    enricher = ParallelEnricher(2)
    enricher.close()
    with pytest.raises(RuntimeError, match="closed"):
        enricher.enrich_batch(docs())


@pytest.mark.parametrize(("processes", "kind"), [(0, Enricher), (1, Enricher)])
def test_one_process_or_none_means_in_process(processes: int, kind: type) -> None:
    enricher = open_enricher(processes)
    assert type(enricher) is kind


@pytest.fixture
def gc_threshold() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("gc_threshold")
def test_the_stream_process_collects_less_often_never_more() -> None:
    gc.set_threshold(700, 10, 10)
    open_enricher(0)
    assert gc.get_threshold() == (STREAM_GC_THRESHOLD, 10, 10)
    gc.set_threshold(STREAM_GC_THRESHOLD * 3, 5, 5)
    open_enricher(0)
    assert gc.get_threshold() == (STREAM_GC_THRESHOLD * 3, 5, 5)
