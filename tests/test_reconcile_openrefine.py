"""A real client: OpenRefine (Debian's `openrefine`, headless on 127.0.0.1) adds filmgraph as a
reconciliation service, reconciles a column of film titles with year and director as properties,
and we read its judgments back through its own HTTP API."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import free_port, run_cli

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures" / "reconcile"
OPENREFINE = shutil.which("openrefine") or "/usr/bin/openrefine"
ROWS = """title,year,director
"Double Life of Veronique, The",1991,Krzysztof Kieslowski
Infernal Affairs 2,2003,Andrew Lau
Pusher II,2004,Nicolas Winding Refn
Seven Samuari,1954,Akira Kurosawa
"Killing, The",1957,Stanley Kubrik
The Celebration,1998,Thomas Vinterberg
Psycho,1998,Gus Van Sant
Insomnia,,
"""
EXPECTED = {
    "Double Life of Veronique, The": "film/the-double-life-of-veronique-1991",   # inverted article
    "Infernal Affairs 2": "film/infernal-affairs-ii-2003",                       # arabic for roman
    "Pusher II": "film/pusher-ii-with-blood-on-my-hands-2004",                   # subtitle dropped
    "Seven Samuari": "film/seven-samurai-1954",                                  # a typo
    "Killing, The": "film/the-killing-1956",                                     # a year off, director misspelt
    "The Celebration": "film/festen-1998",                                       # English title of Festen
}
NOT_MATCHED = {"Psycho": "film/psycho-1960", "Insomnia": None}   # a remake; two namesakes


def _wait(url: str, process: subprocess.Popen, what: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)


def _stop(process: subprocess.Popen, group: bool = False) -> None:
    """Stop a server; `group`: its whole process group, waiting for every member (OpenRefine's
    launcher is a shell whose Java child outlives it by a few seconds)."""
    if not group:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while True:
        process.poll()
        try:
            os.killpg(process.pid, signal.SIGKILL if time.monotonic() > deadline else 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)


@pytest.fixture(scope="session")
def openrefine(tmp_path_factory):
    """OpenRefine on a free port with a throwaway workspace; one start per session (a few seconds)."""
    if not Path(OPENREFINE).exists() or not shutil.which("java"):
        pytest.skip("OpenRefine (Debian package openrefine) or Java is not installed")
    workspace = tmp_path_factory.mktemp("openrefine")
    port = free_port()
    # The client compiler only: OpenRefine starts in about half the time, which is all a test needs.
    env = {**os.environ, "JAVA_OPTIONS": "-XX:TieredStopAtLevel=1"}
    log = workspace / "openrefine.log"   # a file, not a pipe nobody reads: a full pipe would stop it
    with log.open("wb") as out:
        process = subprocess.Popen([OPENREFINE, "-i", "127.0.0.1", "-p", str(port), "-d", str(workspace),
                                    "-x", "refine.headless=true", "-m", "512M"],
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/command/core/get-csrf-token", process, "OpenRefine", log)
    yield url
    _stop(process, group=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """`filmgraph reconcile-serve` on the test films, as a user starts it."""
    folder = tmp_path_factory.mktemp("refine-store")
    store = folder / "store"
    result = run_cli("ingest", "--store", str(store), "--quiet", "--map", str(FIXTURES / "films.yaml"),
                     str(FIXTURES / "films.csv"))
    assert result.code == 0, result.err
    port = free_port()
    log = folder / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "filmgraph", "reconcile-serve", "--store", str(store),
                                    "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    _wait(url, process, "filmgraph reconcile-serve", log)
    yield url
    _stop(process)


class Refine:
    """The few commands of OpenRefine 3.6's HTTP API the test needs (each write carries a CSRF token)."""

    def __init__(self, url: str):
        self.url = url

    def call(self, command: str, params: dict | None = None, body: bytes | None = None,
             content_type: str = "application/x-www-form-urlencoded", write: bool = True):
        params = dict(params or {})
        if write:
            params["csrf_token"] = json.loads(self.call("get-csrf-token", write=False)[1])["token"]
        request = urllib.request.Request(f"{self.url}/command/core/{command}?{urllib.parse.urlencode(params)}",
                                         data=body, headers={"Content-Type": content_type} if body else {})

        class Keep(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            with urllib.request.build_opener(Keep).open(request, timeout=60) as response:
                return response.headers, response.read()
        except urllib.error.HTTPError as e:
            if e.code == 302:
                return e.headers, b""
            raise

    def form(self, command: str, params: dict | None = None, **fields):
        return self.call(command, params, urllib.parse.urlencode(fields).encode())

    def add_service(self, service_url: str) -> dict:
        """What OpenRefine's dialog does on 'Add standard service': fetch the manifest, keep it in the
        `reconciliation.standardServices` preference."""
        manifest = json.loads(urllib.request.urlopen(service_url, timeout=10).read())
        self.form("set-preference", name="reconciliation.standardServices",
                  value=json.dumps([{**manifest, "url": service_url}]))
        return manifest

    def create_project(self, name: str, csv: str) -> str:
        boundary = uuid.uuid4().hex
        options = {"separator": ",", "headerLines": 1, "ignoreLines": -1, "skipDataLines": 0, "limit": -1,
                   "processQuotes": True, "guessCellValueTypes": False, "storeBlankCellsAsNulls": True,
                   "encoding": "UTF-8"}

        def part(field: str, value: bytes, filename: str | None = None) -> bytes:
            disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
            return f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"

        body = (part("project-file", csv.encode(), "films.csv") + part("project-name", name.encode())
                + part("format", b"text/line-based/*sv") + part("options", json.dumps(options).encode())
                + f"--{boundary}--\r\n".encode())
        headers, _ = self.call("create-project-from-upload", body=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
        return re.search(r"project=(\d+)", headers["Location"]).group(1)

    def reconcile(self, project: str, manifest: dict, service_url: str, column: str, type_id: str,
                  properties: dict[str, str]) -> None:
        operation = {
            "op": "core/recon", "columnName": column, "description": f"Reconcile {column}",
            "engineConfig": {"facets": [], "mode": "row-based"},
            "config": {"mode": "standard-service", "service": service_url,
                       "identifierSpace": manifest["identifierSpace"], "schemaSpace": manifest["schemaSpace"],
                       "type": {"id": type_id, "name": type_id}, "autoMatch": True, "batchSize": 10, "limit": 0,
                       "columnDetails": [{"column": c, "propertyID": p, "propertyName": p}
                                         for c, p in properties.items()]}}
        self.form("apply-operations", {"project": project}, operations=json.dumps([operation]))
        self.wait(project)

    def judgments(self, project: str, column_index: int = 0) -> dict[str, dict]:
        """cell value -> its recon object (`j` the judgment, `m` the match, `c` the candidates)."""
        _, body = self.call("get-rows", {"project": project, "start": 0, "limit": 100}, write=False)
        data = json.loads(body)
        recons = data["pool"]["recons"]
        return {row["cells"][column_index]["v"]: recons[str(row["cells"][column_index]["r"])]
                for row in data["rows"] if row["cells"][column_index] and "r" in row["cells"][column_index]}


    def columns(self, project: str) -> dict[str, int]:
        """column name -> cell index."""
        _, body = self.call("get-models", {"project": project}, write=False)
        return {c["name"]: c["cellIndex"] for c in json.loads(body)["columnModel"]["columns"]}

    def extend(self, project: str, manifest: dict, service_url: str, column: str, properties: dict[str, str]) -> None:
        """'Add columns from reconciled values': OpenRefine asks the service's data extension."""
        operation = {"op": "core/extend-reconciled-data", "description": f"Extend {column}",
                     "engineConfig": {"facets": [], "mode": "row-based"}, "baseColumnName": column,
                     "columnInsertIndex": 1, "endpoint": service_url,
                     "identifierSpace": manifest["identifierSpace"], "schemaSpace": manifest["schemaSpace"],
                     "extension": {"properties": [{"id": p, "name": n} for p, n in properties.items()]}}
        self.form("apply-operations", {"project": project}, operations=json.dumps([operation]))
        self.wait(project)

    def wait(self, project: str) -> None:
        deadline = time.monotonic() + 120
        while json.loads(self.call("get-processes", {"project": project}, write=False)[1]).get("processes"):
            assert time.monotonic() < deadline, "OpenRefine's process did not finish"
            time.sleep(0.2)

    def values(self, project: str) -> list[dict[str, object]]:
        """Each row as column name -> cell value."""
        _, body = self.call("get-rows", {"project": project, "start": 0, "limit": 100}, write=False)
        columns = self.columns(project)
        rows = json.loads(body)["rows"]
        return [{name: (row["cells"][i] or {}).get("v") if i < len(row["cells"]) else None
                 for name, i in columns.items()} for row in rows]


@pytest.fixture(scope="module")
def reconciled(openrefine, service):
    refine = Refine(openrefine)
    manifest = refine.add_service(service)
    project = refine.create_project("festival list", ROWS)
    refine.reconcile(project, manifest, service, "title", "Film", {"year": "year", "director": "director"})
    return refine, project, manifest


def test_openrefine_reconciles_a_film_list(reconciled, service):
    refine, project, _ = reconciled
    judged = refine.judgments(project)
    assert {title: (r["j"], r.get("m", {}).get("id")) for title, r in judged.items() if title in EXPECTED} \
        == {title: ("matched", fid) for title, fid in EXPECTED.items()}
    for title, candidate in NOT_MATCHED.items():
        assert judged[title]["j"] == "none", judged[title]
        if candidate:   # offered for a person to check, not decided
            assert candidate in [c["id"] for c in judged[title].get("c", [])]
    prefs = json.loads(refine.call("get-preference", {"name": "reconciliation.standardServices"}, write=False)[1])
    assert service in prefs["value"]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1280,520", "--virtual-time-budget=15000", *args],
                          capture_output=True, text=True, timeout=120)


def test_openrefine_shows_the_matches_in_a_browser(reconciled, tmp_path):
    """OpenRefine's own page, rendered by headless Chromium: matched cells link to the store's
    films; the remake shows its candidate to choose. FILMGRAPH_SCREENSHOT=docs/openrefine-reconciled.png
    also writes the README's picture."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium (Debian package chromium) is not installed")
    refine, project, _ = reconciled
    page = f"{refine.url}/project?project={project}"
    dom = _chromium("--dump-dom", page).stdout
    assert 'href="https://w3id.org/filmgraph/id/film/the-double-life-of-veronique-1991"' in dom
    assert ">Pusher II: With Blood on My Hands<" in dom and ">Seven Samurai<" in dom
    assert 'href="https://w3id.org/filmgraph/id/film/psycho-1960"' in dom    # offered, not matched
    shot = Path(os.environ.get("FILMGRAPH_SCREENSHOT") or tmp_path / "openrefine.png")
    _chromium(f"--screenshot={shot}", page)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_openrefine_adds_columns_from_the_store(reconciled, service):
    refine, project, manifest = reconciled
    before = set(refine.columns(project))
    refine.extend(project, manifest, service, "title", {"imdb": "IMDb id", "director": "director"})
    added = [name for name in refine.columns(project) if name not in before]   # named by the service
    assert len(added) == 2 and "IMDb id" in added
    director = next(name for name in added if name.startswith("director"))     # `director2`: the sheet has one
    rows = {row["title"]: row for row in refine.values(project)}
    assert (rows["Double Life of Veronique, The"]["IMDb id"], rows["Double Life of Veronique, The"][director]) \
        == ("tt0101765", "Krzysztof Kieślowski")
    assert rows["Pusher II"]["IMDb id"] == "tt0396184"
    assert rows["Psycho"]["IMDb id"] is None    # not matched, so nothing is added


def test_openrefine_reconciles_people_through_their_films(reconciled, service):
    """The director column against people, with the title column as `film`: spellings that differ
    (no accents, a letter missing) still find the person; someone the store does not hold is not matched."""
    refine, project, manifest = reconciled
    refine.reconcile(project, manifest, service, "director", "Person", {"title": "film"})
    column = refine.columns(project)["director"]
    judged = refine.judgments(project, column)
    assert (judged["Krzysztof Kieslowski"]["j"], judged["Krzysztof Kieslowski"]["m"]["id"]) \
        == ("matched", "person/krzysztof-kieslowski")
    assert (judged["Stanley Kubrik"]["j"], judged["Stanley Kubrik"]["m"]["id"]) == ("matched", "person/stanley-kubrick")
    assert judged["Gus Van Sant"]["j"] == "none"
