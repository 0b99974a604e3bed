"""`filmgraph serve`: the store published as linked data, read-only.

Dereferenceable IRIs with content negotiation, pages people read (with the records behind every
fact), pictures, a SPARQL 1.1 Protocol endpoint and the named queries; it reads private checkpoints
of the store so that `filmgraph ingest` can write while it runs (snapshots.py, docs/serve.md).
"""

from __future__ import annotations

from filmgraph.serve.app import create_app

__all__ = ["create_app", "run"]


def run(store: str, *, host: str = "127.0.0.1", port: int = 8080, base: str | None = None,
        timeout: float = 10.0, result_limit: int = 10_000, interval: float = 1.0, announce=print) -> None:
    """Serve until interrupted; `announce` gets the URL once the socket listens."""
    import uvicorn

    url_host = f"[{host}]" if ":" in host else host
    local = f"http://{url_host}:{port}/"
    app = create_app(store, base=base or local, timeout=timeout, result_limit=result_limit, interval=interval)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            h11_max_incomplete_event_size=64 * 1024, timeout_keep_alive=5)
    server = uvicorn.Server(config)

    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        if server.started:
            announce(f"filmgraph serving {store} at {local}" + (f" (published as {base})" if base else ""))

    server.startup = startup
    server.run()
