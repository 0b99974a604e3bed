"""What the store holds, counted by SPARQL so any backend answers the same."""

from __future__ import annotations

from filmgraph.store.base import Backend
from filmgraph.terms import FG, SDO

_COUNTS = [
    ("record graphs", f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{FG.RecordGraph}> }} }}"),
    ("films", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{SDO.Movie}> }}"),
    ("people", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{SDO.Person}> }}"),
    ("characters", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{FG.Character}> }}"),
    ("series", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{SDO.MovieSeries}> }}"),
    ("releases", f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{SDO.PublicationEvent}> }}"),
    ("quads", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
]


def stats(store: Backend) -> list[tuple[str, int]]:
    out = []
    for name, sparql in _COUNTS:
        solution = next(iter(store.query(sparql)))
        out.append((name, int(solution["n"].value)))
    return out
