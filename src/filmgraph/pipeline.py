"""Paths -> files -> records -> mapped graphs: the one read-and-map loop every verb shares.

    expand_paths(paths) -> read_file(each) -> map_record(each record)

`read_paths` stops after reading (the `read` verb); `map_paths` maps too (ingest, validate, the
`map` verb). Both yield one `FileOutcome` per file, in file order, whether the file was read in this
process or by worker processes: records, refusals and reader warnings as separate typed values, so
no caller has to split one list back apart. One bad file is one refused file, whatever its reader
raised (`refusal_of`), and a record that mapping fails on is refused alone: the run goes on.
A streaming reader's file (CSV, JSON, YAML) comes as several outcomes of at most `rows` rows each
(`FileOutcome.part` counts them), so memory follows the batch, not the file. Worker processes die
with the process that started them (workers.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from filmgraph import identity
from filmgraph.errors import InputError
from filmgraph.mapping import MappedRecord, map_record
from filmgraph.readers import STREAMING, RefusedRow, expand_paths, preload, read_parts
from filmgraph.record import FilmRecord, ReaderWarning

__all__ = ["INPUT_ERRORS", "FileOutcome", "Refusal", "map_paths", "read_paths", "refusal_of"]

# What a reader raises for bad input. Whatever else it raises (a RecursionError, a YAML error, a
# bug) also refuses just that file, as "could not be read (Type: message)", and the run goes on.
INPUT_ERRORS: tuple[type[BaseException], ...] = (InputError, ValueError, LookupError, TypeError, UnicodeError)

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200
# Files per task handed to a worker: large enough to amortise the round trip, and at most about
# CHUNK_BYTES of input, so that the few tasks each worker may have waiting (workers.AHEAD) hold a few
# MB of records however large the files.
CHUNK_FILES = 64
CHUNK_BYTES = 4 << 20
# A streamed file (CSV, JSON, YAML) above this size is read here, part by part, even in a parallel
# run: a worker hands a file's outcomes back together, so it would hold the whole file at once.
STREAM_HERE_BYTES = 1 << 20


@dataclass(slots=True)
class Refusal:
    """A file, row or record that did not land, and why, in words a curator can act on."""

    path: str
    reason: str
    report: str = ""
    nonconforming: bool = False
    """False for a file that could not be read (exit 2); True for a row or record refused (exit 1)."""
    group: str = ""
    """Short reason a summary counts refusals by (a reader's refused rows set it)."""
    row: RefusedRow | None = None
    """The reader's refused row, when a reader refused one."""
    checked: object = None
    """The validation `RecordReport` of a record the shapes refused (rendered by the CLI)."""


@dataclass(slots=True)
class FileOutcome:
    """What one file gave: its records (mapped or not), its refusals and the reader's warnings."""

    path: str
    records: list = field(default_factory=list)
    """`FilmRecord`s from `read_paths`, `MappedRecord`s from `map_paths`."""
    refusals: list[Refusal] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)
    part: int = 0
    """0 for a file's first (often only) outcome; 1, 2, ... for the next parts of a streamed file."""

    @property
    def unreadable(self) -> bool:
        return any(not r.nonconforming for r in self.refusals)


def refusal_of(path: str, error: BaseException) -> Refusal:
    """The refusal, one line, for a file a reader raised on (whatever it raised)."""
    if isinstance(error, InputError):
        return Refusal(path=path, reason=" ".join(str(error).split()))
    if isinstance(error, MemoryError):
        return Refusal(path=path, reason=f"{path}: could not be read (it needs more memory than there is)")
    return Refusal(path=path, reason=f"{path}: could not be read ({type(error).__name__}: {_one_line(error)})")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _row_refusal(row: RefusedRow) -> Refusal:
    first, *rest = row.lines()
    return Refusal(path=row.place, reason=first, nonconforming=True, group=row.reason,
                   report="\n".join(f"{row.place}: {line}" for line in rest), row=row)


def _read_parts(path: str, options: dict, rows: int) -> Iterator[FileOutcome]:
    """A file's outcomes: one, or one per part of a streamed file; a failure (whatever the reader
    raised, even after earlier parts) is the last outcome, a one-line refusal naming the file."""
    part = 0
    try:
        for result in read_parts(path, rows, **options):
            yield FileOutcome(path, list(result.records), [_row_refusal(row) for row in result.refused],
                              list(result.warnings), part)
            part += 1
    except Exception as e:  # noqa: BLE001 - one bad file is one refused file, whatever it raised
        yield FileOutcome(path, refusals=[refusal_of(path, e)], part=part)


def _read_one(path: str, options: dict) -> FileOutcome:
    """A file's outcomes joined into one."""
    whole = FileOutcome(path)
    for outcome in _read_parts(path, options, 1 << 62):
        whole.records += outcome.records
        whole.refusals += outcome.refusals
        whole.warnings += outcome.warnings
    return whole


