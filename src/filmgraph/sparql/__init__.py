"""The SPARQL room: query text (`text.py`: IRIs, escaping, VALUES binding, query form) and the one
SPARQL 1.1 protocol client (`client.py`), used by the remote backend, the link targets and the
query verb."""

from __future__ import annotations

from typing import Any

from filmgraph.sparql.text import (
    escape, inert_service, inject_values, iri, is_iri, literal, query_form, uses_service, values_clause,
)

__all__ = ["SparqlClient", "escape", "inert_service", "inject_values", "iri", "is_iri", "literal", "query_form",
           "uses_service", "values_clause"]


def __getattr__(name: str) -> Any:
    """`SparqlClient` on first use: the client brings urllib, http and email (about 90 ms), which
    mapping and the embedded store, importing the query text helpers, never need."""
    if name == "SparqlClient":
        from filmgraph.sparql.client import SparqlClient

        return SparqlClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
