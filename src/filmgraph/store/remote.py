"""A SPARQL 1.1 server as a full backend: Protocol for queries, Update and the Graph Store Protocol
for writes, through the one client in `filmgraph.sparql`.

What filmgraph owns on a shared server is the named graphs under its base IRI (`.../graph/`):
one per record, and the links graph. Writes:

- each record graph is PUT whole (Graph Store Protocol: atomic per record on servers that make
  a PUT atomic), its N-Triples parsed here first, because Virtuoso empties a graph on a PUT whose
  body it cannot parse; a record whose content hash the server already holds is not sent;
- a first load into an empty server takes the server's fast path: one N-Quads POST per batch
  (Oxigraph: into its bulk loader, `?no_transaction`, as `oxigraph load` does), sent by a
  thread of its own while the next batch is read and mapped; else Graph Store PUTs a few at a
  time (Virtuoso's GSP takes no N-Quads, and its SPARQL compiler refuses some INSERT DATA that
  its Turtle loader takes).

Reads are paged and every count checked: Virtuoso silently returns 10,001 triples of a larger
graph on a GSP GET or CONSTRUCT, caps a SELECT at its ResultSetMaxRows (10,000 by default, marked
only by an `X-SPARQL-MaxRows` header) and refuses ORDER BY pages past 10,000 rows (SR353). So
graphs are counted first (`COUNT(*)` per graph), read by SELECTs packed to stay under the row cap
without ORDER BY, and each graph's triples counted against its `COUNT(*)`; a page the server cut
short is read again smaller, and an answer that still does not add up is an error, never a
silently short export. What a server is (its endpoints, its row cap, whether it takes N-Quads,
basic or digest credentials) is probed once per server and remembered for the process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from filmgraph.errors import QueryError, StoreError
from filmgraph.settings import BASE_IRI
from filmgraph.sparql.client import SPARQL_JSON, HttpError, Response, SparqlClient
from filmgraph.sparql.text import inject_values, iri, query_form
from filmgraph.store.base import BULK_LOAD, DUMP, QUERY, TIMED, TRANSACTIONS, WRITE, Backend, WriteStats
from filmgraph.terms import FG

GRAPHS = f"{BASE_IRI}graph/"
"""The graphs filmgraph owns on a server: everything else there is someone else's."""
# A line of an N-Quads dump whose graph is one of filmgraph's: subject and predicate (no spaces in
# either), an object, then the graph IRI (no spaces, no `>` inside) and the closing dot. Grouped
# without the graph (a triple) or with it (a quad); the closing dot is left out of both.
_GRAPH_TERM = rb" <" + re.escape(GRAPHS.encode()) + rb"[^ \n>]*>"
_OUR_TRIPLE = re.compile(rb"^([^ \n]+ [^ \n]+ [^\n]+)" + _GRAPH_TERM + rb" \.$", re.M)
_OUR_QUAD = re.compile(rb"^([^ \n]+ [^ \n]+ [^\n]+" + _GRAPH_TERM + rb") \.$", re.M)
PAGE_ROWS = 10_000
"""Rows asked for per page: Virtuoso's default ResultSetMaxRows, and plenty for Oxigraph."""
INSERT_RECORDS = 100
"""Record graphs per INSERT DATA on a bulk load into a server without a Graph Store."""
PUT_THREADS = 2
"""Graph Store PUTs in flight at once on a bulk load into a server that takes no N-Quads (Virtuoso
7.2 took 49, 44, 44 and 40 graphs/s with 1, 2, 4 and 8 in flight here: its writes queue)."""
_VIRTUOSO_AS_WRITTEN = 'DEFINE sql:select-option "order"\n'
"""Virtuoso's pragma for joining in the order written (its SQL compiler's option, given in SPARQL):
`release-timeline` took 3.3 s without it and 15 ms with it on a 20,000-film server ingested here."""
PAGES_IN_FLIGHT = 2
"""Pages of an export asked for at once: one being written by the server, one read here."""
_GRAPH_FILTER = f'FILTER (STRSTARTS(STR(?g), "{GRAPHS}"))'
_GROUPED = "{ SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }"
_GRAPH_COUNTS = f"SELECT ?g ?n WHERE {{ {_GROUPED} }} ORDER BY STR(?g)"
_GRAPH_COUNTS_AFTER = f"SELECT ?g ?n WHERE {{ {_GROUPED} FILTER (STR(?g) > ?after) }} ORDER BY STR(?g)"


