"""workers.ordered_map: results in task order, a bounded window, failures raised in the caller, and
workers that keep working while the caller is busy with what it was given."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

from filmgraph.errors import FilmgraphError
from filmgraph.workers import AHEAD, WorkerDied, ordered_map


def _square_after(n: int, pause: float) -> int:
    time.sleep(pause)
    return n * n


def _fail_on(n: int, bad: int) -> int:
    if n == bad:
        raise ValueError(f"task {n} is bad")
    return n


def _big_and_marked(n: int, folder: str) -> str:
    """A result far bigger than a pipe's buffer, and a file saying the task finished."""
    open(os.path.join(folder, f"done-{n}"), "w").close()
    return "x" * 1_000_000


def _own_pid(n: int) -> int:
    return os.getpid()


def _pumps() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "filmgraph-pump"]


def test_results_come_in_task_order_whatever_finishes_first():
    tasks = [(n, 0.05 if n % 3 == 0 else 0.0) for n in range(20)]
    assert list(ordered_map(_square_after, tasks, 2)) == [n * n for n in range(20)]


def test_a_task_that_raises_is_raised_in_the_caller_naming_it():
    with pytest.raises(FilmgraphError, match="ValueError: task 5 is bad"):
        list(ordered_map(_fail_on, [(n, 5) for n in range(12)], 2))
    assert not _pumps()


def test_a_worker_killed_from_outside_is_a_worker_died():
    results = ordered_map(_own_pid, ((n,) for n in range(10_000)), 2)
    os.kill(next(results), signal.SIGKILL)
    with pytest.raises(WorkerDied):
        for _ in results:
            pass


def test_workers_keep_working_while_the_caller_is_busy_within_the_window(tmp_path):
    """With results bigger than a pipe holds, a worker can only go on once its result is taken in:
    the pump takes them while the caller holds the first one, up to `ahead` per worker and no more."""
    results = ordered_map(_big_and_marked, [(n, str(tmp_path)) for n in range(40)], 2)
    next(results)
    window = 2 * AHEAD

    def finished() -> int:
        return len(list(tmp_path.iterdir()))

    deadline = time.monotonic() + 30
    while finished() < window + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert finished() == window + 1  # the one taken, and the window's worth after it
    assert len(list(results)) == 39
    assert finished() == 40


def test_a_caller_that_stops_early_leaves_no_worker_and_no_pump(tmp_path):
    results = ordered_map(_big_and_marked, [(n, str(tmp_path)) for n in range(40)], 2)
    next(results)
    results.close()
    assert not _pumps()
    assert not [p for p in multiprocessing.active_children() if p.name == "filmgraph-worker"]
