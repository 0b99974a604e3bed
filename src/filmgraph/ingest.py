"""The `ingest` verb: pipeline (read and map) -> validation -> store, in batches, with ingest's policy.

A file that cannot be read, or a record the shapes refuse, is reported and left out whole; the
other records land. Each batch is written in one store transaction, so the store never holds
part of a record, except on a first load into an empty store, which goes through the bulk
loader (several times faster; an interrupted first load is redone from an empty store).
Many files are read and mapped by worker processes (pipeline.py), taken back in file order, so the
outcome is the same as a serial run (docs/performance.md). The policy lives here: a violation
refuses the record, a warning lets it land and is reported, `validate=False` skips the shapes.
A long file streams in parts of the batch size. Past the first `Limits.errors_per_file` refusals of
a file, refusals are counted, not kept. An interrupt (SIGINT, or SIGTERM as the CLI raises it) stops
the run between writes, and says how many records landed (docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from filmgraph import identity
from filmgraph.errors import EXIT_INPUT, EXIT_NONCONFORMING, EXIT_OK
from filmgraph.mapping import MappedRecord, resolve_identities
from filmgraph.pipeline import Refusal, map_paths
from filmgraph.record import ReaderWarning
from filmgraph.settings import Limits, Settings
from filmgraph.store.base import BULK_LOAD, MATCH, OPTIMIZE, QUERY, Backend, WriteStats
from filmgraph.terms import FG, PROV, SDO
from filmgraph.validation import RecordReport, choose_engine, validate_batch

__all__ = ["IngestReport", "SourceRead", "Validator", "check_layout", "ingest", "ingest_validator", "progress_printer",
           "record_sources", "stale_graphs"]


@dataclass(slots=True)
class SourceRead:
    """A file read in full: the record graphs it gives now, and those of its rows that were refused
    (whose earlier graphs stay). Any other graph of this source in the store is stale."""

    absolute_path: str
    root_path: str
    graphs: list[str]
    refused: list[str]


@dataclass(slots=True)
class IngestReport:
    files: int = 0
    records: int = 0
    written: WriteStats = field(default_factory=WriteStats)
    warnings: list[ReaderWarning] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    checked: list[RecordReport] = field(default_factory=list)
    """Validation reports of records that landed with warnings (report.warning_lines renders them)."""
    sources: list[SourceRead] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Record graphs removed: what a re-read source no longer says, and what --prune found gone."""
    collisions: list[identity.Collision] = field(default_factory=list)
    more_refused: Counter = field(default_factory=Counter)
    """Refusals past the first `limit` of a file, counted by (file, reason, nonconforming) only: a
    file of a million bad rows costs a count, not a million messages."""
    per_file: Counter = field(default_factory=Counter)
    checked_per_file: Counter = field(default_factory=Counter)
    more_checked: Counter = field(default_factory=Counter)
    """Landed records with warnings past a file's first `limit`, counted by file."""
    limit: int = field(default_factory=lambda: Limits().errors_per_file)

    def check(self, checked: RecordReport, path: str) -> None:
        """Keep a landed record's validation report (its warnings) or, past the file's first
        `limit`, count it."""
        self.checked_per_file[path] += 1
        if self.checked_per_file[path] <= self.limit:
            self.checked.append(checked)
        else:
            self.more_checked[path] += 1

    def refuse(self, refusal: Refusal, path: str) -> None:
        """Keep a refusal or, past the file's first `limit`, count it."""
        self.per_file[path] += 1
        if self.per_file[path] <= self.limit:
            self.refused.append(refusal)
        else:
            why = refusal.group or ("does not conform" if refusal.nonconforming else "unreadable file")
            self.more_refused[(path, why, refusal.nonconforming)] += 1

    @property
    def refused_count(self) -> int:
        return len(self.refused) + sum(self.more_refused.values())

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read, 1 when a record did not conform, else 0."""
        if any(not r.nonconforming for r in self.refused) or any(not key[2] for key in self.more_refused):
            return EXIT_INPUT
        return EXIT_NONCONFORMING if self.refused_count else EXIT_OK

    def summary(self) -> str:
        w = self.written
        return (f"{self.records} records from {self.files} files: {w.added} added, {w.replaced} replaced, "
                f"{w.unchanged} unchanged, {self.refused_count} refused"
                + (f", {len(self.removed)} removed" if self.removed else "")
                + f"; {w.triples} triples written; {len(self.warnings) + len(self.collisions)} warnings"
                + self._refusal_groups())

    def _refusal_groups(self) -> str:
        """A second line counting refusals by reason: ``refused: 13 missing year, 1 unreadable file``."""
        groups = Counter(r.group or ("does not conform" if r.nonconforming else "unreadable file")
                         for r in self.refused)
        for (_, why, _), n in self.more_refused.items():
            groups[why] += n
        return f"\nrefused: {', '.join(f'{n} {why}' for why, n in sorted(groups.items()))}" if groups else ""


# A validator takes the mapped batch and the store it would land in, and returns the validation
# report of each record (in batch order); a record with a violation is refused, the others land.
Validator = Callable[[list[MappedRecord], Backend], list[RecordReport]]


def ingest_validator(settings: Settings | None = None) -> Validator:
    """The validator ingest runs per batch, on the engine the settings name (a bad name fails here,
    before anything is read)."""
    engine = choose_engine((settings or Settings()).shacl_engine)

    def validator(batch: list[MappedRecord], store: Backend) -> list[RecordReport]:
        return validate_batch(batch, store, engine).records

    return validator


def ingest(
    paths: list[str],
    store: Backend,
    *,
    validator: Validator | None = None,
    settings: Settings | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    root: str | None = None,
    prune: Iterable[str] = (),
    **reader_options,
) -> IngestReport:
    """Read, map, validate (when given a validator) and write the records under `paths`.

    `settings` gives the worker count, the batch size and the ingest time (one `Settings` per run).
    Record graphs are named from their source relative to `root` (default: identity.default_root);
    a source read again replaces all it said before (its graphs it no longer gives are removed);
    with `prune`, the records of files under those folders that no longer exist are removed too."""
    settings = settings or Settings()
    batch_size = batch_size or settings.batch_size
    root = root or identity.default_root(paths)
    report = IngestReport(limit=settings.limits.errors_per_file)
    batch: list[MappedRecord] = []
    bulk = _BulkWriter(store, hold=validator is None) if _can_bulk_load(store) else None
    had_data = bulk is None and not _is_empty(store)
    if had_data:
        check_layout(store)
    registry = identity.Registry(_stored_names(store) if had_data else None)

    def flush() -> None:
        if not batch:
            return
        report.collisions.extend(resolve_identities(batch, registry))
        accepted = batch
        if validator is not None:
            accepted = []
            for mapped, checked in zip(batch, validator(batch, store)):
                if checked.refused:
                    src = mapped.record.source
                    where = f"{src.path}" + (f" row {src.row}" if src.row is not None else "")
                    report.refuse(Refusal(path=where, reason=f"{mapped.record.title}: does not conform",
                                          nonconforming=True, checked=checked), src.path)
                else:
                    accepted.append(mapped)
                    if checked.problems:
                        report.check(checked, mapped.record.source.path)
        with _whole():
            report.written += bulk.write(accepted) if bulk else store.replace_graphs(accepted)
        # The run reports counts, not the IRIs each write lists: a million-record run would hold them all.
        report.written.graphs.clear()
        batch.clear()

    outcomes = map_paths(paths, generated_at=settings.now(), workers=settings.workers,
                         keep_records=validator is not None, resolve=True, root=root, rows=batch_size,
                         skipped=report.warnings, limits=settings.limits, **reader_options)
    # Stale graphs are looked for only in a store that held records before (or with --prune): a first
    # load keeps no list of what it wrote, so memory stays flat however many records land.
    track = had_data or bool(prune)
    source: SourceRead | None = None
    unread: set[int] = set()
    try:
        for outcome in outcomes:
            if outcome.part == 0:
                report.files += 1
                if track:
                    source = SourceRead(os.path.abspath(outcome.path), identity.relative_path(outcome.path, root),
                                        [], [])
                    report.sources.append(source)
            report.warnings.extend(outcome.warnings)
            for refusal in outcome.refusals:
                report.refuse(refusal, outcome.path)
            report.records += len(outcome.records)
            if source is not None:
                if outcome.unreadable:  # not read in full: what it said before stays
                    unread.add(id(source))
                source.graphs += [m.graph.value for m in outcome.records]
                source.refused += [identity.record_graph_iri(source.root_path, r.row.row)
                                   for r in outcome.refusals if r.row is not None]
            batch.extend(outcome.records)
            if len(batch) >= batch_size:
                flush()
            if progress and outcome.part == 0:
                progress(report.files)
        flush()
        with _whole():
            if bulk:
                bulk.finish()
            store.settle()  # a server's last upload landed, or its failure is the run's
    except KeyboardInterrupt as e:  # SIGINT, and SIGTERM as the CLI raises it
        outcomes.close()  # stops the workers at once
        store.settle()  # an upload in flight lands before the run says what landed
        e.landed = report.written.added + report.written.replaced - (len(bulk.waiting) if bulk else 0)
        e.unchanged = report.written.unchanged
        raise
    report.sources = [s for s in report.sources if id(s) not in unread]
    if track and store.can(QUERY):
        stale = stale_graphs(store, report.sources, prune)
        if stale:
            with _whole():
                store.remove_graphs(stale)
            report.removed.extend(stale)
    if bulk and bulk.loaded and store.can(OPTIMIZE):
        store.optimize()
    return report


_OLD_LAYOUT = (f"SELECT ?g ?prefix WHERE {{ GRAPH ?g {{ ?g a <{FG.RecordGraph}> }} "
               "FILTER(!STRSTARTS(STR(?g), ?prefix)) } LIMIT 1")
_NAMES = f"SELECT DISTINCT ?node ?name WHERE {{ ?node <{SDO.name}> ?name }}"
_SOURCES = f"""SELECT DISTINCT ?g ?path ?abs WHERE {{
  GRAPH ?g {{ ?g a <{FG.RecordGraph}> ; <{PROV.wasDerivedFrom}> ?s . ?s <{FG.sourcePath}> ?path
              OPTIONAL {{ ?s <{FG.absolutePath}> ?abs }} }}
}}"""


def check_layout(store: Backend) -> None:
    """Refuse a store made before record graphs were named from their source (…/graph/presskit/<film>):
    writing into it would leave every old graph beside its new one."""
    from filmgraph.errors import StoreError

    from pyoxigraph import Literal

    found = list(store.query(_OLD_LAYOUT, {"prefix": Literal(identity.RECORD_GRAPHS)}))
    if found:
        raise StoreError(f"this store names record graphs after films ({found[0]['g'].value}), as earlier "
                         "filmgraph versions did; "
                         "rebuild it: move the store folder aside and ingest the sources again "
                         "(then `filmgraph link` again for the links graph)")


def _is_empty(store: Backend) -> bool:
    """Whether the store holds nothing to compare a run with; a sink that cannot be read (map's
    shards) counts as empty: identities are then held within the run only."""
    if not store.can(QUERY):
        return True
    if store.can(BULK_LOAD):
        return store.is_empty()
    return not store.named_graphs()


def _stored_names(store: Backend) -> Callable[[str], list[str]]:
    """The names a node already has in the store: who holds an IRI before this run."""
    from pyoxigraph import NamedNode

    if store.can(MATCH):  # one index lookup, without parsing a query per node
        name = NamedNode(SDO.name)
        return lambda iri: [q.object.value for q in store.quads_for_pattern(NamedNode(iri), name, None, None)]

    def names(iri: str) -> list[str]:
        return [s["name"].value for s in store.query(_NAMES, {"node": NamedNode(iri)})]

    return names


def record_sources(store: Backend) -> list[tuple[str, str, str | None]]:
    """Every record graph with its source's root-relative and absolute path (None in stores made
    before filmgraph kept it), read whole however many there are (`Backend.rows`: a server's row
    cap is paged past)."""
    return [(s["g"].value, s["path"].value, s["abs"].value if s["abs"] is not None else None)
            for s in store.rows(_SOURCES)]


def stale_graphs(store: Backend, sources: list[SourceRead], prune: Iterable[str] = ()) -> list[str]:
    """Record graphs a source read in this run no longer gives (the same file by its absolute path,
    or the same root-relative path), and, under each `prune` folder, graphs whose file is gone."""
    by_abs: dict[str, SourceRead] = {s.absolute_path: s for s in sources}
    by_rel: dict[str, SourceRead] = {s.root_path: s for s in sources}
    folders = [os.path.join(os.path.abspath(p), "") for p in prune]
    keep: dict[int, set[str]] = {}
    stale: set[str] = set()
    for graph, path, absolute in record_sources(store):
        source = by_abs.get(absolute) if absolute else None
        source = source or by_rel.get(path)
        if source is not None:
            kept = keep.get(id(source))
            if kept is None:
                kept = keep[id(source)] = {*source.graphs, *source.refused}
            if graph not in kept:
                stale.add(graph)
        elif absolute and any(absolute.startswith(f) for f in folders) and not os.path.exists(absolute):
            stale.add(graph)
    return sorted(stale)


@contextlib.contextmanager
def _whole() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until a store write and the count of what it wrote are both done, so
    that an interrupted run says exactly what landed. (Blocking the signals would not do: Python runs
    its handlers in the main thread whichever thread the kernel picks.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    kept = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in kept.items():
            signal.signal(s, handler)
        if pending:
            handler = kept[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), pending[0])


def _can_bulk_load(store: Backend) -> bool:
    """The bulk loader is for a first load: an empty store that offers it."""
    return store.can(BULK_LOAD) and store.is_empty()


class _BulkWriter:
    """Streams graphs new to this run through `bulk_add`; a graph seen before in the run (the same
    film twice) goes through `replace_graphs`, which compares content hashes and replaces whole.

    A bulk load costs about a second however little it loads, so without validation (which reads
    the store's neighbourhood of each batch, so needs earlier batches landed) graphs are held until
    about `BULK_TRIPLES` statements wait: a few MB, bounded, and not one load per batch."""

    BULK_TRIPLES = 100_000

    def __init__(self, store: Backend, hold: bool = False):
        self.store = store
        self.hold = hold
        self.loaded: set[int] = set()
        """Hashes of the graphs loaded in this run: one small int a graph, however many. A false
        match sends a new graph through `replace_graphs`, which is right, only slower."""
        self.waiting: list[MappedRecord] = []
        self.waiting_triples = 0

    def write(self, records: list[MappedRecord]) -> WriteStats:
        latest = {m.graph.value: m for m in records}
        fresh = [m for g, m in latest.items() if hash(g) not in self.loaded]
        again = [m for g, m in latest.items() if hash(g) in self.loaded]
        stats = WriteStats()
        for m in fresh:
            stats.added += 1
            stats.triples += m.size if getattr(m, "size", None) is not None else len(m.triples)
            stats.graphs.append(m.graph.value)
        self.waiting += fresh
        self.waiting_triples += stats.triples
        self.loaded.update(hash(m.graph.value) for m in fresh)
        if again or not self.hold or self.waiting_triples >= self.BULK_TRIPLES:
            self.finish()
        if again:
            stats += self.store.replace_graphs(again)
        return stats

    def finish(self) -> None:
        """Load what is waiting."""
        if self.waiting:
            self.store.bulk_add(self.waiting)
        self.waiting, self.waiting_triples = [], 0


def progress_printer(total: int, stream=sys.stderr) -> Callable[[int], None] | None:
    """A one-line progress counter on a terminal for long runs; nothing otherwise."""
    if total < 200 or not stream.isatty():
        return None

    def show(done: int) -> None:
        stream.write(f"\ringest {done}/{total} files")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
