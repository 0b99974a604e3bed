"""The one SPARQL client's limits, and the one way query text is made (IRIs, strings, VALUES)."""

from __future__ import annotations

import http.server
import threading
import time

import pyoxigraph as ox
import pytest

from conftest import Reply
from filmgraph.errors import QueryError, UsageError
from filmgraph.sparql.client import SparqlClient
from filmgraph.sparql.text import inject_values, iri, is_iri, literal, query_form, values_clause

ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'


def test_an_answer_larger_than_the_limit_is_given_up(scripted_endpoint):
    scripted_endpoint.default = Reply(body=b" " * 5000 + ANSWER)
    client = SparqlClient(scripted_endpoint.url, max_bytes=4096, retries=0)
    with pytest.raises(QueryError, match="more than 4096 bytes"):
        client.select("SELECT ?x WHERE {}")
    assert SparqlClient(scripted_endpoint.url, max_bytes=1 << 20).select("SELECT ?x WHERE {}") == []



def _serve(handler: type) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A threaded HTTP server on a free 127.0.0.1 port, serving in the background, and its /sparql URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"

class Slow:
    """A real HTTP server on 127.0.0.1 that never refuses and never finishes: `mode` says where it
    stalls. Each read the client makes gets a byte within a fraction of its socket timeout."""

    def __init__(self, mode: str):
        self.mode = mode
        self.hits = 0
        self.stop = threading.Event()
        slow = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                slow.hits += 1
                try:
                    slow.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = do_GET

            def log_message(self, *args) -> None:
                pass

        self.server, self.url = _serve(Handler)

    def drip(self, h, data: bytes, every: float = 0.05) -> None:
        for i in range(len(data)):
            if self.stop.is_set():
                return
            h.wfile.write(data[i:i + 1])
            h.wfile.flush()
            time.sleep(every)

    def answer(self, h) -> None:
        if self.mode == "silent":  # accepts, reads the request, says nothing
            self.stop.wait(30)
            return
        if self.mode == "headers":  # a status line, then headers a byte at a time, for ever
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.drip(h, b"X-Slow: " + b"y" * 2000 + b"\r\n")
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/sparql-results+json")
        if self.mode == "body-with-length":
            h.send_header("Content-Length", str(len(ANSWER) + 2000))
        h.end_headers()
        self.drip(h, b" " * 2000 + ANSWER)  # 2,000 bytes at 20 a second: 100 s

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow():
    made: list[Slow] = []

    def start(mode: str) -> Slow:
        made.append(Slow(mode))
        return made[-1]

    yield start
    for server in made:
        server.close()


@pytest.mark.parametrize("mode", ["body", "body-with-length", "headers", "silent"])
def test_a_request_has_one_overall_deadline_whatever_the_server_drips(slow, mode):
    server = slow(mode)
    client = SparqlClient(server.url, timeout=5, deadline=1, retries=3, sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises(QueryError, match=r"did not finish answering within 1 s"):
        client.select("SELECT ?x WHERE {}")
    assert time.monotonic() - started < 3, "the deadline bounds the request, not each read"
    assert client.requests == server.hits == 1, "a deadline is not retried"


class KeptAlive:
    """A real HTTP/1.1 server on 127.0.0.1 that keeps connections open and counts them. `after`
    says what it does once it has answered: keep the connection, close it without a word (as a
    server drops an idle connection), or drip its next answer for ever."""

    def __init__(self, after: str = "keep"):
        self.connections = 0
        self.hits = 0
        self.stop = threading.Event()
        kept = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                kept.connections += 1
                super().setup()

            def do_GET(self) -> None:
                kept.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                if after == "drip" and kept.hits > 1:
                    self.end_headers()
                    for byte in b" " * 2000:
                        if kept.stop.wait(0.05):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    return
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)
                self.wfile.flush()
                if after == "close":
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server, self.url = _serve(Handler)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kept_alive():
    made: list[KeptAlive] = []

    def start(after: str = "keep") -> KeptAlive:
        made.append(KeptAlive(after))
        return made[-1]

    yield start
    for server in made:
        server.close()


def test_requests_from_one_thread_share_one_connection(kept_alive):
    server = kept_alive()
    client = SparqlClient(server.url, retries=0)
    for _ in range(5):
        assert client.select("SELECT ?x WHERE {}") == []
    assert server.hits == 5 and server.connections == 1


