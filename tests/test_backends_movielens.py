"""The MovieLens import lands on both servers as it lands in the embedded store (byte-identical export).

By default a slice of movies.csv (its first 500 rows, in tmp_path, beside links.csv) keeps the
suite fast; FILMGRAPH_FULL_TESTS=1 imports all 9,742 rows (minutes on Virtuoso)."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import RECORDS, run_cli
from filmgraph.store import open_store
from filmgraph.store.remote import forget_servers

pytestmark = [pytest.mark.integration, pytest.mark.shared_data]
ROWS = None if os.environ.get("FILMGRAPH_FULL_TESTS") else 500


@pytest.fixture(scope="module")
def movielens(shared_data, tmp_path_factory):
    """movies.csv (or its first ROWS rows) beside links.csv, and the embedded store's export of it."""
    folder = tmp_path_factory.mktemp("movielens")
    source = shared_data / "movielens"
    with open(source / "movies.csv", encoding="utf-8") as f:
        lines = f.readlines()
    (folder / "movies.csv").write_text("".join(lines if ROWS is None else lines[: ROWS + 1]), encoding="utf-8")
    shutil.copy(source / "links.csv", folder / "links.csv")
    args = ("--map", str(RECORDS / "mappings" / "movielens.yaml"), str(folder / "movies.csv"), "-q")
    store = folder / "store"
    result = run_cli("ingest", "--store", str(store), *args)
    assert result.code in (0, 1), result.err
    exported = run_cli("export", "--store", str(store))
    assert exported.code == 0, exported.err
    return args, result, exported.out


@pytest.mark.parametrize("engine", ["oxigraph_writable", "virtuoso"])
def test_movielens_lands_on_the_server_as_in_the_embedded_store(request, engine, movielens):
    args, embedded, reference = movielens
    server = request.getfixturevalue(engine)
    forget_servers()
    with open_store(server.url, write=True) as store:
        store.remove_graphs(store.named_graphs())
    result = run_cli("ingest", "--store", server.url, *args)
    assert (result.code, result.out) == (embedded.code, embedded.out), result.err
    exported = run_cli("export", "--store", server.url)
    assert exported.code == 0, exported.err
    assert exported.out == reference
    with open_store(server.url, write=True) as store:
        store.remove_graphs(store.named_graphs())
