"""Files to records: each reader turns one file into `FilmRecord`s plus warnings; format by extension.

A reader raises `InputError` (naming file and line) for a file it cannot read; it never drops a
line silently: what it cannot place becomes a note and a warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module

from filmgraph.errors import InputError
from filmgraph.record import FilmRecord, ReaderWarning

# extension -> "module:function"; a reader takes (path, data) and returns (records, warnings).
READERS: dict[str, str] = {
    ".txt": "filmgraph.readers.presskit:read_presskit",
    ".presskit": "filmgraph.readers.presskit:read_presskit",
}


@dataclass(slots=True)
class ReadResult:
    path: str
    records: list[FilmRecord] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)


def reader_for(path: str) -> Callable[..., tuple[list[FilmRecord], list[ReaderWarning]]]:
    ext = os.path.splitext(path)[1].lower()
    target = READERS.get(ext)
    if target is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"unknown record format {ext or '(no extension)'!r}; filmgraph reads {known}", path=path)
    module, func = target.split(":")
    return getattr(import_module(module), func)


def read_file(path: str, **options) -> ReadResult:
    """Read one file with the reader its extension names."""
    reader = reader_for(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=path) from None
    records, warnings = reader(path, data, **options)
    return ReadResult(path, records, warnings)


def expand_paths(paths: list[str]) -> Iterator[str]:
    """Files as given; folders walked in sorted order for files with a known extension."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if os.path.splitext(name)[1].lower() in READERS and not name.startswith("."):
                        yield os.path.join(root, name)
        elif os.path.exists(path):
            yield path
        else:
            raise InputError("no such file or folder", path=path)
