"""Backends behind one small interface, chosen by name: the embedded store or a SPARQL endpoint.

Ingest, export and queries speak only `Backend`; capabilities are declared as flags so callers ask
what a backend can do instead of testing its class.
"""

from __future__ import annotations

from filmgraph.store.base import Backend, WriteStats, open_store

__all__ = ["Backend", "WriteStats", "open_store"]
