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


def test_export_pages_come_back_in_order_a_bounded_few_at_once_and_a_failure_stops_the_rest():
    import threading
    import time

    from filmgraph.store.remote import _ahead

    running, most, started = 0, 0, []
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(n)
        time.sleep(0.02 * (n % 3))
        with lock:
            running -= 1
        if n == 7:
            raise QueryError("page 7 failed")
        return n * n

    got = []
    with pytest.raises(QueryError, match="page 7"):
        for n, square in _ahead(list(range(20)), work, 2):
            got.append((n, square))
    assert got == [(n, n * n) for n in range(7)]
    assert most == 2
    assert max(started) <= 9  # the pages after the failed one were never asked for
