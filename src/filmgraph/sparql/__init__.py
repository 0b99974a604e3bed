"""The SPARQL room: query text (`text.py`: IRIs, escaping, VALUES binding, query form) and the one
SPARQL 1.1 protocol client (`client.py`), used by the remote backend, the link targets and the
query verb."""

from __future__ import annotations

from filmgraph.sparql.client import SparqlClient
from filmgraph.sparql.text import (
    escape, inert_service, inject_values, iri, is_iri, literal, query_form, uses_service, values_clause,
)

__all__ = ["SparqlClient", "escape", "inert_service", "inject_values", "iri", "is_iri", "literal", "query_form",
           "uses_service", "values_clause"]
