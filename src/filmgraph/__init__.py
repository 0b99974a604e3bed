"""filmgraph: film records as linked data you can trust, query, publish and connect.

The public API, one name per stage of the data flow. Names are imported on first use so that
`import filmgraph` (and `filmgraph --help`) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from filmgraph.settings import VERSION as __version__

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
    # settings, read once per run and passed down
    "Settings": "filmgraph.settings",
    # readers -> mapping (the pipeline) -> validation -> store
    "read_file": "filmgraph.readers",
    "read_paths": "filmgraph.pipeline",
    "map_paths": "filmgraph.pipeline",
    "map_record": "filmgraph.mapping",
    "open_store": "filmgraph.store",
    "SparqlClient": "filmgraph.sparql",
    "read_record": "filmgraph.graph_records",
    # one function per verb (ingest, validate, read, query, export, link, stats), each named apart
    # from its module: `filmgraph.export` the function would be shadowed by the module once imported
    "ingest_paths": "filmgraph.ingest",
    "validate_paths": "filmgraph.validate",
    "validate_store": "filmgraph.validation",
    "run_query": "filmgraph.query",
    "export_store": "filmgraph.export",
    "link_store": "filmgraph.link",
    "store_stats": "filmgraph.stats",
    "serve_store": "filmgraph.serve",
    # a resource as the record graphs describe it, and the web app that publishes them
    "describe_resource": "filmgraph.describe",
    "create_app": "filmgraph.serve",
    # errors
    "FilmgraphError": "filmgraph.errors",
    "UsageError": "filmgraph.errors",
    "InputError": "filmgraph.errors",
    "StoreError": "filmgraph.errors",
    "QueryError": "filmgraph.errors",
    "NonConformingError": "filmgraph.errors",
}
# Public names bound to another name in their module.
_ALIASES = {"ingest_paths": "ingest", "run_query": "run", "export_store": "export", "link_store": "link",
            "store_stats": "stats"}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'filmgraph' has no attribute {name!r}")
    value = getattr(import_module(module), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
