"""Validation in its setting: a batch with its store neighbourhood, or every record graph in a store.

Validation is incremental: the data graph is the batch's record graphs plus, from the store, only
the neighbourhood the cross-record rules read (the other members of each series the batch touches).
Neighbours are fetched without their `rdf:type`, so they are context, never focus nodes: the cost
follows the batch, not the store (docs/validation.md). Nothing here reads a source file.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pyoxigraph as ox

from filmgraph.graph_records import record_from_triples
from filmgraph.terms import FG, PROV, SDO
from filmgraph.validation.engine import tail, validate_views
from filmgraph.validation.model import Report
from filmgraph.validation.records import RecordView

_NEIGHBOURS = f"""
PREFIX schema: <{SDO.base}>
SELECT ?series ?g ?film ?p ?o WHERE {{
  GRAPH ?g {{
    ?film schema:isPartOf ?series ; ?p ?o .
    FILTER (?p IN (schema:isPartOf, schema:position, schema:dateCreated, schema:name))
  }}
}}"""


def neighbourhood(store, views: list[RecordView]) -> list[ox.Triple]:
    """What the cross-record rules need from the store for these records: the members of each series
    the records touch (membership, position, year, name), from graphs other than the records' own
    (those are about to be replaced). Never the whole store; `rdf:type` is left out on purpose."""
    if store is None:
        return []
    own = {v.graph for v in views}
    part_of = f" <{SDO.isPartOf}> <"
    series = sorted({line[line.index(part_of) + len(part_of):line.rindex(">")]
                     for v in views for line in v.text().splitlines() if part_of in line})
    out: set[ox.Triple] = set()
    for iri in series:
        for row in store.query(_NEIGHBOURS, {"series": ox.NamedNode(iri)}):
            if row["g"].value not in own:
                out.add(ox.Triple(row["film"], row["p"], row["o"]))
    return sorted(out, key=str)


def validate_batch(batch: list, store=None, engine: str | None = None) -> Report:
    """Validate mapped records (MappedRecord) before they land, with their store neighbourhood."""
    views = [RecordView.of(m) for m in batch]
    return validate_views(views, neighbourhood(store, views), engine)



def validate_store(store, engine: str | None = None) -> Report:
    """Validate every record graph in the store as one data graph (their union). Lines come from the
    graphs themselves (`fg:sourceLines`, written at ingest): no source file is read."""
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in store.quads():
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    views = [view for graph, triples in sorted(by_graph.items()) if (view := stored_view(graph, triples))]
    return validate_views(views, engine=engine)


def stored_view(graph: str, triples: list[ox.Triple]) -> RecordView | None:
    """The view of a stored record graph; None for a graph that is not a record's (the links graph)."""
    about = {t.predicate.value: t.object for t in triples if t.subject.value == graph}
    film = about.get(FG.describes)
    if film is None:
        return None
    source = about.get(PROV.wasDerivedFrom)
    facts = {t.predicate.value: t.object.value for t in triples if t.subject == source}
    path = facts.get(FG.sourcePath, "(unknown source)")
    row = int(facts[FG.sourceRow]) if FG.sourceRow in facts else None
    own = {t.predicate.value: t.object.value for t in triples if t.subject == film}
    year = own.get(SDO.dateCreated, "")
    lines = about.get(FG.sourceLines)
    record = None
    if lines is not None:
        record = record_from_triples(graph, ((t.subject, t.predicate, t.object) for t in triples))
    return RecordView(graph, film.value, triples, path, row, own.get(SDO.name, tail(film.value)),
                      int(year) if year.isdigit() else None, json.loads(lines.value) if lines is not None else {},
                      record)
