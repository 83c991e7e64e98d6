"""Enrichment on every core: the per-document stages in worker processes, the stream's memory
(near-duplicates, stories) in this one.

Why processes: the stages are CPU-bound Python and numpy, so threads would share one core
under the GIL, and issue 3's throughput (2,000 tweets/s on 2 cores) needs both. Why only the
per-document half: near-duplicates and stories depend on every earlier document, in order,
so one process keeps them (`Enricher.connect`); they are a small share of the work.

Workers are started with "spawn" (not "fork"): DCC's server and workers run threads, and a
forked copy of a threaded process can deadlock. Each worker loads its models once, on start,
and this process loads the story embedder meanwhile (in a thread): a model loaded on first
use would stall the stream for seconds.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.pool import AsyncResult, Pool

from dcc.enrich.geo import load_town_table
from dcc.enrich.labels import Enrichment
from dcc.enrich.pipeline import Document, Enricher, analyse_batch
from dcc.enrich.sentiment import load_second_opinions

logger = logging.getLogger(__name__)

# A worker's garbage collector runs after this many more container objects are allocated than
# freed (CPython's default is 700). A worker makes few reference cycles, and with the default
# it spent about a tenth of a tweet's time collecting (issue 3).
WORKER_GC_THRESHOLD = 20_000
# The same in the process that runs the stream (`open_enricher`): it unpickles every
# document's labels, and with the default its collector ran ~80 times a thousand tweets, some
# of them full collections of the stream's memory (near-duplicates, stories): a fifth of its
# CPU on tweets (issue 3). Process-wide, and only ever raised: in `dcc run` the web app
# shares the process, and fewer, larger young collections suit its pages as well.
STREAM_GC_THRESHOLD = 10_000

# One document of each main path (Indonesian, English), so that every model loads on start.
WARM_UP_TEXTS = (
    "Gempa bumi mengguncang Lombok, Kementerian Luar Negeri Indonesia memantau warga.",
    "A strong earthquake struck Lombok, Indonesia; residents fled their homes.",
)

# Batches in flight per worker: enough that a worker never waits for the next one while this
# process connects the previous, few enough that memory stays flat on an endless stream.
IN_FLIGHT_PER_WORKER = 2


def default_processes() -> int:
    """Worker processes for this machine: one per core, or none on a single core."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def open_enricher(processes: int | None = None) -> Enricher:
    """An enricher with `processes` workers (None: `default_processes()`; 0 or 1: in-process),
    in a process whose collector runs less often (STREAM_GC_THRESHOLD)."""
    count = default_processes() if processes is None else processes
    youngest, *older = gc.get_threshold()
    if youngest < STREAM_GC_THRESHOLD:
        gc.set_threshold(STREAM_GC_THRESHOLD, *older)
    return ParallelEnricher(count) if count > 1 else Enricher()


def _warm_up() -> None:
    """Load every model in a new worker, so its first real batch is not slow."""
    analyse_batch([Document(id=f"warm-up-{i}", text=text) for i, text in enumerate(WARM_UP_TEXTS)])
    load_town_table()  # read on demand otherwise, which these texts do not make
    load_second_opinions()  # likewise: only a text a sentiment blend is unsure of asks
    # The models live as long as the worker: frozen, the collector no longer walks their
    # hundreds of thousands of objects (about 10% of a worker's time on tweets before).
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD)


def _load_story_embedder() -> None:
    """Load the model `connect` uses in this process (see encoder.default_embedder)."""
    try:
        from dcc.enrich.encoder import default_embedder

        default_embedder()
    except Exception as exc:  # the stories stage reports it on first use
        logger.debug("story embedder not preloaded: %s", exc)


class ParallelEnricher(Enricher):
    """An Enricher whose per-document stages run in a pool of worker processes."""

    def __init__(self, processes: int) -> None:
        super().__init__()
        self.processes = processes
        context = multiprocessing.get_context("spawn")
        self._pool: Pool | None = context.Pool(processes, initializer=_warm_up)
        threading.Thread(
            target=_load_story_embedder, name="load-story-embedder", daemon=True
        ).start()

    def _workers(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("this enricher is closed")
        return self._pool

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment]:
        """The labels of each document; the batch is shared out among the workers."""
        if not docs:
            return []
        parts = _parts(list(docs), self.processes)
        analysed = [labels for part in self._workers().map(analyse_batch, parts) for labels in part]
        return self.connect(docs, analysed)

    def enrich_batches(self, batches: Iterable[Sequence[Document]]) -> Iterator[list[Enrichment]]:
        """Each batch's labels, in order; workers analyse later parts while this process
        connects earlier ones.

        Each batch goes out in one part per worker, and is connected part by part as the
        parts come back: a worker starts on the next part while this process connects the
        last, and the stream's end waits for one part's connecting, not a whole batch's
        (with whole batches, 1,000 articles ran at 306/s, 2 workers; see bench/enrich.py).
        """
        pending: deque[tuple[int, Sequence[Document], AsyncResult[list[Enrichment]]]] = deque()
        done: list[Enrichment] = []

        def connect_oldest() -> Iterator[list[Enrichment]]:
            remaining, docs, result = pending.popleft()
            done.extend(self.connect(docs, result.get()))
            if remaining == 0:  # the last part of its batch
                yield done[:]
                done.clear()

        for batch in batches:
            parts = _parts(list(batch), self.processes)
            for n, part in enumerate(parts):
                result = self._workers().apply_async(analyse_batch, (part,))
                pending.append((len(parts) - 1 - n, part, result))
                if len(pending) > self.processes * IN_FLIGHT_PER_WORKER:
                    yield from connect_oldest()
        while pending:
            yield from connect_oldest()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def _parts(docs: list[Document], count: int) -> list[list[Document]]:
    """`docs` in at most `count` consecutive parts of near-equal size (one, if empty)."""
    size = max(1, -(-len(docs) // count))
    return [docs[i : i + size] for i in range(0, len(docs), size)] or [docs]
