"""A remote SPARQL 1.1 endpoint as a read-only backend, spoken to through SPARQLWrapper.

Parameters reach the endpoint as a VALUES block of escaped N-Triples terms placed inside the
query's outermost WHERE group (`inject_values`): the protocol has no binding API, and a value is
never spliced into the text as SPARQL. Results come back in SPARQL JSON (or Turtle for
CONSTRUCT/DESCRIBE) and are parsed into pyoxigraph objects, so callers cannot tell this backend
from the embedded one. Writes need the Graph Store protocol, which filmgraph does not speak yet.
"""

from __future__ import annotations

import ast
import itertools
import re
import socket
import urllib.error
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import pyoxigraph as ox

from filmgraph.errors import QueryError, StoreError, UsageError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IRI_REF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WHERE = re.compile(r"where\b", re.IGNORECASE)
_FORM = re.compile(r"(select|construct|describe|ask)\b", re.IGNORECASE)


def values_clause(bindings: Mapping[str, Any]) -> str:
    """`VALUES (?a ?b) { (term term) }`; terms print as N-Triples, which escapes quotes and newlines.
    A variable bound to a list of terms gives one row per term (each an index lookup)."""
    names = sorted(bindings)
    for name in names:
        if not _NAME.fullmatch(name):
            raise UsageError(f"{name!r} is not a SPARQL variable name")
    choices = [bindings[n] if isinstance(bindings[n], (list, tuple)) else (bindings[n],) for n in names]
    variables = " ".join(f"?{n}" for n in names)
    rows = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in itertools.product(*choices))
    return f"VALUES ({variables}) {{ {rows} }}"


def _skeleton(sparql: str) -> Iterator[tuple[int, str]]:
    """Positions and characters of the query outside comments, strings and IRIs (which may hold braces)."""
    i, n = 0, len(sparql)
    while i < n:
        c = sparql[i]
        if c == "#":
            end = sparql.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'":
            quote = c * 3 if sparql.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRI_REF.match(sparql, i)
            if m:
                i = m.end()
                continue
        yield i, c
        i += 1


def where_brace(sparql: str) -> int | None:
    """Offset just past the `{` that opens the outermost WHERE group, or None for `CONSTRUCT WHERE {}`
    (whose group doubles as the template and may hold triples only)."""
    depth = 0
    form = None
    first_brace = None
    after_where = False
    prev = " "
    for i, c in _skeleton(sparql):
        if c == "{":
            if depth == 0:
                if after_where:
                    return i + 1
                if first_brace is None:
                    first_brace = i + 1
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and not (prev.isalnum() or prev in "_?$:"):
            if form is None:
                m = _FORM.match(sparql, i)
                if m:
                    form = m.group(1).lower()
            m = _WHERE.match(sparql, i)
            if m and sparql[m.end():m.end() + 1] != ":":
                if form == "construct" and first_brace is None:
                    return None
                after_where = True
        prev = c
    if form == "construct" or after_where:
        return None
    return first_brace


def inject_values(sparql: str, bindings: Mapping[str, Any] | None) -> str:
    """The query with `bindings` joined into its outermost WHERE group, on the same line so that
    positions before the insertion point still match the file; appended as the trailing
    ValuesClause when there is no group to put it in."""
    if not bindings:
        return sparql
    clause = values_clause(bindings)
    at = where_brace(sparql)
    if at is None:
        return f"{sparql.rstrip()}\n{clause}\n"
    return f"{sparql[:at]} {clause} {sparql[at:]}"


_SERVICE = re.compile(r"service\b", re.IGNORECASE)
_SILENT = re.compile(r"\s+(silent\b)", re.IGNORECASE)


def _service_at(text: str) -> list[int]:
    """Offsets of the SERVICE keyword in `text`, outside comments, strings and IRIs."""
    found = []
    previous = " "
    for i, c in _skeleton(text):
        if c in "sS" and not (previous.isalnum() or previous in "_:?$") and _SERVICE.match(text, i):
            found.append(i)
        previous = c
    return found


def uses_service(text: str) -> bool:
    """True when the query calls another endpoint (SERVICE): on the local store it is refused unless
    asked for, so that a query never makes outside requests unannounced."""
    return bool(_service_at(text))


def inert_service(text: str) -> str:
    """The query with each `SERVICE [SILENT]` read as `GRAPH`, space-padded so that every line and
    column stays put: the same grammar, checked on an empty store without a request leaving."""
    out = list(text)
    for at in _service_at(text):
        out[at:at + 7] = "GRAPH  "
        m = _SILENT.match(text, at + 7)
        if m:
            out[m.start(1):m.end(1)] = " " * 6
    return "".join(out)


def query_form(sparql: str) -> str:
    """`select`, `ask` or `graph` (CONSTRUCT/DESCRIBE), by parsing the query against an empty store
    (SERVICE made inert, so that nothing is requested from elsewhere)."""
    try:
        result = ox.Store().query(inert_service(sparql))
    except SyntaxError as e:
        raise QueryError(f"the query does not parse: {e}") from None
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(result, ox.QuerySolutions) else "graph"


