"""The SPARQL 1.1 Protocol endpoint (`/sparql`) and the named queries (`/queries/NAME?param=value`).

Queries run through `filmgraph.query.run`, as `filmgraph query` runs them: the same parsing, the
same parameter binding, the same timeout, the same cut at a row limit; answers are written by
`filmgraph.results`, so the endpoint and the CLI give the same bytes for the same rows. Updates are
refused. A cut answer says so in the `Filmgraph-Truncated` header (and in the HTML page).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox

from filmgraph import query as fq
from filmgraph import results
from filmgraph.errors import QueryError, UsageError
from filmgraph.serve.negotiation import choose
from filmgraph.sparql.text import inject_values, stated_form, uses_service

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


T = TypeVar("T")


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

    Queries run on a few threads of their own (`run`), which pyoxigraph lets run in parallel (it
    releases the GIL while it evaluates). pyoxigraph cannot stop a query once started: a query
    past its timeout is abandoned (its answer thrown away) and, while `max_abandoned` of them
    still run, new queries are refused with 503."""

    def __init__(self, timeout: float, result_limit: int, max_abandoned: int = 2, threads: int = 8):
        self.timeout = timeout
        self.result_limit = result_limit
        self.max_abandoned = max_abandoned
        self.threads = threads
        self._abandoned = 0
        self._lock = threading.Lock()
        self._jobs: Any = None  # a queue the query threads take jobs from, made on first use
        self._workers: list[threading.Thread] = []

    def abandoned(self) -> int:
        """Queries still running that no request waits for any more."""
        return self._abandoned

    def _queue(self) -> Any:
        with self._lock:
            if self._jobs is None:
                import queue

                self._jobs = queue.SimpleQueue()
                for number in range(self.threads):
                    thread = threading.Thread(target=self._serve, name=f"filmgraph-query-{number}", daemon=True)
                    thread.start()
                    self._workers.append(thread)
            return self._jobs

    def _serve(self) -> None:
        jobs = self._jobs
        while True:
            job = jobs.get()
            if job is None:
                return
            job.run()

    def admit(self) -> None:
        """Refuse a new query (503) while `max_abandoned` queries still run past their timeout."""
        if self._abandoned >= self.max_abandoned:
            raise Refused(503, "too many queries still running past their timeout; try again shortly",
                          {"Retry-After": "5"})

    async def run(self, work: Callable[[], T], timeout: float) -> T:
        """`work()` (which runs a query) on the query threads, waited for at most `timeout` seconds.
        A job on a queue to threads that stay, its answer handed back to the event loop, the
        timeout a timer on that loop: a thread per query, or a general executor's futures, cost
        more than the point queries most requests are."""
        import asyncio

        self.admit()
        loop = asyncio.get_running_loop()
        job = _Job(self, work, loop, loop.create_future())
        self._queue().put(job)
        timer = loop.call_later(timeout, job.expire)
        try:
            return await job.waiter
        except _Expired:
            job.abandon()
            raise Refused(503, f"the query ran past the {timeout:g} s timeout and was stopped",
                          {"Retry-After": "5"}) from None
        finally:
            timer.cancel()

    def close(self) -> None:
        if self._jobs is not None:
            for _ in self._workers:
                self._jobs.put(None)


class _Expired(Exception):
    """A query's timeout ran out on the event loop before its answer came."""


_QUEUED, _RUNNING, _DONE, _DROPPED, _ABANDONED = range(5)


class _Job:
    """One query for the query threads, and the event-loop future its answer goes to."""

    __slots__ = ("limits", "work", "loop", "waiter", "state")

    def __init__(self, limits: Limits, work: Callable[[], Any], loop: Any, waiter: Any):
        self.limits, self.work, self.loop, self.waiter = limits, work, loop, waiter
        self.state = _QUEUED

    def run(self) -> None:
        """On a query thread: the work, unless its request stopped waiting before it began."""
        limits = self.limits
        with limits._lock:
            if self.state == _DROPPED:
                return
            self.state = _RUNNING
        value = error = None
        try:
            value = self.work()
        except BaseException as e:  # handed to the waiting request, which raises it
            error = e
        with limits._lock:
            abandoned = self.state == _ABANDONED
            self.state = _DONE
            if abandoned:
                limits._abandoned -= 1
        if not abandoned:
            try:
                self.loop.call_soon_threadsafe(self._settle, value, error)
            except RuntimeError:  # the loop closed (the server stopped) while the query ran
                pass

    def _settle(self, value: Any, error: BaseException | None) -> None:
        if self.waiter.done():  # the request went away meanwhile
            return
        if error is not None:
            self.waiter.set_exception(error)
        else:
            self.waiter.set_result(value)

    def expire(self) -> None:
        if not self.waiter.done():
            self.waiter.set_exception(_Expired())

    def abandon(self) -> None:
        """Past its timeout: a job not yet begun never runs; a running one is counted until it ends."""
        limits = self.limits
        with limits._lock:
            if self.state == _QUEUED:
                self.state = _DROPPED
            elif self.state == _RUNNING:
                self.state = _ABANDONED
                limits._abandoned += 1


@lru_cache(maxsize=4096)
def is_update(text: str) -> bool:
    """An update sent as a query (remembered per text, as the other checks of a query are)."""
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
    if text is not None and _uses_service(text):
        raise Refused(403, "this endpoint answers from its own store: SERVICE (a query sent on to another "
                           "endpoint) is refused")
    return text, params


