"""A periodic sweep runs at once, again after each interval, survives a failing sweep and
stops when told."""

from __future__ import annotations

import asyncio
import logging

import pytest

from dcc.jobs.periodic import run_periodically


def test_sweeps_until_stopped_and_survives_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    stop = asyncio.Event()

    def sweep() -> int:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        if len(calls) == 4:
            stop.set()
        return len(calls)

    async def main() -> None:
        await asyncio.wait_for(
            run_periodically(sweep, stop, interval_s=0.01, what="test sweep, rows"), timeout=5
        )

    with caplog.at_level(logging.INFO, logger="dcc.jobs.periodic"):
        asyncio.run(main())
    assert len(calls) == 4  # the failure did not end the loop; the stop did
    messages = [record.getMessage() for record in caplog.records]
    assert "test sweep, rows: 1" in messages
    assert any("test sweep, rows failed" in message for message in messages)


def test_a_stopped_loop_does_not_sweep() -> None:
    stop = asyncio.Event()
    stop.set()
    calls: list[int] = []

    def sweep() -> int:
        calls.append(1)
        return 0

    asyncio.run(run_periodically(sweep, stop, interval_s=60, what="x"))
    assert calls == []
