"""Named SPARQL queries: the library in queries/, typed parameters, and running with a timeout.

A query file opens with a comment header (docs/queries.md):

    # title: A director's filmography
    # description: ...
    # param: director person
    # param: min_films integer 2

Parameter values become typed RDF terms and are joined into the query as a VALUES block inside
its outermost WHERE group, the same way on the embedded store and on a remote endpoint, so both
run the identical query. (pyoxigraph's `substitutions` would refuse a SELECT that does not
project the parameter, which would put the director's name on every filmography row.)
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import pyoxigraph as ox

from filmgraph.errors import InputError, QueryError, UsageError
from filmgraph.settings import DEFAULT_QUERY_TIMEOUT
from filmgraph.sparql.text import inject_values, query_form, uses_service
from filmgraph.store.base import TIMED
from filmgraph.terms import SDO, XSD

PARAM_TYPES = {
    "string": "text, matched exactly (names and titles as the records spell them)",
    "title": "a title, matched exactly as plain text, or when no title is, in any language of "
             "ontology/languages.csv",
    "person": "a person's name, in any spelling that names the same person (case, accents and punctuation "
              "aside: zlatko buric is Zlatko Burić)",
    "series": "a series' name, in any spelling that names the same series (case, accents and punctuation aside)",
    "integer": "a whole number",
    "year": "a year, YYYY (xsd:gYear, as films' schema:dateCreated)",
    "date": "a date, YYYY-MM-DD",
    "iri": "an absolute IRI, e.g. https://w3id.org/filmgraph/id/person/mads-mikkelsen",
    "boolean": "true or false",
}
_HEADER = re.compile(r"#\s*(title|description|param|join order)\s*:\s*(.*)$", re.IGNORECASE)
_CONTINUATION = re.compile(r"#\s{2,}(\S.*)$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YEAR = re.compile(r"-?\d{4}")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str
    default: str | None = None

    def describe(self) -> str:
        default = f", default {self.default}" if self.default is not None else ""
        return f"{self.name} ({self.type}{default})"


@dataclass(slots=True)
class NamedQuery:
    """A query and what its header says; `source` names it in error messages (file or `--sparql`)."""

    name: str
    text: str
    source: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    joins_as_written: bool = False
    """`# join order: as written`: its patterns are written most selective first, so a server
    that plans joins from its statistics is asked to keep them in that order (Virtuoso's plans
    went wrong by three orders of magnitude on some stores)."""

    def param_list(self) -> str:
        return ", ".join(p.describe() for p in self.params) or "none"


@dataclass(slots=True)
class Result:
    """A query's answer, read to the end (or to the limit) while the timeout still applied."""

    form: str  # select, ask or graph
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        """No match: no rows, no triples, or ASK said false."""
        if self.form == "ask":
            return not self.boolean
        return not (self.rows if self.form == "select" else self.triples)


class QueryTimeout(QueryError):
    """The query outlived its timeout; its thread may still be running (the CLI exits at once)."""


# ---- the header and the library --------------------------------------------------------------

def parse_query(text: str, name: str, source: str) -> NamedQuery:
    """Read the comment header at the top of `text`: title, description and param lines."""
    query = NamedQuery(name=name, text=text, source=source)
    last = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            last = None
            continue
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            key, value = m.group(1).lower(), m.group(2).strip()
            last = key
            if key == "title":
                query.title = value
            elif key == "description":
                query.description = value
            elif key == "join order":
                if value.lower() != "as written":
                    raise InputError(f"a join order line reads '# join order: as written', not {value!r}",
                                     source, number)
                query.joins_as_written = True
            else:
                query.params.append(_parse_param(value, source, number))
            continue
        m = _CONTINUATION.match(raw.rstrip())
        if m and last == "description":
            query.description += " " + m.group(1).strip()
        else:
            last = None
    seen: set[str] = set()
    for p in query.params:
        if p.name in seen:
            raise InputError(f"parameter {p.name} is declared twice", path=source)
        seen.add(p.name)
    return query


def _parse_param(value: str, source: str, line: int) -> Param:
    parts = value.split(None, 2)
    if len(parts) < 2:
        raise InputError(f"a param line reads '# param: NAME TYPE [default]', not {value!r}", source, line)
    name, kind = parts[0], parts[1].lower()
    if not _NAME.fullmatch(name):
        raise InputError(f"{name!r} is not a SPARQL variable name", source, line)
    if kind not in PARAM_TYPES:
        raise InputError(f"unknown parameter type {kind!r}; use one of {', '.join(PARAM_TYPES)}", source, line)
    param = Param(name, kind, parts[2].strip() if len(parts) > 2 else None)
    if param.default is not None:
        try:
            to_term(param, param.default)
        except UsageError as e:
            raise InputError(f"default: {e}", source, line) from None
    return param


def library_dir() -> str:
    from filmgraph.resources import data_dir

    return str(data_dir("queries"))


def library() -> dict[str, NamedQuery]:
    """Every named query in queries/, by name (the file name without `.rq`), sorted."""
    folder = library_dir()
    queries = {}
    for filename in sorted(os.listdir(folder)):
        if filename.endswith(".rq") and not filename.startswith("."):
            queries[filename[:-3]] = load_file(os.path.join(folder, filename), name=filename[:-3])
    return queries


