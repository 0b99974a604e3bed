"""The store as Turtle, TriG, N-Quads, N-Triples or JSON-LD, byte-identical for the same content.

Statements are written in sorted order (N-Quads and N-Triples line by line), so two stores with
the same quads export the same bytes. Turtle and N-Triples hold one graph: they carry the union
of the record graphs. JSON-LD is compacted with ontology/context.jsonld, film by film, so that
each film reads as a schema.org Movie object a web page could embed.

From a store (a backend declaring `dump`) the statements arrive as unsorted lines, written by the
backend's own fastest path (the embedded store dumps in Rust on every core; a SPARQL server is
paged through with every count checked), to a temporary file, and a byte-wise external sort
(`LC_ALL=C sort`, bounded memory) orders them; UTF-8 byte order is code point order, so the result
is the same as sorting the strings, and the same on every backend (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from typing import IO, Any

import pyoxigraph as ox

from filmgraph.errors import UsageError
from filmgraph.resources import data_file
from filmgraph.terms import PREFIXES, RDF_TYPE, SDO, XSD

FORMATS = ("turtle", "trig", "nquads", "ntriples", "jsonld")
_OX_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
}
_XSD_STRING = XSD + "string"
# Minted IRIs stay whole: a slash in a prefixed name needs escaping, which reads worse.
TURTLE_PREFIXES = {k: PREFIXES[k] for k in ("schema", "fg", "prov", "xsd")}


def sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(quads, key=str)


def sorted_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union of all graphs: each triple once, sorted."""
    unique = {str(t): t for t in (q.triple for q in quads)}
    return [unique[k] for k in sorted(unique)]


def export(source: Any, fmt: str, output: IO[bytes]) -> None:
    """Write a store (a Backend) or any iterable of quads in `fmt`, sorted, to `output`."""
    from filmgraph.store.base import DUMP, Backend

    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(source, Backend):
        if not source.can(DUMP):
            raise source._unsupported(DUMP, "be exported")
        _export_store(source, fmt, output)
        return
    quads = source
    if fmt == "jsonld":
        write_jsonld(quads, output)
    elif fmt == "nquads":
        for line in sorted(f"{q} .\n" for q in quads):
            output.write(line.encode())
    elif fmt == "ntriples":
        for line in sorted({f"{q.triple} .\n" for q in quads}):
            output.write(line.encode())
    elif fmt == "turtle":
        ox.serialize(sorted_triples(quads), output, _OX_FORMAT[fmt], prefixes=TURTLE_PREFIXES)
    else:
        ox.serialize(sorted_quads(quads), output, _OX_FORMAT[fmt], prefixes=TURTLE_PREFIXES)


# Memory the external sort may use before it spills to temporary files.
SORT_MEMORY = "512M"


def _export_store(store: Any, fmt: str, output: IO[bytes]) -> None:
    if fmt == "jsonld":
        write_jsonld_graphs(store, output)
        return
    with tempfile.TemporaryDirectory(prefix="filmgraph-export-") as tmp:
        dumped = os.path.join(tmp, "dump")
        with open(dumped, "wb") as f:
            store.dump_lines(f, quads=fmt in ("nquads", "trig"))
        if fmt in ("nquads", "ntriples"):
            _sort_lines(dumped, tmp, output, unique=fmt == "ntriples")
            return
        ordered = os.path.join(tmp, "sorted")
        with open(ordered, "wb") as f:
            _sort_lines(dumped, tmp, f, unique=fmt == "turtle")
        source = ox.RdfFormat.N_QUADS if fmt == "trig" else ox.RdfFormat.N_TRIPLES
        ox.serialize(ox.parse(path=ordered, format=source), output, _OX_FORMAT[fmt], prefixes=TURTLE_PREFIXES)


