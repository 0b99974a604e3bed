"""Worker processes that never outlive the process that started them.

`ordered_map` runs a function over tasks in a few forked processes and gives the results back in
task order; one daemon thread of the parent (the pump) feeds them and takes their results in, so
they keep working while the caller is busy. However the parent ends, the workers end with it: the
kernel kills them when it dies, even by `kill -9` (Linux `PR_SET_PDEATHSIG`); interrupts and
terminations are the parent's to handle (the workers ignore SIGINT and SIGTERM, so Ctrl-C prints no
worker tracebacks), and the parent kills them when it stops, finished or not. Each worker is one
process and one pipe; the pump ends when they do (their pipes close), so an abrupt stop leaves
nothing hanging at exit, as `concurrent.futures.ProcessPoolExecutor`'s manager thread can. The
store's lock is closed in every forked child (store/lock.py), so a worker never holds the store.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from filmgraph.errors import FilmgraphError

__all__ = ["WorkerDied", "ordered_map"]

# Tasks per worker sent but not yet taken by the caller: enough that the workers keep working while the
# caller spends a second or two on a batch (ingest validates and writes 500 records at a time).
AHEAD = 4


class WorkerDied(FilmgraphError):
    """A worker ended without answering: killed from outside, or out of memory."""


def _detach(parent: int) -> None:
    """In a worker: leave signals to the parent, and die when it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _serve(conn: Any, other_end: Any, func: Callable[..., Any], parent: int) -> None:
    """A worker's loop: a task in, its result (or its error, as one line) out, until the pipe closes."""
    _detach(parent)
    if other_end is not None:
        other_end.close()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            answer = ("ok", func(*task))
        except BaseException as e:  # noqa: BLE001 - sent back as one line, raised in the parent
            answer = ("error", f"{type(e).__name__}: {' '.join(str(e).split())[:300]}")
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context: Any, func: Callable[..., Any]):
        self.conn, child = context.Pipe()
        forked = context.get_start_method() == "fork"
        self.process = context.Process(target=_serve, args=(child, self.conn if forked else None, func, os.getpid()),
                                       daemon=True, name="filmgraph-worker")
        self.process.start()
        child.close()

    def stop(self) -> None:
        """Killed first, then its pipe closed: the pump, if it waits on this pipe, sees it end."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        try:
            self.conn.close()
        except OSError:
            pass


def ordered_map(func: Callable[..., Any], tasks: Iterable[tuple], workers: int) -> Iterator[Any]:
    """`func(*task)` for each task, in `workers` processes, yielded in task order. An exception in a
    worker is raised here as a `FilmgraphError` naming it; a worker that dies raises `WorkerDied`.

    One thread of this process (the pump) sends the tasks and takes in the results as they come,
    so the workers keep working while the caller is busy with what it was given (validating,
    writing); at most `AHEAD` tasks per worker are sent or waiting to be taken, so memory follows
    the caller, not the input."""
    # fork: the workers start at once and need nothing re-imported; spawn and forkserver would also
    # re-run a caller's unguarded script (no `if __name__ == "__main__"`) in every worker.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pool: list[_Worker] = []
    pump: _Pump | None = None
    try:
        pool = [_Worker(context, func) for _ in range(max(1, workers))]
        pump = _Pump(pool, iter(tasks), AHEAD * len(pool))  # started after the forks
        while True:
            kind, value = pump.results.get()
            pump.slots.release()
            if kind == "done":
                return
            if kind == "died":
                raise WorkerDied("a worker process died (killed from outside, or out of memory); what landed "
                                 "is whole: run the same command again to resume")
            if kind == "error":
                raise FilmgraphError(f"a worker process failed: {value}")
            yield value
    finally:
        if pump is not None:
            pump.stop()
        for worker in pool:
            worker.stop()
        if pump is not None:
            pump.thread.join(5)


class _Pump:
    """Sends tasks to the workers in turn and puts their results, in task order, on `results`;
    `slots` counts the tasks that may still be sent before the caller takes a result."""

    def __init__(self, pool: list[_Worker], tasks: Iterator[tuple], window: int):
        self.pool, self.tasks = pool, tasks
        self.stopped = False
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.slots = threading.Semaphore(window)
        self.thread = threading.Thread(target=self._run, name="filmgraph-pump", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        sent = received = 0
        more = True
        try:
            while True:
                while more and self.slots.acquire(blocking=sent == received):
                    if self.stopped:
                        return
                    task = next(self.tasks, None)
                    if task is None:
                        self.slots.release()
                        more = False
                        break
                    self.pool[sent % len(self.pool)].conn.send(task)
                    sent += 1
                if sent == received:
                    self.results.put(("done", None))
                    return
                kind, value = self.pool[received % len(self.pool)].conn.recv()
                received += 1
                self.results.put((kind, value))
                if kind == "error":
                    return
        except (EOFError, OSError, ValueError):
            self.results.put(("died", None))
        except BaseException as e:  # noqa: BLE001 - the caller's task source failed: the caller raises it
            self.results.put(("error", f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"))

    def stop(self) -> None:
        """The caller is done: a pump waiting for a free slot wakes and ends."""
        self.stopped = True
        self.slots.release()
