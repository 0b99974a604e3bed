"""A link target held in memory: the same `select` as the SPARQL client, for tests and local mirrors."""

from __future__ import annotations

from typing import Any

from filmgraph.sparql.client import Row


class LocalTarget:
    """A pyoxigraph Store answering link queries in process."""

    def __init__(self, store: Any, endpoint: str = "local:"):
        self.store = store
        self.endpoint = endpoint
        self.requests = 0
        self.cached = 0

    def select(self, query: str) -> list[Row]:
        self.requests += 1
        results = self.store.query(query)
        names = [v.value for v in results.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in results]
