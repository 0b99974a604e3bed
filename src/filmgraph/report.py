"""Validation reports rendered for people (text), for SHACL tools (turtle) and for programs (json).

The text report is what a curator reads: grouped by record, then by the film or person a problem is
about (by title or name, never an IRI), one line per problem with its severity, message, the value
at fault and the source file and line. The json schema is documented in docs/validation.md.
"""

from __future__ import annotations

import json
from collections import defaultdict

from filmgraph.terms import FG, SDO, SHAPES
from filmgraph.validation import SEVERITIES, SH, Problem, RecordReport, Report


def _where(rr: RecordReport, problem: Problem) -> str:
    place = rr.view.path
    if problem.line is not None:
        return f"{place}:{problem.line}"
    if rr.view.row is not None:
        return f"{place} row {rr.view.row}"
    return f"{place}, line unknown"


def problem_line(rr: RecordReport, problem: Problem) -> str:
    value = f" (value {problem.shown})" if problem.shown else ""
    return f"{problem.severity:<9} {problem.message}{value}  [{_where(rr, problem)}]"


def render_record(rr: RecordReport, severities: tuple[str, ...] = SEVERITIES) -> str:
    """One record's problems, grouped by film or person, most severe first."""
    problems = [p for p in rr.problems if p.severity in severities]
    counts = _counted(problems)
    verdict = "does not conform" if rr.refused else "conforms"
    lines = [f"{rr.view.heading}: {verdict}" + (f" ({counts})" if counts else "")]
    groups: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        groups[p.about].append(p)
    main = next((a for a in groups if a.startswith("film ") and rr.view.title in a), None)
    for about in sorted(groups, key=lambda a: (a != main, a)):
        lines.append(f"  {about}")
        ordered = sorted(groups[about], key=lambda p: (SEVERITIES.index(p.severity), p.line or 0, p.message))
        lines.extend(f"    {problem_line(rr, p)}" for p in ordered)
    return "\n".join(lines)


def warning_lines(rr: RecordReport) -> list[str]:
    """The warnings of a record that lands, as ingest prints them."""
    return [f"warning: {_where(rr, p)}: {p.about}: {p.message}" + (f" (value {p.shown})" if p.shown else "")
            for p in rr.problems if p.severity == "Warning"]


def _counted(problems: list[Problem]) -> str:
    counts = {s: sum(1 for p in problems if p.severity == s) for s in SEVERITIES}
    words = {"Violation": "violation", "Warning": "warning", "Info": "info"}
    return ", ".join(f"{n} {words[s]}{'s' if n != 1 else ''}" for s, n in counts.items() if n)


def render_text(report: Report) -> str:
    parts = [render_record(rr) for rr in report.records if rr.problems]
    for p in report.unattributed:
        parts.append(f"(no record) {p.about}: {p.severity} {p.message}" + (f" (value {p.shown})" if p.shown else ""))
    refused = sum(1 for rr in report.records if rr.refused)
    count = len(report.records)
    summary = (f"{count} record{'s' if count != 1 else ''}: {refused} {'does' if refused == 1 else 'do'} not conform"
               + (f" ({_counted(report.problems)})" if report.problems else ", no problems found"))
    return "\n\n".join(parts + [summary]) + "\n"


def render_turtle(report: Report) -> str:
    """The standard SHACL validation report (`sh:ValidationReport`) as Turtle, its blank nodes
    labelled canonically so that the same report gives the same bytes."""
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    graph = Graph()
    for triple in to_canonical_graph(report.graph):
        graph.add(triple)
    graph.bind("sh", SH)
    graph.bind("schema", SDO.base)
    graph.bind("fg", FG.base)
    graph.bind("fgsh", SHAPES)
    return graph.serialize(format="turtle")


def to_json(report: Report) -> dict:
    records = []
    for rr in report.records:
        v = rr.view
        records.append({
            "source": v.path, "row": v.row, "graph": v.graph, "film": v.film, "title": v.title, "year": v.year,
            "conforms": not rr.refused,
            "results": [_result(p) for p in rr.problems],
        })
    return {"conforms": report.conforms, "counts": report.counts(), "records": records,
            "unattributed": [_result(p) for p in report.unattributed]}


def _result(p: Problem) -> dict:
    return {"severity": p.severity, "message": p.message, "about": p.about, "focus": p.focus, "path": p.path,
            "value": None if p.value is None else str(p.value), "shown": p.shown or None, "field": p.field,
            "line": p.line, "shape": p.shape, "constraint": p.constraint}


def render(report: Report, fmt: str = "text") -> str:
    if fmt == "turtle":
        return render_turtle(report)
    if fmt == "json":
        return json.dumps(to_json(report), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return render_text(report)
