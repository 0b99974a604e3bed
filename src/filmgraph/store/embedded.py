"""The embedded on-disk store: pyoxigraph (RocksDB), chosen by measurement (docs/store.md).

What the environment does to a store is one line, never a traceback: a disk that fills, a store on
a read-only file system or that this user may not write, a damaged store, a `--store` that names a
file or someone's non-empty folder (refused unless `init`, so RocksDB never writes among their
files), and a store of another format. The store records its format with filmgraph's and
pyoxigraph's versions (`VERSION_FILE`); an older store is upgraded only by `upgrade`, after a
backup, and a newer one is refused, so no version of filmgraph changes a store behind a user's back.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox

from filmgraph.errors import StoreError
from filmgraph.settings import VERSION, Settings
from filmgraph.store.base import (BULK_LOAD, DUMP, LOCAL, MATCH, OPTIMIZE, QUERY, TRANSACTIONS, WRITE, Backend,
                                  WriteStats)
from filmgraph.store.lock import StoreLock
from filmgraph.terms import FG

_CONTENT_HASH = ox.NamedNode(FG.contentHash)
LOCK_FILE = "filmgraph.lock"
VERSION_FILE = "filmgraph-store.json"
_VERSION_DRAFT = VERSION_FILE + ".tmp"
# The layout filmgraph writes: raise it when a release changes what a store holds or how.
STORE_FORMAT = 1
# RocksDB's own marker: a folder holding it is a store, whoever made it.
_ROCKSDB_MARKER = "CURRENT"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2] if p.isdigit())


def store_versions() -> dict:
    """What this filmgraph writes into `VERSION_FILE`."""
    return {"store_format": STORE_FORMAT, "filmgraph": VERSION, "pyoxigraph": ox.__version__}


def read_versions(location: str) -> dict | None:
    """The store's recorded versions; None for a folder that records none."""
    try:
        with open(os.path.join(location, VERSION_FILE), encoding="utf-8") as f:
            info = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StoreError(f"cannot read {os.path.join(location, VERSION_FILE)}: {e}") from None
    return info if isinstance(info, dict) else {}


def _age(location: str) -> str | None:
    """`"older"`, `"newer"` or None (same) for the store at `location`, from its recorded versions;
    a store that records none was made before filmgraph recorded them, so is older."""
    info = read_versions(location)
    if info is None:
        return "older" if os.path.exists(os.path.join(location, _ROCKSDB_MARKER)) else None
    mine = store_versions()
    theirs_format = info.get("store_format", 0)
    theirs_ox = _version(str(info.get("pyoxigraph", "0")))
    if theirs_format > STORE_FORMAT or theirs_ox > _version(mine["pyoxigraph"]):
        return "newer"
    if theirs_format < STORE_FORMAT or theirs_ox < _version(mine["pyoxigraph"]):
        return "older"
    return None


def _describe(location: str) -> str:
    info = read_versions(location)
    if info is None:
        return "a store made before filmgraph recorded its store format"
    return (f"a store of format {info.get('store_format', '?')}, made by filmgraph {info.get('filmgraph', '?')} "
            f"with pyoxigraph {info.get('pyoxigraph', '?')}")


def _fault(location: str, error: BaseException, doing: str) -> StoreError:
    """One line for what the environment did to a store operation."""
    text = " ".join(str(error).split())
    code = getattr(error, "errno", None)
    lower = text.lower()
    if code == errno.ENOSPC or "no space left" in lower:
        why = "the disk is full; free some space and run the same command again (what landed is whole)"
    elif code == errno.EROFS or "read-only file system" in lower:
        why = "the store is on a read-only file system"
    elif code in (errno.EACCES, errno.EPERM) or "permission denied" in lower:
        why = "permission denied (this user may not write the store)"
    elif "corrupt" in lower or "checksum" in lower or "bad magic" in lower or "no such file" in lower:
        why = (f"the store looks damaged ({text[:160]}); restore a backup, or rebuild it by ingesting the "
               "sources again into a new store")
    else:
        why = text[:200]
    return StoreError(f"{doing} the store at {location} failed: {why}")


