"""The shapes (shapes/*.ttl, files a person edits), loaded once per process for each engine."""

from __future__ import annotations

from functools import cache

from filmgraph.terms import SH

__all__ = ["SH", "shapes_graph"]


@cache
def shapes_graph():
    """Every shapes/*.ttl file as one rdflib graph (parsed once per process)."""
    import rdflib

    from filmgraph.resources import data_dir

    graph = rdflib.Graph()
    for path in sorted(data_dir("shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph
