"""Readers -> mapping -> validation -> store, in batches.

A file that cannot be read, or a record the shapes refuse, is reported and left out whole; the
other records land. Each batch is written in one store transaction, so the store never holds
part of a record.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from filmgraph.errors import InputError
from filmgraph.mapping import MappedRecord, ingest_time, map_record
from filmgraph.readers import ReadResult, expand_paths, read_file
from filmgraph.record import ReaderWarning
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

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read, 1 when a record did not conform, else 0."""
        if any(not r.nonconforming for r in self.refused):
            return 2
        return 1 if self.refused else 0

    def summary(self) -> str:
        w = self.written
        return (f"{self.records} records from {self.files} files: {w.added} added, {w.replaced} replaced, "
                f"{w.unchanged} unchanged, {len(self.refused)} refused; {w.triples} triples written; "
                f"{len(self.warnings)} warnings" + self._refusal_groups())

    def _refusal_groups(self) -> str:
        """Refusals counted by reason, e.g. ``(13 missing year, 32 same film as an earlier row)``."""
        groups = Counter(r.group or ("does not conform" if r.nonconforming else "unreadable file") for r in self.refused)
        return f"\nrefused: {', '.join(f'{n} {why}' for why, n in sorted(groups.items()))}" if groups else ""


# A validator takes the mapped batch and the store it would land in, and returns the refusals
# (records with violations) plus warning lines; records it does not refuse land.
Validator = Callable[[list[MappedRecord], Backend], tuple[list[tuple[MappedRecord, str]], list[str]]]


def read_all(paths: Iterable[str], report: IngestReport, **options) -> Iterator[ReadResult]:
    """Read each file, turning a broken one into a refusal rather than an abort."""
    for path in paths:
        report.files += 1
        try:
            result = read_file(path, **options)
        except InputError as e:
            report.refused.append(Refusal(path=path, reason=str(e)))
            continue
        except (ValueError, LookupError, TypeError, UnicodeError) as e:
            report.refused.append(Refusal(path=path, reason=f"{path}: could not be read ({type(e).__name__}: {e})"))
            continue
        report.warnings.extend(result.warnings)
        for row in result.refused:  # rows a reader could not turn into records (issue 7)
            first, *rest = row.lines()
            report.refused.append(Refusal(path=row.place, reason=first, nonconforming=True, group=row.reason,
                                          report="\n".join(f"{row.place}: {line}" for line in rest)))
        yield result


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
    files = list(expand_paths(paths))
    stamp = ingest_time()
    batch: list[MappedRecord] = []

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
                report.refused.append(Refusal(path=where, reason=f"{mapped.record.title}: does not conform",
                                              report=text, nonconforming=True))
            accepted = [m for m in batch if id(m) not in gone]
        report.written += store.replace_graphs(accepted)
        batch.clear()

    for done, result in enumerate(read_all(files, report, **reader_options), 1):
        for record in result.records:
            report.records += 1
            batch.append(map_record(record, stamp))
        if len(batch) >= batch_size:
            flush()
        if progress:
            progress(done)
    flush()
    return report


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