def check_location(where: str, *, write: bool = False, init: bool = False) -> None:
    """Refuse, before any file is made there, a location that is not a store to read (or, with
    `write`, a new folder or a store to write; with `init`, a folder of other files too)."""
    if os.path.exists(where) and not os.path.isdir(where):
        raise StoreError(f"--store {where} is a file; a store is a folder (give a new or a store folder)")
    if not os.path.isdir(where):
        if not write:
            raise StoreError(f"no store at {where} (create one with: filmgraph ingest --store {where} PATH)")
        return
    try:
        names = set(os.listdir(where)) - {LOCK_FILE}
    except OSError as e:
        raise _fault(where, e, "opening") from None
    if names & {_ROCKSDB_MARKER, VERSION_FILE, _VERSION_DRAFT}:
        return  # a store, or one another writer is making right now (its versions file half-written)
    if not names and not write:
        raise StoreError(f"no store at {where}: the folder is empty (create one with: filmgraph ingest "
                         f"--store {where} PATH)")
    if names and not init:
        raise StoreError(f"{where} is a folder of other files, not a store; give a new folder, or --init to "
                         "make a store among them")


class EmbeddedStore(Backend):
    capabilities = frozenset({LOCAL, TRANSACTIONS, QUERY, WRITE, BULK_LOAD, DUMP, OPTIMIZE, MATCH})

    def __init__(self, location: str, *, write: bool = False, lock_timeout: float | None = None,
                 init: bool = False):
        self.location = location
        self.write = write
        self._store = None
        check_location(location, write=write, init=init)
        if write:
            try:
                os.makedirs(location, exist_ok=True)
            except OSError as e:
                raise _fault(location, e, "creating") from None
        timeout = Settings().lock_timeout if lock_timeout is None else lock_timeout
        self._lock = StoreLock(os.path.join(location, LOCK_FILE), exclusive=write, timeout=timeout)
        self._lock.acquire()
        age = None
        try:
            if write and not os.path.exists(os.path.join(location, _ROCKSDB_MARKER)) \
                    and read_versions(location) is None:
                _write_versions(location)  # a new store: recorded before RocksDB writes a byte
            age = self._check_age()
            self._store = ox.Store(location) if write else ox.Store.read_only(location)
            if write and read_versions(location) != store_versions():
                _write_versions(location)
        except StoreError:
            self._lock.release()
            raise
        except (OSError, RuntimeError, ValueError) as e:
            self._lock.release()
            if age == "older":
                raise StoreError(f"cannot read the store at {location}, {_describe(location)}; upgrade it with: "
                                 f"filmgraph upgrade --store {location}") from None
            raise _fault(location, e, "opening") from None

    @property
    def lock_waited(self) -> float:
        """Seconds spent waiting for another process's lock (a query's timeout covers the wait)."""
        return self._lock.waited

    def _check_age(self) -> str | None:
        age = _age(self.location)
        if age == "newer":
            raise StoreError(f"the store at {self.location} is {_describe(self.location)}, newer than this "
                             f"filmgraph ({store_versions()['filmgraph']}, pyoxigraph {ox.__version__}) reads: "
                             "upgrade filmgraph")
        if age == "older" and self.write:
            raise StoreError(f"the store at {self.location} is {_describe(self.location)}; upgrade it first with: "
                             f"filmgraph upgrade --store {self.location} (it is backed up before it changes)")
        return age

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for this room, tests and benchmarks; the verbs speak `Backend`."""
        return self._store

    def __enter__(self) -> "EmbeddedStore":
        return self

    def close(self) -> None:
        if self._store is not None:
            try:
                if self.write:
                    self._store.flush()
            except (OSError, RuntimeError) as e:
                raise _fault(self.location, e, "writing to") from None
            finally:
                self._store = None
                self._lock.release()

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
            return
        try:  # already failing: the first error is the one to tell
            self.close()
        except StoreError:
            pass

    def _require_write(self) -> None:
        if not self.write:
            raise StoreError("the store was opened read-only")

    def content_hash(self, graph: ox.NamedNode) -> str | None:
        for quad in self._store.quads_for_pattern(graph, _CONTENT_HASH, None, graph):
            return quad.object.value
        return None

    def replace_graphs(self, records: Iterable[Any]) -> WriteStats:
        """New graphs go in with one transactional `load` of their N-Quads; changed graphs are
        dropped and re-inserted by one SPARQL update, so a reader never sees half a record."""
        self._require_write()
        stats = WriteStats()
        fresh: list[Any] = []
        changed: list[Any] = []
        latest = {m.graph.value: m for m in records}
        for mapped in latest.values():
            old = self.content_hash(mapped.graph)
            if old is None:
                fresh.append(mapped)
            elif old == mapped.content_hash:
                stats.unchanged += 1
                continue
            else:
                changed.append(mapped)
            stats.triples += _size(mapped)
            stats.graphs.append(mapped.graph.value)
        try:
            if fresh:
                self._store.load("".join(_nquads(m) for m in fresh).encode(), ox.RdfFormat.N_QUADS)
            if changed:
                parts = [f"DROP SILENT GRAPH {m.graph} ;" for m in changed]
                parts.append("INSERT DATA {")
                for m in changed:
                    parts.append(f"GRAPH {m.graph} {{")
                    parts.append(_ntriples(m))
                    parts.append("}")
                parts.append("}")
                self._store.update("\n".join(parts))
        except (OSError, RuntimeError) as e:
            raise _fault(self.location, e, "writing to") from None
        stats.added += len(fresh)
        stats.replaced += len(changed)
        return stats

    def bulk_add(self, records: Iterable[Any]) -> WriteStats:
        """New graphs through the bulk loader, as N-Quads text (no Python object per quad):
        fastest, not transactional; for a first load into an empty store."""
        self._require_write()
        stats = WriteStats()
        parts: list[str] = []
        for mapped in records:
            stats.added += 1
            stats.triples += _size(mapped)
            stats.graphs.append(mapped.graph.value)
            parts.append(_nquads(mapped))
        try:
            if parts:
                self._store.bulk_load("".join(parts).encode(), ox.RdfFormat.N_QUADS)
        except (OSError, RuntimeError) as e:
            raise _fault(self.location, e, "bulk loading into") from None
        return stats

    def replace_graph(self, graph_iri: str, triples: Iterable[ox.Triple]) -> int:
        """Make one named graph hold exactly `triples` (a derived graph such as the links graph, which
        has no record behind it): one SPARQL update, so a reader sees the old graph or the new one."""
        self._require_write()
        graph = ox.NamedNode(graph_iri)
        items = list(triples)
        body = "\n".join(f"{t} ." for t in items)
        update = f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}" if items \
            else f"DROP SILENT GRAPH {graph}"
        try:
            self._store.update(update)
        except (OSError, RuntimeError) as e:
            raise _fault(self.location, e, "writing to") from None
        return len(items)

    def remove_graphs(self, graphs: Iterable[str]) -> int:
        self._require_write()
        names = list(graphs)
        if names:
            try:
                self._store.update(" ".join(f"DROP SILENT GRAPH <{g}> ;" for g in names).rstrip(" ;"))
            except (OSError, RuntimeError) as e:
                raise _fault(self.location, e, "writing to") from None
        return len(names)

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True) -> Any:
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        return self._store.query(sparql, use_default_graph_as_union=union, substitutions=subs or None)

    def quads(self) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, None)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph: Any = None) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(subject, predicate, object, graph)

    def contains_named_graph(self, graph: Any) -> bool:
        return self._store.contains_named_graph(graph)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]

    def graphs(self) -> Iterator[tuple[str, list[ox.Triple]]]:
        default = [q.triple for q in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
        if default:
            yield "", default
        for name in self.named_graphs():
            yield name, self.graph_triples(name)

    def dump_lines(self, output: IO[bytes], *, quads: bool, threads: int | None = None) -> None:
        """The statements never pass through Python one by one: pyoxigraph dumps whole graphs, on as
        many threads as there are cores (the dump releases the GIL and reading the on-disk store is
        its cost)."""
        dump_lines(self._store, output, quads=quads, threads=threads)

    def __len__(self) -> int:
        return len(self._store)

    def optimize(self) -> None:
        """Compact the files a bulk load leaves behind: until RocksDB merges them, a bulk-loaded
        store reads at about half speed (a read-only dump of 2.8M quads: 47 s before, 21 s after)."""
        self._require_write()
        try:
            self._store.optimize()
        except (OSError, RuntimeError) as e:
            raise _fault(self.location, e, "compacting") from None

    def is_empty(self) -> bool:
        """True when the store holds no quad; unlike `len`, which counts them all, it reads one."""
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None


def dump_lines(store: ox.Store, output: IO[bytes], *, quads: bool, threads: int | None = None) -> None:
    """`EmbeddedStore.dump_lines` over a pyoxigraph store; a failure on a dump thread is raised again
    in the caller's thread, where it can be reported."""
    graphs: list = [ox.DefaultGraph(), *store.named_graphs()]
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work(part: list) -> None:
        try:
            for graph in part:
                if failures:
                    return
                text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
                if quads and isinstance(graph, ox.NamedNode):
                    # A raw newline never occurs inside an N-Triples line, so each " .\n" ends a statement.
                    text = text.replace(b" .\n", f" {graph} .\n".encode())
                with lock:
                    output.write(text)
        except BaseException as e:
            failures.append(e)

    count = max(1, min(threads or os.cpu_count() or 1, len(graphs)))
    workers = [threading.Thread(target=work, args=(graphs[i::count],)) for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]


