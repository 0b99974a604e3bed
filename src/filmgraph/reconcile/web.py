"""The service over HTTP: a Starlette app that can run alone (`filmgraph reconcile-serve`) or be
mounted in another app (`Mount("/reconcile", app=reconcile.app(...))`). Every path is relative and
every URL in the manifest is built from the request, so the mount point is free.

CORS on every answer, as 0.2 requires; JSONP (`callback=`) on GET, as it allows; errors as HTTP
statuses with a JSON `{"error": …}` body (400 bad request, 404 unknown id, 413 batch too large,
503 batch too slow).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from filmgraph.reconcile import service
from filmgraph.reconcile.index import Index, LiveIndex
from filmgraph.reconcile.service import Options, ServiceError

_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
MAX_BODY = 4 << 20
"""Bytes of form body read at most (100 queries with properties are a few kB)."""


def app(store: str | LiveIndex | Index, *, options: Options | None = None, base_url: str | None = None) -> Starlette:
    """The reconciliation app for a store folder (kept current as ingests land), a `LiveIndex` or a
    fixed `Index`. `base_url` overrides the endpoint URL the manifest advertises (behind a proxy)."""
    live = LiveIndex(store) if isinstance(store, str) else store
    opts = options or Options()

    def index() -> Index:
        return live.get() if isinstance(live, LiveIndex) else live

    def base(request: Request) -> str:
        if base_url:
            return base_url.rstrip("/")
        root = request.scope.get("root_path", "")
        return f"{request.url.scheme}://{request.url.netloc}{root}".rstrip("/")

    async def endpoint(request: Request) -> Any:
        params = await _params(request)
        if "queries" in params:
            return await run_in_threadpool(service.reconcile, index(), _json(params["queries"], "queries"), opts)
        if "extend" in params:
            return await run_in_threadpool(service.extend, index(), _json(params["extend"], "extend"))
        return service.manifest(base(request), opts)

    async def suggest(request: Request) -> Any:
        kind, q = request.path_params["kind"], request.query_params
        prefix, cursor, limit = q.get("prefix", ""), q.get("cursor"), q.get("limit")
        if kind == "entity":
            return service.suggest_entities(index(), prefix, q.getlist("type") or None, cursor, limit)
        if kind == "type":
            return service.suggest_types(prefix, cursor, limit)
        if kind == "property":
            return service.suggest_properties(prefix, q.get("type"), cursor, limit)
        raise ServiceError(f"no suggest service for {kind!r} (entity, type, property)", 404)

    async def preview(request: Request) -> Any:
        return HTMLResponse(service.preview(index(), request.query_params.get("id", "")))

    async def properties(request: Request) -> Any:
        return service.propose_properties(request.query_params.get("type", ""), request.query_params.get("limit"))

    routes = [
        Route("/", _answer(endpoint), methods=["GET", "POST"]),
        Route("/suggest/{kind}", _answer(suggest), methods=["GET"]),
        Route("/preview", _answer(preview), methods=["GET"]),
        Route("/properties", _answer(properties), methods=["GET"]),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                             allow_headers=["*"])]
    return Starlette(routes=routes, middleware=middleware)


def _answer(handler: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
    """A handler's JSON (or JSONP, for GET with `callback=`) answer, or its `ServiceError` as a status
    with an `{"error": …}` body."""

    async def run(request: Request) -> Response:
        callback = request.query_params.get("callback") if request.method == "GET" else None
        if callback is not None and not _CALLBACK.match(callback):
            return _error("'callback' must be a JavaScript name", 400, None)
        try:
            body = await handler(request)
        except ServiceError as e:
            return _error(str(e), e.status, callback)
        return body if isinstance(body, Response) else _json_response(body, callback)

    return run


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_BODY:
            raise ServiceError(f"request body of {length} bytes; the limit is {MAX_BODY}", 413)
        form = await request.form(max_part_size=MAX_BODY)
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ServiceError(f"'{name}' is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _json_response(body: Any, callback: str | None) -> Response:
    if callback:
        text = f"{callback}({json.dumps(body, ensure_ascii=False)});"
        return Response(text, media_type="application/javascript")
    return JSONResponse(body)


def _error(message: str, status: int, callback: str | None) -> Response:
    if callback:
        return Response(f"{callback}({json.dumps({'error': message})});", status_code=status,
                        media_type="application/javascript")
    return JSONResponse({"error": message}, status_code=status)
