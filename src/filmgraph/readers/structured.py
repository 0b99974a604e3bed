"""JSON, YAML and CSV records, native or through a column mapping, checked against record.schema.json (beside record.py).

Every format first becomes record documents (the JSON shape of docs/records.md), so one schema
check and one builder serve them all. A row or record that cannot become a `FilmRecord` is
returned as a `RefusedRow` (one message per problem, naming file, row and column or field path);
the other rows of the file still land.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any

import jsonschema
import yaml

from filmgraph import codes, identity
from filmgraph.errors import InputError
from filmgraph.readers import RefusedRow, open_regular, read_bytes
from filmgraph.readers import mapping_spec as ms
from filmgraph.readers import values
from filmgraph.record import (
    FIELDS, LIST_FIELDS, SCHEMA, CastMember, Certificate, Character, CrewMember, Distributor, ExternalIds, FilmRecord,
    Note, ReaderWarning, RelatedFilm, Release, Runtime, SeriesRef, Source, Technical, Title,
)
from filmgraph.settings import Limits


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """The record schema with its local `$ref`s inlined: the same checks, and resolving references
    took about half the time of checking a row (it matters at a million rows)."""
    return jsonschema.Draft202012Validator(_inline(SCHEMA, SCHEMA.get("$defs", {})))


def _inline(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """`node` with each `{"$ref": "#/$defs/x", ...}` replaced by definition x plus the other keys."""
    if depth > 20:  # a definition that refers to itself: keep the reference
        return node
    if isinstance(node, list):
        return [_inline(v, defs, depth) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
        rest = {k: v for k, v in node.items() if k != "$ref"}
        target = _inline(defs[ref[8:]], defs, depth + 1)
        if isinstance(target, dict) and not set(rest) & set(target):
            return {**target, **{k: _inline(v, defs, depth) for k, v in rest.items()}}
    return {k: _inline(v, defs, depth) if k != "$defs" else v for k, v in node.items()}


@dataclass(slots=True)
class _Doc:
    """A record document and where it came from: its row, first line and field lines."""

    data: Any
    row: int | None
    line: int | None
    lines: dict[str, int]
    bad: list[tuple[str, str, str]] = field(default_factory=list)
    """Problems found before the schema check (cells that would not split), already labelled."""
    raw: str | None = None
    """The record's own text in a file of many (a CSV row, a JSON or YAML element): its hash."""
    warnings: list[tuple[int | None, str]] = field(default_factory=list)
    """(line, message) the parser noticed, such as a key given twice in one object."""


class _Problems:
    """Problems found in one record; `label` names a field as a column (CSV) or field path (JSON)."""

    def __init__(self, label):
        self.label = label
        self.items: list[tuple[str, str, str]] = []
        self.warnings: list[str] = []

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{self.label(path)}: {message}")

    def add(self, path: str, message: str, reason: str) -> None:
        label = self.label(path)
        if not any(where == label and said == message for where, said, _ in self.items):
            self.items.append((label, message, reason))


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


_HINTS = {
    "cast": "'Actor' or 'Actor=Character'",
    "imdb": "an IMDb id like tt0396184",
    "wikidata": "a Wikidata id like Q1126097",
    "tmdb": "a TMDb number",
    "date": "a date like 2005-09-16 (or tbc)",
}


def _leaf(error) -> jsonschema.ValidationError:
    """For a failed oneOf, the branch error that says most: not a type mismatch when one exists."""
    while error.context:
        candidates = sorted(error.context, key=lambda e: (e.validator == "type", -len(e.absolute_path)))
        error = candidates[0]
    return error


def _schema_problems(doc: Any, problems: _Problems) -> None:
    for error in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        e = _leaf(error)
        path = _path(e.absolute_path)
        value = e.instance
        if e.validator == "required":
            name = e.message.split("'")[1]
            full = f"{path}.{name}" if path else name
            problems.add(full, f"missing {name}", f"missing {_top(full)}")
        elif e.validator == "additionalProperties":
            extra = sorted(set(value) - set(e.schema.get("properties", {})))
            for name in extra:
                full = f"{path}.{name}" if path else name
                problems.add(full, f"{name!r} is not a record field (see docs/records.md)", "unknown field")
        else:
            last = next((p for p in reversed(e.absolute_path) if isinstance(p, str)), path)
            hint = _HINTS.get(last) or _HINTS.get(_top(path))
            if e.validator == "type":
                want = e.validator_value if isinstance(e.validator_value, str) else " or ".join(e.validator_value)
                message = f"{value!r} is not {'an' if want[0] in 'aeiou' else 'a'} {want}"
            elif e.validator in ("minimum", "maximum"):
                message = f"{value!r} is out of range"
            elif e.validator in ("pattern", "const", "enum", "minLength"):
                message = f"{value!r} is not {hint or 'allowed here'}" if value != "" else "empty"
                if e.validator == "enum":
                    message = f"{value!r} is not one of {', '.join(map(str, e.validator_value))}"
            else:
                message = e.message
            problems.add(path or "record", message, f"invalid {_top(path) or 'record'}")


# ---- written values -> the record document's shapes (readers/values.py) ----------------------------

def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _people(items: Any, path: str, problems: _Problems, *, cast: bool = False) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(_listed(items)):
        if isinstance(item, str) and not (cast and "=" in item):
            parsed = values.split_people(item)
            for w in parsed.warnings:
                problems.warn(f"{path}[{i}]", w)
            out.extend(parsed.value)
        else:
            out.append(item)
    return out


