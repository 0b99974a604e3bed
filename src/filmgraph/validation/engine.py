"""The two SHACL engines behind one call, and each result given to the record that states it.

The Rust `shacl` package where it is installed (the default), and pySHACL, the reference, over an
in-memory pyoxigraph store (its SPARQL constraints then run in Oxigraph, which parses a query in
microseconds where rdflib takes a tenth of a second per focus node); the `shacl_engine` setting
picks one, and tests hold them to the same reports (docs/validation.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

import pyoxigraph as ox

from filmgraph.errors import UsageError
from filmgraph.settings import SHACL_ENGINES
from filmgraph.terms import FG, PROV, RDF_TYPE, SDO
from filmgraph.validation.model import SEVERITIES, Problem, RecordReport, Report
from filmgraph.validation.records import RecordView
from filmgraph.validation.shapes import SH, shapes_graph

@cache
def _data_graph_class():
    """pySHACL's Oxigraph data graph, minus one cost: it tests the graph's truth for each result it
    writes, and that counts every triple (a full scan per result, 1000 results x 150k triples)."""
    from pyshacl.graph_abstraction import OxigraphDataGraph

    class DataGraph(OxigraphDataGraph):
        def __bool__(self) -> bool:
            return True

    return DataGraph


def run_shacl(data: ox.Store):
    """pySHACL over an in-memory Oxigraph store holding the data graph in its default graph."""
    import pyshacl

    # inplace: advanced mode would otherwise copy the data graph first (for SHACL rules we do not use).
    _conforms, graph, _text = pyshacl.validate(_data_graph_class()(data), shacl_graph=shapes_graph(), advanced=True,
                                               inplace=True, allow_warnings=True, allow_infos=True)
    return graph


def _order(result: tuple) -> tuple:
    """Results sorted most severe first, then by focus, path, value and message: stable reports."""
    severity, focus, path, value, message = result[:5]
    return SEVERITIES.index(severity) if severity in SEVERITIES else 9, focus, path or "", str(value), message


def results_of(report_graph) -> list[tuple[str, str, str | None, Any, str, str | None, str]]:
    """(severity, focus, path, value, message, shape, constraint) for each result, sorted."""
    from rdflib import RDF, BNode, Namespace, URIRef

    sh = Namespace(SH)
    out = []
    for result in report_graph.subjects(RDF.type, sh.ValidationResult):
        path = report_graph.value(result, sh.resultPath)
        shape = report_graph.value(result, sh.sourceShape)
        messages = sorted(str(m) for m in report_graph.objects(result, sh.resultMessage))
        out.append((
            str(report_graph.value(result, sh.resultSeverity)).removeprefix(SH),
            str(report_graph.value(result, sh.focusNode)),
            str(path) if isinstance(path, URIRef) else None,
            report_graph.value(result, sh.value),
            messages[0] if messages else "",
            str(shape) if shape is not None and not isinstance(shape, BNode) else None,
            str(report_graph.value(result, sh.sourceConstraintComponent)).removeprefix(SH),
        ))
    return sorted(out, key=_order)


def choose_engine(setting: str = "", rust_installed: bool | None = None) -> str:
    """The engine the `shacl_engine` setting names; empty: the Rust `shacl` package where it is
    installed (a dependency on the platforms it has wheels for; about three times faster than
    pySHACL), else pySHACL, the reference. tests/test_shapes_engines.py holds the two to the same
    reports."""
    if not setting:
        installed = rust_available() if rust_installed is None else rust_installed
        return "rust" if installed else "pyshacl"
    if setting not in SHACL_ENGINES:
        raise UsageError(f"FILMGRAPH_SHACL_ENGINE must be one of {', '.join(SHACL_ENGINES)}, not {setting!r}")
    return setting


@cache
def rust_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("shacl") is not None


def validate_views(views: list[RecordView], context: Iterable[ox.Triple] = (), engine: str | None = None) -> Report:
    """Validate record views together, with `context` triples (neighbours) added to the data graph.

    Two records for one named graph (the same film twice in a run) would read as one graph with two
    content hashes; they are validated in separate rounds, as ingest would write them one after the
    other."""
    rounds: list[list[RecordView]] = []
    seen: dict[str, int] = defaultdict(int)
    for view in views:
        index = seen[view.graph]
        seen[view.graph] += 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(view)
    context = list(context)
    parts = [_validate_once(part, context, engine or choose_engine()) for part in rounds] or \
        [_validate_once([], context, engine or choose_engine())]
    if len(parts) == 1:
        return parts[0]
    by_view = {id(rr.view): rr for part in parts for rr in part.records}
    return Report([by_view[id(v)] for v in views], lambda: _merge_reports([p.graph for p in parts]),
                  [p for part in parts for p in part.unattributed])


def _merge_reports(graphs: list):
    """One `sh:ValidationReport` holding the results of several."""
    from rdflib import RDF, Graph, Literal, URIRef

    sh_conforms, sh_report, sh_result = URIRef(SH + "conforms"), URIRef(SH + "ValidationReport"), URIRef(SH + "result")
    merged = Graph()
    for graph in graphs:
        merged += graph
    first, *rest = list(merged.subjects(RDF.type, sh_report))
    conforms = all(merged.value(r, sh_conforms).toPython() for r in [first, *rest])
    for report in rest:
        for result in list(merged.objects(report, sh_result)):
            merged.add((first, sh_result, result))
        merged.remove((report, None, None))
    merged.set((first, sh_conforms, Literal(conforms)))
    return merged


def _validate_once(views: list[RecordView], context: list[ox.Triple], engine: str) -> Report:
    around = "".join(f"{t} .\n" for t in context)
    text = "".join(v.text() for v in views) + around
    if engine == "rust":
        results, report_graph = run_rust(text)
        return attribute(views, results, report_graph, around=around)
    data = _data_store(text)
    report_graph = run_shacl(data)
    return attribute(views, results_of(report_graph), report_graph, data=data)


def _data_store(ntriples: str) -> ox.Store:
    """An in-memory Oxigraph store holding the data graph in its default graph."""
    data = ox.Store()
    data.load(ntriples, ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    return data


@cache
def _rust_shapes():
    try:
        import shacl
    except ImportError:
        raise UsageError("FILMGRAPH_SHACL_ENGINE=rust needs the shacl package (pip install shacl)") from None

    from filmgraph.resources import data_dir

    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(data_dir("shapes").glob("*.ttl")))
    return shacl.Shapes.from_turtle(text)


def run_rust(text: str):
    """The Rust `shacl` engine over the data graph's N-Triples: results as `results_of` gives them,
    and a function that builds the report graph (rdflib) when one is asked for."""
    import rdflib
    from rdflib.util import from_n3

    report = _rust_shapes().validate_text(text, format="ntriples", allow_warnings=True)

    def iri(text: str | None) -> str | None:
        """`<iri>` to the IRI; a blank node or a complex path (not a bare predicate) to None."""
        return text[1:-1] if text and text.startswith("<") and text.endswith(">") else None

    out = [(r.severity, iri(r.focus_node), iri(r.path), from_n3(r.value) if r.value else None, r.message or "",
            iri(r.source_shape), r.component) for r in report.results]
    return sorted(out, key=_order), lambda: rdflib.Graph().parse(data=report.serialize("turtle"), format="turtle")


def attribute(views: list[RecordView], results, report_graph, data: ox.Store | None = None, around: str = "") -> Report:
    """Give each result to the records that state it: those holding the offending statement, else
    those describing the focus node; then name the film or person and the source line. Without
    `data`, the records with results and `around` (the context) are loaded to name things: most
    batches have nothing to report, and then nothing is loaded."""
    if not results:
        return Report([RecordReport(v) for v in views], report_graph, [])
    by_subject: dict[str, list[int]] = defaultdict(list)
    for i, view in enumerate(views):
        for subject in view.subjects():
            by_subject[subject].append(i)
    if data is None:
        involved = sorted({i for r in results for i in by_subject.get(r[1], ())})
        data = _data_store("".join(views[i].text() for i in involved) + around)
    reports = [RecordReport(v) for v in views]
    unattributed: list[Problem] = []
    for severity, focus, path, value, message, shape, constraint in results:
        candidates = by_subject.get(focus, [])
        holders = [i for i in candidates if views[i].states(focus, path, value)] or candidates
        about = _about(focus, data)
        shown = _shown(value, data)
        if not holders:
            unattributed.append(Problem(severity, focus, path, value, message, shape, constraint, about, shown=shown))
        for i in holders:
            view = views[i]
            key = view.field_of(focus, path)
            reports[i].problems.append(Problem(severity, focus, path, value, message, shape, constraint, about,
                                               key, view.line_of(key), shown))
    return Report(reports, report_graph, unattributed)


_NAME = ox.NamedNode(SDO.name)
_TYPE = ox.NamedNode(RDF_TYPE)
_YEAR = ox.NamedNode(SDO.dateCreated)
_KINDS = {FG.RecordGraph: "record graph", PROV.Entity: "source", SDO.MovieSeries: "series",
          SDO.Organization: "organisation", SDO.Country: "country", FG.Character: "character"}


def _name(node: str, data: ox.Store) -> str | None:
    for quad in data.quads_for_pattern(ox.NamedNode(node), _NAME, None):
        return quad.object.value
    return None


def _about(focus: str, data: ox.Store) -> str:
    """The film or person a result is about, by title or name: the focus itself when it is one,
    else the film or person its node hangs from (a role's film, a release's film)."""
    node = focus
    for _hop in range(4):
        kinds = {q.object.value for q in data.quads_for_pattern(ox.NamedNode(node), _TYPE, None)}
        if SDO.Person in kinds:
            return f"person {_name(node, data) or tail(node)}"
        if SDO.Movie in kinds:
            year = next((q.object.value for q in data.quads_for_pattern(ox.NamedNode(node), _YEAR, None)), None)
            return f"film {_name(node, data) or tail(node)}" + (f" ({year})" if year else "")
        owner = next(iter(data.quads_for_pattern(None, None, ox.NamedNode(node))), None)
        if owner is None or not isinstance(owner.subject, ox.NamedNode):
            break
        node = owner.subject.value
    kinds = sorted(q.object.value for q in data.quads_for_pattern(ox.NamedNode(focus), _TYPE, None))
    kind = _KINDS.get(kinds[0], tail(kinds[0]).lower()) if kinds else "node"
    return f"{kind} {_name(focus, data) or tail(focus)}"


def _shown(value: Any, data: ox.Store) -> str:
    """The value at fault as a person reads it: a literal's text, a node's name."""
    if value is None:
        return ""
    from rdflib import Literal

    if isinstance(value, Literal):
        return f'"{value}"'
    return _name(str(value), data) or tail(str(value))


def tail(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1]
