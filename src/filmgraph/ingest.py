"""Readers -> mapping -> validation -> store, in batches.

A file that cannot be read, or a record the shapes refuse, is reported and left out whole; the
other records land. Each batch is written in one store transaction, so the store never holds
part of a record, except on a first load into an empty store, which goes through the bulk
loader (several times faster; an interrupted first load is redone from an empty store).
Many files are read and mapped by worker processes, one per core, and taken back in file order,
so the outcome is the same as a serial run (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from filmgraph.errors import InputError
from filmgraph.mapping import MappedRecord, ingest_time, map_record
from filmgraph.readers import ReadResult, expand_paths, read_parts
from filmgraph.record import ReaderWarning
from filmgraph.settings import Limits
from filmgraph.store.base import Backend, WriteStats


@dataclass(slots=True)
class Refusal:
    """A record (or file) that did not land, and why, in words a curator can act on."""

    path: str
    reason: str
    report: str = ""
    nonconforming: bool = False
    group: str = ""
    """Short reason the summary counts refusals by (a reader's refused rows set it)."""


@dataclass(slots=True)
class IngestReport:
    files: int = 0
    records: int = 0
    written: WriteStats = field(default_factory=WriteStats)
    warnings: list[ReaderWarning] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    validation_warnings: list[str] = field(default_factory=list)
    more_refused: Counter = field(default_factory=Counter)
    """Refusals past the first `Limits.errors_per_file` of a file, counted by (file, reason) only:
    a file of a million bad rows costs a count, not a million messages."""
    per_file: Counter = field(default_factory=Counter)
    limit: int = field(default_factory=lambda: Limits().errors_per_file)

    def refuse(self, refusal: Refusal, path: str) -> None:
        """Keep a refusal, or past the file's first `limit`, count it."""
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
        if any(not r.nonconforming for r in self.refused) or any(not k[2] for k in self.more_refused):
            return 2
        return 1 if self.refused_count else 0

    def summary(self) -> str:
        w = self.written
        return (f"{self.records} records from {self.files} files: {w.added} added, {w.replaced} replaced, "
                f"{w.unchanged} unchanged, {self.refused_count} refused; {w.triples} triples written; "
                f"{len(self.warnings)} warnings" + self._refusal_groups())

    def _refusal_groups(self) -> str:
        """A second line counting refusals by reason: ``refused: 13 missing year, 1 unreadable file``."""
        groups = Counter(r.group or ("does not conform" if r.nonconforming else "unreadable file")
                         for r in self.refused)
        for (_, why, _), n in self.more_refused.items():
            groups[why] += n
        return f"\nrefused: {', '.join(f'{n} {why}' for why, n in sorted(groups.items()))}" if groups else ""


# A validator takes the mapped batch and the store it would land in, and returns the refusals
# (records with violations) plus warning lines; records it does not refuse land.
Validator = Callable[[list[MappedRecord], Backend], tuple[list[tuple[MappedRecord, str]], list[str]]]


def read_all(paths: Iterable[str], report: IngestReport, rows: int = 500, **options) -> Iterator[ReadResult]:
    """Read each file, turning a broken one into a refusal rather than an abort; a streaming reader's
    file comes in parts of at most `rows` rows. Whatever a reader raises, the file is refused with
    one line naming it, and the run goes on."""
    for path in paths:
        report.files += 1
        try:
            for result in read_parts(path, rows, **options):
                report.warnings.extend(result.warnings)
                for row in result.refused:  # rows a reader could not turn into records (issue 7)
                    first, *rest = row.lines()
                    report.refuse(Refusal(path=row.place, reason=first, nonconforming=True, group=row.reason,
                                          report="\n".join(f"{row.place}: {line}" for line in rest)), path)
                yield result
        except InputError as e:
            report.refuse(Refusal(path=path, reason=str(e)), path)
        except MemoryError:
            report.refuse(Refusal(path=path, reason=f"{path}: could not be read (it needs more memory than "
                                                    "there is)"), path)
        except Exception as e:  # noqa: BLE001 - one bad file is one refused file, whatever it raised
            report.refuse(Refusal(path=path, reason=f"{path}: could not be read ({type(e).__name__}: "
                                                    f"{_one_line(e)})"), path)


def map_records(result: ReadResult, stamp: str, report: IngestReport) -> list[MappedRecord]:
    """A file's records as graphs; a record mapping fails on (whatever the exception) is refused alone."""
    mapped = []
    for record in result.records:
        try:
            mapped.append(map_record(record, stamp))
        except Exception as e:  # noqa: BLE001 - refused, named, and the run goes on
            src = record.source
            where = f"{src.path}" + (f" row {src.row}" if src.row is not None else "")
            report.refuse(Refusal(path=where, reason=f"{where}: could not be mapped ({type(e).__name__}: "
                                                     f"{_one_line(e)})"), result.path)
    return mapped


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 200 else text[:197] + "..."


# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200
# Files per task handed to a worker: large enough to amortise the round trip.
CHUNK_FILES = 64


def ingest_workers() -> int:
    """Worker processes for reading and mapping: `FILMGRAPH_WORKERS`, else one per core."""
    value = os.environ.get("FILMGRAPH_WORKERS", "")
    return max(1, int(value)) if value.isdigit() else (os.cpu_count() or 1)


def ingest(
    paths: list[str],
    store: Backend,
    *,
    validator: Validator | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    **reader_options,
) -> IngestReport:
    report = IngestReport()
    files = list(expand_paths(paths, report.warnings))
    stamp = ingest_time()
    batch: list[MappedRecord] = []
    bulk = _BulkWriter(store, hold=validator is None) if _can_bulk_load(store) else None

    def flush() -> None:
        if not batch:
            return
        accepted = batch
        if validator is not None:
            refused, warnings = validator(batch, store)
            report.validation_warnings.extend(warnings)
            gone = {id(m) for m, _ in refused}
            for mapped, text in refused:
                src = mapped.record.source
                where = f"{src.path}" + (f" row {src.row}" if src.row is not None else "")
                report.refuse(Refusal(path=where, reason=f"{mapped.record.title}: does not conform",
                                      report=text, nonconforming=True), src.path)
            accepted = [m for m in batch if id(m) not in gone]
        with _whole():
            report.written += bulk.write(accepted) if bulk else store.replace_graphs(accepted)
        batch.clear()

    workers = ingest_workers()
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        mapped_files = _parallel(files, report, stamp, workers, validator is not None, reader_options)
    else:
        mapped_files = (map_records(result, stamp, report)
                        for result in read_all(files, report, batch_size, **reader_options))
    shown = 0
    try:
        for records in mapped_files:
            report.records += len(records)
            batch.extend(records)
            if len(batch) >= batch_size:
                flush()
            if progress and report.files != shown:
                shown = report.files
                progress(shown)
        flush()
        if bulk:
            with _whole():
                bulk.finish()
    except KeyboardInterrupt as e:  # SIGINT, and SIGTERM as the CLI turns it into one
        if hasattr(mapped_files, "close"):
            mapped_files.close()  # stops the workers
        e.landed = report.written.added + report.written.replaced - (len(bulk.waiting) if bulk else 0)
        e.unchanged = report.written.unchanged
        raise
    if bulk and bulk.loaded and hasattr(store, "optimize"):
        store.optimize()
    return report


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
    """The bulk loader is for a first load: an empty local store that offers it."""
    from filmgraph.store.base import BULK_LOAD

    return (BULK_LOAD in getattr(store, "capabilities", ()) and hasattr(store, "bulk_add")
            and hasattr(store, "is_empty") and store.is_empty())


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
        self.loaded: set[str] = set()
        self.waiting: list[MappedRecord] = []
        self.waiting_triples = 0

    def write(self, records: list[MappedRecord]) -> WriteStats:
        latest = {m.graph.value: m for m in records}
        fresh = [m for g, m in latest.items() if g not in self.loaded]
        again = [m for g, m in latest.items() if g in self.loaded]
        stats = WriteStats()
        for m in fresh:
            stats.added += 1
            stats.triples += m.size if getattr(m, "size", None) is not None else len(m.triples)
            stats.graphs.append(m.graph.value)
        self.waiting += fresh
        self.waiting_triples += stats.triples
        self.loaded.update(m.graph.value for m in fresh)
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


def _read_and_map(files: list[str], stamp: str, keep_records: bool,
                  options: dict) -> tuple[IngestReport, list[list[MappedRecord]]]:
    """A worker's task: read and map a run of files; refusals and warnings come back in a report.
    Without a validator nothing reads `MappedRecord.record`, so it is not sent back (pickling the
    record costs more than the graph's text)."""
    report = IngestReport()
    mapped = [map_records(result, stamp, report) for result in read_all(files, report, **options)]
    if not keep_records:
        for records in mapped:
            for m in records:
                m.record = None
    return report, mapped


def _merge(into: IngestReport, part: IngestReport) -> None:
    """Add a worker's report to the run's: counters add, lists extend (whatever fields readers add)."""
    for f in dataclasses.fields(part):
        value = getattr(part, f.name)
        if isinstance(value, Counter):
            getattr(into, f.name).update(value)
        elif isinstance(value, (int, list)) and not isinstance(value, bool) and f.name != "limit":
            setattr(into, f.name, getattr(into, f.name) + value)


def _parallel(files: list[str], report: IngestReport, stamp: str, workers: int, keep_records: bool,
              options: dict) -> Iterator[list[MappedRecord]]:
    """Mapped records file by file, in file order, read by `workers` processes a few chunks ahead
    (bounded, so memory follows the batch size, not the input); the workers die with this process
    however it ends (workers.py)."""
    from filmgraph.workers import ordered_map

    chunks = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    for part, mapped in ordered_map(_read_and_map, ((chunk, stamp, keep_records, options) for chunk in chunks),
                                    workers):
        _merge(report, part)
        yield from mapped


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