def _coded(items: Any, path: str, problems: _Problems, parse) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(_listed(items)):
        if not isinstance(item, str):
            out.append(item)
            continue
        try:
            out.extend(parse(item))
        except values.ValueProblem as e:
            what = "territory" if parse is values.territories else "language"
            problems.add(f"{path}[{i}]", f"{e} (see ontology/{'territories' if what == 'territory' else 'languages'}.csv)",
                         f"unknown {what}")
    return out


def _value(parse, value: Any, path: str, problems: _Problems) -> Any:
    try:
        return parse(value)
    except values.ValueProblem as e:
        problems.add(path, str(e), f"invalid {_top(path)}")
        return value


def _normalise(doc: dict[str, Any], problems: _Problems) -> dict[str, Any]:
    """Values as people write them (``A & B``, ``104 min``, ``14/02/2020``, ``UK / Denmark``) to the
    shapes the schema checks, by the grammar every reader shares; guesses become warnings."""
    for name in ("directors", "writers"):
        if name in doc:
            doc[name] = _people(doc[name], name, problems)
    if "cast" in doc:
        doc["cast"] = _people(doc["cast"], "cast", problems, cast=True)
    if "countries" in doc:
        doc["countries"] = _coded(doc["countries"], "countries", problems, values.territories)
    for name in ("languages", "subtitles"):
        if name in doc:
            doc[name] = _coded(doc[name], name, problems, values.languages)
    runtimes = doc.get("runtimes")
    if isinstance(runtimes, str):
        doc["runtimes"] = _value(values.minutes, runtimes, "runtimes", problems)
    elif isinstance(runtimes, list):
        for i, rt in enumerate(runtimes):
            if isinstance(rt, str):
                runtimes[i] = _value(values.minutes, rt, f"runtimes[{i}]", problems)
            elif isinstance(rt, dict) and isinstance(rt.get("minutes"), str):
                rt["minutes"] = _value(values.minutes, rt["minutes"], f"runtimes[{i}].minutes", problems)
            if isinstance(rt, dict) and "territories" in rt:
                rt["territories"] = _coded(rt["territories"], f"runtimes[{i}].territories", problems,
                                           values.territories)
    for i, rel in enumerate(_listed_dicts(doc.get("releases"))):
        if isinstance(rel, dict) and isinstance(rel.get("date"), str):
            day = _value(values.date, rel["date"], f"releases[{i}].date", problems)
            rel["date"] = day.isoformat() if isinstance(day, datetime.date) else day
    for i, cert in enumerate(_listed_dicts(doc.get("certificates"))):
        if isinstance(cert, dict) and isinstance(cert.get("value"), str):
            cert["value"] = _value(values.rating, cert["value"], f"certificates[{i}].value", problems)
    return doc


def _listed_dicts(value: Any) -> list[Any]:
    """A list field's items to normalise; anything else is left for the schema to refuse."""
    return value if isinstance(value, list) else []


# ---- record documents -> FilmRecord ------------------------------------------------------------

def _text(value: Any) -> str:
    return identity.nfc(str(value))


def _territory(value: str, path: str, problems: _Problems) -> str | None:
    t = codes.territory(value)
    if t is None:
        problems.add(path, f"unknown territory {value!r} (ISO 3166-1 names in English, French or German, or vocab/territory-aliases.csv)", "unknown territory")
        return None
    return t.code


