"""`filmgraph serve`: the store published as linked data, read-only.

Dereferenceable IRIs with content negotiation, pages people read (with the records behind every
fact), pictures, a SPARQL 1.1 Protocol endpoint and the named queries; it reads private checkpoints
of the store so that `filmgraph ingest` can write while it runs (snapshots.py, docs/serve.md).
"""

from __future__ import annotations

from filmgraph.serve.app import create_app
from filmgraph.serve.processes import listen, run_workers
from filmgraph.serve.snapshots import Snapshots, own_folder
from filmgraph.settings import SERVE_REFRESH, SERVE_REMEMBER, SERVE_RESULT_LIMIT, SERVE_TIMEOUT

__all__ = ["create_app", "serve_store"]


def serve_store(store: str, *, host: str = "127.0.0.1", port: int = 8080, base: str | None = None,
        timeout: float = SERVE_TIMEOUT, result_limit: int = SERVE_RESULT_LIMIT, interval: float = SERVE_REFRESH,
        workers: int = 1, remember: int = SERVE_REMEMBER, announce=print) -> None:
    """Serve until interrupted; `announce` gets the URL once the socket listens. With `workers` > 1,
    that many processes serve the port, each reading its own checkpoint (processes.py)."""
    import os
    import shutil
    import tempfile
    from urllib.parse import urlsplit

    import uvicorn

    # Check here, where a failure is one line on standard error, what uvicorn would report with a
    # traceback: that the store reads (a checkpoint is taken and kept) and that the port is free.
    snapshots = Snapshots(store, interval=interval, answers=remember)
    try:
        sock = listen(host, port)
    except BaseException:
        snapshots.close()
        raise
    port = sock.getsockname()[1]  # (the one the system chose, for --port 0)
    url_host = f"[{host}]" if ":" in host else host
    local = f"http://{url_host}:{port}" + ((urlsplit(base).path or "/") if base else "/")
    # With a process per core, query threads would add trips to and fro but no parallelism.
    settings = {"store": store, "base": base or local, "timeout": timeout, "result_limit": result_limit,
                "interval": interval, "remember": remember, "inline": workers >= (os.cpu_count() or 1)}
    line = f"filmgraph serving {store} at {local}" + (f" (published as {base})" if base else "")
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False, "timeout_keep_alive": 5,
               "timeout_graceful_shutdown": 5, "ws": "none", "lifespan": "on",
               "h11_max_incomplete_event_size": 64 * 1024}
    if workers > 1:
        snapshots.close()
        # The workers make each answer once between them: one writes it here, the others read it.
        shared = own_folder(tempfile.gettempdir(), "filmgraph-answers-")
        try:
            run_workers({**settings, "shared": shared}, options, sock, workers, announce, line)
        finally:
            shutil.rmtree(shared, ignore_errors=True)
        return
    server = uvicorn.Server(uvicorn.Config(create_app(**settings, snapshots=snapshots), **options))
    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        if server.started:
            announce(line)

    server.startup = startup
    server.run(sockets=[sock])
