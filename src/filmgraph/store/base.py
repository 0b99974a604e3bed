"""The store interface every backend implements, and the factory that picks one by location."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

# Capability flags a backend declares.
LOCAL = "local"
TRANSACTIONS = "transactions"
BULK_LOAD = "bulk-load"
UPDATE = "update"
# The backend hands its pyoxigraph store (`.oxigraph`) to exporters, which dump it in Rust.
NATIVE_DUMP = "native-dump"


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


class Backend(Protocol):
    capabilities: frozenset[str]

    def replace_graphs(self, records: Iterable[Any]) -> WriteStats:
        """Write each mapped record as its named graph, replacing what the graph held; atomic per call."""

    def remove_graphs(self, graphs: Iterable[str]) -> int: ...

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True) -> Any:
        """Run SPARQL; `substitutions` bind variables to RDF terms (never pasted into the text)."""

    def quads(self) -> Iterator[Any]: ...

    def named_graphs(self) -> list[str]: ...

    def dump(self, output: IO[bytes], rdf_format: Any) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Backend": ...

    def __exit__(self, *exc: object) -> None: ...


def open_store(location: str, *, write: bool = False, lock_timeout: float | None = None,
               init: bool = False) -> Backend:
    """An embedded store at `location` (a folder); `write` takes the writer's lock; `init` lets a
    store be made in a folder that holds other files."""
    from filmgraph.store.embedded import EmbeddedStore

    return EmbeddedStore(location, write=write, lock_timeout=lock_timeout, init=init)