def _language(value: str | None, path: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    tag = codes.language(value)
    if tag is None:
        problems.add(path, f"unknown language {value!r} (a language name or BCP 47 tag, or vocab/language-aliases.csv)", "unknown language")
    return tag


def _title(value: Any, path: str, problems: _Problems) -> Title:
    if isinstance(value, str):
        return Title(_text(value))
    return Title(_text(value["text"]), _language(value.get("language"), f"{path}.language", problems))


def _series(value: Any) -> SeriesRef:
    if isinstance(value, str):
        return SeriesRef(_text(value))
    return SeriesRef(_text(value["name"]), value.get("position"))


def _date(value: Any, path: str, problems: _Problems) -> datetime.date | None:
    if value in (None, "tbc"):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        problems.add(path, f"{value!r} is not a calendar date", "invalid date")
        return None


def build(doc: dict[str, Any], source: Source, problems: _Problems) -> FilmRecord:
    """A schema-valid record document to a `FilmRecord`, normalising names to codes."""
    r = FilmRecord(title=_text(doc["title"]), source=source, year=doc.get("year"))
    if "original_title" in doc:
        r.original_title = _title(doc["original_title"], "original_title", problems)
    r.alternate_titles = [_title(t, f"alternate_titles[{i}]", problems)
                          for i, t in enumerate(doc.get("alternate_titles", []))]
    r.directors = [_text(n) for n in doc.get("directors", [])]
    r.writers = [_text(n) for n in doc.get("writers", [])]
    for i, member in enumerate(doc.get("cast", [])):
        if isinstance(member, str):
            actor, _, character = member.partition("=")
            member = {"actor": actor.strip(), "character": character.strip() or None}
        character = member.get("character")
        r.cast.append(CastMember(_text(member["actor"]), member.get("billing", i + 1),
                                 _text(character) if character else None))
    for c in doc.get("characters", []):
        if isinstance(c, str):
            r.characters.append(Character(_text(c)))
        else:
            r.characters.append(Character(_text(c["name"]), [_text(a) for a in c.get("aliases", [])],
                                          _text(c["played_by"]) if c.get("played_by") else None))
    if "series" in doc:
        r.series = _series(doc["series"])
    r.countries = [c for i, v in enumerate(doc.get("countries", []))
                   if (c := _territory(v, f"countries[{i}]", problems))]
    for name in ("languages", "subtitles"):
        setattr(r, name, [t for i, v in enumerate(doc.get(name, []))
                          if (t := _language(v, f"{name}[{i}]", problems))])
    runtimes = doc.get("runtimes", [])
    for i, rt in enumerate([runtimes] if isinstance(runtimes, int) else runtimes):
        if isinstance(rt, int):
            r.runtimes.append(Runtime(rt))
        else:
            where = f"runtimes[{i}].territories"
            r.runtimes.append(Runtime(rt["minutes"], [c for j, v in enumerate(rt.get("territories", []))
                                                      if (c := _territory(v, f"{where}[{j}]", problems))]))
    for i, c in enumerate(doc.get("certificates", [])):
        territory = _territory(c["territory"], f"certificates[{i}].territory", problems)
        if territory:
            r.certificates.append(Certificate(territory, _text(c["value"]),
                                              _text(c["advice"]) if c.get("advice") else None,
                                              _text(c["body"]) if c.get("body") else codes.rating_body(territory)))
    for i, rel in enumerate(doc.get("releases", [])):
        territory = _territory(rel["territory"], f"releases[{i}].territory", problems)
        if territory:
            r.releases.append(Release(territory, rel.get("medium", "cinema"),
                                      _date(rel.get("date"), f"releases[{i}].date", problems),
                                      bool(rel.get("limited", False)),
                                      _text(rel["city"]) if rel.get("city") else None,
                                      _text(rel["box_set"]) if rel.get("box_set") else None))
    for i, d in enumerate(doc.get("distributors", [])):
        territory = _territory(d["territory"], f"distributors[{i}].territory", problems)
        if territory:
            r.distributors.append(Distributor(territory, _text(d["name"])))
    for f in doc.get("related_films", []):
        r.related_films.append(RelatedFilm(_text(f["title"]), f.get("year"), [_text(n) for n in f.get("directors", [])],
                                           _series(f["series"]) if "series" in f else None))
    r.crew = [CrewMember(c["role"], _text(c["name"])) for c in doc.get("crew", [])]
    tech = doc.get("technical", {})
    r.technical = Technical(tech.get("aspect_ratio"), tech.get("colour"), [_text(x) for x in tech.get("sound", [])],
                            [_text(x) for x in tech.get("formats", [])])
    r.awards = [_text(a) for a in doc.get("awards", [])]
    ids = doc.get("ids", {})
    r.ids = ExternalIds(ids.get("imdb"), ids.get("wikidata"), str(ids["tmdb"]) if "tmdb" in ids else None)
    for n in doc.get("notes", []):
        r.notes.append(Note(_text(n)) if isinstance(n, str) else Note(_text(n["text"]), n.get("line")))
    return r


# ---- the shared record loop ---------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """YAML's dates and numeric keys back to the JSON shapes the schema describes."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _parts(items: Iterator[FilmRecord | ReaderWarning], rows: int
           ) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    """Records and warnings in parts of at most `rows` rows (a refused row counts); at least one part."""
    records: list[FilmRecord] = []
    warnings: list[ReaderWarning] = []
    count = 0
    sent = False
    for item in items:
        if isinstance(item, FilmRecord):
            records.append(item)
            count += 1
        else:
            warnings.append(item)
            count += isinstance(item, RefusedRow)
        if count >= rows:
            yield records, warnings
            records, warnings, count, sent = [], [], 0, True
    if records or warnings or not sent:
        yield records, warnings


def _shape_problems(value: Any, problems: _Problems, limits: Limits) -> None:
    """What no record may hold, found before anything costly reads it: nesting past `limits.depth`,
    a list past `limits.list_items`, a text past `limits.cell_chars`, a lone surrogate (a JSON
    `\\ud800` escape, which no UTF-8 output can carry). Iterative, so depth costs no stack."""
    stack: list[tuple[Any, tuple, int]] = [(value, (), 0)]
    while stack and len(problems.items) < 10:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > limits.cell_chars:
                problems.add(_path(where) or "record", f"a text of {len(item)} characters; one value may hold "
                             f"{limits.cell_chars} (FILMGRAPH_MAX_CELL_CHARS)", "text too long")
            elif not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError as e:
                    problems.add(_path(where) or "record", f"holds a lone surrogate {item[e.start]!r} (a \\u escape that is "
                                 "half of a character), not text", "not text")
            continue
        if depth >= limits.depth and isinstance(item, (dict, list)):
            problems.add(_path(where) or "record", f"nested more than {limits.depth} levels deep (FILMGRAPH_MAX_DEPTH)",
                         "nested too deeply")
            continue
        if isinstance(item, dict):
            for key, v in item.items():
                if isinstance(key, str):
                    stack.append((key, where, depth + 1))
                stack.append((v, (*where, str(key)), depth + 1))
        elif isinstance(item, list):
            if len(item) > limits.list_items:
                field_path = _path(where) or "record"
                problems.add(field_path, f"{len(item)} entries; a list may hold {limits.list_items} "
                             "(FILMGRAPH_MAX_LIST_ITEMS)", f"too many {_top(field_path)}")
                continue
            stack.extend((v, (*where, i), depth + 1) for i, v in enumerate(item))


