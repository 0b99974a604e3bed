"""The query threads of `filmgraph serve` (`endpoint.Limits`): the timeout, queries abandoned past
it, and the refusal while too many of them still run; without a server, on an event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from filmgraph.serve.endpoint import Limits, Refused


def test_an_answer_and_an_error_come_back_from_the_query_threads():
    limits = Limits(timeout=5, result_limit=10)

    def fails():
        raise Refused(400, "bad query")

    async def main():
        assert await limits.run(lambda: threading.current_thread().name, 5) != threading.current_thread().name
        with pytest.raises(Refused) as refused:
            await limits.run(fails, 5)
        return refused.value.status

    try:
        assert asyncio.run(main()) == 400
    finally:
        limits.close()


def test_a_query_past_its_timeout_is_abandoned_counted_and_then_forgotten():
    limits = Limits(timeout=5, result_limit=10, max_abandoned=1, threads=2)
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "late"

    async def main():
        with pytest.raises(Refused) as late:
            await limits.run(slow, 0.1)
        assert late.value.status == 503 and "timeout" in late.value.message
        assert started.is_set() and limits.abandoned() == 1
        with pytest.raises(Refused) as busy:  # while it still runs, new queries are refused
            await limits.run(lambda: "fast", 5)
        assert busy.value.status == 503 and "still running" in busy.value.message
        release.set()
        for _ in range(100):
            if limits.abandoned() == 0:
                break
            await asyncio.sleep(0.02)
        assert limits.abandoned() == 0
        return await limits.run(lambda: "fast", 5)

    try:
        assert asyncio.run(main()) == "fast"
    finally:
        release.set()
        limits.close()


def test_a_query_still_queued_at_its_timeout_never_runs():
    limits = Limits(timeout=5, result_limit=10, threads=1)
    release = threading.Event()
    ran = []

    async def main():
        blocker = asyncio.ensure_future(limits.run(lambda: release.wait(10), 5))
        await asyncio.sleep(0.05)  # the blocker is taken by the one query thread
        with pytest.raises(Refused):
            await limits.run(lambda: ran.append(True), 0.1)  # behind the blocker on the one thread
        assert limits.abandoned() == 0  # it never began, so it is not counted
        release.set()
        await blocker
        assert await limits.run(lambda: "after", 5) == "after"

    try:
        asyncio.run(main())
    finally:
        release.set()
        limits.close()
    assert ran == []
