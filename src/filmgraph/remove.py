"""Removing records: by source file or folder, by record graph, or by the film they describe.

A record graph is named from its source (docs/records.md), so "what this file said" is a set of
graphs found by the file's absolute path at ingest or its root-relative path; a film's records are
the graphs that `fg:describes` it. Everything asked for goes in one store update: all or nothing.
"""

from __future__ import annotations

import os
from urllib.parse import unquote

from pyoxigraph import NamedNode

from filmgraph import identity
from filmgraph.ingest import record_sources
from filmgraph.store.base import Backend
from filmgraph.terms import FG

__all__ = ["graphs_for", "remove"]

_DESCRIBING = f"SELECT DISTINCT ?g ?film WHERE {{ GRAPH ?g {{ ?g <{FG.describes}> ?film }} }}"


def _is_iri(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:"))


def graphs_for(store: Backend, targets: list[str], root: str | None = None) -> tuple[list[str], list[str]]:
    """The record graphs the targets name, sorted, and the targets that name none."""
    sources = record_sources(store)
    graphs = {g for g, _, _ in sources}
    found: set[str] = set()
    unmatched: list[str] = []
    for target in targets:
        hits: set[str] = set()
        if _is_iri(target):
            # As written, then as a browser copies it (percent-encoded: …/film/%E4%B8%83… is …/film/七…).
            for iri in dict.fromkeys((target, unquote(target))):
                if iri in graphs:
                    hits.add(iri)
                else:
                    hits.update(s["g"].value for s in store.query(_DESCRIBING, {"film": NamedNode(iri)}))
                if hits:
                    break
        else:
            absolute = os.path.abspath(target)
            relative = identity.relative_path(target, root or identity.default_root([target]))
            for graph, path, stored in sources:
                if stored and (stored == absolute or stored.startswith(absolute.rstrip(os.sep) + os.sep)):
                    hits.add(graph)
                elif path == relative or path.startswith(relative.rstrip("/") + "/"):
                    hits.add(graph)
        if hits:
            found |= hits
        else:
            unmatched.append(target)
    return sorted(found), unmatched


def remove(store: Backend, targets: list[str], *, root: str | None = None,
           dry_run: bool = False) -> tuple[list[str], list[str]]:
    """Remove the record graphs `targets` name in one update; returns (removed, unmatched targets).
    A target that names nothing (a typo) removes nothing at all."""
    found, unmatched = graphs_for(store, targets, root)
    if unmatched:
        return [], unmatched
    if found and not dry_run:
        store.remove_graphs(found)
    return found, unmatched
