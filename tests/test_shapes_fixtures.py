"""Every shape in shapes/ against its fixture folder: the passing fixture gives no result at all, the
failing one exactly the expected (severity, focus, path), as pySHACL reports them.

tests/fixtures/shapes/<shape>/ holds pass.ttl / fail.ttl (a data graph, for values no reader would
produce) or pass.json / fail.json (a record, through the JSON reader and the mapper), expected.json,
and, for cross-record rules, store/*.json: records ingested first, so that the rule must find its
neighbours in the store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Namespace

from filmgraph.mapping import map_record
from filmgraph.readers import read_file
from filmgraph.store.embedded import EmbeddedStore
from filmgraph.validation import RecordView, neighbourhood, results_of, shapes_graph, validate_views

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
RULES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
STAMP = "2026-01-01T00:00:00Z"
PREFIXES = {
    "id:": "https://w3id.org/filmgraph/id/",
    "schema:": "https://schema.org/",
    "fg:": "https://w3id.org/filmgraph/ontology#",
    "prov:": "http://www.w3.org/ns/prov#",
}
SH = Namespace("http://www.w3.org/ns/shacl#")
FGSH = "https://w3id.org/filmgraph/shapes#"


def expand(curie: str) -> str:
    for prefix, base in PREFIXES.items():
        if curie.startswith(prefix):
            return base + curie[len(prefix):]
    return curie


def views_of(path: Path) -> list[RecordView]:
    if path.suffix == ".ttl":
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        return [RecordView(graph=f"urn:fixture:{path}", film="", triples=triples, path=str(path))]
    return [RecordView.of(map_record(r, STAMP)) for r in read_file(str(path)).records]


def fixture_report(folder: Path, which: str, tmp_path: Path, engine: str):
    """The report on a fixture, with the records of its `store/` folder (if any) in a store as context."""
    views = views_of(next(folder.glob(f"{which}.*")))
    context: list = []
    if (folder / "store").is_dir():
        with EmbeddedStore(str(tmp_path / f"store-{which}-{engine}"), write=True) as store:
            store.replace_graphs(map_record(r, STAMP) for f in sorted((folder / "store").glob("*.json"))
                                 for r in read_file(str(f)).records)
            context = neighbourhood(store, views)
    return validate_views(views, context, engine=engine)


def found(folder: Path, which: str, tmp_path: Path) -> set[tuple[str, str, str | None]]:
    """What pySHACL, the reference engine, reports (the Rust engine is held to it in test_shapes_engines)."""
    report = fixture_report(folder, which, tmp_path, "pyshacl")
    return {(severity, focus, path) for severity, focus, path, *_ in results_of(report.graph)}


def test_every_shape_has_a_fixture_folder():
    graph = shapes_graph()
    shapes = {str(s)[len(FGSH):] for kind in (SH.NodeShape, SH.PropertyShape)
              for s in graph.subjects(RDF.type, kind) if str(s).startswith(FGSH)}
    assert shapes == set(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_pass_fixture_conforms(rule, tmp_path):
    assert found(FIXTURES / rule, "pass", tmp_path) == set()


@pytest.mark.parametrize("rule", RULES)
def test_fail_fixture_gives_exactly_the_expected_results(rule, tmp_path):
    expected = json.loads((FIXTURES / rule / "expected.json").read_text())["expected"]
    want = {(e["severity"], expand(e["focus"]), expand(e["path"]) if e["path"] else None) for e in expected}
    assert found(FIXTURES / rule, "fail", tmp_path) == want
