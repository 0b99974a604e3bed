"""`filmgraph read`: what the readers take from each file, fact by fact, with its line and rule.

How a curator checks a folder before ingesting it: no store is opened, nothing is mapped. Facts are
found generically over the record model (every dataclass field, so new fields show up without a
change here); each is cited by the line the reader recorded for its field path (`cast[3]`), or for
the field (`cast`), as page + line for a paged source. `record_document` is the same record as a
JSON document following record.schema.json (beside record.py).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from filmgraph.errors import EXIT_INPUT, EXIT_NONCONFORMING, EXIT_OK, where
from filmgraph.pipeline import read_paths
from filmgraph.record import FilmRecord, ReaderWarning

PROVENANCE = ("source", "lines", "rules")
"""Record fields that say where the facts came from rather than state facts."""
_PARENT = re.compile(r"(\[\d+\]|\.\w+|^\w+)$")  # the last step of a field path


@dataclass(slots=True)
class Fact:
    path: str
    value: str
    line: int | None
    rule: str | None


@dataclass(slots=True)
class FileReading:
    """One file's records, warnings, and its refusals (one line each: the file, or rows of it)."""

    path: str
    records: list[FilmRecord] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)
    unreadable: str | None = None
    refused_rows: list[str] = field(default_factory=list)
    """One line per problem of the rows refused (a row can have several)."""
    refused_count: int = 0


def read_files(paths: list[str], **options) -> Iterator[FileReading]:
    """Each file as its reader takes it (the pipeline's read stage; folders walked as for ingest); a
    refusal never stops the rest."""
    for outcome in read_paths(paths, **options):
        unreadable = next((r.reason for r in outcome.refusals if not r.nonconforming), None)
        rows = [r for r in outcome.refusals if r.nonconforming]
        lines = [line for r in rows for line in (str(r.row).split("\n") if r.row is not None else [r.reason])]
        yield FileReading(outcome.path, list(outcome.records), list(outcome.warnings), unreadable, lines, len(rows))


def exit_code(readings: list[FileReading]) -> int:
    """2 when a file could not be read (or was refused whole), 1 when rows of one were refused, else 0."""
    if any(r.unreadable for r in readings):
        return EXIT_INPUT
    return EXIT_NONCONFORMING if any(r.refused_rows for r in readings) else EXIT_OK


# ---- facts ----------------------------------------------------------------------------------------

def facts(record: FilmRecord) -> Iterator[Fact]:
    """Every fact of the record in field order, with its line and rule."""
    for f in dataclasses.fields(record):
        if f.name in PROVENANCE or f.name == "notes":
            continue
        yield from _facts(record, f.name, getattr(record, f.name), f.name)


def _facts(record: FilmRecord, path: str, value: Any, top: str) -> Iterator[Fact]:
    if _empty(value):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _facts(record, f"{path}[{i}]", item, top)
    elif dataclasses.is_dataclass(value) and _cited_by_part(record, path):
        for f in dataclasses.fields(value):  # parts the reader cites one by one (`technical.colour`)
            yield from _facts(record, f"{path}.{f.name}", getattr(value, f.name), top)
    else:
        line = _lookup(record.lines, path, top)
        rule = _lookup(record.rules, path, top)
        yield Fact(path, render(value), line, rule)


def _cited_by_part(record: FilmRecord, path: str) -> bool:
    prefix = f"{path}."
    return any(key.startswith(prefix) for key in (*record.lines, *record.rules))


def _lookup(table: dict, path: str, top: str):
    """The entry for the field path (`cast[3]`, `technical.sound[0]`), else for the nearest path above it
    (`technical.sound`, `technical`)."""
    while path:
        if path in table:
            return table[path]
        path = _PARENT.sub("", path)
    return table.get(top)


def render(value: Any, nested: bool = False) -> str:
    """A fact as one readable line: a value with parts as `part: value` pairs in field order."""
    if dataclasses.is_dataclass(value):
        parts = ", ".join(f"{f.name}: {render(getattr(value, f.name), True)}" for f in dataclasses.fields(value)
                          if not _empty(getattr(value, f.name)))
        return f"({parts})" if nested else parts
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _empty(value: Any) -> bool:
    if dataclasses.is_dataclass(value):
        return all(_empty(getattr(value, f.name)) for f in dataclasses.fields(value))
    return value is None or value == [] or value == {} or value == "" or value is False


# ---- text ---------------------------------------------------------------------------------------

def text_report(reading: FileReading) -> list[str]:
    """The lines `filmgraph read` prints for one file (refusals themselves go to standard error)."""
    if reading.unreadable:
        return [f"{reading.path}: refused, nothing read"]
    count = len(reading.records)
    out = [f"{reading.path}: {count} record{'s' if count != 1 else ''}"
           + (f", {len(reading.warnings)} warning{'s' if len(reading.warnings) != 1 else ''}" if reading.warnings else "")]
    for record in reading.records:
        pages = record.source.pages
        if count > 1:
            row = f" row {record.source.row}" if record.source.row else ""
            out.append(f"  record{row}: {record.title}" + (f" ({record.year})" if record.year else ""))
        found = list(facts(record))
        width = max((len(f.path) for f in found), default=0)
        cited = [where(f.line, pages) if f.line else "(no line)" for f in found]
        noted = [where(n.line, pages) if n.line else "(no line)" for n in record.notes]
        place_width = max((len(c) for c in cited + noted), default=0)
        for fact, place in zip(found, cited):
            rule = f"   [{fact.rule}]" if fact.rule else ""
            out.append(f"  {place:<{place_width}}  {fact.path:<{width}}  {fact.value}{rule}")
        for note, place in zip(record.notes, noted):
            out.append(f"  {place:<{place_width}}  {'note':<{width}}  {note.text!r} (not read as a fact)")
    out.extend(f"  warning: {w}" for w in reading.warnings)
    if reading.refused_count:
        rows = "row" if reading.refused_count == 1 else "rows"
        out.append(f"  {reading.refused_count} {rows} refused (see standard error)")
    return out


# ---- JSON ---------------------------------------------------------------------------------------

def record_document(record: FilmRecord) -> dict:
    """The record as a JSON document (record.schema.json): empty fields left out, dates as ISO 8601."""
    return _plain(record)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        doc = {}
        for f in dataclasses.fields(value):
            item = _plain(getattr(value, f.name))
            if item is not None and item != [] and item != {}:
                doc[f.name] = item
        return doc
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