def _iter_records(path: str, sha: str, docs: Iterator[_Doc], kind: str, label, required: list[str] = (),
                  mapping: ms.Mapping | None = None, joined: dict | None = None, limits: Limits | None = None
                  ) -> Iterator[FilmRecord | ReaderWarning]:
    """Documents to records: (bounds), (mapping), required fields, schema, build, one film per identity
    per file; a document that cannot become a record gives a `RefusedRow`, the others go on."""
    limits = limits or Limits()
    # Film identity -> (row, ids) of the first row that gave it WITH ids: two rows clash only when
    # both give ids, so rows without any cost no memory (a million-row file of plain rows holds none).
    seen: dict[str, tuple[int | None, ExternalIds]] = {}
    for item in docs:
        for line, message in item.warnings:
            yield ReaderWarning(path, line or item.line, f"row {item.row}, {message}" if item.row else message)
        problems = _Problems(label)
        problems.items.extend(item.bad)
        doc = item.data
        _shape_problems(doc, problems, limits)
        if problems.items:
            reasons = sorted({p[2] for p in problems.items})
            yield RefusedRow(path=path, line=item.line, message="; ".join(m for _, m, _ in problems.items),
                             row=item.row, problems=problems.items, reason=", ".join(reasons))
            continue
        if mapping is not None:
            extra = None
            if mapping.join is not None:
                key = doc.get(mapping.join.on)
                extra = joined.get(str(key)) if key is not None else None
                if extra is None:
                    yield ReaderWarning(path, item.line, f"row {item.row}: no row in "
                                        f"{mapping.join.file} with {mapping.join.on} {key!r}")
            doc, cell_problems = ms.apply(mapping, doc, extra)
            for target, _column, message in cell_problems:
                problems.add(target, message, f"invalid {_top(target)}")
        elif isinstance(doc, dict):
            doc = _plain(doc)
        if not isinstance(doc, dict):
            problems.add("record", f"a record must be an object, not {type(doc).__name__}", "not a record")
        else:
            for name in required:
                top = name.split(".")[0]
                if top not in doc and not any(p[0] == label(top) for p in problems.items):
                    problems.add(name, f"missing {name}", f"missing {name}")
            _normalise(doc, problems)
            _schema_problems(doc, problems)
        record = None
        if not problems.items:
            own = hashlib.sha256(item.raw.encode()).hexdigest() if item.raw is not None and item.row else sha
            source = Source(path=path, kind=kind, row=item.row, sha256=own)
            record = build(doc, source, problems)
        if record is not None and not problems.items:
            key = identity.film_key(record.title, record.year)
            same = f"{key}\n{identity.key(record.title)}" if record.ids != ExternalIds() else None
            earlier_row, earlier_ids = seen.get(same, (None, None))
            clash = _id_clash(earlier_ids, record.ids) if earlier_ids is not None else None
            if clash:
                earlier = f"row {earlier_row}" if earlier_row else "an earlier record"
                problems.add("title", f"same film identity ({key}: title and year) as {earlier} in this file, "
                             f"but a different {clash}: two films that title and year cannot tell apart; left "
                             "out rather than merged into it", "same film as an earlier row")
            elif same is not None and same not in seen:
                seen[same] = (item.row, record.ids)
        for w in problems.warnings:
            yield ReaderWarning(path, item.line, f"row {item.row}, {w}" if item.row else w)
        if problems.items:
            reasons = sorted({p[2] for p in problems.items})
            yield RefusedRow(path=path, line=item.line, message="; ".join(m for _, m, _ in problems.items),
                             row=item.row, problems=problems.items, reason=", ".join(reasons))
            continue
        record.lines = dict(item.lines) if item.lines else {k: item.line for k in _fields_of(record) if item.line}
        yield record


def _id_clash(first: ExternalIds | None, then: ExternalIds) -> str | None:
    """The id two records of one title and year give differently (then they are two films), if any;
    rows that agree, or give no ids, describe one film: two graphs about one node."""
    for name, label in (("imdb", "IMDb id"), ("wikidata", "Wikidata id"), ("tmdb", "TMDb id")):
        a, b = getattr(first, name, None), getattr(then, name)
        if a and b and a != b:
            return f"{label} ({a}, {b})"
    return None


def _fields_of(record: FilmRecord) -> list[str]:
    return [name for name in FIELDS if getattr(record, name) not in (None, [], ExternalIds(), Technical())]


def _field_label(path: str) -> str:
    return f"field {path}"


def _mapping(options: dict[str, Any], path: str, fmt: str) -> ms.Mapping | None:
    """The `mapping=` option, loaded; a mapping that declares another format refuses this file."""
    mapping = options.get("mapping")
    if mapping is None:
        return None
    mapping = mapping if isinstance(mapping, ms.Mapping) else ms.load_mapping(str(mapping))
    if mapping.format and mapping.format != fmt:
        raise InputError(f"the mapping {mapping.path} is for {mapping.format} files, not {fmt}", path=path)
    return mapping


def _decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (byte {e.start}); save the file as UTF-8", path=path, line=line) from None


# ---- JSON ---------------------------------------------------------------------------------------

