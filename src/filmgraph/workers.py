"""Worker processes that never outlive the process that started them.

`ordered_map` runs a function over tasks in a few forked processes and gives the results back in
task order. However the parent ends, the workers end with it: the kernel kills them when it dies,
even by `kill -9` (Linux `PR_SET_PDEATHSIG`); interrupts and terminations are the parent's to
handle (the workers ignore SIGINT and SIGTERM, so Ctrl-C prints no worker tracebacks), and the
parent kills them when it stops, finished or not. Each worker is one process and one pipe, nothing
else: no manager thread or queue feeder that an abrupt stop could leave hanging at exit (which
`concurrent.futures.ProcessPoolExecutor` does). The store's lock is closed in every forked child
(store/lock.py), so a worker never holds the store.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from filmgraph.errors import FilmgraphError

__all__ = ["WorkerDied", "ordered_map"]

# Tasks in flight per worker: one running, one waiting in its pipe, so no worker idles.
AHEAD = 2


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
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


def ordered_map(func: Callable[..., Any], tasks: Iterable[tuple], workers: int) -> Iterator[Any]:
    """`func(*task)` for each task, in `workers` processes, yielded in task order, at most `AHEAD`
    tasks per worker in flight (so memory follows the consumer). An exception in a worker is raised
    here as a `FilmgraphError` naming it; a worker that dies raises `WorkerDied`."""
    # fork: the workers start at once and need nothing re-imported; spawn and forkserver would also
    # re-run a caller's unguarded script (no `if __name__ == "__main__"`) in every worker.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pool: list[_Worker] = []
    try:
        pool = [_Worker(context, func) for _ in range(max(1, workers))]
        queue = iter(tasks)
        sent = received = 0
        for task in queue:
            pool[sent % len(pool)].conn.send(task)
            sent += 1
            if sent >= AHEAD * len(pool):
                break
        while received < sent:
            worker = pool[received % len(pool)]
            try:
                kind, value = worker.conn.recv()
            except (EOFError, OSError):
                raise WorkerDied("a worker process died (killed from outside, or out of memory); what landed "
                                 "is whole: run the same command again to resume") from None
            received += 1
            for task in queue:
                pool[sent % len(pool)].conn.send(task)
                sent += 1
                break
            if kind == "error":
                raise FilmgraphError(f"a worker process failed: {value}")
            yield value
    finally:
        for worker in pool:
            worker.stop()