@dataclass(slots=True)
class Server:
    """What one server is and can do, found by probing it once."""

    kind: str
    query_url: str
    update_url: str
    store_url: str | None
    nquads_post: bool = False
    bulk_parameter: str = ""
    """Added to the Graph Store URL of a first-load POST: Oxigraph's `no_transaction` sends it
    through its bulk loader (not atomic, like `oxigraph load` and the embedded bulk load)."""
    row_cap: int = PAGE_ROWS
    union_parameter: bool = False
    """The server's default graph is not the union, but `union-default-graph` on a query makes it so
    (Oxigraph); Virtuoso's default graph is the union of all graphs already."""
    digest: bool = False
    """Credentials went basic first and the server wanted digest: go digest at once next time."""


_SERVERS: dict[tuple[str, bool], Server] = {}
_PROBE_LOCK = threading.Lock()


def _probe(client: SparqlClient, location: str, authenticated: bool) -> Server:
    """The server's endpoints from the URL a user gives: the server's root, or its query endpoint
    (Oxigraph `/query`, Virtuoso `/sparql`). The `Server` header tells the engine."""
    key = (location, authenticated)
    with _PROBE_LOCK:
        if key in _SERVERS:
            return _SERVERS[key]
        url = location.rstrip("/")
        for suffix in ("/query", "/sparql", "/sparql-auth"):
            if url.endswith(suffix):
                candidates = [url]
                root = url[: -len(suffix)]
                break
        else:
            root = url
            candidates = [f"{url}/query", f"{url}/sparql-auth" if authenticated else f"{url}/sparql", url]
        last: Exception | None = None
        for candidate in candidates:
            try:
                response = client.query("ASK { }", SPARQL_JSON, url=candidate)
            except HttpError as e:
                last = e
                if e.status in (404, 405, 406, 415):
                    continue
                raise
            engine = (response.headers.get("Server") or "").lower()
            server = _describe(engine, candidate, root, authenticated)
            _SERVERS[key] = server
            return server
        raise StoreError(f"no SPARQL endpoint found at {location}: {last}")


def _describe(engine: str, query_url: str, root: str, authenticated: bool) -> Server:
    if "virtuoso" in engine:
        query = f"{root}/sparql-auth" if authenticated else f"{root}/sparql"
        crud = f"{root}/sparql-graph-crud-auth" if authenticated else f"{root}/sparql-graph-crud"
        return Server("virtuoso", query, query, crud)
    if query_url.endswith("/query"):  # Oxigraph's layout: /query, /update, /store
        oxigraph = "oxigraph" in engine
        return Server("oxigraph" if oxigraph else "sparql", query_url, f"{root}/update", f"{root}/store",
                      nquads_post=True, union_parameter=oxigraph,
                      bulk_parameter="no_transaction" if oxigraph else "")
    return Server("sparql", query_url, query_url, None)


def forget_servers() -> None:
    """Probe again on the next open (a test that restarts a server at the same address)."""
    with _PROBE_LOCK:
        _SERVERS.clear()