def load_file(path: str, name: str | None = None) -> NamedQuery:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=path) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason})", path=path) from None
    return parse_query(text, name or path, path)


def resolve(ref: str | None = None, sparql: str | None = None) -> NamedQuery:
    """The query a user means: SPARQL text, a .rq file, or a name from the library."""
    if sparql is not None:
        if ref:
            raise UsageError("give a query name, a .rq file or --sparql TEXT, not two of them")
        return parse_query(sparql, "--sparql", "--sparql")
    if not ref:
        raise UsageError("which query? give a name (see: filmgraph queries), a .rq file or --sparql TEXT")
    if ref.endswith(".rq") or os.sep in ref or os.path.isfile(ref):
        return load_file(ref)
    queries = library()
    if ref not in queries:
        raise UsageError(f"no query named {ref!r}; the library has: {', '.join(queries)}")
    return queries[ref]


# ---- parameters -------------------------------------------------------------------------------

def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` strings from the command line; the value may hold any character, `=` included."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--param takes NAME=VALUE, not {item!r}")
        values[name] = value
    return values


def to_term(param: Param, value: str) -> Any:
    """The RDF term a parameter value stands for; a value that does not fit its type is a usage error."""
    kind = param.type
    bad = f"parameter {param.name}: {value!r} is not {PARAM_TYPES[kind].split(',')[0]}"
    if kind == "string":
        return ox.Literal(value)
    if kind == "title":
        return (ox.Literal(value), *(ox.Literal(value, language=tag) for tag in _language_tags()))
    if kind in ("person", "series"):
        # The node itself, minted from the name as ingest mints it (identity.py): one index lookup,
        # where matching the name would read it once per record that names the person.
        from filmgraph import identity

        if not value.strip():
            raise UsageError(bad)
        if value.startswith(f"{identity.BASE_IRI}{kind}/"):  # a node by its IRI, e.g. one a collision suffixed
            return ox.NamedNode(value.strip())
        return ox.NamedNode(identity.person_iri(value) if kind == "person" else identity.series_iri(value))
    if kind == "integer":
        try:
            return ox.Literal(str(int(value.strip())), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise UsageError(bad) from None
    if kind == "year":
        if not _YEAR.fullmatch(value.strip()):
            raise UsageError(bad)
        return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "gYear"))
    if kind == "date":
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(bad) from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "boolean":
        if value.strip().lower() not in ("true", "false"):
            raise UsageError(bad)
        return ox.Literal(value.strip().lower(), datatype=ox.NamedNode(XSD + "boolean"))
    try:
        if ":" not in value:
            raise ValueError(value)
        return ox.NamedNode(value.strip())
    except ValueError:
        raise UsageError(bad) from None


@cache
def _language_tags() -> tuple[str, ...]:
    """The tags a reader may put on a title: the languages filmgraph knows."""
    from filmgraph.resources import data_file

    with open(data_file("ontology", "languages.csv"), encoding="utf-8", newline="") as f:
        return tuple(sorted({row["tag"] for row in csv.DictReader(f) if row.get("tag")}))


def bind(query: NamedQuery, values: Mapping[str, str]) -> dict[str, Any]:
    """Typed terms for every declared parameter; unknown or missing ones are usage errors that list
    what the query takes."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise UsageError(f"{query.name} has no parameter {', '.join(unknown)}; its parameters: {query.param_list()}")
    bound = {}
    for p in query.params:
        value = values.get(p.name, p.default)
        if value is None:
            raise UsageError(f"{query.name} needs --param {p.name}=VALUE; its parameters: {query.param_list()}")
        bound[p.name] = to_term(p, value)
    return bound


# ---- running ------------------------------------------------------------------------------------

def check(query: NamedQuery) -> str:
    """`select`, `ask` or `graph`; a syntax error names the file, line and column."""
    return query_form(query.text, query.source)


def with_timeout(work: Callable[[], T], timeout: float | None, what: str) -> T:
    """Run `work` in a thread and give up waiting after `timeout` seconds.

    pyoxigraph has no query timeout, but it releases the GIL while it evaluates, so the caller
    wakes on time; the abandoned thread runs on until the process exits (the CLI exits at once).
    """
    if not timeout or timeout <= 0:
        return work()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as e:  # handed to the waiting thread, which re-raises it
            box["error"] = e

    thread = threading.Thread(target=target, name="filmgraph-query", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _timed_out(what, timeout)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _timed_out(what: str, timeout: float) -> QueryTimeout:
    return QueryTimeout(f"{what} ran past the {timeout:g} s timeout and was stopped "
                        "(raise it with --timeout S or FILMGRAPH_QUERY_TIMEOUT)")


def materialise(raw: Any, form: str, limit: int | None) -> Result:
    """Read a backend's answer into a Result, stopping after `limit` rows or triples."""
    if form == "ask":
        return Result("ask", boolean=bool(raw))
    cap = None if limit is None else max(limit, 0)
    if form == "select":
        names = [v.value for v in raw.variables]
        result = Result("select", variables=names)
        for solution in raw:
            if cap is not None and len(result.rows) >= cap:
                result.truncated = True
                break
            result.rows.append(tuple(solution[n] for n in names))
        return result
    result = Result("graph")
    seen: set[str] = set()
    for triple in raw:
        key = str(triple)
        if key in seen:
            continue
        if cap is not None and len(result.triples) >= cap:
            result.truncated = True
            break
        seen.add(key)
        result.triples.append(triple)
    result.triples.sort(key=str)
    return result


_NODE_NAMES = f"""SELECT DISTINCT ?name WHERE {{ GRAPH ?g {{ ?node <{SDO.name}> ?name }} }}"""
_FILM_NAMES = f"""SELECT DISTINCT ?name WHERE {{
  GRAPH ?g {{ ?film a <{SDO.Movie}> ; <{SDO.name}> ?name }}
  FILTER (REGEX(STR(?film), ?film_iri))
}}"""


def unknown_names(backend: Any, query: NamedQuery, values: Mapping[str, str],
                  timeout: float | None = None) -> list[tuple[str, str]]:
    """The person and series parameters that name nobody in the store, as (type, value): a query
    that found nothing then says so, rather than leaving the user to guess."""
    unknown = []
    for param in query.params:
        if param.type in ("person", "series") and param.name in values:
            node = to_term(param, values[param.name])
            found = run(backend, NamedQuery("names", inject_values(_NODE_NAMES, {"node": node}), "names"),
                        timeout=timeout)
            if found.empty:
                unknown.append((param.type, values[param.name]))
    return unknown


def spellings(backend: Any, text: str, timeout: float | None = None) -> list[str]:
    """How the store spells a name or title that matched nothing, for a "did you mean" hint.

    Names match exactly, but IRIs are minted from folded slugs (identity.py), so the person or
    series that `text` names, whatever its case and accents, is an index lookup away; films are
    found by a slug that starts with the text's, with any subtitle and year (a scan of the films only).
    """
    from filmgraph import identity
    from filmgraph.settings import BASE_IRI

    pattern = f"^{re.escape(BASE_IRI)}film/{identity.slug(text)}(-[a-z0-9-]+)?$"
    lookups = [
        (_NODE_NAMES, {"node": [ox.NamedNode(identity.person_iri(text)), ox.NamedNode(identity.series_iri(text))]}),
        (_FILM_NAMES, {"film_iri": ox.Literal(pattern)}),
    ]
    found: set[str] = set()
    for sparql, bindings in lookups:
        try:
            result = run(backend, NamedQuery("spellings", inject_values(sparql, bindings), "spellings"),
                         timeout=timeout)
        except QueryError:
            continue
        found.update(row[0].value for row in result.rows if row[0] is not None)
    found.discard(text)
    return sorted(found)


def run(backend: Any, query: NamedQuery, values: Mapping[str, str] | None = None, *,
        limit: int | None = None, timeout: float | None = None) -> Result:
    """Check, bind and run `query` on any Backend, reading its answer within `timeout` seconds."""
    form = check(query)
    bindings = bind(query, values or {})
    # A title is looked up as plain text first (one lookup per title predicate); only when nothing
    # matches is it tried in every known language, 34 more lookups, as an original title would be.
    titles = {p.name for p in query.params if p.type == "title"}
    plain = {k: v[0] if k in titles else v for k, v in bindings.items()}
    attempts = [plain, bindings] if titles else [bindings]

    if timeout is None:
        timeout = DEFAULT_QUERY_TIMEOUT
    timed = bool(timeout and timeout > 0 and backend.can(TIMED))
    ends = time.monotonic() + (timeout or 0)

    def ask(attempt: dict[str, Any]) -> Any:
        if not timed:
            return backend.query(inject_values(query.text, attempt))
        # The server's client joins the values in itself (the same `inject_values`), and checks the
        # query's form on the text as written, which it remembers: once per query, not per value.
        return backend.query(query.text, attempt, timeout=max(ends - time.monotonic(), 0.001),
                             joins_as_written=query.joins_as_written)

    def work() -> Result:
        failure = None
        try:
            for attempt in attempts:
                result = materialise(ask(attempt), form, limit)
                if not result.empty:
                    break
            return result
        except (OSError, RuntimeError, ValueError) as e:
            failure = f"{query.source}: {' '.join(str(e).split())[:300]}"
        except (SyntaxError, RecursionError) as e:  # results that do not parse, or nest without end
            failure = (f"{query.source}: the results could not be read ({type(e).__name__}: "
                       f"{' '.join(str(e).split())[:200]})")
        # Raised here, outside the handler, so that no traceback keeps pyoxigraph's result iterator
        # alive into another thread (where dropping it fails: the object is "unsendable").
        raise QueryError(failure)

    if not timed:
        return with_timeout(work, timeout, f"query {query.name}")
    from filmgraph.sparql.client import DeadlinePassed  # a timed backend is a server: its client is loaded

    try:  # the backend keeps the time itself: no thread to wait on
        return work()
    except DeadlinePassed:
        raise _timed_out(f"query {query.name}", timeout) from None
