"""The one SPARQL 1.1 protocol client: queries, updates and Graph Store requests over urllib.

Built on the standard library (no second HTTP stack to keep in step): it names itself with the
settings' User-Agent, sends basic credentials or answers a digest challenge (Virtuoso's
/sparql-auth), retries transient failures with exponential back-off, honours Retry-After on
429/503, spaces its requests for public services, gives every request an overall deadline and a
largest body it will read, and can keep SELECT answers on disk keyed by endpoint and query text,
so a re-run of a link costs no requests.
"""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import heapq
import http.client
import io
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from filmgraph.errors import QueryError

Row = dict[str, str]
SPARQL_JSON = "application/sparql-results+json"
_TRANSIENT = {500, 502, 504}
_GET_LIMIT = 1500
_CHUNK = 1 << 16
# A Virtuoso error text ("Virtuoso 22023 Error SR353: ...") is an answer, not a passing failure.
_ENGINE_ERROR = re.compile(r"Virtuoso \w{5} Error|SPARQL compiler|syntax error", re.IGNORECASE)


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


def rows_from_json(body: bytes) -> list[Row]:
    """SPARQL JSON results -> one dict per solution, variable -> lexical value (IRI or literal text)."""
    try:
        data = json.loads(body)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise QueryError(f"the endpoint did not answer with SPARQL JSON results: {e}") from None


@dataclass(slots=True)
class Response:
    status: int
    headers: email.message.Message
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class HttpError(QueryError):
    """A final HTTP error status, kept so that a caller can tell 404 from 415 from 500."""

    def __init__(self, message: str, status: int, body: str):
        super().__init__(message)
        self.status = status
        self.body = body


def _detail(body: bytes) -> str:
    """The server's message, first lines only, with HTML tags dropped (Virtuoso answers in HTML)."""
    text = re.sub(r"<[^>]+>", " ", body[:4000].decode("utf-8", "replace"))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3])[:300]