def _size(mapped: Any) -> int:
    size = getattr(mapped, "size", None)
    return size if size is not None else len(mapped.triples)


def _nquads(mapped: Any) -> str:
    """A mapped record's graph as N-Quads: its own text when it has one, else from its quads."""
    if hasattr(mapped, "nquads"):
        return mapped.nquads()
    return "".join(f"{q} .\n" for q in mapped.quads())


def _ntriples(mapped: Any) -> str:
    text = getattr(mapped, "ntriples", None)
    return text if text is not None else "".join(f"{t} .\n" for t in mapped.triples)


def _write_versions(location: str) -> None:
    """Record this filmgraph's store format and versions, atomically (a rename)."""
    path = os.path.join(location, VERSION_FILE)
    draft = os.path.join(location, _VERSION_DRAFT)
    with open(draft, "w", encoding="utf-8") as f:
        json.dump(store_versions(), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(draft, path)


def upgrade(location: str, *, lock_timeout: float | None = None) -> tuple[str, str | None]:
    """Bring an older store to this filmgraph's format, after copying it whole to a backup folder
    beside it; returns (what was done, the backup's path or None). A newer store is refused."""
    if not os.path.isdir(location) or not ({_ROCKSDB_MARKER, VERSION_FILE} & set(os.listdir(location))):
        raise StoreError(f"no store at {location}")
    timeout = Settings().lock_timeout if lock_timeout is None else lock_timeout
    lock = StoreLock(os.path.join(location, LOCK_FILE), exclusive=True, timeout=timeout)
    lock.acquire()
    try:
        age = _age(location)
        before = _describe(location)
        if age == "newer":
            raise StoreError(f"the store at {location} is {before}, newer than this filmgraph: upgrade filmgraph")
        if age is None:
            return f"the store at {location} is already {before}", None
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        backup = f"{location.rstrip(os.sep)}.backup-{stamp}"
        try:
            shutil.copytree(location, backup, ignore=shutil.ignore_patterns(LOCK_FILE))
        except OSError as e:
            shutil.rmtree(backup, ignore_errors=True)
            raise _fault(location, e, "backing up") from None
        try:
            store = ox.Store(location)
            store.flush()
            del store
            _write_versions(location)
        except (OSError, RuntimeError, ValueError) as e:
            raise StoreError(f"pyoxigraph {ox.__version__} cannot read {before} at {location} "
                             f"({' '.join(str(e).split())[:160]}); it is unchanged, and backed up at {backup}: "
                             "dump it with the filmgraph that made it (filmgraph export --format nquads) and "
                             "ingest the sources again") from None
        return f"upgraded the store at {location} from {before} to format {STORE_FORMAT}", backup
    finally:
        lock.release()
