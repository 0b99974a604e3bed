"""What the store holds, counted by SPARQL so any backend answers the same: GRAPH patterns (a
server's default graph may or may not be the union) over filmgraph's own graphs (a shared server
holds other people's, and Virtuoso its system graphs)."""

from __future__ import annotations

from filmgraph.store.base import Backend
from filmgraph.settings import BASE_IRI
from filmgraph.terms import FG, SDO

_OURS = f'FILTER (STRSTARTS(STR(?g), "{BASE_IRI}graph/"))'

_COUNTS = [
    ("record graphs", f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{FG.RecordGraph}> }} {_OURS} }}"),
    ("films", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{SDO.Movie}> }} {_OURS} }}"),
    ("people", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{SDO.Person}> }} {_OURS} }}"),
    ("characters", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{FG.Character}> }} {_OURS} }}"),
    ("series", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{SDO.MovieSeries}> }} {_OURS} }}"),
    ("releases", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{SDO.PublicationEvent}> }} {_OURS} }}"),
    ("quads", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_OURS} }}"),
]


def stats(store: Backend) -> list[tuple[str, int]]:
    out = []
    for name, sparql in _COUNTS:
        solution = next(iter(store.query(sparql)))
        out.append((name, int(solution["n"].value)))
    return out
