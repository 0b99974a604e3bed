"""A first load into an Oxigraph server: uploads run beside the mapping, and a failed upload is
reported by the ingest, never lost behind a summary that says the records landed."""

from __future__ import annotations

import pytest

from conftest import RECORDS, start_oxigraph, stop_server
from filmgraph.errors import QueryError
from filmgraph.ingest import ingest
from filmgraph.pipeline import map_paths
from filmgraph.store import open_store
from filmgraph.store.remote import RemoteStore, forget_servers

pytestmark = pytest.mark.integration


def _mapped():
    return [m for outcome in map_paths([str(RECORDS)], generated_at="2026-01-01T00:00:00Z", root=str(RECORDS))
            for m in outcome.records]


def test_a_bulk_upload_lands_whole_once_settled(tmp_path):
    server = start_oxigraph(tmp_path / "db", read_only=False)
    forget_servers()
    records = _mapped()
    try:
        with open_store(server.url, write=True) as store:
            assert store.is_empty()
            stats = store.bulk_add(records)
            store.settle()
            counts = store.graph_counts()
        assert sorted(counts) == sorted(stats.graphs) == sorted(m.graph.value for m in records)
        assert sum(counts.values()) == stats.triples == sum(m.size for m in records)
    finally:
        stop_server(server)


def test_an_upload_that_fails_in_the_background_is_raised_when_settled(tmp_path):
    server = start_oxigraph(tmp_path / "db", read_only=False)
    forget_servers()
    store = open_store(server.url, write=True)
    assert store.is_empty()
    stop_server(server)  # the server goes away between the check and the load
    stats = store.bulk_add(_mapped())  # handed to the upload thread: returns at once
    assert stats.added
    with pytest.raises(QueryError, match="cannot connect"):
        store.settle()
    store.close()


def test_an_upload_that_fails_fails_the_ingest(tmp_path):
    server = start_oxigraph(tmp_path / "db", read_only=False)
    forget_servers()

    class GoesAway(RemoteStore):
        """A real server that stops just before the first batch is loaded."""

        def bulk_add(self, records):
            stop_server(server)
            return super().bulk_add(records)

    with GoesAway(server.url, write=True) as store, pytest.raises(QueryError, match="cannot connect"):
        ingest([str(RECORDS)], store)
