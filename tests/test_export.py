"""Every export format re-parses to the store's graph, and the same records give the same bytes."""

from __future__ import annotations

import io
import subprocess
import sys
import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import RECORDS, run_cli

FORMATS = ["turtle", "trig", "nquads", "ntriples", "jsonld"]
RDFLIB_FORMAT = {"turtle": "turtle", "trig": "trig", "nquads": "nquads", "ntriples": "nt", "jsonld": "json-ld"}
OX_FORMAT = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
NAMED = {"trig", "nquads", "jsonld"}


@pytest.fixture(scope="module")
def exports(sample_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt in FORMATS:
        paths[fmt] = folder / f"films.{fmt}"
        result = run_cli("export", "--store", str(sample_store), "--format", fmt, "-o", str(paths[fmt]))
        assert result.code == 0, result.err
    return paths


@pytest.fixture(scope="module")
def store_quads(exports):
    """The store's content, read back from the sorted N-Quads export with pyoxigraph."""
    return set(ox.parse(path=str(exports["nquads"]), format=ox.RdfFormat.N_QUADS))


def _rdflib_dataset(quads) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data="".join(f"{q} .\n" for q in quads), format="nquads")
    return ds


def _union(ds: rdflib.Dataset) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _graphs(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    out: dict[str, rdflib.Graph] = {}
    for s, p, o, c in ds.quads((None, None, None, None)):
        name = str(c.identifier if hasattr(c, "identifier") else c)
        out.setdefault(name, rdflib.Graph()).add((s, p, o))
    return out


def _assert_same_dataset(expected: rdflib.Dataset, actual: rdflib.Dataset) -> None:
    want, got = _graphs(expected), _graphs(actual)
    assert sorted(want) == sorted(got)
    for name in want:
        assert isomorphic(want[name], got[name]), name


def test_store_is_not_trivial(store_quads):
    assert len(store_quads) > 300
    assert len({q.graph_name for q in store_quads}) >= 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_rdflib_reparses_every_format_to_the_store(fmt, exports, store_quads):
    expected = _rdflib_dataset(store_quads)
    if fmt in NAMED:
        actual = rdflib.Dataset()
        actual.parse(str(exports[fmt]), format=RDFLIB_FORMAT[fmt])
        _assert_same_dataset(expected, actual)
    else:
        actual = rdflib.Graph()
        actual.parse(str(exports[fmt]), format=RDFLIB_FORMAT[fmt])
        assert isomorphic(_union(expected), actual)


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads"])
def test_pyoxigraph_reparses(fmt, exports, store_quads):
    parsed = list(ox.parse(path=str(exports[fmt]), format=OX_FORMAT[fmt]))
    if fmt in NAMED:
        assert set(parsed) == store_quads
    else:
        assert {q.triple for q in parsed} == {q.triple for q in store_quads}


def test_jsonld_expanded_with_pyld_is_isomorphic(exports, store_quads):
    from pyld import jsonld

    doc = json.loads(exports["jsonld"].read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    actual = rdflib.Dataset()
    actual.parse(data=nquads, format="nquads")
    _assert_same_dataset(_rdflib_dataset(store_quads), actual)


def test_jsonld_film_reads_as_a_schema_org_movie(exports):
    doc = json.loads(exports["jsonld"].read_text(encoding="utf-8"))
    assert doc["@context"]["@vocab"] == "https://schema.org/"
    graph = next(g for g in doc["@graph"] if g.get("@id", "").endswith("graph/presskit/pusher-ii-with-blood-on-my-hands-2004"))
    films = [node for node in graph["@graph"] if node.get("@type") == "Movie"
             and node.get("name") == "Pusher II: With Blood on My Hands"]
    assert films, "the seed's film is a Movie object"
    film = films[0]
    assert film["dateCreated"] == "2004"
    assert film["duration"] == "PT1H36M"
    roles = film["actor"]
    assert roles[0]["@type"] == "PerformanceRole", "cast roles are embedded in the film"
    assert {r["@type"] for r in film["releasedEvent"]} == {"PublicationEvent"}


def test_nquads_are_sorted_line_by_line(exports):
    lines = exports["nquads"].read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)


def test_same_records_give_byte_identical_exports(tmp_path, exports):
    store = tmp_path / "again"
    assert run_cli("ingest", "--store", str(store), str(RECORDS)).code == 0
    for fmt in FORMATS:
        out = tmp_path / f"again.{fmt}"
        assert run_cli("export", "--store", str(store), "--format", fmt, "-o", str(out)).code == 0
        assert out.read_bytes() == exports[fmt].read_bytes(), fmt


def test_export_to_stdout_matches_file(sample_store, exports):
    result = run_cli("export", "--store", str(sample_store), "--format", "nquads")
    assert result.code == 0
    assert result.out == exports["nquads"].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_plain_quads_export_like_the_store(fmt, sample_store, exports):
    """`export` over any quad iterable (not a store's fast path) writes the same bytes."""
    from filmgraph.export import export
    from filmgraph.store import open_store

    out = io.BytesIO()
    with open_store(str(sample_store)) as store:
        export(list(store.quads()), fmt, out)
    assert out.getvalue() == exports[fmt].read_bytes()


@pytest.mark.parametrize("fmt", ["nquads", "turtle", "jsonld"])
def test_a_reader_that_stops_early_ends_the_export_quietly(fmt, sample_store):
    """`filmgraph export | head -1`: no traceback, exit 0, whichever process meets the closed pipe."""
    proc = subprocess.Popen([sys.executable, "-m", "filmgraph", "export", "--store", str(sample_store), "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert (proc.wait(timeout=60), err) == (0, "")


def test_a_write_that_fails_on_a_dump_thread_fails_the_export(sample_store):
    """A full disk while the store is dumped on several threads is an error in the caller, not a
    traceback on a thread and a short file."""
    from filmgraph.store.embedded import dump_lines
    from filmgraph.store import open_store

    class Full(io.BytesIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    with open_store(str(sample_store)) as store, pytest.raises(OSError, match="No space left"):
        dump_lines(store.oxigraph, Full(), quads=True, threads=2)


@pytest.mark.parametrize("fmt", ["nquads", "ntriples", "turtle", "trig"])
def test_without_a_sort_command_the_lines_are_sorted_in_memory(fmt, sample_store, exports, monkeypatch):
    from filmgraph import export as exporter
    from filmgraph.store import open_store

    monkeypatch.setattr(exporter.shutil, "which", lambda name: None)
    out = io.BytesIO()
    with open_store(str(sample_store)) as store:
        exporter.export(store, fmt, out)
    assert out.getvalue() == exports[fmt].read_bytes()
