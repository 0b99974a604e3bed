"""Readers -> mapping -> validation -> store, in batches.

A file that cannot be read, or a record the shapes refuse, is reported and left out whole; the
other records land. Each batch is written in one store transaction, so the store never holds
part of a record, except on a first load into an empty store, which goes through the bulk
loader (several times faster; an interrupted first load is redone from an empty store).
Many files are read and mapped by worker processes, one per core, and taken back in file order,
so the outcome is the same as a serial run (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from filmgraph import identity
from filmgraph.errors import InputError
from filmgraph.mapping import MappedRecord, ingest_time, map_record, record_graph, resolve_identities
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
    validation_warnings: list[str] = field(default_factory=list)
    sources: list[SourceRead] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Record graphs removed: what a re-read source no longer says, and what --prune found gone."""
    collisions: list[identity.Collision] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read, 1 when a record did not conform, else 0."""
        if any(not r.nonconforming for r in self.refused):
            return 2
        return 1 if self.refused else 0

    def summary(self) -> str:
        w = self.written
        return (f"{self.records} records from {self.files} files: {w.added} added, {w.replaced} replaced, "
                f"{w.unchanged} unchanged, {len(self.refused)} refused"
                + (f", {len(self.removed)} removed" if self.removed else "")
                + f"; {w.triples} triples written; {len(self.warnings) + len(self.collisions)} warnings"
                + self._refusal_groups())

    def _refusal_groups(self) -> str:
        """A second line counting refusals by reason: ``refused: 13 missing year, 1 unreadable file``."""
        groups = Counter(r.group or ("does not conform" if r.nonconforming else "unreadable file")
                         for r in self.refused)
        return f"\nrefused: {', '.join(f'{n} {why}' for why, n in sorted(groups.items()))}" if groups else ""


# A validator takes the mapped batch and the store it would land in, and returns the refusals
# (records with violations) plus warning lines; records it does not refuse land.
Validator = Callable[[list[MappedRecord], Backend], tuple[list[tuple[MappedRecord, str]], list[str]]]


def read_all(paths: Iterable[str], report: IngestReport, root: str | None = None, **options) -> Iterator[ReadResult]:
    """Read each file, turning a broken one into a refusal rather than an abort. With a `root`,
    each record learns its root-relative and absolute path (its identity, docs/records.md)."""
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
        if root is not None:
            absolute, relative = os.path.abspath(path), identity.relative_path(path, root)
            for r in result.records:
                r.source.root_path, r.source.absolute_path = relative, absolute
            report.sources.append(SourceRead(absolute, relative, [record_graph(r.source) for r in result.records],
                                             [identity.record_graph_iri(relative, row.row) for row in result.refused]))
        yield result


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
    root: str | None = None,
    prune: list[str] = (),
    **reader_options,
) -> IngestReport:
    """Read, map, validate and write `paths`. Record graphs are named from their source relative to
    `root` (default: identity.default_root); a source read again replaces all it said before; with
    `prune`, records whose files under those folders are gone are removed too."""
    report = IngestReport()
    files = list(expand_paths(paths))
    stamp = ingest_time()
    batch: list[MappedRecord] = []
    bulk = _BulkWriter(store) if _can_bulk_load(store) else None
    had_data = bulk is None and not _is_empty(store)
    if had_data:
        check_layout(store)
    registry = identity.Registry(_stored_names(store) if had_data else None)
    reader_options["root"] = root or identity.default_root(paths)

    def flush() -> None:
        if not batch:
            return
        report.collisions.extend(resolve_identities(batch, registry))
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
        report.written += bulk.write(accepted) if bulk else store.replace_graphs(accepted)
        batch.clear()

    workers = ingest_workers()
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        mapped_files = _parallel(files, report, stamp, workers, validator is not None, reader_options)
    else:
        mapped_files = ([map_record(r, stamp) for r in result.records]
                        for result in read_all(files, report, **reader_options))
    for done, records in enumerate(mapped_files, 1):
        report.records += len(records)
        batch.extend(records)
        if len(batch) >= batch_size:
            flush()
        if progress:
            progress(done)
    flush()
    if had_data or prune:
        stale = stale_graphs(store, report.sources, prune)
        if stale:
            store.remove_graphs(stale)
            report.removed.extend(stale)
    if bulk and bulk.loaded and hasattr(store, "optimize"):
        store.optimize()
    return report


_OLD_LAYOUT = """PREFIX fg: <https://w3id.org/filmgraph/ontology#>
SELECT ?g ?prefix WHERE { GRAPH ?g { ?g a fg:RecordGraph } FILTER(!STRSTARTS(STR(?g), ?prefix)) } LIMIT 1"""
_NAMES = "SELECT DISTINCT ?node ?name WHERE { ?node <https://schema.org/name> ?name }"
_SOURCES = """PREFIX fg: <https://w3id.org/filmgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?path ?abs WHERE {
  GRAPH ?g { ?g a fg:RecordGraph ; prov:wasDerivedFrom ?s . ?s fg:sourcePath ?path OPTIONAL { ?s fg:absolutePath ?abs } }
}"""


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
    if hasattr(store, "is_empty"):
        return store.is_empty()
    return not store.named_graphs()


def _stored_names(store: Backend) -> Callable[[str], list[str]]:
    """The names a node already has in the store: who holds an IRI before this run."""
    from pyoxigraph import NamedNode

    native = getattr(store, "oxigraph", None)
    if native is not None:  # one index lookup, without parsing a query per node
        name = NamedNode("https://schema.org/name")
        return lambda iri: [q.object.value for q in native.quads_for_pattern(NamedNode(iri), name, None, None)]

    def names(iri: str) -> list[str]:
        return [s["name"].value for s in store.query(_NAMES, {"node": NamedNode(iri)})]

    return names


def record_sources(store: Backend) -> list[tuple[str, str, str | None]]:
    """Every record graph with its source's root-relative and absolute path (None in stores made
    before filmgraph kept it)."""
    return [(s["g"].value, s["path"].value, s["abs"].value if s["abs"] is not None else None)
            for s in store.query(_SOURCES)]


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


def _can_bulk_load(store: Backend) -> bool:
    """The bulk loader is for a first load: an empty local store that offers it."""
    from filmgraph.store.base import BULK_LOAD

    return (BULK_LOAD in getattr(store, "capabilities", ()) and hasattr(store, "bulk_add")
            and hasattr(store, "is_empty") and store.is_empty())


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


def _read_and_map(files: list[str], stamp: str, keep_records: bool,
                  options: dict) -> tuple[IngestReport, list[list[MappedRecord]]]:
    """A worker's task: read and map a run of files; refusals and warnings come back in a report.
    Without a validator nothing reads `MappedRecord.record`, so it is not sent back (pickling the
    record costs more than the graph's text)."""
    report = IngestReport()
    mapped = [[map_record(r, stamp) for r in result.records] for result in read_all(files, report, **options)]
    if not keep_records:
        for records in mapped:
            for m in records:
                m.record = None
    return report, mapped


def _merge(into: IngestReport, part: IngestReport) -> None:
    """Add a worker's report to the run's: counters add, lists extend (whatever fields readers add)."""
    for f in dataclasses.fields(part):
        value = getattr(part, f.name)
        if isinstance(value, (int, list)) and not isinstance(value, bool):
            setattr(into, f.name, getattr(into, f.name) + value)


def _parallel(files: list[str], report: IngestReport, stamp: str, workers: int, keep_records: bool,
              options: dict) -> Iterator[list[MappedRecord]]:
    """Mapped records file by file, in file order, read by `workers` processes a few chunks ahead
    (bounded, so memory follows the batch size, not the input)."""
    chunks = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    # fork: the workers only read and map, never touch the store; spawn and forkserver would
    # re-run a caller's unguarded script (no `if __name__ == "__main__"`) in every worker.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        ahead = iter(chunks)
        for chunk in ahead:
            pending.append(pool.submit(_read_and_map, chunk, stamp, keep_records, options))
            if len(pending) >= 2 * workers + 2:
                break
        while pending:
            part, mapped = pending.popleft().result()
            for chunk in ahead:
                pending.append(pool.submit(_read_and_map, chunk, stamp, keep_records, options))
                break
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
