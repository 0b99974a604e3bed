"""filmgraph: film records as linked data you can trust, query, publish and connect.

The public API, one name per stage of the data flow. Names are imported on first use so that
`import filmgraph` (and `filmgraph --help`) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # the record model
    "FilmRecord": "filmgraph.record",
    "CastMember": "filmgraph.record",
    "Character": "filmgraph.record",
    "SeriesRef": "filmgraph.record",
    "Runtime": "filmgraph.record",
    "Certificate": "filmgraph.record",
    "Release": "filmgraph.record",
    "Distributor": "filmgraph.record",
    "RelatedFilm": "filmgraph.record",
    "ExternalIds": "filmgraph.record",
    "Source": "filmgraph.record",
    # readers -> mapping -> validation -> store -> query / export / link
    "read_file": "filmgraph.readers",
    "map_record": "filmgraph.mapping",
    "validate_paths": "filmgraph.validate",
    "validate_store": "filmgraph.validate",
    "open_store": "filmgraph.store",
    "SparqlClient": "filmgraph.sparql",
    "ingest": "filmgraph.ingest",
    "export": "filmgraph.export",
    "read_record": "filmgraph.graph_records",
    # errors
    "FilmgraphError": "filmgraph.errors",
    "UsageError": "filmgraph.errors",
    "InputError": "filmgraph.errors",
    "StoreError": "filmgraph.errors",
    "QueryError": "filmgraph.errors",
    "NonConformingError": "filmgraph.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'filmgraph' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
