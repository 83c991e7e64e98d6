"""A worker that takes one job and then hangs until killed (tests/jobs/test_queues.py).

Usage: python dying_worker.py SPEC, SPEC being the JSON from `Backend.worker_argument`. Prints
"got <job id>" once it holds the job's lease; it never acks, nacks or closes.
"""

from __future__ import annotations

import asyncio
import json
import sys

# This file's folder is first on sys.path when run as a script.
from queue_backends import open_queue


async def main(spec: dict[str, object]) -> None:
    queue, _engine = await open_queue(spec)
    jobs = await queue.fetch(str(spec["topic"]), batch=1, timeout=10.0)
    if not jobs:
        print("none", flush=True)
        return
    print(f"got {jobs[0].id}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