@lru_cache(maxsize=4096)
def _uses_service(text: str) -> bool:
    """`uses_service`, remembered per text: it reads the query a character at a time, which cost
    more than answering a remembered query."""
    return uses_service(text)


def pick_format(form: str, accept: str | None, params: dict[str, str]) -> str:
    """The answer's format from a `format`/`output` parameter, else the Accept header."""
    for key in ("format", "output"):
        if params.get(key):
            wanted = params[key].lower().split("/")[-1]
            fmt = FORMAT_PARAM.get(wanted) or RESULT_TYPES.get(params[key].lower()) or GRAPH_TYPES.get(params[key].lower())
            if fmt and ((form == "graph") == (fmt in results.GRAPH)):
                return fmt
    fmt = _negotiated(form == "graph", accept)
    if fmt is None:
        kinds = ", ".join(GRAPH_TYPES if form == "graph" else RESULT_TYPES)
        raise Refused(406, f"cannot answer in any type the request accepts; this query gives: {kinds}")
    return fmt


@lru_cache(maxsize=256)
def _negotiated(graph: bool, accept: str | None) -> str | None:
    """The format an Accept header gets, remembered per header: clients send the same few."""
    types = GRAPH_TYPES if graph else RESULT_TYPES
    chosen = choose(accept, list(types))
    return None if chosen is None else types[chosen]


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


def execute(backend: Any, named: fq.NamedQuery, values: dict[str, str], limit: int) -> fq.Result:
    """Run a query with the CLI's binding and cut at `limit` rows, with no timeout of its own
    (`Limits.run` gives it one, from outside); errors become HTTP refusals."""
    try:
        return fq.run(backend, named, values, limit=limit, timeout=0)
    except UsageError as e:
        raise Refused(400, str(e)) from None
    except QueryError as e:
        raise Refused(400, str(e)) from None


# Written by pyoxigraph straight from the store: (its format, how to bound the rows from the bytes).
# Not CSV and TSV: `results.write` defuses their cells that a spreadsheet would run as formulas.
_DIRECT = {
    "json": (ox.QueryResultsFormat.JSON, lambda data: data.count(b"},{") + 1),  # rows are `{...},{...}`
    "xml": (ox.QueryResultsFormat.XML, lambda data: data.count(b"<result>")),
}


def answer(backend: Any, named: fq.NamedQuery, values: dict[str, str], fmt: str, limit: int,
           form: str | None = None) -> Answer:
    """The answer in `fmt`, with the CLI's binding and cut. A SELECT or ASK wanted as SPARQL JSON or
    XML from a snapshot is evaluated and written by pyoxigraph in one call, no row passing
    through Python (the same writer `results.write` ends in, so the same bytes); when its bytes
    could hold more rows than `limit`, or a title is to be tried in several languages, the CLI's
    path runs instead. `form` is the query's form as `first_form` gave it: a syntax error is
    then found by the evaluation and told as `check_form` tells it."""
    direct = _DIRECT.get(fmt)
    store = getattr(backend, "store", None)
    titles = {p.name for p in named.params if p.type == "title"}
    form = form or check_form(named)
    if direct is None or store is None or form == "graph" or (titles and (fmt, form) != ("json", "select")):
        return write(execute(backend, named, values, limit), fmt, limit)
    try:
        bindings = fq.bind(named, values)
    except UsageError as e:
        raise Refused(400, str(e)) from None
    # A title is tried as plain text first, as `query.run` tries it; nothing found, and
    # `query.run` goes on to try it in every language.
    bindings = {k: v[0] if k in titles else v for k, v in bindings.items()}
    text = inject_values(named.text, bindings) if bindings else named.text
    failure = syntax = None
    try:
        data = store.query(text, use_default_graph_as_union=True).serialize(format=direct[0])
    except (OSError, RuntimeError, ValueError, SyntaxError) as e:
        failure = f"{named.source}: {' '.join(str(e).split())[:300]}"
        syntax = isinstance(e, SyntaxError)
    if failure is not None:  # raised outside the handler, as `query.run` does: pyoxigraph's answer dies here
        if syntax:
            check_form(named)  # the error with its line and column, as a query that was checked first gets it
        raise Refused(400, failure)
    if direct[1](data) > limit or (titles and data.endswith(b'"bindings":[]}}')):
        return write(execute(backend, named, values, limit), fmt, limit)
    if fmt in ("json", "xml") and not data.endswith(b"\n"):
        data += b"\n"
    return Answer(data, MEDIA[fmt], False, limit, None)


def first_form(named: fq.NamedQuery) -> str:
    """The query's form, from its text when the keyword after the prologue says it (`stated_form`),
    else by parsing it (`check_form`). A query read the first way is parsed only when it runs: a
    new query text costs one parse, not two. Whoever uses it must call `check_form` before
    reporting any other refusal, so that a syntax error is still said first."""
    return stated_form(named.text) or check_form(named)


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


_LIBRARY: list[Any] = [None, None]  # (fingerprint of queries/, the library read then)


def library() -> dict[str, fq.NamedQuery]:
    """The named queries, read again only when a file in queries/ changed: reading and parsing
    them on every request cost more than answering a remembered query."""
    import os

    folder = fq.library_dir()
    with os.scandir(folder) as it:
        seen = tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in it))
    if _LIBRARY[0] != seen:
        _LIBRARY[:] = [seen, fq.library()]
    return _LIBRARY[1]


def named_query(name: str) -> fq.NamedQuery:
    queries = library()
    if name not in queries:
        raise Refused(404, f"no query named {name!r}; the library has: {', '.join(queries)}")
    return queries[name]