def _json_items(path: str, text: str, limits: Limits) -> Iterator[_Doc]:
    """Top-level array elements with their record number and first line; one object is one record.
    A key given twice in one object is warned about (JSON parsers keep the last one silently)."""
    dupes: list[tuple[int | None, str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                dupes.append((None, f"key {k!r} appears twice in one object; the later value {v!r} replaces "
                                    f"{out[k]!r}"))
            out[k] = v
        return out

    def taken() -> list[tuple[int | None, str]]:
        found = list(dupes)
        dupes.clear()
        return found

    decoder = json.JSONDecoder(object_pairs_hook=pairs)
    ws = re.compile(r"[ \t\r\n]*")

    def fail(e: json.JSONDecodeError):
        raise InputError(f"not valid JSON: {e.msg}", path=path, line=e.lineno, column=e.colno) from None

    def decode(at: int):
        try:
            return decoder.raw_decode(text, at)
        except json.JSONDecodeError as e:
            fail(e)
        except RecursionError:
            raise InputError(f"not readable JSON: nested more deeply than a record may be "
                             f"({limits.depth} levels, FILMGRAPH_MAX_DEPTH)", path=path,
                             line=text.count("\n", 0, at) + 1) from None
        except ValueError as e:  # a number of more digits than Python converts
            raise InputError(f"not readable JSON: {e}", path=path, line=text.count("\n", 0, at) + 1) from None

    pos = ws.match(text, 0).end()
    if not text.startswith("[", pos):
        value, end = decode(pos)
        if text[ws.match(text, end).end():]:
            fail(json.JSONDecodeError("Extra data", text, ws.match(text, end).end()))
        yield _Doc(value, None, 1, {}, warnings=taken())
        return
    pos = ws.match(text, pos + 1).end()
    line, last, row = 1, 0, 0
    if text.startswith("]", pos):
        return
    while True:
        line += text.count("\n", last, pos)
        last = pos
        value, end = decode(pos)
        row += 1
        yield _Doc(value, row, line, {}, raw=text[pos:end], warnings=taken())
        pos = ws.match(text, end).end()
        if text.startswith(",", pos):
            pos = ws.match(text, pos + 1).end()
        elif text.startswith("]", pos):
            break
        else:
            fail(json.JSONDecodeError("expected ',' or ']'", text, pos))


def read_json(path: str, data: bytes, **options) -> tuple[list[FilmRecord], list[ReaderWarning]]:
    """A JSON record (an object) or many (an array), native or through `mapping=`."""
    records: list[FilmRecord] = []
    warnings: list[ReaderWarning] = []
    for part_records, part_warnings in _json_parts(path, data, None, options):
        records += part_records
        warnings += part_warnings
    return records, warnings


def stream_json(path: str, rows: int, **options) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    """`read_json` in parts of at most `rows` records, so that a long array lands batch by batch."""
    return _json_parts(path, read_bytes(path, options.get("limits")), rows, options)


def _json_parts(path: str, data: bytes, rows: int | None, options: dict
                ) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    mapping = _mapping(options, path, "json")
    limits = options.get("limits") or Limits()
    sha = hashlib.sha256(data).hexdigest()
    text = _decode(path, data)
    items = _json_items(path, text, limits)
    if mapping is None:
        # The whole array is checked for syntax before a record is made, so that a file broken
        # near its end is refused whole rather than landing half.
        items = iter(list(items))
        yield from _parts(_iter_records(path, sha, items, "json", _field_label, limits=limits), rows or _ALL)
        return
    joined = ms.load_join(mapping, path) if mapping.join else None

    def label(field_path: str) -> str:
        column = mapping.column_of(field_path)
        return f"field {column!r}" if column else _field_label(field_path)

    items = list(items)
    warnings = _unmapped(path, mapping, (k for item in items if isinstance(item.data, dict) for k in item.data))
    parts = _parts(_iter_records(path, sha, iter(items), mapping.source, label, mapping.required, mapping, joined,
                                 limits), rows or _ALL)
    first_records, first_warnings = next(parts)
    yield first_records, warnings + first_warnings
    yield from parts


# Rows per part when the caller wants the whole file at once.
_ALL = 1 << 62


def _unmapped(path: str, mapping: ms.Mapping, names) -> list[ReaderWarning]:
    known = mapping.columns() | ({mapping.join.on} if mapping.join else set())
    unknown = sorted({n for n in names if n not in known})
    return [ReaderWarning(path, 1, f"column {n!r} is not in the mapping {mapping.path}; ignored "
                                   "(list it under 'ignore:' to say so)") for n in unknown]


# ---- YAML ---------------------------------------------------------------------------------------

def _node_lines(node: yaml.Node, prefix: str, out: dict[str, int],
                dupes: list[tuple[int | None, str]] | None = None) -> None:
    """Each field path's line; a key given twice in one mapping goes to `dupes` (YAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            if path in out and dupes is not None:
                dupes.append((key.start_mark.line + 1, f"key {key.value!r} appears twice (first on line {out[path]}); "
                                                       "the later value replaces the earlier"))
            out[path] = key.start_mark.line + 1
            _node_lines(value, path, out, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = value.start_mark.line + 1
            _node_lines(value, path, out, dupes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check_aliases(path: str, root: yaml.Node, limits: Limits) -> None:
    """Refuse a document whose aliases would expand it by more than `limits.yaml_alias_nodes` nodes
    (a "billion laughs" bomb of 342 bytes expands to 387 million), that nests past `limits.depth`, or
    that refers to itself. Counted on the composed node graph, where an alias is a shared node, in
    time linear in the file: nothing is expanded to count it."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        kids = _children(node)
        if finished:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            depths[key] = 1 + max((depths[id(k)] for k in kids), default=0)
            continue
        if key in sizes:
            continue
        if key in active:
            raise InputError("a YAML alias refers to a node that holds it (a structure without end)", path=path,
                             line=node.start_mark.line + 1)
        active.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)
    extra = sizes[id(root)] - len(sizes)
    if extra > limits.yaml_alias_nodes:
        raise InputError(f"YAML aliases would expand this document by {extra:,} nodes; a record file may add "
                         f"{limits.yaml_alias_nodes:,} (FILMGRAPH_MAX_YAML_ALIAS_NODES)", path=path,
                         line=root.start_mark.line + 1)
    if depths[id(root)] > limits.depth + 2:
        raise InputError(f"nested more than {limits.depth} levels deep (FILMGRAPH_MAX_DEPTH)", path=path,
                         line=root.start_mark.line + 1)


def _yaml_items(path: str, text: str, limits: Limits) -> Iterator[_Doc]:
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        row = 0
        while loader.check_node():
            node = loader.get_node()
            _check_aliases(path, node, limits)
            value = loader.construct_document(node)
            if isinstance(node, yaml.SequenceNode):
                for element, item in zip(node.value, value):
                    row += 1
                    lines: dict[str, int] = {}
                    dupes: list[tuple[int | None, str]] = []
                    _node_lines(element, "", lines, dupes)
                    yield _Doc(item, row, element.start_mark.line + 1, lines,
                               raw=text[element.start_mark.index:element.end_mark.index], warnings=dupes)
            elif value is not None:
                row += 1
                lines = {}
                dupes = []
                _node_lines(node, "", lines, dupes)
                yield _Doc(value, 0 if row == 1 and not loader.check_node() else row, node.start_mark.line + 1, lines,
                           raw=text[node.start_mark.index:node.end_mark.index], warnings=dupes)
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        code = ord(e.character) if isinstance(e.character, str) else e.character
        raise InputError(f"not valid YAML: character U+{code:04X} is not allowed in YAML ({e.reason})",
                         path=path, line=line) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(e, 'problem', None) or e}", path=path,
                         line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except RecursionError:
        raise InputError(f"not readable YAML: nested more deeply than a record may be ({limits.depth} levels, "
                         "FILMGRAPH_MAX_DEPTH)", path=path) from None
    except ValueError as e:  # an integer of more digits than Python converts
        raise InputError(f"not readable YAML: {e}", path=path) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: str, data: bytes, **options) -> tuple[list[FilmRecord], list[ReaderWarning]]:
    """A YAML record, a list of records, or several `---` documents; a column mapping is refused."""
    records: list[FilmRecord] = []
    warnings: list[ReaderWarning] = []
    for part_records, part_warnings in _yaml_parts(path, data, _ALL, options.get("limits") or Limits()):
        records += part_records
        warnings += part_warnings
    return records, warnings


