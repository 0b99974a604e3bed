"""Query answers as a readable table, the W3C SPARQL 1.1 results formats, or RDF.

Every answer, local or remote, is first written as SPARQL 1.1 Query Results JSON and, for XML,
CSV and TSV, re-read by pyoxigraph and serialised by its own W3C writers: one code path, so the
embedded store and an endpoint give byte-identical output for the same rows.
"""

from __future__ import annotations

import io
import json
import re
from typing import IO, Any

import pyoxigraph as ox

from filmgraph.errors import UsageError
from filmgraph.query import Result
from filmgraph.terms import PREFIXES, XSD

TABULAR = ("table", "json", "xml", "csv", "tsv")
GRAPH = ("turtle", "ntriples", "jsonld")
FORMATS = TABULAR + GRAPH
_RESULTS_FORMAT = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_XSD_STRING = XSD + "string"
_NAMESPACES = sorted(PREFIXES.items(), key=lambda p: -len(p[1]))


def term_json(term: Any) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 JSON binding (xsd:string literals carry no datatype)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def results_json(result: Result) -> dict[str, Any]:
    if result.form == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [{name: term_json(term) for name, term in zip(result.variables, row) if term is not None}
                for row in result.rows]
    return {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}


# OWASP's CSV-injection rule: a cell a spreadsheet would run as a formula starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def defuse(answer: dict[str, Any]) -> dict[str, Any]:
    """SPARQL JSON results with every literal a spreadsheet would run as a formula (`=HYPERLINK(...)`)
    prefixed with `'` (OWASP), for CSV and TSV, which people open in spreadsheets; a number such
    as -5 is left alone (it is no formula)."""
    for row in answer.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "literal" and isinstance(term.get("value"), str):
                term["value"] = spreadsheet_safe(term["value"])
    return answer


def spreadsheet_safe(cell: str) -> str:
    """`cell`, or `'cell` when a spreadsheet would run it as a formula (OWASP's CSV-injection rule);
    a lone sign (a placeholder `-`) or a number such as -5 is no formula."""
    if len(cell) > 1 and cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def compact(iri: str) -> str:
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def cell(term: Any) -> str:
    """A term as a person reads it: compact IRIs, literals without quotes or datatypes."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value.replace("\n", " ")
    return str(term)


def table(result: Result) -> str:
    if result.form == "ask":
        return f"{'true' if result.boolean else 'false'}\n"
    header = list(result.variables)
    body = [[cell(t) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    count = len(body)
    note = f"({count} row{'s' if count != 1 else ''}"
    note += f"; stopped at --limit {count})" if result.truncated else ")"
    return "\n".join(lines + [note]) + "\n"


def check_format(form: str, fmt: str | None) -> str:
    """The format to write a `form` (select, ask, graph) answer in, refusing one that does not fit."""
    fmt = fmt or ("turtle" if form == "graph" else "table")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if form == "graph" and fmt not in GRAPH:
        raise UsageError(f"CONSTRUCT and DESCRIBE give RDF: use --format {', '.join(GRAPH)}, not {fmt}")
    if form != "graph" and fmt not in TABULAR:
        raise UsageError(f"SELECT and ASK give result rows: use --format {', '.join(TABULAR)}, not {fmt}")
    return fmt


def write(result: Result, fmt: str | None, output: IO[bytes]) -> None:
    """Write `result` in `fmt` (None: a table, or Turtle for CONSTRUCT/DESCRIBE)."""
    fmt = check_format(result.form, fmt)
    if result.form == "graph":
        _write_graph(result.triples, fmt, output)
        return
    if fmt == "table":
        output.write(table(result).encode("utf-8"))
        return
    answer = results_json(result)
    if fmt in ("csv", "tsv"):
        answer = defuse(answer)
    document = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    parsed = ox.parse_query_results(document, ox.QueryResultsFormat.JSON)
    buffer = io.BytesIO()
    parsed.serialize(buffer, _RESULTS_FORMAT[fmt])
    data = buffer.getvalue()
    output.write(data)
    if fmt in ("json", "xml") and not data.endswith(b"\n"):
        output.write(b"\n")


def _write_graph(triples: list[ox.Triple], fmt: str, output: IO[bytes]) -> None:
    from filmgraph.export import TURTLE_PREFIXES, write_jsonld

    if fmt == "jsonld":
        write_jsonld((ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples), output)
    elif fmt == "ntriples":
        for line in sorted(f"{t} .\n" for t in triples):
            output.write(line.encode("utf-8"))
    else:
        ox.serialize(triples, output, ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
