"""`filmgraph serve --workers N`: N server processes, each listening on the port with its own socket.

uvicorn's own workers share one listening socket, and the worker that wakes first accepts every
connection waiting: the benchmark's 16 clients, connecting at once to a 2-worker server, landed
16/0, 13/3, 12/4 and 10/6 in four starts, and with every page computed the busy worker queued
while the other core idled (44.6 % of the machine idle in such a round). Here each worker binds
its own socket with SO_REUSEPORT (on Linux: see BALANCED), and the kernel spreads new connections
over the workers by a hash of their addresses. The supervisor starts the workers, restarts one that dies, and stops
them all when it is stopped; a worker stops when the supervisor dies.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
from typing import Any

from filmgraph.errors import UsageError

# Linux spreads connections over the sockets listening with SO_REUSEPORT; elsewhere (macOS, the
# BSDs) the flag lets several listen but one of them gets the connections, so there the workers
# share the supervisor's socket, as uvicorn's do.
BALANCED = sys.platform.startswith("linux")
STARTUP_TIMEOUT = 120.0  # seconds a worker may take to take its checkpoint and listen
STOP_TIMEOUT = 10.0  # seconds a worker has to finish its requests before it is killed


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening socket on host:port, or a usage error saying why not. With `reuse_port`, other
    sockets of this user with the same flag may listen on the port too (the workers' sockets)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(2048)
    return sock


def run_workers(settings: dict[str, Any], options: dict[str, Any], sock: socket.socket, workers: int,
                announce, line: str) -> None:
    """Serve with `workers` processes until interrupted; `announce(line)` once all of them listen.
    `sock` is the caller's socket on the port, made without SO_REUSEPORT (`listen`), so that a
    second server on a port in use is refused rather than joining this one's workers. Where
    BALANCED, it is closed and each worker listens on its own; elsewhere the workers share it."""
    host, port = sock.getsockname()[:2]
    shared = None if BALANCED else sock
    if BALANCED:
        sock.close()
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    running: list[Any] = []
    try:
        starting = [_spawn(context, settings, options, host, port, shared) for _ in range(workers)]
        running.extend(process for process, _ in starting)
        for process, ready in starting:
            _wait_ready(process, ready)
        announce(line)
        while not stop.wait(0.5):
            for index, process in enumerate(running):
                if not process.is_alive() and not stop.is_set():
                    running[index], ready = _spawn(context, settings, options, host, port, shared)
                    _wait_ready(running[index], ready)
    finally:
        for process in running:
            if process.is_alive():
                process.terminate()
        for process in running:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
        if shared is not None:
            shared.close()


def _spawn(context, settings: dict[str, Any], options: dict[str, Any], host: str, port: int,
           shared: socket.socket | None):
    """A worker process starting, and the end of the pipe on which it says whether it listens."""
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(settings, options, host, port, os.getpid(), send, shared),
                              name="filmgraph-serve-worker")
    process.start()
    send.close()
    return process, receive


def _wait_ready(process, ready) -> None:
    """Return once the worker listens; a usage error (its reason) when it cannot."""
    try:
        if not ready.poll(STARTUP_TIMEOUT):
            process.kill()
            raise UsageError(f"a server worker did not start within {STARTUP_TIMEOUT:g} s")
        failure = ready.recv()
    except EOFError:
        process.join(5)
        failure = f"a server worker stopped while starting (exit code {process.exitcode})"
    finally:
        ready.close()
    if failure:
        process.join(5)
        raise UsageError(failure)


def _worker(settings: dict[str, Any], options: dict[str, Any], host: str, port: int, parent: int, ready,
            shared: socket.socket | None) -> None:
    """One worker: its own socket on the port (or the `shared` one), the site, uvicorn; `ready`
    gets None once it listens, or the reason it could not."""
    _stop_with(parent)
    import uvicorn

    from filmgraph.errors import FilmgraphError
    from filmgraph.serve.app import create_app

    try:
        sock = shared if shared is not None else listen(host, port, reuse_port=True)
        server = uvicorn.Server(uvicorn.Config(create_app(**settings), **options))
    except FilmgraphError as e:
        ready.send(str(e))
        return
    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        with contextlib.suppress(OSError):
            ready.send(None if server.started else "a server worker could not start (see its log above)")
            ready.close()

    server.startup = startup
    server.run(sockets=[sock])


def _stop_with(parent: int) -> None:
    """Have the kernel stop this process when its supervisor dies (Linux), so that a supervisor
    killed outright leaves no worker holding the port."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the supervisor died before that took hold
        os._exit(0)
