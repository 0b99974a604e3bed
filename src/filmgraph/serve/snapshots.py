"""Serving beside writing: the server reads a private checkpoint of the store, never the store itself.

A read-only open of a store that another process writes is undefined behaviour in Oxigraph 0.5, so
readers hold the store's shared lock (store/lock.py) while they have it open, and a writer waits
for every reader to let go. Holding that lock for the life of a server would block `filmgraph
ingest` for as long as the server runs; opening the store per request costs about 20 ms. Instead:

- under the shared lock, for a few milliseconds, the server opens the store read-only and makes a
  RocksDB checkpoint of it (hard links to the immutable table files), then lets the lock go;
- it answers every request from that checkpoint, which nobody else writes;
- every `interval` seconds it looks at the store folder's file names, sizes and times (no lock
  needed to look); when they changed it tries the shared lock without waiting and, if no writer
  holds it, takes a new checkpoint and swaps it in. While a writer works the old checkpoint keeps
  serving; once the writer lets go, new records appear within one interval.

An old checkpoint is deleted once the requests that were using it have finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import pyoxigraph as ox

from filmgraph.errors import StoreError
from filmgraph.settings import SERVE_REMEMBER
from filmgraph.store.embedded import LOCK_FILE, check_location
from filmgraph.store.lock import StoreLock

log = logging.getLogger("filmgraph.serve")
# Files whose change does not mean new data: RocksDB's info log, our lock.
_IGNORED = ("LOG", LOCK_FILE)
ANSWERS = SERVE_REMEMBER
ANSWER_BYTES = 64 << 20  # pages are 10-60 KB: a few thousand fit
SHARED_BYTES = 256 << 20  # answer files one worker writes for the others, per checkpoint
DESCRIPTIONS = 512  # kept for the page, pictures and formats of one resource (about 100 KB each)
COSTS = 4096  # queries whose last CPU time is kept (`Snapshot.cost`)
_MISSING = object()


class Snapshot:
    """One checkpoint, open read-only; `generation` grows by one per checkpoint taken."""

    def __init__(self, path: str, generation: int, fingerprint: tuple, taken_at: float, answers: int = ANSWERS,
                 shared: str | None = None):
        self.path = path
        self.generation = generation
        self.fingerprint = fingerprint
        # Names what the checkpoint holds: two checkpoints of the store in one state share it.
        self.tag = hashlib.sha1(repr(fingerprint).encode()).hexdigest()[:16]
        # Answers written as files for the other worker processes of the same server (`Shared`).
        self.shared = Shared(os.path.join(shared, self.tag)) if shared and answers else None
        self.taken_at = taken_at
        self.store = ox.Store.read_only(path)
        self.cache: dict[Any, Any] = {}  # answers computed from this snapshot (counts, search index)
        self.answers: OrderedDict[Any, Any] = OrderedDict()  # recent representations, least recent first
        self.labels: dict[str, Any] = {}  # label statements of mentioned nodes (describe.py)
        self.descriptions: OrderedDict[str, Any] = OrderedDict()
        self._costs: dict[Any, float] = {}
        self.limit = answers
        self._bytes = 0
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    def query(self, sparql: str, substitutions: dict[str, Any] | None = None, *, union: bool = True) -> Any:
        """The Backend's query operation, so `filmgraph.query.run` runs on a snapshot unchanged."""
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        return self.store.query(sparql, use_default_graph_as_union=union, substitutions=subs or None)

    def describe(self, iri: str) -> Any:
        """`describe_resource` on this snapshot, kept for a while: a film's page, its other
        formats, its series' page and pictures all start from the same description. With
        remembering off, nothing is kept."""
        from filmgraph.describe import describe_resource

        if not self.limit:
            return describe_resource(self.store, iri)
        with self._lock:
            desc = self.descriptions.get(iri, _MISSING)
            if desc is not _MISSING:
                self.descriptions.move_to_end(iri)
                return desc
        desc = describe_resource(self.store, iri, labels=self.labels)
        with self._lock:
            self.descriptions[iri] = desc
            while len(self.descriptions) > DESCRIPTIONS:
                self.descriptions.popitem(last=False)
        return desc

    def cast_of(self, film: str) -> Any:
        """A film's description as far as its series' page and pictures need it: the full one when
        it is kept, else `describe_cast` (its roles and their names only)."""
        from filmgraph.describe import describe_cast

        with self._lock:
            desc = self.descriptions.get(film, _MISSING)
        if desc is not _MISSING:
            return desc
        return describe_cast(self.store, film, labels=self.labels if self.limit else None)

    def cost(self, key: Any) -> float | None:
        """CPU seconds the query under `key` took the last time it ran on this checkpoint, if known:
        the checkpoint never changes, so the same query does the same work again."""
        return self._costs.get(key)

    def note_cost(self, key: Any, seconds: float) -> None:
        with self._lock:
            costs = self._costs
            if key not in costs and len(costs) >= COSTS:
                del costs[next(iter(costs))]  # the longest known
            costs[key] = seconds

    def recall(self, key: Any) -> Any:
        """A remembered answer (this process's, or one another worker wrote), or None; cheap enough
        to ask from the event loop."""
        with self._lock:
            hit = self.answers.get(key)
            if hit is not None:
                self.answers.move_to_end(key)
                return hit[0]
        if self.shared is None:
            return None
        value = self.shared.get(key)
        if value is not None:
            self._keep(key, value)
        return value

    def _keep(self, key: Any, value: Any) -> None:
        body = getattr(value, "body", value)  # a written SPARQL answer carries its bytes
        size = len(body) if isinstance(body, (bytes, str)) else 1024
        with self._lock:
            if key not in self.answers:
                self.answers[key] = (value, size)
                self._bytes += size
            while self.answers and (len(self.answers) > self.limit or self._bytes > ANSWER_BYTES):
                _, (_, dropped) = self.answers.popitem(last=False)
                self._bytes -= dropped

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, kept for the next request with the same key: a snapshot never changes, so
        neither do its pages. At most `limit` answers and ANSWER_BYTES of them are kept, the least
        recently used dropped first."""
        if not self.limit:
            return make()
        with self._lock:
            if key in self.answers:  # (None too: a 404 is remembered)
                self.answers.move_to_end(key)
                return self.answers[key][0]
        value = self.shared.get(key) if self.shared is not None else None
        if value is not None:
            self._keep(key, value)
            return value
        value = make()
        self._keep(key, value)
        if self.shared is not None and isinstance(value, bytes):
            self.shared.put(key, value)
        return value

    def enter(self) -> None:
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users == 0
        if done:
            self._remove()

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            done = self._users == 0
        if done:
            self._remove()

    def _remove(self) -> None:
        self.store = None
        shutil.rmtree(self.path, ignore_errors=True)
        if self.shared is not None:
            self.shared.remove()


class Shared:
    """Answers (pages, RDF, pictures: bytes) of one store state kept as files, so that the worker
    processes of one server (`--workers N`) make each answer once between them rather than once
    each. A file is written whole under another name and renamed into place, so a reader sees all
    of it or none; a worker writes at most SHARED_BYTES of them."""

    def __init__(self, folder: str):
        self.folder = folder
        self.written = 0

    def _path(self, key: Any) -> str:
        return os.path.join(self.folder, hashlib.sha1(repr(key).encode()).hexdigest())

    def get(self, key: Any) -> bytes | None:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except OSError:
            return None

    def put(self, key: Any, value: bytes) -> None:
        if self.written + len(value) > SHARED_BYTES:
            return
        path = self._path(key)
        part = f"{path}.{os.getpid()}.{threading.get_ident()}.part"
        try:
            os.makedirs(self.folder, exist_ok=True)
            with open(part, "wb") as f:
                f.write(value)
            os.replace(part, path)
            self.written += len(value)
        except OSError:  # a full or vanished folder: the answer is still kept in memory
            with contextlib.suppress(OSError):
                os.unlink(part)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def fingerprint(location: str) -> tuple:
    """Names, sizes and modification times of the store's files: any write changes them."""
    entries = []
    with os.scandir(location) as it:
        for entry in it:
            if entry.name.startswith(_IGNORED) or not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            entries.append((entry.name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(entries))


SCRATCH_PREFIX = "filmgraph-serve-"


def _scratch_dir(location: str) -> str:
    """A folder for checkpoints on the store's file system, so they are hard links, not copies.
    Its name carries this process's id, so that a later server can tell it was left behind by a
    process that no longer exists (`remove_leftovers`), and clears any such folder first."""
    store_dev = os.stat(location).st_dev
    tmp = tempfile.gettempdir()
    if os.stat(tmp).st_dev == store_dev:
        return own_folder(tmp, SCRATCH_PREFIX)
    parent = os.path.dirname(os.path.abspath(location))
    try:
        return own_folder(parent, "." + SCRATCH_PREFIX)
    except OSError:
        return own_folder(tmp, SCRATCH_PREFIX)


def own_folder(parent: str, prefix: str) -> str:
    """A new folder `<prefix><pid>-<random>` in `parent`, after removing the folders there that
    processes now gone left behind under the same prefix (killed without a chance to clean up)."""
    remove_leftovers(parent, prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)


def remove_leftovers(parent: str, prefix: str) -> list[str]:
    """Remove the folders `<prefix><pid>-<random>` in `parent` whose process no longer exists; a
    folder of a running process, of another user's process, or of any other name is left alone."""
    import re

    pattern = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+")
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or not entry.is_dir(follow_symlinks=False) or _alive(int(m.group(1))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.exists(entry.path):
            removed.append(entry.path)
            log.info("removed %s, left behind by process %s", entry.path, m.group(1))
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (one we may not signal exists too)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Snapshots:
    """The current snapshot of a store, refreshed by a watcher thread when the store changes."""

    def __init__(self, location: str, *, interval: float = 1.0, lock_timeout: float = 10.0, answers: int = ANSWERS,
                 shared: str | None = None):
        check_location(location)  # before the lock file is made there
        self.location = location
        self.interval = interval
        self.answers = answers
        self.shared = shared  # a folder the worker processes of one server share answers in (`Shared`)
        self.scratch = _scratch_dir(location)
        self._generations = itertools.count(1)
        self._swap = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            self.current = self._take(wait=lock_timeout)
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise

    def _take(self, wait: float = 0.0) -> Snapshot | None:
        """A new checkpoint, or None when a writer holds the store and `wait` ran out."""
        lock = StoreLock(os.path.join(self.location, LOCK_FILE), exclusive=False, timeout=wait)
        try:
            lock.acquire()
        except StoreError:
            if wait:
                raise
            return None
        try:
            seen = fingerprint(self.location)
            generation = next(self._generations)
            target = os.path.join(self.scratch, f"g{generation}")
            try:
                source = ox.Store.read_only(self.location)
                source.backup(target)
                del source
            except OSError as e:
                raise StoreError(f"cannot read the store at {self.location}: {e}") from None
        finally:
            lock.release()
        return Snapshot(target, generation, seen, time.time(), self.answers, self.shared)

    def refresh(self) -> bool:
        """Take a new checkpoint if the store changed and no writer holds it; True when swapped."""
        try:
            if fingerprint(self.location) == self.current.fingerprint:
                return False
        except OSError:
            return False
        fresh = self._take()
        if fresh is None:
            return False
        with self._swap:
            old, self.current = self.current, fresh
        old.retire()
        log.info("store changed: serving checkpoint %d", fresh.generation)
        return True

    @contextlib.contextmanager
    def use(self) -> Iterator[Snapshot]:
        """The current snapshot, kept on disk until the caller is done with it."""
        with self._swap:
            snap = self.current
            snap.enter()
        try:
            yield snap
        finally:
            snap.leave()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="filmgraph-snapshots", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # a failed refresh keeps the old snapshot serving; say why in the log
                log.exception("could not refresh the store snapshot")

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.current.retire()
        shutil.rmtree(self.scratch, ignore_errors=True)
