"""The web process's garbage collector: what startup built is frozen, once per process.

Why: a page allocates tens of thousands of objects, so CPython's collector runs several times
a request, and every few requests it walks every object alive: 250,000 once the app is built
(modules, SQLAlchemy's tables, FastAPI's routes, Babel's locale data). Measured with
bench/web.py on 1M items, those full collections took 100-250 ms each, in the middle of
whatever page was being served: most of the story and search pages' p95. Frozen
(`gc.freeze`), the startup objects are skipped by every collection; they are freed as
before when nothing refers to them any more. The enrichment workers do the same
(enrich/parallel.py).
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_is_frozen = False


def freeze_startup_objects() -> None:
    """Move every object alive now out of the collector's reach, the first time only (tests
    build many apps in one process; each freeze would keep the cycles of earlier ones)."""
    global _is_frozen
    with _lock:
        if _is_frozen:
            return
        gc.freeze()
        _is_frozen = True
