"""The SPARQL 1.1 Protocol endpoint (`/sparql`) and the named queries (`/queries/NAME?param=value`).

Queries run through `filmgraph.query.run`, as `filmgraph query` runs them: the same parsing, the
same parameter binding, the same timeout, the same cut at a row limit; answers are written by
`filmgraph.results`, so the endpoint and the CLI give the same bytes for the same rows. Updates are
refused. A cut answer says so in the `Filmgraph-Truncated` header (and in the HTML page).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from filmgraph import query as fq
from filmgraph import results
from filmgraph.errors import QueryError, UsageError
from filmgraph.serve.negotiation import choose
from filmgraph.sparql.text import uses_service

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
}
# What a `format`/`output` parameter (as SPARQLWrapper and many clients send) asks for.
FORMAT_PARAM = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                "n3": "turtle", "nt": "ntriples", "ntriples": "ntriples", "json-ld": "jsonld", "jsonld": "jsonld",
                "rdf+xml": None}
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
         "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ntriples": "application/n-triples",
         "jsonld": "application/ld+json"}
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s<]*\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*(?:\n|$))\s*)*"
                     r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)


class Refused(Exception):
    """A request the endpoint answers with an HTTP error status and a one-line reason."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Answer:
    body: bytes
    media_type: str
    truncated: bool
    limit: int
    result: Any


class Limits:
    """Bounds on query work: the timeout, the row cap, and how many timed-out queries may still run.

    pyoxigraph cannot stop a query once started; a query past its timeout is abandoned (its answer
    thrown away) and, while `max_abandoned` of them still run, new queries are refused with 503."""

    def __init__(self, timeout: float, result_limit: int, max_abandoned: int = 2):
        self.timeout = timeout
        self.result_limit = result_limit
        self.max_abandoned = max_abandoned
        self.running = 0
        self._lock = threading.Lock()

    def abandoned(self) -> int:
        """Query threads still alive that no request waits for any more."""
        alive = sum(1 for t in threading.enumerate() if t.name == "filmgraph-query")
        return max(0, alive - self.running)

    def __enter__(self) -> "Limits":
        with self._lock:
            self.running += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.running -= 1


def is_update(text: str) -> bool:
    return bool(_UPDATE.match(text))


def parse_request(method: str, query_string: str, content_type: str, body: bytes) -> tuple[str | None, dict[str, str]]:
    """The query text and the other parameters of a SPARQL protocol request (GET, form POST or
    direct POST); an update is refused here, before anything runs."""
    params = dict(parse_qsl(query_string, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    text = params.get("query")
    if method == "POST":
        if ctype == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            params.update({k: v for k, v in form.items() if k != "query"})
            if "update" in form:
                raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
            text = form.get("query", text)
        elif ctype == "application/sparql-query":
            text = body.decode("utf-8", "replace")
        elif ctype == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
        else:
            raise Refused(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                               "or as application/sparql-query")
    if "update" in params:
        raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        raise Refused(400, "default-graph-uri and named-graph-uri are not supported: the default graph is the "
                           "union of the record graphs; name graphs with GRAPH <...> in the query")
    if text is not None and is_update(text):
        raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
    if text is not None and uses_service(text):
        raise Refused(403, "this endpoint answers from its own store: SERVICE (a query sent on to another "
                           "endpoint) is refused")
    return text, params


def pick_format(form: str, accept: str | None, params: dict[str, str]) -> str:
    """The answer's format from a `format`/`output` parameter, else the Accept header."""
    for key in ("format", "output"):
        if params.get(key):
            wanted = params[key].lower().split("/")[-1]
            fmt = FORMAT_PARAM.get(wanted) or RESULT_TYPES.get(params[key].lower()) or GRAPH_TYPES.get(params[key].lower())
            if fmt and ((form == "graph") == (fmt in results.GRAPH)):
                return fmt
    offers = list(GRAPH_TYPES) if form == "graph" else list(RESULT_TYPES)
    chosen = choose(accept, offers)
    if chosen is None:
        kinds = ", ".join(offers)
        raise Refused(406, f"cannot answer in any type the request accepts; this query gives: {kinds}")
    return (GRAPH_TYPES if form == "graph" else RESULT_TYPES)[chosen]


def timeout_for(params: dict[str, str], limits: Limits) -> float:
    """The server's timeout, or a shorter one the request asks for with `timeout=S`."""
    asked = params.get("timeout")
    if not asked:
        return limits.timeout
    try:
        value = float(asked)
    except ValueError:
        raise Refused(400, f"timeout must be a number of seconds, not {asked!r}") from None
    return min(value, limits.timeout) if value > 0 else limits.timeout


def execute(backend: Any, named: fq.NamedQuery, values: dict[str, str], limits: Limits, timeout: float) -> fq.Result:
    """Run a query with the CLI's binding, timeout and cut; errors become HTTP refusals."""
    if limits.abandoned() >= limits.max_abandoned:
        raise Refused(503, "too many queries still running past their timeout; try again shortly",
                      {"Retry-After": "5"})
    try:
        with limits:
            return fq.run(backend, named, values, limit=limits.result_limit, timeout=timeout)
    except fq.QueryTimeout:
        raise Refused(503, f"the query ran past the {timeout:g} s timeout and was stopped",
                      {"Retry-After": "5"}) from None
    except UsageError as e:
        raise Refused(400, str(e)) from None
    except QueryError as e:
        raise Refused(400, str(e)) from None


def check_form(named: fq.NamedQuery) -> str:
    try:
        return fq.check(named)
    except QueryError as e:
        raise Refused(400, str(e)) from None


def write(result: fq.Result, fmt: str, limit: int) -> Answer:
    import io

    buffer = io.BytesIO()
    results.write(result, fmt, buffer)
    return Answer(buffer.getvalue(), MEDIA[fmt], bool(result.truncated), limit, result)


def headers_for(answer: Answer) -> dict[str, str]:
    headers = {"Filmgraph-Result-Limit": str(answer.limit)}
    if answer.truncated:
        headers["Filmgraph-Truncated"] = f"true; cut at {answer.limit} results"
    return headers


def named_query(name: str) -> fq.NamedQuery:
    queries = fq.library()
    if name not in queries:
        raise Refused(404, f"no query named {name!r}; the library has: {', '.join(queries)}")
    return queries[name]