def _sort_lines(path: str, tmp: str, output: IO[bytes], *, unique: bool) -> None:
    """Byte-wise sort of a file's lines into `output`: GNU/BSD sort when present, else in memory."""
    sort = shutil.which("sort")
    if sort is None:
        with open(path, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        output.write(b"".join(sorted(set(lines)) if unique else sorted(lines)))
        return
    command = [sort, "-S", SORT_MEMORY, "-T", tmp] + (["-u"] if unique else []) + [path]
    env = {**os.environ, "LC_ALL": "C"}
    try:
        fileno = output.fileno()
    except (AttributeError, OSError, ValueError):
        fileno = None
    if fileno is not None:
        output.flush()
        _check_sort(subprocess.run(command, stdout=fileno, env=env).returncode)
        return
    with subprocess.Popen(command, stdout=subprocess.PIPE, env=env) as proc:
        shutil.copyfileobj(proc.stdout, output, 1 << 20)
    _check_sort(proc.returncode)


def _check_sort(status: int) -> None:
    """`sort` stopped by SIGPIPE means the reader went away (`filmgraph export | head`): the same
    BrokenPipeError a write of our own would raise, which the CLI ends quietly on."""
    if status == -signal.SIGPIPE:
        raise BrokenPipeError("the reader of the export closed the pipe")
    if status:
        raise OSError(f"sort exited with status {status}")


@cache
def context() -> dict[str, Any]:
    with open(data_file("ontology", "context.jsonld"), encoding="utf-8") as f:
        return json.load(f)


class _Compactor:
    """Chooses the context's term for each predicate and value, the way JSON-LD compaction would."""

    def __init__(self, ctx: dict[str, Any]):
        body = ctx["@context"]
        self.vocab = body.get("@vocab", "")
        self.prefixes = {k: v for k, v in body.items() if isinstance(v, str) and not k.startswith("@")
                         and v.endswith(("/", "#"))}
        self.defined = {k for k in body if not k.startswith("@")}
        self.terms: dict[tuple[str, str | None], str] = {}
        self.type_terms: dict[str, str] = {}
        for term, definition in sorted(body.items()):
            if term.startswith("@"):
                continue
            if isinstance(definition, str):
                iri, coercion = self.expand(definition), None
            elif isinstance(definition, dict) and "@id" in definition:
                iri, coercion = self.expand(definition["@id"]), definition.get("@type")
                if coercion not in (None, "@id", "@vocab"):
                    coercion = self.expand(coercion)
                if "@language" in definition or "@container" in definition:
                    continue
            else:
                continue
            if iri in self.prefixes.values():
                continue
            self.terms.setdefault((iri, coercion), term)
            if coercion is None:
                self.type_terms.setdefault(iri, term)

    def expand(self, value: str) -> str:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value

    def iri(self, iri: str) -> str:
        """A compact IRI for a node reference (`id:film/x`), or the IRI itself."""
        for prefix, ns in sorted(self.prefixes.items(), key=lambda p: -len(p[1])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def type_name(self, iri: str) -> str:
        if iri in self.type_terms:
            return self.type_terms[iri]
        return self._vocab_local(iri) or self.iri(iri)

    def _vocab_local(self, iri: str) -> str | None:
        """The bare local name under @vocab, unless a term of that name means something else."""
        if self.vocab and iri.startswith(self.vocab):
            local = iri[len(self.vocab):]
            if local not in self.defined and "/" not in local and ":" not in local:
                return local
        return None

    def property(self, predicate: str, value: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, Any]:
        if isinstance(value, (ox.NamedNode, ox.BlankNode)):
            ref = value.value if isinstance(value, ox.NamedNode) else f"_:{value.value}"
            term = self.terms.get((predicate, "@id"))
            if term:
                return term, self.iri(ref) if isinstance(value, ox.NamedNode) else ref
            return self._plain(predicate), {"@id": self.iri(ref) if isinstance(value, ox.NamedNode) else ref}
        datatype = value.datatype.value
        if value.language is None and datatype != _XSD_STRING:
            term = self.terms.get((predicate, datatype))
            if term:
                return term, value.value
            return self._plain(predicate), {"@value": value.value, "@type": self.iri(datatype)}
        name = self._plain(predicate)
        if value.language:
            return name, {"@value": value.value, "@language": value.language}
        return name, value.value

    def _plain(self, predicate: str) -> str:
        return self.terms.get((predicate, None)) or self._vocab_local(predicate) or self.iri(predicate)


def _node_objects(triples: list[ox.Triple], compactor: _Compactor) -> list[dict[str, Any]]:
    """Movies at the top, with every other node of the graph they mention embedded where it is used
    (people by name, roles in billing order), so one Movie object stands alone on a web page."""
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject.value].append(t)
    movies = sorted(s for s, ts in by_subject.items()
                    if any(t.predicate.value == RDF_TYPE and t.object.value == SDO.Movie for t in ts))
    movie_set = set(movies)
    embedded: set[str] = set()

    def build(subject: str, path: tuple[str, ...]) -> dict[str, Any]:
        obj: dict[str, Any] = {"@id": compactor.iri(subject)}
        types: list[str] = []
        props: dict[str, list[Any]] = defaultdict(list)
        for t in sorted(by_subject.get(subject, ()), key=str):
            if t.predicate.value == RDF_TYPE:
                types.append(compactor.type_name(t.object.value))
                continue
            o = t.object
            if (isinstance(o, ox.NamedNode) and o.value in by_subject and o.value not in movie_set
                    and o.value not in path):
                embedded.add(o.value)
                props[compactor.property(t.predicate.value, o)[0]].append(build(o.value, path + (o.value,)))
            else:
                name, value = compactor.property(t.predicate.value, o)
                props[name].append(value)
        if types:
            obj["@type"] = types[0] if len(types) == 1 else types
        for name in sorted(props):
            values = sorted(props[name], key=_display_order)
            obj[name] = values[0] if len(values) == 1 else values
        return obj

    objects = [build(m, (m,)) for m in movies]
    rest = sorted(s for s in by_subject if s not in embedded and s not in movie_set)
    return objects + [build(s, (s,)) for s in rest]


def _display_order(value: Any) -> tuple:
    """Cast roles in billing order, everything else by identifier or value."""
    if isinstance(value, dict):
        billing = value.get("billingOrder")
        return (0, int(billing) if isinstance(billing, str) and billing.isdigit() else 0, value.get("@id", ""))
    return (1, 0, json.dumps(value, sort_keys=True))


def jsonld_documents(quads: Iterable[ox.Quad]) -> Iterator[dict[str, Any]]:
    """One JSON-LD named-graph object per record graph, in graph order."""
    compactor = _Compactor(context())
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph[name].append(q.triple)
    for graph in sorted(by_graph):
        nodes = _node_objects(by_graph[graph], compactor)
        yield {"@id": compactor.iri(graph), "@graph": nodes} if graph else {"@graph": nodes}


def write_jsonld(quads: Iterable[ox.Quad], output: IO[bytes]) -> None:
    """Written graph by graph so memory follows one record graph, not the whole store."""
    _write_jsonld_documents(jsonld_documents(quads), output)


def write_jsonld_graphs(store: Any, output: IO[bytes]) -> None:
    """JSON-LD from a store holding only one record graph in memory at a time."""
    compactor = _Compactor(context())

    def documents() -> Iterator[dict[str, Any]]:
        for graph, triples in store.graphs():
            nodes = _node_objects(triples, compactor)
            yield {"@id": compactor.iri(graph), "@graph": nodes} if graph else {"@graph": nodes}

    _write_jsonld_documents(documents(), output)


def _write_jsonld_documents(docs: Iterable[dict[str, Any]], output: IO[bytes]) -> None:
    ctx_ref = context()["@context"]
    output.write(b'{\n"@context": ')
    output.write(json.dumps(ctx_ref, ensure_ascii=False, sort_keys=True).encode())
    output.write(b',\n"@graph": [\n')
    for i, doc in enumerate(docs):
        if i:
            output.write(b",\n")
        output.write(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode())
    output.write(b"\n]\n}\n")



def export_film(source: Any, film: str, fmt: str, output: IO[bytes]) -> None:
    """One film, named by title or IRI, as the schema.org Movie object `filmgraph serve` embeds in
    its page (describe.py); a title that names several films is refused with their IRIs."""
    from filmgraph.describe import describe_resource, find_films, movie

    if fmt != "jsonld":
        raise UsageError("--film prints a schema.org Movie object: use it with --format jsonld")
    from filmgraph.store.base import MATCH

    if not source.can(MATCH):
        raise UsageError("--film needs a store that matches statements by pattern (the embedded store)")
    store = source
    found = find_films(store, film)
    if not found:
        raise UsageError(f"no film in the store is called {film!r} (titles match in any case and accents, "
                         "with or without the year; find one with: filmgraph query find -p text=...)")
    if len(found) > 1:
        raise UsageError(f"{film!r} names {len(found)} films; give one IRI: {', '.join(found)}")
    desc = describe_resource(store, found[0])
    output.write(json.dumps(movie(desc), ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n")

