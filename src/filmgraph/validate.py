"""SHACL validation of record graphs: before they land (ingest), on paths, or over the whole store.

Two engines run the same shapes: the Rust `shacl` package where it is installed (the default), and
pySHACL, the reference, over an in-memory pyoxigraph store (its SPARQL constraints then run in
Oxigraph, which parses a query in microseconds where rdflib takes a tenth of a second per focus
node); `FILMGRAPH_SHACL_ENGINE` picks one, and tests hold them to the same reports.
Validation is incremental: the data graph is the batch's record graphs plus, from the store, only
the neighbourhood the cross-record rules read (the other members of each series the batch touches).
Neighbours are fetched without their `rdf:type`, so they are context, never focus nodes: the cost
follows the batch, not the store (docs/validation.md).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyoxigraph as ox

from filmgraph import identity
from filmgraph.terms import FG, PROV, RDF_TYPE, SDO

SH = "http://www.w3.org/ns/shacl#"
SEVERITIES = ("Violation", "Warning", "Info")

# Which record field (a key of FilmRecord.lines) a film's property comes from.
FILM_FIELDS = {
    SDO.name: "title", SDO.dateCreated: "year", SDO.director: "directors", SDO.author: "writers",
    SDO.actor: "cast", "https://schema.org/character": "characters", SDO.isPartOf: "series",
    SDO.position: "series", FG.follows: "series", FG.followedBy: "series", SDO.countryOfOrigin: "countries",
    SDO.inLanguage: "languages", SDO.subtitleLanguage: "subtitles", SDO.duration: "runtimes[0]",
    FG.runtime: "runtimes", SDO.releasedEvent: "releases", SDO.contentRating: "certificates",
    FG.distribution: "distributors", FG.originalTitle: "original_title", SDO.alternateName: "alternate_titles",
    FG.imdbId: "ids", FG.wikidataId: "ids", FG.tmdbId: "ids", FG.note: "notes",
}
# A film's links to nodes of its own, in record order: the i-th link is the field's i-th item.
_INDEXED = {SDO.actor: "cast", SDO.releasedEvent: "releases", SDO.contentRating: "certificates",
            FG.distribution: "distributors"}
_INDEX = re.compile(r"\[\d+\]$")


@cache
def shapes_graph():
    """Every shapes/*.ttl file as one rdflib graph (parsed once per process)."""
    import rdflib

    from filmgraph.resources import data_dir

    graph = rdflib.Graph()
    for path in sorted(data_dir("shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


# ---- what a record is, for reports -------------------------------------------------------------

@dataclass
class RecordView:
    """One record graph as validation reports on it: its triples, where it came from, its lines."""

    graph: str
    film: str
    triples: list[ox.Triple] | None
    """None when `ntriples` holds them: parsed on first use (most records have nothing to report)."""
    path: str
    row: int | None = None
    title: str = ""
    year: int | None = None
    lines: dict[str, int] = field(default_factory=dict)
    record: Any = None
    ntriples: str | None = None
    _fields: dict[str, str] | None = None
    _named: bool = False

    @classmethod
    def of(cls, mapped) -> "RecordView":
        rec = mapped.record
        return cls(mapped.graph.value, mapped.film.value, None, rec.source.path, rec.source.row, rec.title,
                   rec.year, dict(rec.lines), rec, mapped.ntriples)

    @property
    def statements(self) -> list[ox.Triple]:
        if self.triples is None:
            self.triples = list(ox.parse(self.ntriples or "", ox.RdfFormat.N_TRIPLES))
        return self.triples

    def text(self) -> str:
        """The record's statements as N-Triples."""
        return self.ntriples if self.ntriples is not None else "".join(f"{t} .\n" for t in self.statements)

    def subjects(self) -> set[str]:
        """The IRIs the record says something about, read off its N-Triples lines without parsing."""
        if self.ntriples is None:
            return {t.subject.value for t in self.statements}
        return {line[1:line.find("> ")] for line in self.ntriples.splitlines() if line.startswith("<")}

    @property
    def where(self) -> str:
        return self.path + (f" row {self.row}" if self.row is not None else "")

    @property
    def heading(self) -> str:
        return f"{self.where}: {self.title}" + (f" ({self.year})" if self.year else "")

    def field_of(self, focus: str, path: str | None) -> str | None:
        """The record field a (focus node, path) comes from: the film's own properties by path, other
        nodes by the field that introduced them (``cast[3]`` for the fourth role and its actor)."""
        if focus == self.film:
            return FILM_FIELDS.get(path or "", "title")
        if self._fields is None:
            self._fields = self._linked_fields()
        if focus not in self._fields and self.record is not None and not self._named:
            self._fields = {**self._named_fields(), **self._fields}
            self._named = True
        return self._fields.get(focus)

    def _linked_fields(self) -> dict[str, str]:
        """Nodes of the film's own (roles, releases, certificates, distributions, runtimes), by the
        order the film links them, and what hangs below them."""
        fields: dict[str, str] = {}
        counts: dict[str, int] = defaultdict(int)
        for t in self.statements:
            if t.subject.value != self.film or not isinstance(t.object, ox.NamedNode):
                continue
            p = t.predicate.value
            if p in _INDEXED:
                name = _INDEXED[p]
                fields.setdefault(t.object.value, f"{name}[{counts[name]}]")
                counts[name] += 1
            elif p == FG.runtime:
                minutes = t.object.value.rsplit("/", 1)[-1]
                index = next((i for i, r in enumerate(self.record.runtimes) if str(r.minutes) == minutes), None) \
                    if self.record is not None else None
                fields.setdefault(t.object.value, "runtimes" if index is None else f"runtimes[{index}]")
        return self._below(fields)

    def _named_fields(self) -> dict[str, str]:
        """Nodes minted from names in the record: related films, people, characters, series, countries."""
        rec = self.record
        fields: dict[str, str] = {}
        for i, related in enumerate(rec.related_films):
            fields.setdefault(identity.film_iri(related.title, related.year), f"related_films[{i}]")
        for name in rec.directors:
            fields.setdefault(identity.person_iri(name), "directors")
        for name in rec.writers:
            fields.setdefault(identity.person_iri(name), "writers")
        for i, member in enumerate(rec.cast):
            fields.setdefault(identity.person_iri(member.actor), f"cast[{i}]")
        scope = identity.slug(rec.series.name) if rec.series else identity.film_key(rec.title, rec.year)
        for i, character in enumerate(rec.characters):
            fields.setdefault(identity.character_iri(character.name, scope), f"characters[{i}]")
        for i, member in enumerate(rec.cast):
            if member.character:
                fields.setdefault(identity.character_iri(member.character, scope), f"cast[{i}]")
        if rec.series:
            fields.setdefault(identity.series_iri(rec.series.name), "series")
        for code in rec.countries:
            fields.setdefault(identity.country_iri(code), "countries")
        return self._below(fields)

    def _below(self, fields: dict[str, str]) -> dict[str, str]:
        """A node hanging below another (a role's actor, a release's country) shares its field."""
        for t in self.statements:
            if isinstance(t.object, ox.NamedNode) and t.subject.value in fields:
                fields.setdefault(t.object.value, fields[t.subject.value])
        return fields

    def states(self, focus: str, path: str | None, value: Any) -> bool:
        """Whether this record holds the statement (focus, path, value)."""
        if path is None or value is None:
            return False
        subject, predicate, obj = ox.NamedNode(focus), ox.NamedNode(path), _ox_term(value)
        return any(t.subject == subject and t.predicate == predicate and t.object == obj for t in self.statements)

    def line_of(self, key: str | None) -> int | None:
        """The source line of a field, falling back from ``cast[3]`` to ``cast``."""
        if key is None:
            return None
        if key in self.lines:
            return self.lines[key]
        return self.lines.get(_INDEX.sub("", key))


# ---- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One validation result, attributed to a record and, where known, a source line."""

    severity: str
    focus: str
    path: str | None
    value: Any
    message: str
    shape: str | None
    constraint: str
    about: str = ""
    field: str | None = None
    line: int | None = None
    shown: str = ""


@dataclass
class RecordReport:
    view: RecordView
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(p.severity == "Violation" for p in self.problems)


@dataclass
class Report:
    """What a validation found, by record, and the engine's `sh:ValidationReport` as an rdflib graph."""

    records: list[RecordReport]
    report_graph: Any
    """The graph, or a function that builds it: only `--format turtle` reads it, so ingest never pays."""
    unattributed: list[Problem] = field(default_factory=list)

    @property
    def graph(self) -> Any:
        if callable(self.report_graph):
            self.report_graph = self.report_graph()
        return self.report_graph

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.records for p in r.problems] + self.unattributed

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for p in self.problems:
            counts[p.severity] += 1
        return counts


# ---- the engine --------------------------------------------------------------------------------

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


ENGINES = ("pyshacl", "rust")
ENGINE_ENV = "FILMGRAPH_SHACL_ENGINE"


def default_engine() -> str:
    """`FILMGRAPH_SHACL_ENGINE` when set; else the Rust `shacl` package where it is installed (a
    dependency on the platforms it has wheels for; about three times faster than pySHACL), else
    pySHACL, the reference. tests/test_shapes_engines.py holds the two to the same reports."""
    from filmgraph.settings import Settings

    engine = Settings().shacl_engine
    if not engine:
        return "rust" if _rust_available() else "pyshacl"
    if engine not in ENGINES:
        from filmgraph.errors import UsageError

        raise UsageError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


@cache
def _rust_available() -> bool:
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
    parts = [_validate_once(part, context, engine or default_engine()) for part in rounds] or \
        [_validate_once([], context, engine or default_engine())]
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
        from filmgraph.errors import UsageError

        raise UsageError(f"{ENGINE_ENV}=rust needs the shacl package (pip install shacl)") from None

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


def _ox_term(term: Any):
    """A pyoxigraph term for an rdflib one (report values come back as rdflib terms)."""
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
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
            return f"person {_name(node, data) or _tail(node)}"
        if SDO.Movie in kinds:
            year = next((q.object.value for q in data.quads_for_pattern(ox.NamedNode(node), _YEAR, None)), None)
            return f"film {_name(node, data) or _tail(node)}" + (f" ({year})" if year else "")
        owner = next(iter(data.quads_for_pattern(None, None, ox.NamedNode(node))), None)
        if owner is None or not isinstance(owner.subject, ox.NamedNode):
            break
        node = owner.subject.value
    kinds = sorted(q.object.value for q in data.quads_for_pattern(ox.NamedNode(focus), _TYPE, None))
    kind = _KINDS.get(kinds[0], _tail(kinds[0]).lower()) if kinds else "node"
    return f"{kind} {_name(focus, data) or _tail(focus)}"


def _shown(value: Any, data: ox.Store) -> str:
    """The value at fault as a person reads it: a literal's text, a node's name."""
    if value is None:
        return ""
    from rdflib import Literal

    if isinstance(value, Literal):
        return f'"{value}"'
    return _name(str(value), data) or _tail(str(value))


def _tail(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


# ---- batches, paths and the whole store --------------------------------------------------------

_NEIGHBOURS = """
PREFIX schema: <https://schema.org/>
SELECT ?series ?g ?film ?p ?o WHERE {
  GRAPH ?g {
    ?film schema:isPartOf ?series ; ?p ?o .
    FILTER (?p IN (schema:isPartOf, schema:position, schema:dateCreated, schema:name))
  }
}"""


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


def ingest_validator():
    """The validator ingest runs per batch: records with violations are refused with their report;
    warnings are printed and the record lands (infos are left to `filmgraph validate`)."""
    from filmgraph.report import render_record, warning_lines

    engine = default_engine()  # a bad FILMGRAPH_SHACL_ENGINE fails before anything is read

    def validator(batch, store):
        report = validate_batch(batch, store, engine)
        refused = [(mapped, render_record(rr)) for mapped, rr in zip(batch, report.records) if rr.refused]
        warnings = [line for rr in report.records if not rr.refused for line in warning_lines(rr)]
        return refused, warnings

    return validator


def validate_paths(paths: list[str], store=None, engine: str | None = None,
                   **reader_options) -> tuple[Report, list[str], list[str]]:
    """Validate record files without writing anything, with the store (if any) as context.

    Returns the report, the files that could not be read (with file and line) and the rows a reader
    refused (many-record files), as messages a person can act on."""
    from filmgraph.errors import InputError
    from filmgraph.mapping import map_record
    from filmgraph.readers import expand_paths, read_file

    mapped, unreadable, refused = [], [], []
    for path in expand_paths(paths):
        try:
            result = read_file(path, **reader_options)
        except InputError as e:
            unreadable.append(str(e))
            continue
        except (ValueError, LookupError, TypeError, UnicodeError) as e:
            unreadable.append(f"{path}: could not be read ({type(e).__name__}: {e})")
            continue
        refused.extend(f"refused {row}" for row in result.refused)
        mapped.extend(map_record(record) for record in result.records)
    return validate_batch(mapped, store, engine), unreadable, refused


def validate_store(store, engine: str | None = None) -> Report:
    """Validate every record graph in the store as one data graph (their union); lines come from
    the source files when they still hold the record."""
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in store.quads():
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    files: dict[str, dict[str, Any]] = {}
    views = []
    for graph, triples in sorted(by_graph.items()):
        about = {t.predicate.value: t.object for t in triples if t.subject.value == graph}
        film = about.get(FG.describes)
        if film is None:
            continue  # derived graphs (links) are not records
        source = about.get(PROV.wasDerivedFrom)
        facts = {t.predicate.value: t.object.value for t in triples if t.subject == source}
        path = facts.get(FG.sourcePath, "(unknown source)")
        row = int(facts[FG.sourceRow]) if FG.sourceRow in facts else None
        found_at = facts.get(FG.absolutePath) or path
        own = {t.predicate.value: t.object.value for t in triples if t.subject == film}
        year = own.get(SDO.dateCreated, "")
        view = RecordView(graph, film.value, triples, found_at, row, own.get(SDO.name, _tail(film.value)),
                          int(year) if year.isdigit() else None)
        record = _reread(found_at, row, files)
        if record is not None:
            view.record, view.lines, view.title, view.year = record, dict(record.lines), record.title, record.year
        views.append(view)
    return validate_views(views, engine=engine)


def _reread(path: str, row: int | None, cache_: dict[Any, dict[Any, Any]]):
    """The record behind a stored graph, read again from its source file (at its absolute path at
    ingest, so from any folder) for line numbers; None when the file is gone or that row is not a record."""
    if path not in cache_:
        from filmgraph.errors import FilmgraphError
        from filmgraph.readers import read_file

        records: dict[str, Any] = {}
        if os.path.isfile(path):
            try:
                for rec in read_file(path).records:
                    records[rec.source.row] = rec
            except (FilmgraphError, ValueError, LookupError, TypeError, UnicodeError):
                pass
        cache_[path] = records
    return cache_[path].get(row)
