"""The workers' side runs the sign-in tables' housekeeping: an attempt older than 30 days is
gone soon after the workers start, a recent one stays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from dcc.context import Context
from dcc.runtime import run_workers
from dcc.store.schema import login_attempts


def test_workers_prune_old_login_attempts(ctx: Context) -> None:
    now = datetime.now(tz=UTC)
    with ctx.engine.begin() as conn:
        for username, age in (("old", timedelta(days=40)), ("recent", timedelta(hours=1))):
            conn.execute(
                insert(login_attempts).values(
                    username=username, client_address="192.0.2.1", is_success=False, at=now - age
                )
            )

    def remaining() -> list[str]:
        with ctx.engine.connect() as conn:
            return [row.username for row in conn.execute(select(login_attempts.c.username))]

    async def main() -> None:
        stop = asyncio.Event()
        workers = asyncio.create_task(run_workers(ctx, stop, with_scheduler=False))
        for _ in range(100):  # the first sweep runs as the workers start
            if await asyncio.to_thread(remaining) == ["recent"]:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(workers, timeout=30)

    asyncio.run(main())
    assert remaining() == ["recent"]