class _Watch:
    """One request's deadline: when it passes, the watchdog shuts the request's connection down,
    whatever it is waiting for (connecting, sending, the headers, a body dripping a byte at a time)."""

    __slots__ = ("ends", "sock", "fired", "done")

    def __init__(self, ends: float):
        self.ends = ends
        self.sock: socket.socket | None = None
        self.fired = False
        self.done = False

    def __lt__(self, other: "_Watch") -> bool:
        return self.ends < other.ends

    def attach(self, sock: socket.socket) -> None:
        self.sock = sock
        if self.fired:
            _shut(sock)

    def left(self) -> float:
        return self.ends - time.monotonic()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One thread for the process that ends the requests whose deadline passed."""

    def __init__(self) -> None:
        self._heap: list[_Watch] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, ends: float) -> _Watch:
        watch = _Watch(ends)
        with self._wake:
            if len(self._heap) > 256 and sum(w.done for w in self._heap) > len(self._heap) // 2:
                self._heap = [w for w in self._heap if not w.done]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="filmgraph-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0] is watch:
                self._wake.notify()
        return watch

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and (self._heap[0].done or self._heap[0].ends <= time.monotonic()):
                    watch = heapq.heappop(self._heap)
                    if not watch.done:
                        watch.fired = True
                        if watch.sock is not None:
                            _shut(watch.sock)
                self._wake.wait(self._heap[0].ends - time.monotonic() if self._heap else None)


_WATCHDOG = _Watchdog()
_CURRENT = threading.local()
"""The watch of the request this thread is making: redirects and digest retries inside urllib open
new connections for it, and each is watched."""


class _Watched:
    """A connection that hands its socket to the current request's watch once connected, and
    connects within the time the request has left."""

    def connect(self) -> None:
        watch: _Watch | None = getattr(_CURRENT, "watch", None)
        if watch is not None:
            self.timeout = max(0.001, min(self.timeout, watch.left()))
        super().connect()
        if watch is not None:
            watch.attach(self.sock)


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_WatchedHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        return super().do_open(_WatchedHTTPS, req, **kwargs)


def _opener(*handlers: Any) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_HTTPHandler, _HTTPSHandler, *handlers)


class SparqlClient:
    """Requests to one SPARQL service; `requests` and `cached` count what a run cost.

    `timeout` bounds each wait for the socket; `deadline` bounds the whole request, retries and
    back-off included (seconds): past it the connection is shut, whatever it was waiting for, so
    a server that drips its answer a byte at a time cannot hold a run. `max_bytes` is the largest
    answer read before the request is given up."""

    def __init__(self, endpoint: str, *, user_agent: str | None = None, timeout: float | None = None,
                 deadline: float | None = None, max_bytes: int | None = None,
                 auth: tuple[str, str] | None = None, headers: Iterable[tuple[str, str]] = (),
                 cache_dir: str | None = None, refresh: bool = False, min_interval: float = 0.0,
                 retries: int = 4, backoff: float = 1.0, max_wait: float = 300.0,
                 sleep: Callable[[float], None] = time.sleep):
        from filmgraph.settings import Settings

        if not endpoint.startswith(("http://", "https://")):
            raise QueryError(f"a SPARQL endpoint is an http(s) URL, not {endpoint!r}")
        settings = Settings()
        self.endpoint = endpoint
        self.user_agent = user_agent or settings.user_agent
        self.timeout = timeout if timeout is not None else settings.query_timeout
        self.deadline = deadline if deadline is not None else settings.request_deadline
        self.max_bytes = max_bytes if max_bytes is not None else settings.max_response_bytes
        self.auth = auth
        self.auth_scheme = "basic"
        self.headers = list(headers)
        self.cache_dir = cache_dir
        self.refresh = refresh
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._last = 0.0
        self._opener = _opener()
        self._kept = threading.local()
        """This thread's open connections, by scheme and host (see `_persistent`)."""
        self.requests = 0
        self.cached = 0

    # ---- queries -------------------------------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        """A SELECT's rows as lexical values, answered from the on-disk cache when there is one."""
        path = self._cache_path(query)
        if path and not self.refresh and os.path.isfile(path):
            with open(path, "rb") as f:
                body = f.read()
            self.cached += 1
            return rows_from_json(body)
        body = self.query(query, SPARQL_JSON).body
        rows = rows_from_json(body)
        if path:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.partial"
            with open(tmp, "wb") as f:
                f.write(body)
            os.replace(tmp, path)
        return rows

    def query(self, query: str, accept: str, url: str | None = None, deadline: float | None = None) -> Response:
        """A query by GET when it is short (cacheable by proxies), else by POST as a form; `deadline`
        shortens the client's own for this request."""
        url = url or self.endpoint
        encoded = urllib.parse.urlencode({"query": query}, quote_via=urllib.parse.quote)
        if len(encoded) <= _GET_LIMIT:
            sep = "&" if "?" in url else "?"
            return self.send("GET", f"{url}{sep}{encoded}", accept=accept, deadline=deadline)
        return self.send("POST", url, encoded.encode(), "application/x-www-form-urlencoded", accept=accept,
                         deadline=deadline)

    def update(self, update: str, url: str) -> Response:
        return self.send("POST", url, urllib.parse.urlencode({"update": update}).encode(),
                         "application/x-www-form-urlencoded")

    def _cache_path(self, query: str) -> str | None:
        if not self.cache_dir:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return os.path.join(self.cache_dir, "sparql", key[:2], f"{key}.json")

    # ---- HTTP ----------------------------------------------------------------------------------

    def send(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None, *,
             accept: str | None = None, deadline: float | None = None) -> Response:
        """One request, retried while the failure is passing, all within the deadline (the client's,
        or `deadline` when shorter); a final failure is a QueryError, past the deadline a
        `DeadlinePassed`."""
        limit = self.deadline if deadline is None else min(deadline, self.deadline)
        ends = time.monotonic() + limit
        try:
            return self._send(method, url, body, content_type, accept, ends)
        except DeadlinePassed:
            raise self._late(url, limit) from None

    def _send(self, method: str, url: str, body: bytes | None, content_type: str | None, accept: str | None,
              ends: float) -> Response:
        attempt = 0
        while True:
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0:
                self._sleep(wait)
            self._last = time.monotonic()
            self.requests += 1
            delay: float | None = None
            watch = _WATCHDOG.watch(ends)
            _CURRENT.watch = watch
            try:
                try:
                    response = self._once(method, url, body, content_type, accept, watch)
                except urllib.error.HTTPError as e:
                    text = self._read(e, watch, whole=False)
                    if e.code == 401 and self._switch_to_digest(e):
                        continue
                    if e.code in (429, 503):
                        delay = retry_after(e.headers.get("Retry-After"))
                        if delay is not None and delay > self.max_wait:
                            raise QueryError(f"{url} asks to wait {delay:.0f} s (HTTP {e.code}); try later") from None
                    elif e.code not in _TRANSIENT or _ENGINE_ERROR.search(text.decode("utf-8", "replace")):
                        raise self._failure(url, e.code, text) from None
                    problem: Exception | str = self._failure(url, e.code, text)
                except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
                    if watch.fired or watch.left() <= 0:
                        raise self._late(url) from None
                    problem = self._unreachable(url, e)
                else:
                    return response
            finally:
                watch.done = True
                _CURRENT.watch = None
            if watch.fired:
                raise self._late(url)
            if attempt >= self.retries:
                message = str(problem)
                raise QueryError(f"{message} (after {attempt + 1} attempts)" if attempt else message) from None
            pause = delay if delay is not None else self.backoff * 2 ** attempt
            if time.monotonic() + pause >= ends:
                raise QueryError(f"{problem} (gave up: another try would pass the request's "
                                 f"{self.deadline:g} s deadline)") from None
            self._sleep(pause)
            attempt += 1

    def _late(self, url: str, limit: float | None = None) -> QueryError:
        return DeadlinePassed(f"{url.split('?')[0]} did not finish answering within "
                              f"{self.deadline if limit is None else limit:g} s")

    def _once(self, method: str, url: str, body: bytes | None, content_type: str | None,
              accept: str | None, watch: _Watch) -> Response:
        headers = {"User-Agent": self.user_agent}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        headers.update(self.headers)
        if self.auth and self.auth_scheme == "basic":
            import base64

            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        if self.auth_scheme == "basic":
            answer = self._persistent(method, url, body, headers, watch)
            if answer is not None:
                return answer
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        with self._opener.open(request, timeout=self.timeout) as response:
            data = self._read(response, watch)
            return Response(response.status, response.headers, data)

    def _persistent(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                    watch: _Watch) -> Response | None:
        """The request on this thread's kept-alive connection to the host (a new TCP connection per
        request costs a server such as Virtuoso a thread hand-off, and the client half its CPU per
        request). The request's watch holds the connection's socket as for a new one. A kept
        connection the server has closed meanwhile is replaced once. None for a redirect, which
        urllib follows; an error status is raised as urllib's HTTPError."""
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.netloc)
        kept = self._kept.__dict__
        if kept.get("pid") != os.getpid():  # a forked child never shares its parent's sockets
            kept.clear()
            kept["pid"] = os.getpid()
        while True:
            conn = kept.pop(key, None)
            reused = conn is not None and conn.sock is not None
            if not reused:
                factory = _WatchedHTTPS if parts.scheme == "https" else _WatchedHTTP
                conn = factory(parts.hostname, parts.port, timeout=self.timeout)
            else:
                conn.sock.settimeout(self.timeout)
                watch.attach(conn.sock)
            try:
                conn.request(method, target, body, headers)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                conn.close()
                if reused and not watch.fired:
                    continue  # the server closed the idle connection: once more on a new one
                raise
            except BaseException:
                conn.close()
                raise
            try:
                data = self._read(response, watch)
            except BaseException:
                conn.close()
                raise
            response.close()  # read whole: the connection is free for the next request
            if response.will_close or watch.fired:
                conn.close()
            else:
                kept[key] = conn
            if 300 <= response.status < 400:
                return None
            if response.status >= 400:
                raise urllib.error.HTTPError(url, response.status, response.reason, response.headers,
                                             io.BytesIO(data))
            return Response(response.status, response.headers, data)

    def _read(self, response: Any, watch: _Watch, whole: bool = True) -> bytes:
        """The body, a read at a time, within the request's deadline and the size limit. A body
        cut by the watchdog may look ended (no length said): the watch says it was not. With
        `whole`, a body shorter than its Content-Length is `IncompleteRead` (a chunked one already
        is, in http.client): a connection that drops mid-answer never passes for a short answer."""
        declared = response.headers.get("Content-Length") if response.headers else None
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        read = getattr(response, "read1", None) or response.read  # read1: what has come, not 64 KB
        parts: list[bytes] = []
        size = 0
        while True:
            if watch.fired or watch.left() <= 0:
                raise self._late(self.endpoint)
            chunk = read(_CHUNK)
            if not chunk:
                if watch.fired:
                    raise self._late(self.endpoint)
                if whole and declared and declared.isdigit() and size < int(declared):
                    raise http.client.IncompleteRead(b"".join(parts), int(declared) - size)
                return b"".join(parts)
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            parts.append(chunk)

    def _too_large(self) -> QueryError:
        return QueryError(f"{self.endpoint} sent more than {self.max_bytes} bytes in one answer; "
                          "ask for less (a LIMIT) or raise FILMGRAPH_MAX_RESPONSE_BYTES")

    def _switch_to_digest(self, error: urllib.error.HTTPError) -> bool:
        """Our basic credentials refused: answer the server's digest challenge from now on
        (remembered). Virtuoso's /sparql-auth refuses a basic header without sending a challenge,
        so a refusal without one is tried once with digest too."""
        challenge = (error.headers.get("WWW-Authenticate") or "").lower()
        if not self.auth or self.auth_scheme == "digest" or (challenge and not challenge.startswith("digest")):
            return False
        self.use_digest()
        return True

    def use_digest(self) -> None:
        """Answer digest challenges with the credentials (instead of sending them as basic)."""
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, self.endpoint, *self.auth)
        parsed = urllib.parse.urlsplit(self.endpoint)
        manager.add_password(None, f"{parsed.scheme}://{parsed.netloc}/", *self.auth)
        self._opener = _opener(urllib.request.HTTPDigestAuthHandler(manager))
        self.auth_scheme = "digest"

    def _failure(self, url: str, status: int, body: bytes) -> HttpError:
        detail = _detail(body)
        if status == 401:
            message = f"{url} refused the request (HTTP 401 unauthorized): check --auth user:pass"
        elif status == 403:
            message = f"{url} forbids the request (HTTP 403): {detail}"
        elif status == 404:
            message = f"no SPARQL endpoint at {url.split('?')[0]} (HTTP 404 not found)"
        elif status == 400:
            message = f"{url.split('?')[0]} rejected the request (HTTP 400): {detail}"
        elif status == 500:
            message = f"{url.split('?')[0]} failed (HTTP 500): {detail}"
        else:
            message = f"{url.split('?')[0]} answered HTTP {status}: {detail}"
        return HttpError(message, status, detail)

    def _unreachable(self, url: str, error: Exception) -> Exception:
        reason = getattr(error, "reason", error)
        base = url.split("?")[0]
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return QueryError(f"{base} did not answer within {self.timeout:g} s")
        if isinstance(error, http.client.HTTPException) and not isinstance(error, ConnectionError):
            return QueryError(f"{base} broke off its answer ({type(error).__name__})")
        if isinstance(reason, ConnectionRefusedError):
            return QueryError(f"cannot connect to {base}: connection refused")
        return QueryError(f"cannot reach {base}: {getattr(reason, 'strerror', None) or reason}")


class DeadlinePassed(QueryError):
    """The whole request took longer than its deadline: not retried (the next try would too)."""
