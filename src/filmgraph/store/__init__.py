"""Backends behind one small interface, chosen by location: the embedded store or a SPARQL server.

Ingest, export, validate and link speak only `Backend` (base.py); capabilities are declared as
flags so callers ask what a backend can do instead of testing its class. `open_store` lives here,
above the backends, so that no backend imports the factory that imports it.
"""

from __future__ import annotations

from collections.abc import Iterable

from filmgraph.store.base import Backend, WriteStats, is_remote

__all__ = ["Backend", "WriteStats", "is_remote", "open_store"]


def open_store(location: str, *, write: bool = False, lock_timeout: float | None = None,
               auth: tuple[str, str] | None = None, headers: Iterable[tuple[str, str]] = (),
               timeout: float | None = None, init: bool = False) -> Backend:
    """The backend `location` names: a SPARQL server for an http(s):// URL, else the embedded store
    in that folder (`write` takes the writer's lock; `init` lets it be made in a folder of other
    files). Credentials come from `auth`, else FILMGRAPH_AUTH; they are never printed."""
    if is_remote(location):
        from filmgraph.store.remote import RemoteStore

        return RemoteStore(location, write=write, auth=auth, headers=headers, timeout=timeout)
    from filmgraph.store.embedded import EmbeddedStore

    return EmbeddedStore(location, write=write, lock_timeout=lock_timeout, init=init)