def stream_yaml(path: str, rows: int, **options) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    """`read_yaml` in parts of at most `rows` records."""
    limits = options.get("limits") or Limits()
    return _yaml_parts(path, read_bytes(path, limits), rows, limits)


def _yaml_parts(path: str, data: bytes, rows: int, limits: Limits
                ) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    if ms.looks_like_mapping(data):
        raise InputError("this is a column mapping, not a record; use it with: filmgraph ingest --map "
                         f"{path} DATA.csv", path=path)
    docs = list(_yaml_items(path, _decode(path, data), limits))
    if len(docs) == 1 and docs[0].row == 0:
        docs[0].row = None  # one record in the file: no row to cite
    by_row = {d.row: d for d in docs}

    def label(field_path: str) -> str:
        return f"field {field_path}"

    sha = hashlib.sha256(data).hexdigest()
    for records, warnings in _parts(_iter_records(path, sha, iter(docs), "yaml", label, limits=limits), rows):
        for w in warnings:
            if isinstance(w, RefusedRow):
                doc = by_row.get(w.row)
                if doc:
                    w.line = min((doc.lines.get(p.split(" ", 1)[1], doc.line or 0) for p, _, _ in w.problems),
                                 default=w.line) or w.line
        yield records, warnings


# ---- CSV ----------------------------------------------------------------------------------------

# Native CSV columns: record fields (with a few spreadsheet-friendly aliases).
_CSV_COLUMNS = {
    **{name: name for name in FIELDS if name != "ids"},
    "series_position": "series_position", "imdb": "imdb", "wikidata": "wikidata", "tmdb": "tmdb",
    "alternate_title": "alternate_titles", "director": "directors", "writer": "writers", "country": "countries",
    "language": "languages", "runtime": "runtimes", "certificate": "certificates", "distributor": "distributors",
}
# Columns a spreadsheet often has that need one more fact to become a field: say how.
_RELEASE_HINT = ("a release needs its territory: write a 'releases' column as TERRITORY=DATE (GB=2020-02-14|"
                 "US dvd=tbc), or read the sheet with --map and `releases: {column: ..., parse: date, territory: GB}`")
_COLUMN_HINTS = {name: _RELEASE_HINT for name in
                 ("releasedate", "release", "released", "releasedon", "premiere", "premieredate", "date")}
_COLUMN_HINTS.update({"genre": "the record model has no genre field", "genres": "the record model has no genre field"})


def _squash(header: str) -> str:
    return re.sub(r"[^a-z]", "", header.casefold())


_QUALIFIER = re.compile(r"^(?P<text>.*?)\s*\[(?P<q>[^\]]*)\]$")
_RELATED = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)$")
_LIST_CELLS = LIST_FIELDS


