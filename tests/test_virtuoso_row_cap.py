"""Listings that grow with the store, met on a real Virtuoso whose ResultSetMaxRows is 20.

Re-ingest finds stale record graphs, and `remove` finds a file's graphs, by listing every record
graph with its source. At a national archive's size (more record graphs than Virtuoso's row cap,
10,000 by default) one SELECT of that list is cut, and filmgraph refuses a cut answer, so re-ingest
and `remove` failed. The listing is read in counted pages; this Virtuoso meets its cap at 20 rows,
so a CSV of a few dozen films shows it.
"""

from __future__ import annotations

import pytest

from conftest import run_cli
from filmgraph.store import open_store
from filmgraph.store.remote import forget_servers
from sparql_servers import VIRTUOSO, start_virtuoso, stop_server

pytestmark = pytest.mark.integration

CAP = 20
FILMS = 45
"""More record graphs than two pages of the cap."""


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    """A Virtuoso of its own that caps every SELECT at `CAP` rows."""
    if not VIRTUOSO:
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    forget_servers()
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso-capped"), row_cap=CAP)
    yield server
    stop_server(server)
    forget_servers()


@pytest.fixture(autouse=True)
def empty(capped):
    """Each test starts from a server holding none of our graphs."""
    with open_store(capped.url, write=True) as store:
        store.remove_graphs(store.named_graphs())


def _csv(path, films: int) -> None:
    lines = ["title,year,directors"] + [f"Capped Film {i},{1950 + i},Director {i}" for i in range(1, films + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _record_graphs(url: str) -> list[str]:
    with open_store(url) as store:
        return [g for g in store.named_graphs() if "/capped/" in g]


def test_the_cap_is_met(capped, tmp_path):
    """The trap is there: one SELECT of the sources is cut at the cap (and refused as cut)."""
    folder = tmp_path / "capped"
    folder.mkdir()
    _csv(folder / "films.csv", FILMS)
    result = run_cli("ingest", "--no-validate", "-q", "--store", capped.url, "--root", str(tmp_path), str(folder))
    assert result.code == 0, result.err
    assert len(_record_graphs(capped.url)) == FILMS
    result = run_cli("query", "--store", capped.url, "--sparql",
                     "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert result.code == 2 and f"cut the answer at {CAP} rows" in result.err


def test_reingest_past_the_cap_removes_the_stale_graph_and_remove_finds_every_graph(capped, tmp_path):
    folder = tmp_path / "capped"
    folder.mkdir()
    films = folder / "films.csv"
    _csv(films, FILMS)
    ingest = ("ingest", "--no-validate", "-q", "--store", capped.url, "--root", str(tmp_path), str(folder))
    result = run_cli(*ingest)
    assert result.code == 0, result.err
    graphs = _record_graphs(capped.url)
    assert len(graphs) == FILMS

    _csv(films, FILMS - 1)  # the last row is gone: its graph is stale
    result = run_cli(*ingest)
    assert result.code == 0, result.err
    left = _record_graphs(capped.url)
    assert len(left) == FILMS - 1
    assert set(graphs) - set(left) == {next(g for g in graphs if g.endswith(f"/row/{FILMS + 1}"))}

    result = run_cli("remove", "--store", capped.url, "--root", str(tmp_path), str(films))
    assert result.code == 0, result.err
    assert len([line for line in result.out.splitlines() if line.startswith("removed https:")]) == FILMS - 1
    assert _record_graphs(capped.url) == []


def test_link_reads_every_film_and_person_past_the_cap(capped, tmp_path):
    """`link` compares every film and person of ours with the target's: listings that grow with the
    store, read in counted pages like the sources."""
    from filmgraph.link.candidates import load_films, load_people

    folder = tmp_path / "capped"
    folder.mkdir()
    _csv(folder / "films.csv", FILMS)
    result = run_cli("ingest", "--no-validate", "-q", "--store", capped.url, "--root", str(tmp_path), str(folder))
    assert result.code == 0, result.err
    with open_store(capped.url) as store:
        films = load_films(store)
        people = load_people(store)
    assert sorted(f.titles[0] for f in films) == sorted(f"Capped Film {i}" for i in range(1, FILMS + 1))
    assert all(f.year and f.directors for f in films)
    assert sorted(p.names[0] for p in people) == sorted(f"Director {i}" for i in range(1, FILMS + 1))


def test_the_reconciliation_index_reads_every_fact_past_the_cap(capped, tmp_path):
    """The reconciliation service's index is one listing of every name, year and credit: read past
    the cap, it holds what the same records give an embedded store."""
    from filmgraph.reconcile.index import read_facts
    from filmgraph.settings import BASE_IRI

    folder = tmp_path / "capped"
    folder.mkdir()
    _csv(folder / "films.csv", FILMS)
    embedded = tmp_path / "embedded"
    for store in (capped.url, str(embedded)):
        result = run_cli("ingest", "--no-validate", "-q", "--store", store, "--root", str(tmp_path), str(folder))
        assert result.code == 0, result.err

    def facts(location: str) -> dict:
        with open_store(location) as store:
            return {s: {k: sorted(set(v)) for k, v in f.items()} for s, f in read_facts(store).items()
                    if s.startswith(BASE_IRI)}  # Virtuoso's default graph holds its own system graphs too

    served = facts(capped.url)
    assert served == facts(str(embedded))
    assert sum(len(v) for f in served.values() for v in f.values()) > 3 * CAP
