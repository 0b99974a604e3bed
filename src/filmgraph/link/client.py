"""A polite SPARQL 1.1 client for link runs: one request at a time, cached on disk.

Public services rate-limit by IP and User-Agent and ask for no parallel requests, so the client
is deliberately sequential, names itself with a contact, spaces its requests, honours Retry-After
on 429/503, backs off exponentially on transient failures, and keeps every answer on disk keyed
by endpoint and query text, so that a re-run costs no requests at all.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from filmgraph.errors import QueryError

Row = dict[str, str]
_ACCEPT = "application/sparql-results+json"
_TRANSIENT = {500, 502, 504}
_GET_LIMIT = 1500


def literal(text: str, language: str | None = None) -> str:
    """A SPARQL string literal with every special character escaped: how our values reach a remote
    endpoint's query text (standard SPARQL has no bound parameters over the protocol)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"@{language}' if language else f'"{escaped}"'


def iri(value: str) -> str:
    if any(c in value for c in '<>"{}|\\^` \n'):
        raise QueryError(f"refusing to put {value!r} into a query as an IRI")
    return f"<{value}>"


def rows_from_json(body: bytes) -> list[Row]:
    """SPARQL JSON results -> one dict per solution, variable -> lexical value (IRI or literal text)."""
    try:
        data = json.loads(body)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise QueryError(f"the endpoint did not answer with SPARQL JSON results: {' '.join(str(e).split())[:200]}") from None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class SparqlClient:
    """SELECT queries against one endpoint; `requests` and `cached` count what a run cost."""

    def __init__(self, endpoint: str, *, user_agent: str, timeout: float = 30.0, cache_dir: str | None = None,
                 refresh: bool = False, min_interval: float = 0.0, retries: int = 4, backoff: float = 1.0,
                 max_wait: float = 300.0, sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.timeout = timeout
        self.cache_dir = cache_dir
        self.refresh = refresh
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._last = 0.0
        self.requests = 0
        self.cached = 0

    def _cache_path(self, query: str) -> str | None:
        if not self.cache_dir:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return os.path.join(self.cache_dir, "sparql", key[:2], f"{key}.json")

    def select(self, query: str) -> list[Row]:
        path = self._cache_path(query)
        if path and not self.refresh and os.path.isfile(path):
            with open(path, "rb") as f:
                body = f.read()
            self.cached += 1
            return rows_from_json(body)
        body = self._fetch(query)
        rows = rows_from_json(body)
        if path:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.partial"
            with open(tmp, "wb") as f:
                f.write(body)
            os.replace(tmp, path)
        return rows

    def _request(self, query: str) -> urllib.request.Request:
        headers = {"Accept": _ACCEPT, "User-Agent": self.user_agent}
        encoded = urllib.parse.urlencode({"query": query})
        if len(encoded) <= _GET_LIMIT:
            sep = "&" if "?" in self.endpoint else "?"
            return urllib.request.Request(f"{self.endpoint}{sep}{encoded}", headers=headers)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urllib.request.Request(self.endpoint, data=encoded.encode(), headers=headers)

    def _fetch(self, query: str) -> bytes:
        attempt = 0
        while True:
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0:
                self._sleep(wait)
            self._last = time.monotonic()
            self.requests += 1
            delay: float | None = None
            try:
                with urllib.request.urlopen(self._request(query), timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as e:
                if e.code in (429, 503):
                    delay = retry_after(e.headers.get("Retry-After"))
                    if delay is not None and delay > self.max_wait:
                        raise QueryError(f"{self.endpoint} asks to wait {delay:.0f} s (HTTP {e.code}); try later") from None
                elif e.code not in _TRANSIENT:
                    detail = e.read(500).decode("utf-8", "replace").strip()
                    raise QueryError(f"{self.endpoint} refused the query (HTTP {e.code}): {detail}") from None
                problem = f"HTTP {e.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                problem = str(getattr(e, "reason", e))
            if attempt >= self.retries:
                raise QueryError(f"{self.endpoint} failed after {attempt + 1} attempts: {problem}")
            self._sleep(delay if delay is not None else self.backoff * 2 ** attempt)
            attempt += 1


class LocalTarget:
    """A target held in memory (a pyoxigraph Store): same `select` as the client, for tests and mirrors."""

    def __init__(self, store: Any, endpoint: str = "local:"):
        self.store = store
        self.endpoint = endpoint
        self.requests = 0
        self.cached = 0

    def select(self, query: str) -> list[Row]:
        self.requests += 1
        results = self.store.query(query)
        names = [v.value for v in results.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in results]
