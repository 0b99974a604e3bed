"""The embedded store: identity, idempotent re-ingest, atomic replacement, serialised writers."""

from __future__ import annotations

import datetime
import multiprocessing
import time

import pytest

from filmgraph.errors import StoreError
from filmgraph.mapping import map_record
from filmgraph.record import CastMember, FilmRecord, Release, SeriesRef, Source
from filmgraph.store import open_store


def _record(title="Pusher", year=1996, kind="presskit", cast=("Kim Bodnia", "Zlatko Burić"), path="pusher.txt"):
    return FilmRecord(
        title=title, year=year, source=Source(path, kind, sha256="0" * 64),
        directors=["Nicolas Winding Refn"],
        cast=[CastMember(name, i) for i, name in enumerate(cast, 1)],
        series=SeriesRef("Pusher", 1),
        releases=[Release("DK", "cinema", datetime.date(1996, 8, 30))],
    )



def test_same_record_twice_changes_nothing(tmp_path):
    with open_store(str(tmp_path / "s"), write=True) as store:
        first = store.replace_graphs([map_record(_record(), "2026-01-01T00:00:00Z")])
        before = sorted(str(q) for q in store.quads())
        again = store.replace_graphs([map_record(_record(), "2026-06-01T00:00:00Z")])
        after = sorted(str(q) for q in store.quads())
    assert (first.added, again.added, again.unchanged) == (1, 0, 1)
    assert before == after, "an unchanged record must not even refresh its ingest time"


def test_changed_record_replaces_its_graph(tmp_path):
    with open_store(str(tmp_path / "s"), write=True) as store:
        store.replace_graphs([map_record(_record())])
        stats = store.replace_graphs([map_record(_record(cast=("Kim Bodnia",)))])
        names = [s["n"].value for s in store.query(
            "SELECT ?n WHERE { ?r <https://schema.org/actor> ?p . ?p <https://schema.org/name> ?n }")]
    assert stats.replaced == 1
    assert names == ["Kim Bodnia"], "the old cast member must be gone with the old graph"


def test_same_film_from_two_sources_is_one_node_in_two_graphs(tmp_path):
    with open_store(str(tmp_path / "s"), write=True) as store:
        store.replace_graphs([map_record(_record()), map_record(_record(kind="json", path="p.json"))])
        rows = list(store.query(
            "SELECT DISTINCT ?film ?g WHERE { GRAPH ?g { ?film a <https://schema.org/Movie> ; "
            "<https://schema.org/name> 'Pusher' } }"))
    assert len({r["film"].value for r in rows}) == 1
    assert len({r["g"].value for r in rows}) == 2


def test_reader_sees_no_store_as_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        open_store(str(tmp_path / "missing"))


def _hold_writer(location: str, ready, release) -> None:
    with open_store(location, write=True):
        ready.set()
        release.wait(30)


def test_second_writer_waits_for_the_first(tmp_path):
    """Writers are serialised by filmgraph's lock: the second waits, and gives up with a clear error."""
    location = str(tmp_path / "s")
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_writer, args=(location, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(StoreError, match=r"waiting for the store .*in use by pid \d+"):
            open_store(location, write=True, lock_timeout=0.2)
        release.set()
        holder.join(30)
        with open_store(location, write=True, lock_timeout=30) as store:
            assert store.replace_graphs([map_record(_record())]).added == 1
    finally:
        release.set()
        holder.join(5)
        if holder.is_alive():
            holder.kill()


def _ingest_many(location: str, offset: int) -> None:
    with open_store(location, write=True, lock_timeout=120) as store:
        for i in range(20):
            store.replace_graphs([map_record(_record(title=f"Film {offset + i}", year=2000,
                                                     path=f"film-{offset + i}.txt"))])
            time.sleep(0.001)


def test_concurrent_writers_lose_nothing(tmp_path):
    location = str(tmp_path / "s")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_ingest_many, args=(location, k * 100)) for k in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with open_store(location) as store:
        assert len(store.named_graphs()) == 60
