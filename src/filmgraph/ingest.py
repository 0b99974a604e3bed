"""The `ingest` verb: pipeline (read and map) -> validation -> store, in batches, with ingest's policy.

A file that cannot be read, or a record the shapes refuse, is reported and left out whole; the
other records land. Each batch is written in one store transaction, so the store never holds
part of a record, except on a first load into an empty store, which goes through the bulk
loader (several times faster; an interrupted first load is redone from an empty store).
Many files are read and mapped by worker processes (pipeline.py), taken back in file order, so the
outcome is the same as a serial run (docs/performance.md). The policy lives here: a violation
refuses the record, a warning lets it land and is reported, `validate=False` skips the shapes.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from filmgraph.errors import EXIT_INPUT, EXIT_NONCONFORMING, EXIT_OK
from filmgraph.mapping import MappedRecord
from filmgraph.pipeline import Refusal, map_paths
from filmgraph.record import ReaderWarning
from filmgraph.settings import Settings
from filmgraph.store.base import BULK_LOAD, OPTIMIZE, Backend, WriteStats
from filmgraph.validation import RecordReport, choose_engine, validate_batch

__all__ = ["IngestReport", "Validator", "ingest", "ingest_validator", "progress_printer"]


@dataclass(slots=True)
class IngestReport:
    files: int = 0
    records: int = 0
    written: WriteStats = field(default_factory=WriteStats)
    warnings: list[ReaderWarning] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    checked: list[RecordReport] = field(default_factory=list)
    """Validation reports of records that landed with warnings (report.warning_lines renders them)."""

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read, 1 when a record did not conform, else 0."""
        if any(not r.nonconforming for r in self.refused):
            return EXIT_INPUT
        return EXIT_NONCONFORMING if self.refused else EXIT_OK

    def summary(self) -> str:
        w = self.written
        return (f"{self.records} records from {self.files} files: {w.added} added, {w.replaced} replaced, "
                f"{w.unchanged} unchanged, {len(self.refused)} refused; {w.triples} triples written; "
                f"{len(self.warnings)} warnings" + self._refusal_groups())

    def _refusal_groups(self) -> str:
        """A second line counting refusals by reason: ``refused: 13 missing year, 1 unreadable file``."""
        groups = Counter(r.group or ("does not conform" if r.nonconforming else "unreadable file")
                         for r in self.refused)
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
    **reader_options,
) -> IngestReport:
    """Read, map, validate (when given a validator) and write the records under `paths`.

    `settings` gives the worker count, the batch size and the ingest time (one `Settings` per run)."""
    settings = settings or Settings()
    batch_size = batch_size or settings.batch_size
    report = IngestReport()
    batch: list[MappedRecord] = []
    bulk = _BulkWriter(store) if _can_bulk_load(store) else None

    def flush() -> None:
        if not batch:
            return
        accepted = batch
        if validator is not None:
            accepted = []
            for mapped, checked in zip(batch, validator(batch, store)):
                if checked.refused:
                    src = mapped.record.source
                    where = f"{src.path}" + (f" row {src.row}" if src.row is not None else "")
                    report.refused.append(Refusal(path=where, reason=f"{mapped.record.title}: does not conform",
                                                  nonconforming=True, checked=checked))
                else:
                    accepted.append(mapped)
                    if checked.problems:
                        report.checked.append(checked)
        report.written += bulk.write(accepted) if bulk else store.replace_graphs(accepted)
        batch.clear()

    outcomes = map_paths(paths, generated_at=settings.now(), workers=settings.workers,
                         keep_records=validator is not None, resolve=True, **reader_options)
    for done, outcome in enumerate(outcomes, 1):
        report.files += 1
        report.warnings.extend(outcome.warnings)
        report.refused.extend(outcome.refusals)
        report.records += len(outcome.records)
        batch.extend(outcome.records)
        if len(batch) >= batch_size:
            flush()
        if progress:
            progress(done)
    flush()
    if bulk and bulk.loaded and store.can(OPTIMIZE):
        store.optimize()
    return report


def _can_bulk_load(store: Backend) -> bool:
    """The bulk loader is for a first load: an empty store that offers it."""
    return store.can(BULK_LOAD) and store.is_empty()


class _BulkWriter:
    """Streams graphs new to this run through `bulk_add`; a graph seen before in the run (the same
    film twice) goes through `replace_graphs`, which compares content hashes and replaces whole."""

    def __init__(self, store: Backend):
        self.store = store
        self.loaded: set[str] = set()

    def write(self, records: list[MappedRecord]) -> WriteStats:
        latest = {m.graph.value: m for m in records}
        fresh = [m for g, m in latest.items() if g not in self.loaded]
        again = [m for g, m in latest.items() if g in self.loaded]
        stats = self.store.bulk_add(fresh) if fresh else WriteStats()
        self.loaded.update(m.graph.value for m in fresh)
        if again:
            stats += self.store.replace_graphs(again)
        return stats


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