class _CellProblem(ValueError):
    pass


def _cell_items(text: str) -> list[str]:
    """Split a multi-valued cell on '|' or ';' (one of them per cell)."""
    if "|" in text and ";" in text:
        raise _CellProblem("mixes '|' and ';' as separators, so it cannot be split")
    sep = "|" if "|" in text else ";"
    return [p.strip() for p in text.split(sep) if p.strip()]


def _qualified(text: str) -> tuple[str, str | None]:
    m = _QUALIFIER.match(text)
    return (m.group("text"), m.group("q").strip()) if m else (text, None)


def _csv_item(name: str, item: str) -> Any:
    """One item of a native CSV cell in its compact form (docs/records.md) to its JSON shape."""
    if name == "cast":
        if item.count("=") > 1:
            raise _CellProblem(f"cannot split {item!r} into 'Actor=Character'")
        return item
    if name == "alternate_titles":
        text, lang = _qualified(item)
        return {"text": text, "language": lang} if lang else text
    if name == "characters":
        character, _, aliases = item.partition("=")
        return ({"name": character.strip(), "aliases": [a.strip() for a in aliases.split(",") if a.strip()]}
                if aliases else character)
    if name == "runtimes":
        text, where = _qualified(item)
        minutes = int(text) if text.strip().isdigit() else text
        if where:
            return {"minutes": minutes, "territories": [t.strip() for t in where.split(",") if t.strip()]}
        return minutes
    if name in ("certificates", "distributors", "releases"):
        key, eq, value = item.partition("=")
        if not eq:
            raise _CellProblem(f"{item!r} is not in the form TERRITORY=...")
        if name == "distributors":
            return {"territory": key.strip(), "name": value.strip()}
        if name == "certificates":
            rating, _, advice = value.partition(":")
            out = {"territory": key.strip(), "value": rating.strip()}
            if advice.strip():
                out["advice"] = advice.strip()
            return out
        territory, _, medium = key.strip().partition(" ")
        words = value.split()
        limited = bool(words) and words[-1].lower() == "limited"
        written = " ".join(words[:-1] if limited else words)
        out = {"territory": territory, "medium": medium.strip() or "cinema",
               "date": None if not written or written.lower() == "tbc" else written}
        if limited:
            out["limited"] = True
        return out
    if name == "related_films":
        m = _RELATED.match(item)
        return {"title": m.group("title"), "year": int(m.group("year"))} if m else {"title": item}
    return item


def _csv_cell(name: str, text: str, doc: dict[str, Any]) -> None:
    if text[:1] in "[{":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise _CellProblem(f"starts like JSON but is not: {e.msg}") from None
    elif name in _LIST_CELLS:
        value = [_csv_item(name, item) for item in _cell_items(text)]
    elif name == "year":
        if not (text.isdigit() and 1870 <= int(text) <= 2100):
            raise _CellProblem(f"{text!r} is not a year")
        value = int(text)
    elif name == "series_position":
        value = int(text) if text.isdigit() else text
    elif name == "original_title":
        t, lang = _qualified(text)
        value = {"text": t, "language": lang} if lang else t
    else:
        value = text
    if name in ("imdb", "wikidata", "tmdb"):
        doc.setdefault("ids", {})[name] = value
    elif name == "series_position":
        doc.setdefault("series", {})["position"] = value
    elif name == "series":
        series = doc.setdefault("series", {})
        if isinstance(value, dict):
            series.update(value)
        else:
            series["name"] = value
    else:
        doc[name] = value


def _csv_rows(path: str, text: IO[str]) -> tuple[list[str], Iterator[tuple[int, list[str], str]]]:
    """The header, and each non-blank row with its first line and its own text (its hash)."""
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for line in text:
            taken.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as e:
        raise InputError(f"not valid CSV: {e}", path=path, line=1) from None
    header = [h.strip() for h in header]
    taken.clear()

    def rows():
        start = reader.line_num + 1
        try:
            for cells in reader:
                raw = "".join(taken)
                taken.clear()
                if any(c.strip() for c in cells):
                    yield start, cells, raw
                start = reader.line_num + 1
        except csv.Error as e:
            raise InputError(f"not valid CSV: {e}", path=path, line=reader.line_num) from None

    return header, rows()


