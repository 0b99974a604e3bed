"""Paths -> files -> records -> mapped graphs: the one read-and-map loop every verb shares.

    expand_paths(paths) -> read_file(each) -> map_record(each record)

`read_paths` stops after reading (the `read` verb); `map_paths` maps too (ingest, validate, the
`map` verb). Both yield one `FileOutcome` per file, in file order, whether the file was read in this
process or by worker processes: records, refusals and reader warnings as separate typed values, so
no caller has to split one list back apart. `INPUT_ERRORS` is the one place that decides which
exceptions mean "this file cannot be read" (a refusal) rather than a bug (a traceback).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from filmgraph import identity
from filmgraph.errors import InputError
from filmgraph.mapping import MappedRecord, map_record
from filmgraph.readers import RefusedRow, expand_paths, preload, read_file
from filmgraph.record import FilmRecord, ReaderWarning

__all__ = ["INPUT_ERRORS", "FileOutcome", "Refusal", "map_paths", "read_paths", "refusal_of"]

# What a reader raises for bad input, as opposed to a bug: a broken file is refused, named, and the
# run goes on; anything else is a traceback worth reporting.
INPUT_ERRORS: tuple[type[BaseException], ...] = (InputError, ValueError, LookupError, TypeError, UnicodeError)

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200
# Files per task handed to a worker: large enough to amortise the round trip.
CHUNK_FILES = 64


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

    @property
    def unreadable(self) -> bool:
        return any(not r.nonconforming for r in self.refusals)


def refusal_of(path: str, error: BaseException) -> Refusal:
    """The refusal for a file a reader raised an input error on."""
    if isinstance(error, InputError):
        return Refusal(path=path, reason=str(error))
    return Refusal(path=path, reason=f"{path}: could not be read ({type(error).__name__}: {error})")


def _row_refusal(row: RefusedRow) -> Refusal:
    first, *rest = row.lines()
    return Refusal(path=row.place, reason=first, nonconforming=True, group=row.reason,
                   report="\n".join(f"{row.place}: {line}" for line in rest), row=row)


def _read_one(path: str, options: dict) -> FileOutcome:
    try:
        result = read_file(path, **options)
    except INPUT_ERRORS as e:
        return FileOutcome(path, refusals=[refusal_of(path, e)])
    return FileOutcome(path, list(result.records), [_row_refusal(row) for row in result.refused],
                       list(result.warnings))


def read_paths(paths: Iterable[str], **reader_options) -> Iterator[FileOutcome]:
    """Each record file under `paths` read into `FilmRecord`s (folders walked in sorted order).

    A missing path raises `InputError` before anything is read; a file that cannot be read is a
    refusal in its outcome, never an exception."""
    for path in list(expand_paths(list(paths))):
        yield _read_one(path, reader_options)


def map_paths(paths: Iterable[str], *, generated_at: str, workers: int = 1, keep_records: bool = True,
              expand: bool = True, resolve: bool = False, root: str | None = None,
              **reader_options) -> Iterator[FileOutcome]:
    """Each record file under `paths` read and mapped to `MappedRecord`s, in file order.

    With `workers` > 1 and enough files, worker processes read and map a few chunks ahead (bounded,
    so memory follows the consumer, not the input) and the outcomes come back in file order, the
    same as a serial run. `keep_records=False` drops `MappedRecord.record` in the workers (pickling
    the record costs more than the graph's text) for callers that never read it. `expand=False`
    takes `paths` as files already expanded. `resolve=True` stores each record's source as an
    absolute path (what ingest keeps, so the provenance holds wherever the store is opened from);
    messages still name the file as it was given. With a `root`, each record also learns its path
    relative to it and its absolute path: its identity (identity.record_graph_iri, docs/records.md)."""
    files = list(expand_paths(list(paths))) if expand else list(paths)
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        preload(files)  # before the fork: the workers inherit the readers' tables instead of building them
        yield from _parallel(files, generated_at, workers, keep_records, resolve, root, reader_options)
        return
    for path in files:
        yield _mapped(_read_one(path, reader_options), generated_at, True, resolve, root)


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
    mapped: list[MappedRecord] = [map_record(r, generated_at) for r in records]
    if not keep_records:
        for m in mapped:
            m.record = None
    outcome.records = mapped
    return outcome


def _map_chunk(files: list[str], generated_at: str, keep_records: bool, resolve: bool, root: str | None,
               options: dict) -> list[FileOutcome]:
    """A worker's task: read and map a run of files."""
    return [_mapped(_read_one(path, options), generated_at, keep_records, resolve, root) for path in files]


def _parallel(files: list[str], generated_at: str, workers: int, keep_records: bool, resolve: bool,
              root: str | None, options: dict) -> Iterator[FileOutcome]:
    chunks = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    # fork: the workers only read and map, never touch a store; spawn and forkserver would re-run a
    # caller's unguarded script (no `if __name__ == "__main__"`) in every worker.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        ahead = iter(chunks)
        for chunk in ahead:
            pending.append(pool.submit(_map_chunk, chunk, generated_at, keep_records, resolve, root, options))
            if len(pending) >= 2 * workers + 2:
                break
        while pending:
            outcomes = pending.popleft().result()
            for chunk in ahead:
                pending.append(pool.submit(_map_chunk, chunk, generated_at, keep_records, resolve, root, options))
                break
            yield from outcomes
