"""The Starlette application: dereferenceable IRIs, pages, pictures, the SPARQL endpoint.

URL layout under the base (docs/serve.md): `id/<kind>/<key>` answers for the IRI
`https://w3id.org/filmgraph/id/<kind>/<key>` (content negotiation, or a `.html .ttl .jsonld .nt
.nq .trig` suffix); `id/series/<key>/timeline.svg`, `id/series/<key>/cast.svg` and
`id/person/<key>/timeline.svg` are pictures; `search?q=`, `sparql`, `queries/<name>` and
`static/` are what they say. `create_app(..., routes=[...])` adds routes (such as a
Reconciliation service mounted at `/reconcile`) beside these.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from filmgraph import query as fq
from filmgraph.describe import kind_of, label_from_iri, movie
from filmgraph.errors import UsageError
from filmgraph.serve import charts, endpoint, views
from filmgraph.serve.negotiation import choose
from filmgraph.serve.snapshots import Snapshot, Snapshots
from filmgraph.store.embedded import check_location
from filmgraph.settings import (BASE_IRI, SERVE_MAX_BODY, SERVE_REFRESH, SERVE_REMEMBER, SERVE_RESULT_LIMIT,
                                SERVE_TIMEOUT, VERSION)
from filmgraph.terms import FG, PREFIXES

HERE = Path(__file__).resolve().parent
RDF_TYPES = {
    "text/turtle": (ox.RdfFormat.TURTLE, "ttl"),
    "application/ld+json": (ox.RdfFormat.JSON_LD, "jsonld"),
    "application/n-triples": (ox.RdfFormat.N_TRIPLES, "nt"),
    "application/n-quads": (ox.RdfFormat.N_QUADS, "nq"),
    "application/trig": (ox.RdfFormat.TRIG, "trig"),
    "application/rdf+xml": (ox.RdfFormat.RDF_XML, "rdf"),
}
OFFERS = ["text/html", *RDF_TYPES]
SUFFIXES = {"html": "text/html", **{ext: media for media, (_, ext) in RDF_TYPES.items()}}
# Prefixes for Turtle, TriG and JSON-LD answers (minted IRIs read well as `id:film/...`).
RDF_PREFIXES = {k: PREFIXES[k] for k in ("schema", "fg", "prov", "xsd", "id")}
# Formats that keep which record graph states each statement.
QUAD_TYPES = {"application/n-quads", "application/trig"}
PAGE_THREADS = 2  # threads making pages, per server process (Site.in_page_thread)
# With `inline`, a query that used at most this much CPU the last time it ran on the checkpoint runs
# on the event loop (Site._results): it holds the loop no longer than a page being made holds the GIL.
INLINE_CPU = 0.005
# CORS on: any site's scripts may read the answers (the data is public and the server read-only).
CORS = {"allow_origins": ["*"], "allow_methods": ["GET", "POST", "OPTIONS"], "allow_headers": ["Accept", "Content-Type"],
        "expose_headers": ["Filmgraph-Result-Limit", "Filmgraph-Truncated", "Vary"]}


class Config:
    """What `filmgraph serve` was started with."""

    def __init__(self, store: str, base: str, timeout: float, result_limit: int, max_body: int, interval: float,
                 inline: bool = False):
        self.store = store
        self.base = base if base.endswith("/") else base + "/"
        self.prefix = urlsplit(self.base).path or "/"
        self.timeout = timeout
        self.result_limit = result_limit
        self.max_body = max_body
        self.interval = interval
        self.inline = inline  # quick queries on the event loop (Site._results)


def create_app(store: str, *, base: str = "http://127.0.0.1:8080/", timeout: float = SERVE_TIMEOUT,
               result_limit: int = SERVE_RESULT_LIMIT, max_body: int = SERVE_MAX_BODY, interval: float = SERVE_REFRESH,
               remember: int = SERVE_REMEMBER, routes: Sequence[BaseRoute] = (),
               snapshots: Snapshots | None = None, reconcile: bool = True, shared: str | None = None,
               inline: bool = False) -> Starlette:
    """The read-only site for the store at `store`, answering under `base`; `routes` are added as
    they are (mount another app with `Mount("/reconcile", app=...)`). `snapshots` is a first
    checkpoint already taken; without one it is taken when the app starts. With `reconcile`, the
    OpenRefine reconciliation service answers at `/reconcile/`, its view URL on these pages.
    `shared` is a folder in which the worker processes of one server share the answers they make.
    `inline` lets a query known to be quick run on the event loop (`Site._results`): right when the
    server has a process per core, so that query threads would add trips but no parallelism."""
    config = Config(store, base, timeout, result_limit, max_body, interval, inline)
    check_location(store)
    limits = endpoint.Limits(timeout, result_limit)
    site = Site(config, limits)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # The first checkpoint is taken here, in the serving process, and removed when it stops.
        site.snapshots = snapshots or await run_in_threadpool(
            lambda: Snapshots(store, interval=interval, answers=remember, shared=shared))
        site.snapshots.start()
        threading.Thread(target=site.warm, name="filmgraph-warm", daemon=True).start()
        try:
            yield
        finally:
            site.snapshots.close()
            limits.close()
            site.close()

    own = site.routes()
    if reconcile:
        own.append(Mount("/reconcile", app=_LazyReconcile(store, base)))
    if config.prefix != "/":
        own = [Mount(config.prefix.rstrip("/"), routes=own)]
    app = _App(site, routes=[*routes, *own], lifespan=lifespan, middleware=[Middleware(CORSMiddleware, **CORS)])
    app.state.site = site
    return app


class _App(Starlette):
    """The site, with SPARQL requests for results (not the HTML query page) and remembered
    resources answered before Starlette's middleware and routing (`Site.sparql_results`,
    `Site.remembered_resource`): on a point query or a remembered page that machinery cost as much
    CPU as the answer itself."""

    def __init__(self, site: Site, **options: Any):
        super().__init__(**options)
        self.site = site
        self.sparql_path = site.config.prefix + "sparql"
        self.id_path = site.config.prefix + "id/"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == self.sparql_path:
                scope["app"] = self
                if await self.site.sparql_results(scope, receive, send):
                    return
            elif path.startswith(self.id_path) and scope["method"] == "GET":
                if await self.site.remembered_resource(scope, send):
                    return
        await super().__call__(scope, receive, send)


class _LazyReconcile:
    """The reconciliation app, built on its first request: its index reads the whole store, which
    the pages never need, so a server nobody reconciles against never pays for it."""

    def __init__(self, store: str, base: str):
        self.store, self.base = store, base
        self._app = None
        self._building = threading.Lock()

    def _make(self):
        from filmgraph.reconcile import Options
        from filmgraph.reconcile import app as reconcile_app

        with self._building:
            if self._app is None:
                self._app = reconcile_app(self.store, options=Options(view_url=self.base.rstrip("/") + "/id/{{id}}"))
        return self._app

    async def __call__(self, scope, receive, send) -> None:
        app = self._app or await run_in_threadpool(self._make)
        await app(scope, receive, send)


def _jsonld_script(obj: dict[str, Any]) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` escaped so no text in the data can end it."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)  # no indent: then json's C encoder writes it
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


class Site:
    """The handlers, with what they share: settings, limits, templates and the store's checkpoints."""

    def __init__(self, config: Config, limits: endpoint.Limits):
        self.config = config
        self._pages: Any = None
        self._pages_lock = threading.Lock()
        self.snapshots: Snapshots | None = None  # set when the app starts (lifespan)
        self._once = threading.Lock()
        self.limits = limits
        self._templates: Any = None
        self._templates_lock = threading.Lock()
        self.cors = CORSMiddleware(None, **CORS)  # its headers, for answers sent past the middleware

    @property
    def templates(self) -> Any:
        """The page templates, set up on first use (or by `warm`): Jinja2 is not needed to start."""
        with self._templates_lock:
            if self._templates is None:
                import jinja2
                from starlette.templating import Jinja2Templates

                # auto_reload off: templates are package files; checking their times costs a stat per render
                env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                                         trim_blocks=True, lstrip_blocks=True, auto_reload=False)
                env.globals.update(href=self.href, short=views.short, minutes=views.minutes,
                                   prefix=self.config.prefix, label=label_from_iri, kind_of=kind_of)
                env.filters["jsonld"] = _jsonld_script
                self._templates = Jinja2Templates(env=env)
            return self._templates

    def warm(self) -> None:
        """Compile the templates once the server listens, so the first visitor does not wait for it."""
        templates = self.templates
        for name in sorted(os.listdir(HERE / "templates")):
            if name.endswith(".html"):
                templates.get_template(name)

    # ---- helpers ---------------------------------------------------------------------------

    async def in_page_thread(self, work):
        """`work()` on one of PAGE_THREADS page threads. Making a page is Python work that holds
        the GIL, so more threads would not make more pages at once: they would take turns, every
        page finishing late, and crowd the event loop, which sends remembered answers meanwhile.
        Two (not one) so that a slow page (a first search builds its index) holds up no others.
        On a fresh 20,000-film server under the benchmark's 16 clients, the film page p99 was
        9-31 ms with two threads and 31-45 ms with four, in the runs the host did not slow down."""
        with self._pages_lock:
            if self._pages is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pages = ThreadPoolExecutor(PAGE_THREADS, thread_name_prefix="filmgraph-page")
        return await asyncio.wrap_future(self._pages.submit(work))

    def close(self) -> None:
        if self._pages is not None:
            self._pages.shutdown(wait=False, cancel_futures=True)

    def href(self, iri: str | None) -> str:
        """Where a minted IRI answers on this server; any other IRI stays as it is."""
        if not iri:
            return ""
        if iri.startswith(BASE_IRI):
            return f"{self.config.prefix}id/{iri[len(BASE_IRI):]}"
        return iri

    def page(self, request: Request, template: str, status: int = 200, headers: dict | None = None,
             **context: Any) -> Response:
        return self.templates.TemplateResponse(request, template, {"config": self.config, **context},
                                               status_code=status, headers=headers)

    def render(self, template: str, **context: Any) -> str:
        """A page that depends on the store only (not on the request), so it can be remembered."""
        return self.templates.get_template(template).render(config=self.config, **context)

    def error(self, request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        if choose(request.headers.get("accept"), ["text/html", "text/plain"]) == "text/html":
            return self.page(request, "error.html", status=status, headers=headers, status_code=status, message=message)
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.home),
            Route("/search", self.search),
            Route("/sparql", self.sparql, methods=["GET", "POST"]),
            Route("/queries", self.queries),
            Route("/queries/{name}", self.named),
            Route("/id/series/{key}/timeline.svg", self.series_timeline),
            Route("/id/series/{key}/cast.svg", self.cast_chart),
            Route("/id/person/{key}/timeline.svg", self.person_timeline),
            Route("/id/{path:path}", self.resource),
            Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        ]

    # ---- pages -----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        def work():
            with self.snapshots.use() as snap:
                counts = snap.cache.get("stats")
                if counts is None:
                    self._count(snap)
                return counts, snap.generation
        counts, generation = await self.in_page_thread(work)
        return self.page(request, "home.html", counts=counts, queries=endpoint.library(), generation=generation)

    def _search_index(self, snap: Snapshot):
        """Built on the first search of each checkpoint (about 3 s on the 20,000-film store) and kept."""
        index = snap.cache.get("search")
        if index is None:
            index = snap.cache["search"] = views.search_index(snap.store)
        return index

    def _count(self, snap: Snapshot) -> None:
        """Count what a checkpoint holds in the background: on a large store the counts take seconds,
        and the home page says they are coming rather than wait."""
        from filmgraph.stats import stats

        def count() -> None:
            snap.cache["stats"] = stats(snap)
        self._in_background(snap, "stats-started", count)

    def _in_background(self, snap: Snapshot, flag: str, work) -> None:
        """Run `work` once per checkpoint on a thread, keeping the checkpoint on disk meanwhile."""
        with self._once:
            if snap.cache.get(flag):
                return
            snap.cache[flag] = True
        snap.enter()

        def run() -> None:
            try:
                work()
            finally:
                snap.leave()
        threading.Thread(target=run, name=f"filmgraph-{flag}", daemon=True).start()

    async def search(self, request: Request) -> Response:
        text = request.query_params.get("q", "")[:200]

        def work():
            with self.snapshots.use() as snap:
                return views.search(self._search_index(snap), text)
        found = await self.in_page_thread(work) if text.strip() else {}
        return self.page(request, "search.html", q=text, found=found)

    def _negotiate(self, path: str, accept: str | None) -> tuple[str, str | None]:
        """The IRI a path under `id/` answers for, and the type to answer in (by suffix, else by
        `Accept`; None when the client accepts none of them)."""
        stem, dot, ext = path.rpartition(".")
        if dot and "/" not in ext and ext in SUFFIXES:
            return BASE_IRI + stem, SUFFIXES[ext]
        return BASE_IRI + path, _resource_type(accept)

    def _resource_headers(self, iri: str, media: str, tag: str) -> dict[str, str]:
        # Named by what the checkpoint holds, so every worker process (and a restart) gives the same one
        etag = '"' + hashlib.sha1(f"{VERSION}:{self.config.base}:{tag}:{iri}:{media}".encode()).hexdigest()[:20] + '"'
        return {"Vary": "Accept", "ETag": etag, "Link": self._alternates(iri)}

    async def resource(self, request: Request) -> Response:
        iri, media = self._negotiate(request.path_params["path"], request.headers.get("accept"))
        vary = {"Vary": "Accept"}
        if media is None:
            return PlainTextResponse("406 Not Acceptable: this resource is available as " + ", ".join(OFFERS) + "\n",
                                     status_code=406, headers=vary)

        key = ("resource", iri, media)
        with self.snapshots.use() as snap:  # a remembered answer is sent without leaving the event loop
            body, tag = snap.recall(key), snap.tag
        if body is None:
            def work():
                with self.snapshots.use() as snap:
                    return snap.remember(key, lambda: self._represent(snap, iri, media)), snap.tag
            body, tag = await self.in_page_thread(work)
        if body is None:
            return self.error(request, 404, f"404 Not Found: nothing in the store is called {iri}", vary)
        headers = self._resource_headers(iri, media, tag)
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media, headers=headers)

    async def remembered_resource(self, scope, send) -> bool:
        """Send a remembered answer to a GET under `id/` as `resource` would, with what the CORS
        middleware adds; False (nothing sent) when the answer has to be made or refused, which
        `resource` then does. A remembered page is most of a site's traffic, and Starlette's
        middleware, routing and response objects cost as much CPU as the rest of sending it."""
        path = scope["path"][len(self.config.prefix) + 3:]
        if path.endswith(".svg"):  # pictures have their own routes
            return False
        heard = _first_headers(scope, _RESOURCE_HEADERS)
        iri, media = self._negotiate(path, heard.get(b"accept"))
        if media is None:
            return False
        with self.snapshots.use() as snap:
            body, tag = snap.recall(("resource", iri, media)), snap.tag
        if body is None:
            return False
        headers = self._resource_headers(iri, media, tag)
        headers["Vary"] = "Accept, Origin"  # as the CORS middleware says it on every answer
        if b"origin" in heard:
            headers.update(self.cors.simple_headers)
        status = 304 if heard.get(b"if-none-match") == headers["ETag"] else 200
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        if status == 200:
            raw += [(b"content-type", _CONTENT_TYPES[media]), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body if status == 200 else b""})
        return True

    def _represent(self, snap: Snapshot, iri: str, media: str) -> bytes | None:
        """The resource in `media`, or None when no record mentions it."""
        desc = snap.describe(iri)
        if desc is None:
            return None
        if media == "text/html":
            kind = desc.kind if desc.kind != "graph" or desc.first(iri, FG.describes) else "resource"
            template = {"film": "film.html", "person": "person.html", "character": "character.html",
                        "series": "series.html", "graph": "record.html"}.get(kind, "resource.html")
            return self.render(template, desc=desc, iri=iri, v=self._view(snap, desc),
                               facts=views.facts_table(desc, self.href)).encode()
        fmt, _ = RDF_TYPES[media]
        prefixes = None if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS) else RDF_PREFIXES
        return ox.serialize(desc.quads() if media in QUAD_TYPES else desc.triples(), format=fmt, prefixes=prefixes)

    def _alternates(self, iri: str) -> str:
        url = quote(self.href(iri), safe=":/?#[]@!$&'()*+,;=~%")  # a header carries a URI: Unicode IRIs percent-encoded
        return ", ".join(f'<{url}.{ext}>; rel="alternate"; type="{media}"' for media, (_, ext) in RDF_TYPES.items())

    def _view(self, snap: Snapshot, desc) -> dict[str, Any]:
        kind = desc.kind
        if kind == "film":
            view = views.film_view(snap.store, desc)
            view["jsonld"] = movie(desc)
            return view
        if kind == "person":
            return views.person_view(desc)
        if kind == "character":
            return views.character_view(desc)
        if kind == "series":
            return views.series_data(snap.cast_of, desc)
        if kind == "graph" and desc.first(desc.iri, FG.describes):
            return views.record_view(snap.store, desc)
        return {}

    # ---- pictures --------------------------------------------------------------------------

    async def _svg(self, request: Request, iri: str, make) -> Response:
        def work():
            with self.snapshots.use() as snap:
                def build():
                    desc = snap.describe(iri)
                    return None if desc is None else make(snap, desc)
                return snap.remember(("svg", request.url.path), build), snap.tag
        svg, tag = await self.in_page_thread(work)
        if svg is None:
            return self.error(request, 404, f"404 Not Found: nothing in the store is called {iri}")
        etag = '"' + hashlib.sha1(f"{VERSION}:{self.config.base}:{tag}:{request.url.path}".encode()).hexdigest()[:20] + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(svg, media_type="image/svg+xml", headers={"ETag": etag})

    async def series_timeline(self, request: Request) -> Response:
        def make(snap, desc):
            data = views.series_data(snap.cast_of, desc)
            return charts.series_timeline(data["name"], data["films"], data["recurring"])
        return await self._svg(request, f"{BASE_IRI}series/{request.path_params['key']}", make)

    async def cast_chart(self, request: Request) -> Response:
        def make(snap, desc):
            data = views.series_data(snap.cast_of, desc)
            return charts.cast_chart(data["name"], data["films"], data["characters"])
        return await self._svg(request, f"{BASE_IRI}series/{request.path_params['key']}", make)

    async def person_timeline(self, request: Request) -> Response:
        def make(snap, desc):
            view = views.person_view(desc)
            rows = [{"job": job, "year": r["year"], "name": r["film"]["name"]}
                    for job, entries in view["jobs"].items() for r in entries]
            return charts.filmography_timeline(view["name"], rows)
        return await self._svg(request, f"{BASE_IRI}person/{request.path_params['key']}", make)

    # ---- SPARQL ----------------------------------------------------------------------------

    async def _body(self, request: Request) -> bytes:
        """The request body, refused (413) past the configured size without reading it all."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.config.max_body:
            raise endpoint.Refused(413, f"request body over {self.config.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.config.max_body:
                raise endpoint.Refused(413, f"request body over {self.config.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def sparql(self, request: Request) -> Response:
        try:
            body = await self._body(request) if request.method == "POST" else b""
            text, params = endpoint.parse_request(request.method, request.url.query,
                                                  request.headers.get("content-type", ""), body)
            wants_html = _asks_for_html(request, params)
            if text is None or not text.strip():
                if wants_html:
                    return self.page(request, "sparql.html", query_text=default_query(), queries=endpoint.library(),
                                     answer=None)
                raise endpoint.Refused(400, "give a query: ?query=..., a form field query=..., "
                                            "or a POST body of type application/sparql-query")
            # Text sent to the endpoint is a query, not a library file: its comments declare nothing.
            named = fq.NamedQuery(name="query", text=text, source="query")
            return await self._answer(request, named, {}, params, wants_html, "sparql.html")
        except endpoint.Refused as e:
            return self.error(request, e.status, f"{e.status}: {e.message}", e.headers)

    async def sparql_results(self, scope, receive, send) -> bool:
        """Answer a GET or POST to /sparql whose Accept does not name HTML, as `sparql` would, with
        what the CORS middleware adds; False (nothing read, nothing sent) for any other request,
        which `sparql` then answers. The same parsing, checks, limits and answers, on the ASGI
        messages themselves: no request object, middleware or route matching per query."""
        method = scope["method"]
        if method != "GET" and method != "POST":
            return False
        heard = _first_headers(scope, _SPARQL_HEADERS)
        accept, ctype, length, origin = (heard.get(b"accept"), heard.get(b"content-type"),
                                         heard.get(b"content-length"), b"origin" in heard)
        if accept and "text/html" in accept.lower():  # perhaps a browser, for the query page
            return False
        try:
            body = b""
            if method == "POST":
                body = await self._read_body(receive, length)
                if body is None:  # the client went away
                    return True
            text, params = endpoint.parse_request(method, scope["query_string"].decode(), ctype or "", body)
            if text is None or not text.strip():
                raise endpoint.Refused(400, "give a query: ?query=..., a form field query=..., "
                                            "or a POST body of type application/sparql-query")
            named = fq.NamedQuery(name="query", text=text, source="query")
            answer = await self._results(named, {}, params, accept, endpoint.first_form(named))
        except endpoint.Refused as e:
            response = self.error(Request(scope, receive), e.status, f"{e.status}: {e.message}", e.headers)
            await response(scope, receive, self._with_cors(scope, send))
            return True
        headers = [(b"content-type", _CONTENT_TYPES[answer.media_type]), (b"content-length", b"%d" % len(answer.body)),
                   (b"vary", b"Accept, Origin"), (b"filmgraph-result-limit", b"%d" % answer.limit)]
        if answer.truncated:
            headers.append((b"filmgraph-truncated", f"true; cut at {answer.limit} results".encode()))
        if origin:
            headers.extend((k.lower().encode(), v.encode()) for k, v in self.cors.simple_headers.items())
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
        return True

    async def _read_body(self, receive, declared: str | None) -> bytes | None:
        """The body of an ASGI request, refused past the configured size as `_body` refuses it;
        None when the client disconnected."""
        limit = self.config.max_body
        if declared and declared.isdigit() and int(declared) > limit:
            raise endpoint.Refused(413, f"request body over {limit} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise endpoint.Refused(413, f"request body over {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _with_cors(self, scope, send):
        """`send`, adding what the CORS middleware adds to an answer."""
        import functools

        from starlette.datastructures import Headers

        return functools.partial(self.cors.send, send=send, request_headers=Headers(scope=scope))

    async def _results(self, named: fq.NamedQuery, values: dict[str, str], params: dict[str, str],
                       accept: str | None, form: str) -> endpoint.Answer:
        """The answer as SPARQL results (or RDF), in the format asked for, within the timeout. It is
        remembered as written, per format, and a remembered one is sent from the event loop.

        With `config.inline`, a query that took at most INLINE_CPU the last time it ran on this
        checkpoint (`Snapshot.cost`) runs again on the event loop: a checkpoint never changes, so
        the same query does the same work, well inside any timeout; the trip to a query thread and
        back (two thread wake-ups and the GIL changing hands) cost 7-27 % of such a query's CPU.
        Any other query runs on a query thread, where the timeout can give up on it."""
        try:
            fmt = endpoint.pick_format(form, accept, params)
            timeout = endpoint.timeout_for(params, self.limits)
        except endpoint.Refused:
            endpoint.check_form(named)  # (`form` may be `first_form`'s) a syntax error is said first
            raise
        key = ("answer", named.text, tuple(sorted(values.items())), fmt)
        limit = self.limits.result_limit

        def work(snap: Snapshot) -> endpoint.Answer:
            started = time.thread_time()
            try:
                return snap.remember(key, lambda: endpoint.answer(snap, named, values, fmt, limit, form))
            finally:
                snap.note_cost(key, time.thread_time() - started)

        snapshots = self.snapshots
        with snapshots.use() as snap:
            answer = snap.recall(key)
            if answer is not None:
                return answer
            cost = snap.cost(key) if self.config.inline else None
            if cost is not None and cost <= INLINE_CPU and cost * 20 <= timeout:
                self.limits.admit()
                return work(snap)

        def on_thread() -> endpoint.Answer:
            with snapshots.use() as snap:
                return work(snap)
        return await self.limits.run(on_thread, timeout)

    async def _answer(self, request: Request, named: fq.NamedQuery, values: dict[str, str], params: dict[str, str],
                      wants_html: bool, template: str) -> Response:
        form = endpoint.check_form(named)
        if not wants_html:
            answer = await self._results(named, values, params, request.headers.get("accept"), form)
            return Response(answer.body, media_type=answer.media_type,
                            headers={"Vary": "Accept", **endpoint.headers_for(answer)})
        timeout = endpoint.timeout_for(params, self.limits)
        bound = tuple(sorted(values.items()))
        limit = self.limits.result_limit

        def work():
            with self.snapshots.use() as snap:
                return snap.remember(("query", named.text, bound), lambda: endpoint.execute(snap, named, values, limit))
        result = await self.limits.run(work, timeout)
        shown = endpoint.write(result, "turtle" if form == "graph" else "json", self.limits.result_limit)
        return self.page(request, template, query_text=named.text, queries=endpoint.library(), answer=result,
                         graph_text=shown.body.decode() if form == "graph" else None, named=named,
                         values=values, limit=self.limits.result_limit, headers=endpoint.headers_for(shown))

    async def queries(self, request: Request) -> Response:
        return self.page(request, "queries.html", queries=endpoint.library())

    async def named(self, request: Request) -> Response:
        try:
            named = endpoint.named_query(request.path_params["name"])
            params = dict(request.query_params)
            control = {k: params.pop(k) for k in ("format", "output", "timeout") if k in params}
            wants_html = _asks_for_html(request, control)
            missing = [p.name for p in named.params if p.default is None and p.name not in params]
            if wants_html and missing:
                return self.page(request, "query.html", named=named, values=params, answer=None,
                                 limit=self.limits.result_limit, query_text=named.text, graph_text=None)
            try:
                fq.bind(named, params)
            except UsageError as e:
                raise endpoint.Refused(400, str(e)) from None
            return await self._answer(request, named, params, control, wants_html, "query.html")
        except endpoint.Refused as e:
            return self.error(request, e.status, f"{e.status}: {e.message}", e.headers)


def _asks_for_html(request: Request, params: dict[str, str]) -> bool:
    """A browser names text/html; a client that accepts anything (`curl`) gets SPARQL results."""
    accept = request.headers.get("accept") or ""
    if "text/html" not in accept.lower() or params.get("format") or params.get("output"):
        return False
    return choose(accept, ["text/html", *endpoint.RESULT_TYPES]) == "text/html"


# Content-Type of each answer's media type as Starlette's `Response` writes it (text/* gets a charset).
_CONTENT_TYPES = {media: (media + "; charset=utf-8" if media.startswith("text/") else media).encode()
                  for media in {*endpoint.MEDIA.values(), *OFFERS}}


_RESOURCE_HEADERS = frozenset((b"accept", b"if-none-match", b"origin"))
_SPARQL_HEADERS = frozenset((b"accept", b"content-type", b"content-length", b"origin"))


def _first_headers(scope, names: frozenset[bytes]) -> dict[bytes, str]:
    """The first value of each of `names` in an ASGI request's headers, as Starlette's `Headers.get`
    reads them (the fast paths read the headers without making a request object)."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return found


@functools.lru_cache(maxsize=256)
def _resource_type(accept: str | None) -> str | None:
    """The type of a resource's answer an `Accept` header prefers; clients send a few headers over
    and over, so each is read once."""
    return choose(accept, OFFERS)


def default_query() -> str:
    return ("PREFIX schema: <https://schema.org/>\n\nSELECT ?film ?title ?year WHERE {\n"
            "  ?film a schema:Movie ; schema:name ?title .\n  OPTIONAL { ?film schema:dateCreated ?year }\n}\n"
            "ORDER BY ?year ?title\nLIMIT 20\n")