def _check_csv(path: str, f: IO[bytes], limits: Limits) -> str:
    """The file's SHA-256, after a first pass that refuses it whole for what would otherwise stop it
    halfway: a byte that is not UTF-8, broken quoting, a cell past `limits.cell_chars`, a row of more
    than `limits.columns` cells. Streams, so a file of any length costs one row's memory."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    while chunk := f.read(1 << 20):
        digest.update(chunk)
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as e:
            at = max(e.start - len(decoder.getstate()[0]), 0)
            raise InputError(f"not UTF-8 (byte {offset + at}); save the file as UTF-8", path=path,
                             line=line + chunk[:at].count(b"\n")) from None
        offset += len(chunk)
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(f"not UTF-8 (the last character is cut short at byte {offset}); save the file as "
                         "UTF-8", path=path, line=line) from None
    f.seek(0)
    csv.field_size_limit(limits.cell_chars)
    text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        for cells in reader:
            if len(cells) > limits.columns:
                raise InputError(f"{len(cells):,} cells in one row; a row may hold {limits.columns:,} "
                                 "(FILMGRAPH_MAX_COLUMNS)", path=path, line=reader.line_num)
    except csv.Error as e:
        if "field limit" in str(e):
            raise InputError(f"a cell of more than {limits.cell_chars:,} characters "
                             "(FILMGRAPH_MAX_CELL_CHARS)", path=path, line=reader.line_num + 1) from None
        raise InputError(f"not valid CSV: {e}", path=path, line=reader.line_num) from None
    finally:
        text.detach()
    f.seek(0)
    return digest.hexdigest()


def read_csv(path: str, data: bytes, **options) -> tuple[list[FilmRecord], list[ReaderWarning]]:
    """One film per row; native columns are record fields, or `mapping=` says which column is which."""
    records: list[FilmRecord] = []
    warnings: list[ReaderWarning] = []
    for part_records, part_warnings in _csv_parts(path, io.BytesIO(data), _ALL, options):
        records += part_records
        warnings += part_warnings
    return records, warnings


def stream_csv(path: str, rows: int, **options) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    """`read_csv` from the file, in parts of at most `rows` rows: memory follows the part, not the file."""
    with open_regular(path) as f:
        yield from _csv_parts(path, f, rows, options)


def _csv_parts(path: str, f: IO[bytes], rows: int, options: dict
               ) -> Iterator[tuple[list[FilmRecord], list[ReaderWarning]]]:
    mapping = _mapping(options, path, "csv")
    limits = options.get("limits") or Limits()
    sha = _check_csv(path, f, limits)
    csv.field_size_limit(limits.cell_chars)
    text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
    try:
        header, lines = _csv_rows(path, text)
        if not header:
            yield [], [ReaderWarning(path, 1, "empty file: no header, no records")]
            return
        dupes = sorted(h for h, n in Counter(header).items() if n > 1)
        if dupes:
            raise InputError(f"column(s) {', '.join(map(repr, dupes))} appear twice in the header", path=path,
                             line=1)
        warnings, items = (_mapped_csv(path, header, lines, mapping, sha, limits) if mapping is not None
                           else _native_csv(path, header, lines, sha, limits))
        parts = _parts(items, rows)
        first_records, first_warnings = next(parts)
        yield first_records, warnings + first_warnings
        yield from parts
    finally:
        text.detach()


def _native_csv(path: str, header: list[str], rows: Iterator[tuple[int, list[str], str]], sha: str,
                limits: Limits) -> tuple[list[ReaderWarning], Iterator[FilmRecord | ReaderWarning]]:
    fields = {h: _CSV_COLUMNS.get(h.lower()) for h in header}
    known = ", ".join(sorted(set(_CSV_COLUMNS.values())))
    warnings: list[ReaderWarning] = [
        ReaderWarning(path, 1, f"column {h!r} is not a record field; ignored ({_COLUMN_HINTS.get(_squash(h)) or f'known: {known}'})")
        for h, f in fields.items() if f is None]
    column_of = {f: h for h, f in fields.items() if f}
    column_of["ids"] = column_of.get("imdb") or column_of.get("wikidata") or column_of.get("tmdb")

    def label(field_path: str) -> str:
        top = _top(field_path)
        if top == "ids":
            sub = field_path.split(".")[1] if "." in field_path else ""
            top = sub if sub in column_of else "ids"
        if top == "series" and field_path.endswith("position"):
            top = "series_position"
        return f"column {column_of.get(top) or field_path!r}"

    def docs() -> Iterator[_Doc]:
        for line, cells, raw in rows:
            doc: dict[str, Any] = {}
            bad: list[tuple[str, str, str]] = []
            for i, cell in enumerate(cells[:len(header)]):
                text = cell.strip()
                name = fields[header[i]]
                if name is None or not text:
                    continue
                try:
                    _csv_cell(name, text, doc)
                except _CellProblem as e:
                    bad.append((f"column {header[i]!r}", str(e), f"invalid {name}"))
                except RecursionError:
                    bad.append((f"column {header[i]!r}", "JSON nested too deeply", f"invalid {name}"))
            extra = [(i, c.strip()) for i, c in enumerate(cells[len(header):], len(header) + 1) if c.strip()]
            if extra:
                more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
                bad.append((f"column {extra[0][0]}", f"cell {extra[0][1]!r} has no column header{more}",
                            "cell without a column"))
            yield _Doc(doc, line, line, {}, bad, raw)

    return warnings, _iter_records(path, sha, docs(), "csv", label, limits=limits)


def _mapped_csv(path: str, header: list[str], rows: Iterator[tuple[int, list[str], str]], mapping: ms.Mapping,
                sha: str, limits: Limits) -> tuple[list[ReaderWarning], Iterator[FilmRecord | ReaderWarning]]:
    warnings = _unmapped(path, mapping, header)
    missing = sorted({s.column for s in mapping.fields if s.column and s.column not in header})
    if missing:
        raise InputError(f"the mapping {mapping.path} names column(s) {', '.join(map(repr, missing))} "
                         "that the header does not have", path=path, line=1)
    joined = ms.load_join(mapping, path) if mapping.join else None

    def label(field_path: str) -> str:
        column = mapping.column_of(field_path)
        return f"column {column!r}" if column else f"field {field_path}"

    def docs() -> Iterator[_Doc]:
        for line, cells, raw in rows:
            yield _Doc(dict(zip(header, cells)), line, line, {}, raw=raw)

    return warnings, _iter_records(path, sha, docs(), mapping.source, label, mapping.required, mapping, joined, limits)