def _response_body(error: Exception) -> str:
    """The server's message that SPARQLWrapper folds into its exception text, first lines only."""
    text = str(error)
    _, sep, raw = text.partition("Response:\n")
    if not sep:
        return ""
    try:
        body = ast.literal_eval(raw)
        body = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    except (ValueError, SyntaxError):
        body = raw
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])[:300]


class RemoteStore:
    """A SPARQL 1.1 query endpoint. Whether its default graph is the union of the named graphs is
    the server's choice (Virtuoso: yes, Oxigraph: only with --union-default-graph); the named
    queries use GRAPH patterns so that the answer does not depend on it."""

    capabilities: frozenset[str] = frozenset()

    def __init__(self, endpoint: str, *, timeout: float | None = None, headers: Iterable[tuple[str, str]] = (),
                 auth: tuple[str, str] | None = None, user_agent: str | None = None):
        if not endpoint.startswith(("http://", "https://")):
            raise UsageError(f"--endpoint must be an http(s) URL, not {endpoint!r}")
        self.endpoint = endpoint
        self.timeout = timeout
        self.headers = list(headers)
        self.auth = auth
        if user_agent is None:
            from filmgraph.settings import Settings

            user_agent = Settings().user_agent
        self.user_agent = user_agent

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: every query is one HTTP request."""

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True) -> Any:
        """Like `EmbeddedStore.query`: QuerySolutions, QueryBoolean, or a list of Triples.
        `union` cannot be chosen per request; it is the server's setting."""
        form = query_form(sparql)
        data, content_type = self._request(inject_values(sparql, substitutions), form)
        try:
            if form == "graph":
                fmt = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
                return list(ox.parse(data, fmt))
            fmt = ox.QueryResultsFormat.from_media_type(content_type) or ox.QueryResultsFormat.JSON
            return ox.parse_query_results(data, fmt)
        except (SyntaxError, ValueError) as e:
            raise QueryError(f"{self.endpoint} sent results filmgraph cannot read ({content_type}): {e}") from None

    def _request(self, sparql: str, form: str) -> tuple[bytes, str]:
        import warnings

        from SPARQLWrapper import BASIC, JSON, POST, TURTLE, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound, QueryBadFormed,
                                                    SPARQLWrapperException, Unauthorized)

        client = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        client.setMethod(POST)
        client.setReturnFormat(TURTLE if form == "graph" else JSON)
        if self.timeout:
            client.setTimeout(max(1, round(self.timeout)))
        for name, value in self.headers:
            client.addCustomHttpHeader(name, value)
        if self.auth:
            client.setHTTPAuth(BASIC)
            client.setCredentials(*self.auth)
        url = self.endpoint
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                client.setQuery(sparql)
                response = client.query().response
            data = response.read()
            return data, (response.headers.get("Content-Type") or "").split(";")[0].strip()
        except Unauthorized:
            raise QueryError(f"{url} refused the request (HTTP 401 unauthorized): check --auth user:pass") from None
        except EndPointNotFound:
            raise QueryError(f"no SPARQL endpoint at {url} (HTTP 404 not found)") from None
        except QueryBadFormed as e:
            raise QueryError(f"{url} rejected the query (HTTP 400): {_response_body(e)}") from None
        except EndPointInternalError as e:
            raise QueryError(f"{url} failed (HTTP 500): {_response_body(e)}") from None
        except SPARQLWrapperException as e:
            raise QueryError(f"{url}: {str(e).splitlines()[0]}") from None
        except urllib.error.HTTPError as e:
            raise QueryError(f"{url} answered HTTP {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise QueryError(f"{url} did not answer within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise QueryError(f"cannot connect to {url}: connection refused") from None
            raise QueryError(f"cannot reach {url}: {getattr(reason, 'strerror', None) or reason}") from None
        except (TimeoutError, socket.timeout):
            raise QueryError(f"{url} did not answer within {self.timeout:g} s") from None
        except OSError as e:
            raise QueryError(f"cannot reach {url}: {e.strerror or e}") from None

    def _unsupported(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreError(f"{self.endpoint} is a query endpoint: filmgraph cannot write to it yet "
                         "(the SPARQL Graph Store protocol is not supported)")

    replace_graphs = remove_graphs = _unsupported

    def quads(self) -> Iterator[ox.Quad]:
        solutions = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        for s in solutions:
            yield ox.Quad(s["s"], s["p"], s["o"], s["g"])

    def named_graphs(self) -> list[str]:
        return sorted(s["g"].value for s in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"))

    def dump(self, output: IO[bytes], rdf_format: Any, prefixes: dict[str, str] | None = None) -> None:
        ox.serialize(sorted(self.quads(), key=str), output, rdf_format, prefixes=prefixes)


def remote_select(endpoint: str, sparql: str, bindings: Mapping[str, Any] | None = None, *,
                  timeout: float | None = None, headers: Iterable[tuple[str, str]] = (),
                  auth: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Run a SELECT at `endpoint`; each row maps variable names to pyoxigraph terms (unbound left out).
    `bindings` are pyoxigraph terms, joined into the query as a VALUES block."""
    store = RemoteStore(endpoint, timeout=timeout, headers=headers, auth=auth)
    result = store.query(sparql, dict(bindings or {}))
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("remote_select needs a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]
