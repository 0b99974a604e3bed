"""Shared fixtures: the sample store, a CLI runner, shared data, and a real Oxigraph server."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
# ../shared from a checkout at /work/main; ../../shared from a worktree at /work/wt/<branch>.
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
SHARED_DATA = SHARED / "data"
PRESSKITS = SHARED / "presskits"
FIXED_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: reproducible ingest times in tests


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 300) -> Result:
    """Run `filmgraph` as a user would, in a subprocess (so tracebacks and exit codes are real)."""
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "filmgraph", *args], capture_output=True, text=True,
                          input=input, env=full_env, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A store holding every sample record in records/ (read-only for tests: copy it to change it)."""
    store = tmp_path_factory.mktemp("sample") / "store"
    result = run_cli("ingest", "--store", str(store), str(RECORDS))
    assert result.code == 0, result.err
    return store


@pytest.fixture
def store_copy(sample_store, tmp_path) -> Path:
    """A private copy of the sample store that a test may write to."""
    target = tmp_path / "store"
    shutil.copytree(sample_store, target, ignore=shutil.ignore_patterns("filmgraph.lock"))
    return target


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared film data not found at {SHARED_DATA} (only CI and developer machines have it)")
    return SHARED_DATA


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    query_url: str
    update_url: str
    store_url: str
    process: subprocess.Popen


def start_oxigraph(location: Path, *files: Path, union_default_graph: bool = False, read_only: bool = True) -> Server:
    """Load `files` into a fresh Oxigraph database at `location` and serve it on 127.0.0.1."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    for f in files:
        subprocess.run([binary, "load", "--location", str(location), "--file", str(f)], check=True,
                       capture_output=True)
    port = free_port()
    cmd = [binary, "serve-read-only" if read_only else "serve", "--location", str(location),
           "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        cmd.append("--union-default-graph")
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/query?query=ASK%7B%7D", process, 30, lambda: f"oxigraph: {process.stderr.read().decode()}")
    return Server(url, f"{url}/query", f"{url}/update", f"{url}/store", process)


def wait_until_up(url: str, process: subprocess.Popen, seconds: float, why) -> None:
    """Poll `url` until it answers; a server that exits or takes too long is killed and `why()` raised."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the server did not start: {why()}")
            time.sleep(0.1)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def oxigraph_server(tmp_path):
    """A factory: `oxigraph_server(file, ...)` starts a server with those files; all are stopped after the test."""
    started: list[Server] = []

    def start(*files: Path, **options) -> Server:
        server = start_oxigraph(tmp_path / f"oxigraph-{len(started)}", *files, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


@dataclass
class Reply:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "application/sparql-results+json"


class ScriptedEndpoint:
    """An HTTP endpoint on 127.0.0.1 for client tests where a real server cannot be told to fail:
    it answers GET and POST with the queued replies, then with `default`, and records each request
    (method, path, headers)."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.default = Reply()
        self.seen: list[dict] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                endpoint.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                reply = endpoint.script.pop(0) if endpoint.script else endpoint.default
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sparql"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def scripted_endpoint():
    endpoint = ScriptedEndpoint()
    yield endpoint
    endpoint.close()


@dataclass
class FilmgraphServer:
    url: str
    process: subprocess.Popen
    store: Path


def start_filmgraph_server(store: Path, *options: str) -> FilmgraphServer:
    """`filmgraph serve` as a user starts it, on 127.0.0.1 at a free port; ready once it prints its URL."""
    port = free_port()
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    process = subprocess.Popen([sys.executable, "-m", "filmgraph", "serve", "--store", str(store), "--port", str(port),
                                *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    if f"http://127.0.0.1:{port}/" not in line:
        process.kill()
        raise RuntimeError(f"filmgraph serve did not start: {line}{process.stderr.read()}")
    return FilmgraphServer(f"http://127.0.0.1:{port}/", process, store)


def stop_filmgraph_server(server: FilmgraphServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """Virtuoso Open Source on 127.0.0.1 with a throwaway database, for the whole session (it takes
    seconds to start); skipped where Debian's virtuoso-opensource is not installed."""
    from sparql_servers import VIRTUOSO, start_virtuoso

    if not VIRTUOSO:
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def oxigraph_writable(tmp_path_factory):
    """A writable Oxigraph server (`oxigraph serve`) with an empty database, for the whole session."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-rw") / "db", read_only=False)
    yield server
    stop_server(server)