class RemoteStore(Backend):
    """A SPARQL 1.1 server. Whether its default graph is the union of the named graphs is the
    server's choice (Virtuoso: yes, Oxigraph: only with --union-default-graph); the named queries use
    GRAPH patterns so that the answer does not depend on it."""

    def __init__(self, location: str, *, write: bool = False, auth: tuple[str, str] | None = None,
                 headers: Iterable[tuple[str, str]] = (), timeout: float | None = None,
                 client: SparqlClient | None = None):
        from filmgraph.settings import Settings

        if auth is None and Settings().auth:
            user, _, password = Settings().auth.partition(":")
            auth = (user, password)
        self.location = location.split("?")[0]
        self.write = write
        # A timeout (a query's) bounds each whole request too, the probe below included.
        deadline = min(timeout, Settings().request_deadline) if timeout and timeout > 0 else None
        self.client = client or SparqlClient(location, auth=auth, headers=headers, timeout=timeout,
                                             deadline=deadline, retries=2, backoff=0.5)
        self.server = _probe(self.client, self.location, auth is not None)
        if self.server.digest:
            self.client.use_digest()
        elif self.client.auth_scheme == "digest":
            self.server.digest = True
        self._uploader: Any = None
        self._upload: Any = None
        caps = {QUERY, DUMP, TIMED}
        if write:
            caps |= {WRITE, BULK_LOAD, TRANSACTIONS}
        self.capabilities = frozenset(caps)

    @property
    def endpoint(self) -> str:
        return self.server.query_url

    # ---- queries ------------------------------------------------------------------------------

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True,
              timeout: float | None = None, joins_as_written: bool = False) -> Any:
        """Like `EmbeddedStore.query`: QuerySolutions, QueryBoolean, or a list of Triples. `union`
        asks for the default graph to be the union of the graphs where the server can be asked
        (Oxigraph); elsewhere it is the server's setting. An answer the server cut at its row cap is
        refused, never passed on as if it were whole. Past `timeout` seconds the request is given
        up (`DeadlinePassed`). `joins_as_written` asks Virtuoso to join in the written order."""
        self.settle()
        form = query_form(sparql)
        text = inject_values(sparql, substitutions)
        if joins_as_written and self.server.kind == "virtuoso":
            text = _VIRTUOSO_AS_WRITTEN + text
        accept = "application/n-triples, text/turtle;q=0.9" if form == "graph" else SPARQL_JSON
        response = self.client.query(text, accept, url=self._query_url(union), deadline=timeout)
        self._check_whole(response)
        if self.server.kind != "virtuoso":
            return _parse(response, form, self.server.query_url)
        result = _parse_canonical(response, form, self.server.query_url)
        if form == "graph" and len(result) > self.server.row_cap:
            raise QueryError(f"{self.server.query_url} answered a CONSTRUCT/DESCRIBE with {len(result)} triples: "
                             f"Virtuoso cuts such answers at {self.server.row_cap} + 1 without saying so, so this "
                             "one may be partial; page it with LIMIT/OFFSET (filmgraph export reads graphs whole)")
        return result

    def _query_url(self, union: bool) -> str:
        """The query endpoint, asking for the union default graph where the server takes that."""
        url = self.server.query_url
        if union and self.server.union_parameter:
            url += ("&" if "?" in url else "?") + "union-default-graph"
        return url

    def _check_whole(self, response: Response) -> None:
        cap = response.headers.get("X-SPARQL-MaxRows")
        if cap:
            self.server.row_cap = min(self.server.row_cap, int(cap))
            raise QueryError(f"{self.server.query_url} cut the answer at {cap} rows (its ResultSetMaxRows): "
                             "filmgraph does not pass on a partial answer; ask for fewer rows (LIMIT/OFFSET) "
                             "or raise the server's limit")

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return self.query(sparql)

    # ---- reading whole graphs, with every count checked -----------------------------------------

    def graph_counts(self) -> dict[str, int]:
        """Triples per filmgraph graph, read in pages sorted by name, each page starting after the
        last name of the one before: the pages of an unsorted GROUP BY overlapped on Virtuoso (two
        pages of 10,000 held 18,906 graphs of 20,007), and it refuses OFFSET past 10,000 on sorted
        ones. Every graph is grouped and other people's are left out here, not by a FILTER on the
        statements, which Virtuoso tests statement by statement (16 s a page at 20,000 films).
        The total is checked against the server's own count."""
        self.settle()
        counts: dict[str, int] = {}
        after: str | None = None
        while True:
            text = _GRAPH_COUNTS if after is None else inject_values(_GRAPH_COUNTS_AFTER, {"after": ox.Literal(after)})
            page = self._page(text, 0)
            for row in page:
                counts[row["g"].value] = int(row["n"].value)
            if len(page) < self.server.row_cap:
                break
            after = page[-1]["g"].value
        if after is not None:  # more than one page: the server's own count says whether they add up
            totals = next(iter(self._select(
                "SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))
            graphs, triples = int(totals["graphs"].value), int(totals["n"].value)
            if len(counts) != graphs or sum(counts.values()) != triples:
                raise StoreError(f"{self.location}: listing the graphs gave {len(counts)} graphs and "
                                 f"{sum(counts.values())} triples, but the server counts {graphs} and {triples}; "
                                 "is someone writing?")
        return {g: n for g, n in counts.items() if g.startswith(GRAPHS)}

    def rows(self, sparql: str) -> list[Any]:
        """One page when the answer fits under the row cap; else pages without ORDER BY (Virtuoso
        refuses sorted pages past 10,000), whose distinct rows must add up to the server's count."""
        self.settle()
        if not re.match(r"\s*SELECT\s+DISTINCT\b", sparql, re.IGNORECASE):
            raise QueryError("a listing read in pages needs a SELECT DISTINCT without a prologue: "
                             "a repeated row cannot be told from a page read twice")
        page = self._page(sparql, 0)
        if len(page) < self.server.row_cap:
            return page
        total = int(next(iter(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {sparql} }}")))["n"].value)
        seen: dict[tuple[str, ...], Any] = {}
        offset = 0
        while page:
            for row in page:
                seen.setdefault(tuple(str(term) for term in row), row)
            offset += len(page)
            if offset >= total:
                break
            page = self._page(sparql, offset)
        if len(seen) != total:
            raise StoreError(f"{self.location}: a listing read in pages gave {len(seen)} distinct rows, but the "
                             f"server counts {total}; its pages were not stable (is someone writing?)")
        return list(seen.values())

    def _page(self, sparql: str, offset: int) -> list[Any]:
        """One page of at most the row cap from `offset`; a page cut short by the server is asked
        again at the size it allows. A sorted listing pages from 0 by keyset (`graph_counts`):
        Virtuoso refuses a sorted page past 10,000."""
        while True:
            size = self.server.row_cap
            # TSV from Oxigraph: a third of JSON's bytes, written and read faster. XML from Virtuoso:
            # it writes a 10,000-row page as XML in a quarter of the time it takes over JSON (its TSV
            # quotes IRIs as strings, so it is not SPARQL TSV).
            accept = _PAGE_FORMAT.get(self.server.kind, SPARQL_JSON)
            response = self.client.query(f"{sparql} LIMIT {size} OFFSET {offset}", accept, url=self._query_url(True))
            cap = response.headers.get("X-SPARQL-MaxRows")
            if cap and int(cap) < size:
                self.server.row_cap = int(cap)
                continue
            return list(_parse(response, "select", self.server.query_url))

    def _pages(self, names: list[str], counts: dict[str, int]) -> list[list[str]]:
        """`names` packed, in order, into pages of at most the row cap; a graph larger than that alone."""
        pages: list[list[str]] = []
        rows = self.server.row_cap
        for name in names:
            size = counts.get(name, 0)
            if size >= self.server.row_cap or rows + size > self.server.row_cap:
                pages.append([])
                rows = 0
            pages[-1].append(name)
            rows += size
        return pages

    def _read_page(self, names: list[str], counts: dict[str, int]) -> dict[str, list[ox.Triple]]:
        """The triples of the graphs of one page (`_pages`), each graph counted."""
        if len(names) == 1 and counts[names[0]] >= self.server.row_cap:
            return {names[0]: self._read_large(names[0], counts[names[0]])}
        got: dict[str, list[ox.Triple]] = {g: [] for g in names}
        page = self._page("SELECT ?g ?s ?p ?o WHERE { " + "VALUES ?g { " + " ".join(iri(g) for g in names)
                          + " } GRAPH ?g { ?s ?p ?o } }", 0)
        fix = canonical if self.server.kind == "virtuoso" else _same
        for g, s, p, o in page:
            got[g.value].append(ox.Triple(s, p, fix(o)))
        return {g: got[g] if len(got[g]) == counts[g] else self._read_large(g, counts[g]) for g in names}

    def _read_large(self, graph: str, count: int) -> list[ox.Triple]:
        """A graph larger than one page: paged without ORDER BY; the distinct triples must add up."""
        seen: dict[str, ox.Triple] = {}
        offset = 0
        while offset < count:
            page = self._page(f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}", offset)
            if not page:
                break
            for row in page:
                t = ox.Triple(row["s"], row["p"], canonical(row["o"]))
                seen[str(t)] = t
            offset += len(page)
        if len(seen) != count:
            raise StoreError(f"{self.location}: read {len(seen)} distinct triples of <{graph}>, which the server "
                             f"counts {count}; refusing to pass on a partial graph")
        return list(seen.values())

    def named_graphs(self) -> list[str]:
        return sorted(self.graph_counts())

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        count = int(next(iter(self._select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}")))["n"].value)
        return self._read_page([graph], {graph: count})[graph] if count else []

    def graphs(self) -> Iterator[tuple[str, list[ox.Triple]]]:
        """Every graph in name order, `PAGES_IN_FLIGHT` pages asked for at once: the server
        writes the next page while this process reads the last."""
        counts = self.graph_counts()
        for names, part in _ahead(self._pages(sorted(counts), counts), lambda page: self._read_page(page, counts),
                                  PAGES_IN_FLIGHT):
            for name in names:
                yield name, part[name]

    def quads(self) -> Iterator[ox.Quad]:
        for name, triples in self.graphs():
            g = ox.NamedNode(name)
            for t in triples:
                yield ox.Quad(t.subject, t.predicate, t.object, g)

    def dump_lines(self, output: IO[bytes], *, quads: bool) -> None:
        """Oxigraph hands over the whole dataset in one Graph Store GET, read from one snapshot of
        the store and dumped in Rust (4x faster here than paging); other servers are paged, every
        graph counted."""
        if self.server.kind == "oxigraph" and self.server.store_url:
            self._dump_dataset(output, quads)
            return
        for name, triples in self.graphs():
            tail = f" <{name}> .\n" if quads else " .\n"
            output.write("".join(f"{t}{tail}" for t in triples).encode())

    def _dump_dataset(self, output: IO[bytes], quads: bool) -> None:
        """The filmgraph graphs' lines of Oxigraph's N-Quads dump, kept as the server wrote them.

        One GET reads one snapshot, so no count taken by another request is needed to trust it (a
        body cut short fails in the client); lines of other graphs and of the default graph are
        left out by `_OUR_QUAD`, with no term parsed in Python (a third of the time of parsing)."""
        self.settle()
        body = self.client.send("GET", self.server.store_url, accept="application/n-quads").body
        pattern = _OUR_QUAD if quads else _OUR_TRIPLE
        start = 0
        while start < len(body):  # in slices of about 8 MB, ending at a line's end: bounded copies
            newline = body.find(b"\n", start + (1 << 23))
            end = len(body) if newline < 0 else newline + 1
            kept = pattern.findall(body, start, end)
            if kept:
                output.write(b" .\n".join(kept) + b" .\n")
            start = end

    # ---- writing ------------------------------------------------------------------------------

    def _require(self, capability: str, what: str) -> None:
        if not self.can(capability):
            raise StoreError(f"{self.location} was opened for reading: cannot {what}")

    def content_hashes(self, graphs: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(graphs), 500):
            part = graphs[i:i + 500]
            sparql = (f"SELECT DISTINCT ?g ?h WHERE {{ VALUES ?g {{ {' '.join(iri(g) for g in part)} }} "
                      f"GRAPH ?g {{ ?g {iri(FG.contentHash)} ?h }} }}")
            for row in self.rows(sparql):
                found[row["g"].value] = row["h"].value
        return found

    def replace_graphs(self, records: Iterable[Any]) -> WriteStats:
        """Each changed record graph PUT whole; unchanged ones (same content hash) not sent."""
        self._require(WRITE, "write record graphs")
        self.settle()
        latest = {m.graph.value: m for m in records}
        old = self.content_hashes(list(latest))
        stats = WriteStats()
        for graph, mapped in latest.items():
            if old.get(graph) == mapped.content_hash:
                stats.unchanged += 1
                continue
            self._put(graph, _ntriples(mapped))
            if graph in old:
                stats.replaced += 1
            else:
                stats.added += 1
            stats.triples += _size(mapped)
            stats.graphs.append(graph)
        return stats

    def _put(self, graph: str, body: str) -> None:
        try:
            ox.parse(body, ox.RdfFormat.N_TRIPLES)
        except SyntaxError as e:
            raise StoreError(f"refusing to send <{graph}>: its N-Triples do not parse ({e})") from None
        if self.server.store_url is None:
            self._update(f"DROP SILENT GRAPH {iri(graph)} ;\nINSERT DATA {{ GRAPH {iri(graph)} {{\n{body}}} }}")
            return
        self.client.send("PUT", f"{self.server.store_url}?graph={_quote(graph)}", body.encode(),
                         "application/n-triples")

    def _update(self, update: str) -> None:
        self.client.update(update, self.server.update_url)

    def _put_all(self, records: list[Any]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=PUT_THREADS) as pool:
            for done in pool.map(lambda m: self._put(m.graph.value, _ntriples(m)), records):
                pass

    def _insert(self, records: list[Any]) -> None:
        """One INSERT DATA for `records`; refused, halved until the server takes each half, and a
        record refused alone goes by a Graph Store PUT (Virtuoso's SPARQL compiler refuses some
        updates its Turtle loader takes: SP031 past 10,000 lines of SQL, SR553 on some durations)."""
        body = "\n".join(f"GRAPH {iri(m.graph.value)} {{\n{_ntriples(m)}}}" for m in records)
        try:
            self._update("INSERT DATA {\n" + body + "\n}")
        except HttpError as e:
            if e.status not in (400, 500) or (len(records) == 1 and not self.server.store_url):
                raise
            if len(records) == 1:
                self._put(records[0].graph.value, _ntriples(records[0]))
                return
            half = len(records) // 2
            self._insert(records[:half])
            self._insert(records[half:])

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """A derived graph (the links graph) PUT whole, or removed when empty."""
        self._require(WRITE, "write a graph")
        self.settle()
        items = list(triples)
        if items:
            self._put(graph, "".join(f"{t} .\n" for t in items))
        else:
            self.remove_graphs([graph])
        return len(items)

    def remove_graphs(self, graphs: Iterable[str]) -> int:
        self._require(WRITE, "remove graphs")
        self.settle()
        names = list(graphs)
        for i in range(0, len(names), 200):
            self._update(" ;\n".join(f"DROP SILENT GRAPH {iri(g)}" for g in names[i:i + 200]))
        return len(names)

    def _in_background(self, upload: Any, *args: Any) -> None:
        """Start an upload on the upload thread once the one before it has landed."""
        self.settle()
        if self._uploader is None:
            from concurrent.futures import ThreadPoolExecutor

            self._uploader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="filmgraph-upload")
        self._upload = self._uploader.submit(upload, *args)

    def settle(self) -> None:
        """Wait for the batch being uploaded (one at a time: the server loads it while filmgraph
        maps the next) and raise its failure."""
        upload, self._upload = self._upload, None
        if upload is not None:
            upload.result()

    def close(self) -> None:
        try:
            self.settle()
        finally:
            if self._uploader is not None:
                self._uploader.shutdown()
                self._uploader = None

    def is_empty(self) -> bool:
        """True when the server holds no filmgraph graph (other people's graphs do not count)."""
        ask = self.query(f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} {_GRAPH_FILTER} }}")
        return not bool(ask)

    def bulk_add(self, records: Iterable[Any]) -> WriteStats:
        """New graphs by the server's fastest path: one N-Quads POST per batch where it takes one
        (Oxigraph); else a Graph Store PUT per graph, `PUT_THREADS` at a time (Virtuoso: its Turtle
        loader takes a graph faster than its SPARQL compiler takes INSERT DATA, and takes literals
        the compiler refuses; its Graph Store takes neither N-Quads nor TriG); else INSERT DATA.
        The first two run on the upload thread while the caller maps the next batch: `settle`
        waits for them and raises their failure."""
        self._require(BULK_LOAD, "bulk load")
        stats = WriteStats()
        items = list(records)
        for mapped in items:
            stats.added += 1
            stats.triples += _size(mapped)
            stats.graphs.append(mapped.graph.value)
        if not items:
            return stats
        if self.server.nquads_post and self.server.store_url:
            body = "".join(_nquads(m) for m in items).encode()
            url = self.server.store_url + (f"?{self.server.bulk_parameter}" if self.server.bulk_parameter else "")
            self._in_background(self.client.send, "POST", url, body, "application/n-quads")
            return stats
        if self.server.store_url:
            self._in_background(self._put_all, items)
            return stats
        for i in range(0, len(items), INSERT_RECORDS):
            self._insert(items[i:i + INSERT_RECORDS])
        return stats


_TSV = "text/tab-separated-values"
_PAGE_FORMAT = {"oxigraph": _TSV, "virtuoso": "application/sparql-results+xml"}
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _ahead(items: list[Any], work: Any, depth: int) -> Iterator[tuple[Any, Any]]:
    """(item, work(item)) in the items' order, with up to `depth` items worked on at once in threads;
    what is still queued is cancelled when the caller stops early or a page fails."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="filmgraph-page")
    try:
        pending = [(item, pool.submit(work, item)) for item in items[:depth]]
        for more in items[depth:]:
            item, future = pending.pop(0)
            result = future.result()
            pending.append((more, pool.submit(work, more)))
            yield item, result
        for item, future in pending:
            yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _same(term: Any) -> Any:
    return term

_BOOLEAN = ox.NamedNode(_XSD + "boolean")
_DURATION = ox.NamedNode(_XSD + "duration")


def canonical(term: Any) -> Any:
    """A literal in the canonical lexical form filmgraph writes and Oxigraph keeps, from the form a
    server hands back: Virtuoso stores an xsd:boolean as "1"/"0" and an xsd:duration as decimal
    seconds ("6360.0" for PT1H46M), the same values in other words. Anything else as it came."""
    if not isinstance(term, ox.Literal):
        return term
    if term.datatype == _BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=_BOOLEAN)
    if term.datatype == _DURATION and term.value[:1].isdigit():
        try:
            total = float(term.value)
        except ValueError:
            return term
        if total.is_integer():
            hours, rest = divmod(int(total), 3600)
            minutes, seconds = divmod(rest, 60)
            text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not (hours or seconds) else "") \
                + (f"{seconds}S" if seconds else "")
            return ox.Literal(text, datatype=_DURATION)
    return term


def _quote(graph: str) -> str:
    import urllib.parse

    return urllib.parse.quote(graph, safe="")


def _parse(response: Response, form: str, url: str) -> Any:
    content_type = response.content_type
    try:
        if form == "graph":
            fmt = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
            return list(ox.parse(response.body, fmt))
        fmt = ox.QueryResultsFormat.from_media_type(content_type) or ox.QueryResultsFormat.JSON
        return ox.parse_query_results(response.body, fmt)
    except (SyntaxError, ValueError) as e:
        raise QueryError(f"{url} sent results filmgraph cannot read ({content_type}): {e}") from None


def _parse_canonical(response: Response, form: str, url: str) -> Any:
    """`_parse`, with the literals a server rewrote (`canonical`) put back in canonical form, and
    an ASK answered as a SELECT of `__ASK_RETVAL` (Virtuoso: one row holding 1 when true, no row
    when false) made the boolean it is."""
    if form == "ask":
        result = _parse(response, form, url)
        if isinstance(result, ox.QuerySolutions):
            truth = any(row["__ASK_RETVAL"] is not None and row["__ASK_RETVAL"].value not in ("0", "false")
                        for row in result)
            return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if truth else b"false"),
                                          ox.QueryResultsFormat.JSON)
        return result
    if form == "graph":
        return [ox.Triple(t.subject, t.predicate, canonical(t.object)) for t in _parse(response, form, url)]
    if form != "select" or response.content_type != "application/sparql-results+json":
        return _parse(response, form, url)
    import json

    data = json.loads(response.body)
    for binding in data.get("results", {}).get("bindings", []):
        for value in binding.values():
            datatype = value.get("datatype")
            if datatype in (_BOOLEAN.value, _DURATION.value):
                value["value"] = canonical(ox.Literal(value["value"], datatype=ox.NamedNode(datatype))).value
    return ox.parse_query_results(json.dumps(data).encode(), ox.QueryResultsFormat.JSON)


def _size(mapped: Any) -> int:
    return mapped.size if getattr(mapped, "size", None) is not None else len(mapped.triples)


def _ntriples(mapped: Any) -> str:
    return mapped.ntriples


def _nquads(mapped: Any) -> str:
    return mapped.nquads()


def remote_select(endpoint: str, sparql: str, bindings: dict[str, Any] | None = None, *,
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