def test_a_kept_connection_the_server_dropped_is_replaced_not_failed(kept_alive):
    """Without retries: the stale connection is replaced within the request, not retried as a failure."""
    server = kept_alive("close")
    client = SparqlClient(server.url, retries=0)
    for _ in range(3):
        assert client.select("SELECT ?x WHERE {}") == []
        time.sleep(0.05)  # the server has closed its side by now
    assert server.hits == 3 and server.connections == 3 and client.requests == 3


def test_the_deadline_holds_on_a_kept_connection(kept_alive):
    server = kept_alive("drip")
    client = SparqlClient(server.url, timeout=5, deadline=1, retries=3, sleep=lambda s: None)
    assert client.select("SELECT ?x WHERE {}") == []
    started = time.monotonic()
    with pytest.raises(QueryError, match=r"did not finish answering within 1 s"):
        client.select("SELECT ?x WHERE {}")
    assert time.monotonic() - started < 3
    assert server.connections == 1 and server.hits == 2


def test_retries_stop_before_the_deadline_would_pass(scripted_endpoint):
    scripted_endpoint.default = Reply(502, body=b"bad gateway")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = SparqlClient(scripted_endpoint.url, deadline=1, retries=10, backoff=0.2, sleep=sleep)
    with pytest.raises(QueryError, match="another try would pass the request's 1 s deadline"):
        client.select("SELECT ?x WHERE {}")
    assert slept == [0.2, 0.4] and len(scripted_endpoint.seen) == 3


def test_an_answer_said_to_be_too_large_is_not_read(scripted_endpoint):
    scripted_endpoint.default = Reply(body=b" " * 100_000 + ANSWER)
    client = SparqlClient(scripted_endpoint.url, max_bytes=50_000, retries=0)
    with pytest.raises(QueryError, match="more than 50000 bytes"):
        client.select("SELECT ?x WHERE {}")


def test_credentials_go_basic_first_and_are_never_in_messages(scripted_endpoint):
    scripted_endpoint.default = Reply(401, body=b"no")
    client = SparqlClient(scripted_endpoint.url, auth=("ann", "s3cret"), retries=0)
    with pytest.raises(QueryError) as caught:
        client.select("SELECT ?x WHERE {}")
    assert "s3cret" not in str(caught.value) and "401" in str(caught.value)
    assert scripted_endpoint.seen[0]["headers"]["Authorization"].startswith("Basic ")


def test_iris_strings_and_values_have_one_form_each():
    assert iri("https://w3id.org/filmgraph/id/film/x") == "<https://w3id.org/filmgraph/id/film/x>"
    for bad in ("https://x> } DROP ALL {", "no scheme", "https://a b", 'https://"'):
        assert not is_iri(bad)
        with pytest.raises(QueryError):
            iri(bad)
    assert literal('say "hi"\n\\\x01', "da") == '"say \\"hi\\"\\n\\\\\\u0001"@da'
    assert str(ox.Literal('say "hi"\n\\\x01', language="da")) == literal('say "hi"\n\\\x01', "da")
    assert values_clause({"b": ox.Literal("x"), "a": [ox.NamedNode("http://e/1"), ox.NamedNode("http://e/2")]}) \
        == 'VALUES (?a ?b) { (<http://e/1> "x") (<http://e/2> "x") }'
    with pytest.raises(UsageError):
        values_clause({"a b": ox.Literal("x")})
    text = inject_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": ox.Literal("x")})
    assert text == 'SELECT ?s WHERE { VALUES (?o) { ("x") }  ?s ?p ?o }'
    assert query_form(text) == "select"
    with pytest.raises(QueryError, match=r"q.rq:1:\d+"):
        query_form("SELECT WHERE {", "q.rq")


def test_an_answer_cut_short_of_its_content_length_is_an_error_not_a_short_answer():
    """A connection that drops mid-answer must never pass for a whole, shorter answer (an export
    of a server's dump trusts the body it got)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/n-quads")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"<a> <b> <c> .\n")
            self.close_connection = True

        def log_message(self, *args) -> None:
            pass

    server, url = _serve(Handler)
    try:
        client = SparqlClient(url, retries=0)
        with pytest.raises(QueryError, match="broke off its answer"):
            client.send("GET", url)
    finally:
        server.shutdown()
        server.server_close()
