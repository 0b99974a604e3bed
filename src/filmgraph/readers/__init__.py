"""Files to records: each reader turns one file into `FilmRecord`s plus warnings; format by extension.

A reader raises `InputError` (naming file and line) for a file it cannot read; it never drops a
line silently: what it cannot place becomes a note and a warning. In a many-record file (CSV, a
JSON array) a row that cannot become a record is returned as a `RefusedRow` warning, so the good
rows still land and ingest counts the bad ones as refused.

Folders are walked for record files; column mappings are not records and are skipped: any folder
named ``mappings`` and any YAML file that declares ``filmgraph: mapping`` (give them with --map).
A folder's README (``README.md``, ``README.txt``) describes the folder and is skipped too.
What is not a regular file (a FIFO, a device, a dangling link) is skipped with a warning: opening
it could block forever or never end.

Every input is bounded (`settings.Limits`): a file past the size bound is refused before it is read,
a record with a list past the list bound is refused after; CSV streams (`read_parts`), so a file of
a million rows costs the memory of one batch.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO
from dataclasses import dataclass, field
from importlib import import_module

from filmgraph.errors import InputError
from filmgraph.record import FilmRecord, ReaderWarning
from filmgraph.settings import Limits

# extension -> "module:function"; a reader takes (path, data) and returns (records, warnings).
READERS: dict[str, str] = {
    ".txt": "filmgraph.readers.presskit:read_presskit",
    ".presskit": "filmgraph.readers.presskit:read_presskit",
    ".md": "filmgraph.readers.presskit:read_presskit",
    ".markdown": "filmgraph.readers.presskit:read_presskit",
    ".pdf": "filmgraph.readers.presskit:read_presskit",
    ".docx": "filmgraph.readers.presskit:read_presskit",
    ".json": "filmgraph.readers.structured:read_json",
    ".yaml": "filmgraph.readers.structured:read_yaml",
    ".yml": "filmgraph.readers.structured:read_yaml",
    ".csv": "filmgraph.readers.structured:read_csv",
}
# extension -> "module:function" for readers that stream: (path, rows, **options) yields (records,
# warnings) a part of at most `rows` rows at a time; `read_file` joins the parts.
STREAMING: dict[str, str] = {
    ".csv": "filmgraph.readers.structured:stream_csv",
    ".json": "filmgraph.readers.structured:stream_json",
    ".yaml": "filmgraph.readers.structured:stream_yaml",
    ".yml": "filmgraph.readers.structured:stream_yaml",
}
MAPPING_FOLDER = "mappings"
# The record fields that hold lists, bounded by `Limits.list_items`.
LIST_FIELDS = ("alternate_titles", "directors", "writers", "cast", "characters", "countries", "languages",
               "subtitles", "runtimes", "certificates", "releases", "distributors", "related_films", "notes")


@dataclass(slots=True)
class RefusedRow(ReaderWarning):
    """A row or record the reader could not turn into a record: one (where, message, reason) per problem.

    `where` names the column (CSV) or field path (``field cast[3].character``); `reason` is the short
    text ingest groups refusals by in its summary.
    """

    row: int | None = None
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""

    @property
    def place(self) -> str:
        """The file and row (and line when it differs), as a refusal names them."""
        where = self.path
        if self.row is not None:
            where += f" row {self.row}"
            if self.line and self.line != self.row:
                where += f" (line {self.line})"
        elif self.line:
            where += f":{self.line}"
        return where

    def lines(self) -> list[str]:
        return [f"{where}: {message}" for where, message, _ in self.problems] or [self.message]

    def __str__(self) -> str:
        return "\n".join(f"{self.place}, {line}" for line in self.lines())


@dataclass(slots=True)
class ReadResult:
    path: str
    records: list[FilmRecord] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)


def reader_for(path: str) -> Callable[..., tuple[list[FilmRecord], list[ReaderWarning]]]:
    ext = os.path.splitext(path)[1].lower()
    target = READERS.get(ext)
    if target is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"unknown record format {ext or '(no extension)'!r}; filmgraph reads {known}", path=path)
    module, func = target.split(":")
    return getattr(import_module(module), func)


def preload(paths: list[str]) -> None:
    """Import the readers these files need and let each build its tables (a reader module's own
    `preload()`), plus the country and language tables and the mojibake check every reader uses.
    Called before worker processes are forked, so that they inherit all of it (copy-on-write)
    instead of each paying for it."""
    from ftfy import badness  # noqa: F401  (the mojibake check of every file)

    from filmgraph import codes
    from filmgraph.readers import values  # noqa: F401

    for target in sorted({READERS[ext] for p in paths if (ext := os.path.splitext(p)[1].lower()) in READERS}):
        module = import_module(target.split(":")[0])
        if callable(getattr(module, "preload", None)):
            module.preload()
    codes.preload()


def read_file(path: str, **options) -> ReadResult:
    """Read one file with the reader its extension names (a streaming reader's parts joined)."""
    whole = ReadResult(path)
    for part in read_parts(path, **options):
        whole.records += part.records
        whole.warnings += part.warnings
        whole.refused += part.refused
    return whole


def read_parts(path: str, rows: int = 500, limits: Limits | None = None, **options) -> Iterator[ReadResult]:
    """One file as one `ReadResult`, or, from a streaming reader (CSV), as parts of at most `rows`
    rows each, so that a file of any length is read in the memory of one part. `limits` are the
    run's (`Settings.limits`); readers that take them get them too."""
    limits = limits or Limits()
    options = {**options, "limits": limits}
    target = STREAMING.get(os.path.splitext(path)[1].lower())
    if target is not None:
        module, func = target.split(":")
        stream = getattr(import_module(module), func)
        for records, warnings in stream(path, max(1, rows), **_accepted(stream, options)):
            for record in records:
                warnings.extend(_repaired(record, path))
            yield _result(path, records, warnings, limits)
        return
    reader = reader_for(path)
    data = read_bytes(path, limits)
    records, warnings = reader(path, data, **_accepted(reader, options))
    if _may_hold_mojibake(data):
        for record in records:
            warnings.extend(_repaired(record, path))
    yield _result(path, records, warnings, limits)


def open_regular(path: str) -> BinaryIO:
    """The file, opened for reading if it is a regular file; opened without blocking, so a FIFO that
    replaced the file since the folder was walked is refused rather than waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=path) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"not a regular file ({_kind(info.st_mode)}); skipped", path=path)
    return os.fdopen(fd, "rb")


def read_bytes(path: str, limits: Limits | None = None) -> bytes:
    """A regular file's bytes, refused past `Limits.file_bytes` before anything is read."""
    limits = limits or Limits()
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limits.file_bytes:
            raise InputError(f"{_size(size)} is more than the {_size(limits.file_bytes)} one file may hold "
                             "(FILMGRAPH_MAX_FILE_BYTES); split it, or give the records as CSV, which streams",
                             path=path)
        try:
            # Asked for by the size the file says it has (a read of the whole limit would allocate it
            # all, 64 MB, for every small file); one that grew since is read on, up to the limit.
            data = f.read(min(size, limits.file_bytes) + 1)
            if len(data) > size:
                data += f.read(limits.file_bytes + 1 - len(data))
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror}", path=path) from None
    if len(data) > limits.file_bytes:
        raise InputError(f"grew past the {_size(limits.file_bytes)} one file may hold while it was read "
                         "(FILMGRAPH_MAX_FILE_BYTES)", path=path)
    return data


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _result(path: str, records: list[FilmRecord], warnings: list[ReaderWarning], limits: Limits) -> ReadResult:
    """A reader's output as a `ReadResult`; a record with a list past `Limits.list_items` is refused
    here, whatever read it, before mapping and validation would spend time and memory on it."""
    refused = [w for w in warnings if isinstance(w, RefusedRow)]
    kept = []
    for record in records:
        long = [(name, n) for name in LIST_FIELDS if (n := len(getattr(record, name, None) or ())) > limits.list_items]
        if long:
            row = record.source.row if record.source else None
            problems = [(f"field {name}", f"{n} entries; a record may hold {limits.list_items} "
                         "(FILMGRAPH_MAX_LIST_ITEMS)", f"too many {name}") for name, n in long]
            refused.append(RefusedRow(path=path, line=None, message=problems[0][1], row=row, problems=problems,
                                      reason=", ".join(p[2] for p in problems)))
            continue
        kept.append(record)
    return ReadResult(path, kept, [w for w in warnings if not isinstance(w, RefusedRow)], refused)


