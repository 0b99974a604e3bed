"""Golden graphs for the mapping: each tests/golden/<case>/record.<ext> read and mapped, compared as
graphs (`rdflib.compare.isomorphic`, graph by graph) with the case's expected.trig.

A change to a reader or to the mapping shows here as a graph difference to review. When the new
graphs are the right ones, regenerate every expected.trig with one command and review the diff:

    .venv/bin/python tests/test_golden.py --regenerate
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parents[1]
STAMP = "2026-01-01T00:00:00Z"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def record_file(case: str) -> str:
    """The case's record file, as a path relative to the checkout (what the graph records as source)."""
    (path,) = sorted((GOLDEN / case).glob("record.*"))
    return str(path.relative_to(ROOT))


def mapped(case: str) -> dict[str, Graph]:
    """The case's record graphs, by graph IRI, read and mapped through the pipeline."""
    from filmgraph.pipeline import map_paths

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        (outcome,) = map_paths([record_file(case)], generated_at=STAMP)
    finally:
        os.chdir(here)
    assert not outcome.refusals, [r.reason for r in outcome.refusals]
    graphs: dict[str, Graph] = {}
    for m in outcome.records:
        graphs[m.graph.value] = Graph().parse(data=m.ntriples, format="nt")
    return graphs


def expected(case: str) -> dict[str, Graph]:
    ds = Dataset()
    ds.parse(GOLDEN / case / "expected.trig", format="trig")
    return {str(g.identifier): Graph() + g for g in ds.graphs() if isinstance(g.identifier, URIRef)
            and len(g) and str(g.identifier) != "urn:x-rdflib:default"}


def write_expected(case: str) -> None:
    from filmgraph.terms import PREFIXES

    ds = Dataset()
    for prefix, iri in PREFIXES.items():
        ds.bind(prefix, iri)
    for name, graph in sorted(mapped(case).items()):
        target = ds.graph(URIRef(name))
        for triple in graph:
            target.add(triple)
    (GOLDEN / case / "expected.trig").write_text(ds.serialize(format="trig"), encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_mapping_matches_the_golden_graphs(case):
    got, want = mapped(case), expected(case)
    assert sorted(got) == sorted(want), "the case maps to other named graphs than expected.trig holds"
    for name in got:
        if not isomorphic(got[name], want[name]):
            _, only_got, only_want = graph_diff(to_isomorphic(got[name]), to_isomorphic(want[name]))
            pytest.fail(f"{case}: graph {name} differs from expected.trig (regenerate with "
                        f"`python tests/test_golden.py --regenerate` if the new graph is right)\n"
                        f"only in the mapping:\n{only_got.serialize(format='nt')}\n"
                        f"only in expected.trig:\n{only_want.serialize(format='nt')}")


@pytest.mark.parametrize("lines", [{"title": 1, "cast[0]": 3, "technical.aspect_ratio": 12}, {'a"b': 1},
                                   {"a\\b": 2}, {"é": 2}, {"flag": True}, {"~ !#[]": 5}, {"x": -1}])
def test_source_lines_are_written_as_json_would_write_them(lines):
    """The mapping writes `fg:sourceLines` directly for plain field names; the same text as JSON's."""
    from filmgraph.mapping import _lit, _source_lines_literal, source_lines

    assert _source_lines_literal(lines) == _lit(source_lines(lines))


def test_every_case_has_a_record_and_an_expectation():
    assert CASES, "tests/golden holds no cases"
    for case in CASES:
        assert (GOLDEN / case / "expected.trig").is_file(), f"{case} has no expected.trig"
        record_file(case)


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_golden.py --regenerate")
    for name in CASES:
        write_expected(name)
        print(f"wrote tests/golden/{name}/expected.trig")
