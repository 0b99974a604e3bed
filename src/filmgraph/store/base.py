"""The store interface every backend implements, and the factory that picks one by location.

Every operation ingest, export, validate and link need is declared here, each behind a capability
flag; a backend that lacks one inherits the method that says so in a clear `StoreError`, so a
caller asks `backend.can(X)` and never tests a backend's class or attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from filmgraph.errors import StoreError

# Capability flags a backend declares.
LOCAL = "local"
"""The store is a folder on this machine, locked by filmgraph itself."""
TRANSACTIONS = "transactions"
"""A batch of records lands whole or not at all (remote servers: each record graph whole)."""
QUERY = "query"
"""SPARQL queries (`query`), and reading graphs back (`quads`, `graph_triples`, `graphs`)."""
WRITE = "write"
"""Replace or remove record graphs and derived graphs (`replace_graphs`, `remove_graphs`, `replace_graph`)."""
BULK_LOAD = "bulk-load"
"""A fast first load into an empty store (`is_empty`, `bulk_add`)."""
DUMP = "dump"
"""Every statement as N-Quads or N-Triples lines, complete (`dump_lines`): the export's input."""
OPTIMIZE = "optimize"
"""Compaction after a bulk load (`optimize`)."""
TIMED = "timed"
"""A query stops by itself once the caller's timeout has passed (`query(..., timeout=S)`), so no
thread is needed to stop waiting for it (an HTTP request has its deadline; pyoxigraph has none)."""
MATCH = "match"
"""Statements by pattern as pyoxigraph terms (`quads_for_pattern`, `contains_named_graph`): one
resource described from the indexes, without SPARQL (describe.py)."""


@dataclass(slots=True)
class WriteStats:
    """What a write did: graphs added, replaced and left alone because their content was unchanged."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    triples: int = 0
    graphs: list[str] = field(default_factory=list)

    def __iadd__(self, other: "WriteStats") -> "WriteStats":
        self.added += other.added
        self.replaced += other.replaced
        self.unchanged += other.unchanged
        self.triples += other.triples
        self.graphs.extend(other.graphs)
        return self


class Backend:
    """The operations, each raising a clear StoreError unless the backend declares its capability."""

    capabilities: frozenset[str] = frozenset()
    location: str = ""

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def _unsupported(self, capability: str, what: str) -> StoreError:
        return StoreError(f"{self.location} cannot {what} (the backend does not offer {capability!r})")

    # ---- reading ------------------------------------------------------------------------------

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True) -> Any:
        """Run SPARQL; `substitutions` bind variables to RDF terms (never pasted into the text as SPARQL)."""
        raise self._unsupported(QUERY, "answer queries")

    def rows(self, sparql: str) -> Iterable[Any]:
        """Every solution of a SELECT DISTINCT (without a prologue), however many: for listings that
        grow with the store, such as every record graph with its source. A server that caps its
        answers is read in pages, counted against its own COUNT of the same query; a store without
        a cap streams them."""
        return self.query(sparql)

    def quads(self) -> Iterator[Any]:
        raise self._unsupported(QUERY, "list its statements")

    def named_graphs(self) -> list[str]:
        raise self._unsupported(QUERY, "list its graphs")

    def graph_triples(self, graph: str) -> list[Any]:
        """Every triple of one named graph (complete: a server's row caps are paged past and checked)."""
        raise self._unsupported(QUERY, "read a graph")

    def graphs(self) -> Iterator[tuple[str, list[Any]]]:
        """Each graph with its triples in name order, the default graph ("") first when not empty,
        one graph in memory at a time."""
        raise self._unsupported(QUERY, "read its graphs")

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph: Any = None) -> Iterator[Any]:
        """The quads matching a pattern (None matches anything), as pyoxigraph's method of that name."""
        raise self._unsupported(MATCH, "match statements by pattern")

    def contains_named_graph(self, graph: Any) -> bool:
        raise self._unsupported(MATCH, "say whether it holds a graph")

    def dump_lines(self, output: IO[bytes], *, quads: bool) -> None:
        """Every statement as one line, unsorted: N-Quads, or with `quads=False` the N-Triples of the
        union (a triple in several graphs repeats; the export's sort folds it)."""
        raise self._unsupported(DUMP, "dump its statements")

    # ---- writing ------------------------------------------------------------------------------

    def replace_graphs(self, records: Iterable[Any]) -> WriteStats:
        """Write each mapped record as its named graph, replacing what the graph held; a record whose
        content hash the store already holds is left alone."""
        raise self._unsupported(WRITE, "write record graphs")

    def remove_graphs(self, graphs: Iterable[str]) -> int:
        raise self._unsupported(WRITE, "remove graphs")

    def replace_graph(self, graph: str, triples: Iterable[Any]) -> int:
        """Make one named graph hold exactly `triples` (a derived graph such as the links graph)."""
        raise self._unsupported(WRITE, "write a graph")

    def is_empty(self) -> bool:
        raise self._unsupported(BULK_LOAD, "say whether it is empty")

    def bulk_add(self, records: Iterable[Any]) -> WriteStats:
        """New record graphs by the fastest path the store has; for a first load into an empty store."""
        raise self._unsupported(BULK_LOAD, "bulk load")

    def optimize(self) -> None:
        raise self._unsupported(OPTIMIZE, "optimise")

    def settle(self) -> None:
        """Wait for writes still in flight (a server's bulk load uploads one batch while the next
        is mapped) and raise their failure; a store that writes synchronously has nothing to wait for."""

    # ---- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release what the backend holds (a lock, a connection)."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))