_NOT_TEXT = {"source", "lines", "rules", "countries", "languages", "subtitles", "ids"}


@functools.cache
def _text_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _NOT_TEXT)


def _may_hold_mojibake(data: bytes) -> bool:
    """Whether any record of this file may need repair: a file that is not UTF-8 (a reader may have
    fallen back to Windows-1252, turning the UTF-8 parts of a mixed file into mojibake), or UTF-8
    text in which ftfy sees mojibake. One look at the whole file spares a walk of every record."""
    if data.isascii():
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    from filmgraph.readers.values import looks_mis_decoded

    return looks_mis_decoded(text)


def _repaired(record: FilmRecord, path: str) -> list[ReaderWarning]:
    """Mojibake in any text of the record (``BuriÄ‡``) repaired with a warning, whatever the reader
    (readers/values.py): a file of mixed encodings decodes without error and would land wrong."""
    from filmgraph.readers.values import repair

    found: list[ReaderWarning] = []
    line = record.lines.get("title") if record.source.row is None else None

    def fix(value, where: str):
        if isinstance(value, str):
            if value.isascii():
                return value
            parsed = repair(value)
            found.extend(ReaderWarning(path, record.lines.get(where) or record.lines.get(where.split(".")[0]) or line,
                                       f"{where}: {w}" if record.source.row is None else f"row {record.source.row}, {where}: {w}")
                         for w in parsed.warnings)
            return parsed.value
        if isinstance(value, list):
            return [fix(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if dataclasses.is_dataclass(value):
            for name in _text_fields(type(value)):
                setattr(value, name, fix(getattr(value, name), f"{where}.{name}" if where else name))
        return value

    fix(record, "")
    return found


def _accepted(reader: Callable[..., object], options: dict) -> dict:
    """The options this reader takes: `mapping=` goes to the structured readers, not to press kits."""
    names = _keywords(reader)
    return options if names is None else {k: v for k, v in options.items() if k in names}


@functools.cache
def _keywords(reader: Callable[..., object]) -> frozenset[str] | None:
    """A reader's parameter names (None when it takes any keyword); asked once per reader, not per file."""
    params = inspect.signature(reader).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params)


def is_mapping_file(path: str) -> bool:
    """A YAML file that declares itself a column mapping (``filmgraph: mapping``) is not a record."""
    if os.path.splitext(path)[1].lower() not in (".yaml", ".yml"):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    from filmgraph.readers.mapping_spec import looks_like_mapping

    return looks_like_mapping(head)


def expand_paths(paths: list[str], skipped: list[ReaderWarning] | None = None) -> Iterator[str]:
    """Files as given; folders walked in sorted order for record files (column mappings skipped).

    What is not a regular file (FIFO, device, socket, dangling link) is left out, with a warning
    appended to `skipped` when given."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != MAPPING_FOLDER)
                for name in sorted(files):
                    if os.path.splitext(name)[1].lower() in READERS and not name.startswith(".") \
                            and not name.upper().startswith("README."):
                        full = os.path.join(root, name)
                        if _regular(full, skipped) and not is_mapping_file(full):
                            yield full
        elif os.path.lexists(path):
            if _regular(path, skipped):
                yield path
        else:
            raise InputError("no such file or folder", path=path)


def _regular(path: str, skipped: list[ReaderWarning] | None) -> bool:
    """True for a regular file (or a link to one); otherwise a warning says why it is skipped."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        why = "a dangling symbolic link" if os.path.islink(path) else f"cannot be read: {e.strerror}"
    else:
        if stat.S_ISREG(mode):
            return True
        why = _kind(mode)
    if skipped is not None:
        skipped.append(ReaderWarning(path, None, f"skipped: {why}, not a record file"))
    return False
