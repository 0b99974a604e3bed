"""The SPARQL room: query text (`text.py`: IRIs, escaping, VALUES binding, query form) and the one
SPARQL 1.1 protocol client (`client.py`), used by the remote backend, the link targets and the
query verb. `text` is imported by the mapping, so this package imports nothing heavy itself."""

from __future__ import annotations

from typing import Any

__all__ = ["SparqlClient", "inject_values", "iri", "literal", "query_form", "values_clause"]


def __getattr__(name: str) -> Any:
    if name == "SparqlClient":
        from filmgraph.sparql.client import SparqlClient

        return SparqlClient
    if name in __all__:
        from filmgraph.sparql import text

        return getattr(text, name)
    raise AttributeError(name)