def read_paths(paths: Iterable[str], **reader_options) -> Iterator[FileOutcome]:
    """Each record file under `paths` read into `FilmRecord`s (folders walked in sorted order).

    A missing path raises `InputError` before anything is read; a file that cannot be read is a
    refusal in its outcome, never an exception."""
    for path in list(expand_paths(list(paths))):
        yield _read_one(path, reader_options)


def map_paths(paths: Iterable[str], *, generated_at: str, workers: int = 1, keep_records: bool = True,
              expand: bool = True, resolve: bool = False, root: str | None = None, rows: int = 1 << 62,
              skipped: list[ReaderWarning] | None = None, **reader_options) -> Iterator[FileOutcome]:
    """Each record file under `paths` read and mapped to `MappedRecord`s, in file order.

    With `workers` > 1 and enough files, worker processes read and map a few chunks ahead (bounded,
    so memory follows the consumer, not the input) and the outcomes come back in file order, the
    same as a serial run. `keep_records=False` drops `MappedRecord.record` in the workers (pickling
    the record costs more than the graph's text) for callers that never read it. `expand=False`
    takes `paths` as files already expanded. `resolve=True` stores each record's source as an
    absolute path (what ingest keeps, so the provenance holds wherever the store is opened from);
    messages still name the file as it was given. With a `root`, each record also learns its path
    relative to it and its absolute path: its identity (identity.record_graph_iri, docs/records.md).
    A streamed file comes in outcomes of at most `rows` rows (read in this process; in a worker, a
    file's parts come back together). Special files the walk leaves out are warnings appended to
    `skipped`."""
    files = list(expand_paths(list(paths), skipped)) if expand else list(paths)
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        preload(files)  # before the fork: the workers inherit the readers' tables instead of building them
        run: list[str] = []
        for path in files:
            if not _streams_large(path):
                run.append(path)
                continue
            if run:
                yield from _parallel(run, generated_at, workers, keep_records, resolve, root, reader_options)
                run = []
            for outcome in _read_parts(path, reader_options, rows):
                yield _mapped(outcome, generated_at, True, resolve, root)
        if run:
            yield from _parallel(run, generated_at, workers, keep_records, resolve, root, reader_options)
        return
    for path in files:
        for outcome in _read_parts(path, reader_options, rows):
            yield _mapped(outcome, generated_at, True, resolve, root)


def _streams_large(path: str) -> bool:
    if os.path.splitext(path)[1].lower() not in STREAMING:
        return False
    try:
        return os.stat(path).st_size > STREAM_HERE_BYTES
    except OSError:
        return False


def _mapped(outcome: FileOutcome, generated_at: str, keep_records: bool, resolve: bool,
            root: str | None = None) -> FileOutcome:
    records: list[FilmRecord] = outcome.records
    if root is not None:
        relative, absolute = identity.relative_path(outcome.path, root), os.path.abspath(outcome.path)
        for record in records:
            record.source.root_path, record.source.absolute_path = relative, absolute
    if resolve:
        for record in records:
            record.source.path = os.path.abspath(record.source.path)
    mapped: list[MappedRecord] = []
    for record in records:
        try:
            mapped.append(map_record(record, generated_at))
        except Exception as e:  # noqa: BLE001 - the record is refused alone, and the run goes on
            where = outcome.path + (f" row {record.source.row}" if record.source.row is not None else "")
            outcome.refusals.append(Refusal(path=where, reason=f"{where}: could not be mapped "
                                                              f"({type(e).__name__}: {_one_line(e)})"))
    if not keep_records:
        for m in mapped:
            m.record = None
    outcome.records = mapped
    return outcome


def _map_chunk(files: list[str], generated_at: str, keep_records: bool, resolve: bool, root: str | None,
               options: dict) -> list[FileOutcome]:
    """A worker's task: read and map a run of files."""
    return [_mapped(_read_one(path, options), generated_at, keep_records, resolve, root) for path in files]


def _chunks(files: list[str]) -> list[list[str]]:
    """Runs of consecutive files, each at most CHUNK_FILES long and about CHUNK_BYTES in size."""
    chunks: list[list[str]] = [[]]
    size = 0
    for path in files:
        try:
            bytes_ = os.stat(path).st_size
        except OSError:
            bytes_ = 0
        if chunks[-1] and (len(chunks[-1]) >= CHUNK_FILES or size + bytes_ > CHUNK_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(path)
        size += bytes_
    return [c for c in chunks if c]


def _parallel(files: list[str], generated_at: str, workers: int, keep_records: bool, resolve: bool,
              root: str | None, options: dict) -> Iterator[FileOutcome]:
    """Chunks of files read and mapped by worker processes that die with this one (workers.py)."""
    from filmgraph.workers import ordered_map

    chunks = _chunks(files)
    tasks = ((chunk, generated_at, keep_records, resolve, root, options) for chunk in chunks)
    for outcomes in ordered_map(_map_chunk, tasks, workers):
        yield from outcomes
