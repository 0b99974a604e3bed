"""Column mappings: how someone else's spreadsheet or dataset becomes record documents.

A mapping is a YAML file (docs/records.md, "Column mappings") that names which column holds which
record field, how to split multi-valued cells, how to parse dates, runtimes and dataset-specific
titles, which dataset the rows come from (`source:`, the record's `Source.kind`) and which second
file to join (MovieLens ``links.csv``). Applying it to a row gives a record document: the same
shape a JSON record has, so one schema check and one builder serve every format.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from filmgraph.record import LIST_FIELDS as RECORD_LIST_FIELDS
from filmgraph.errors import InputError

MARKER_KEY = "filmgraph"
MARKER_VALUE = "mapping"

# Fields a column can feed, with the shape each takes in a record document.
ITEM_FIELDS = {"runtimes", "certificates", "releases", "distributors"}
# A column feeds any list field of the record but related films (a title and year each) as items.
LIST_FIELDS = set(RECORD_LIST_FIELDS) - ITEM_FIELDS - {"related_films"}
TEXT_FIELDS = {"title", "original_title", "series", "ids.imdb", "ids.wikidata", "ids.tmdb"}
NUMBER_FIELDS = {"year", "series.position"}
FIELDS = LIST_FIELDS | TEXT_FIELDS | NUMBER_FIELDS | ITEM_FIELDS
PARSERS = {"text", "integer", "year", "date", "minutes", "imdb", "wikidata", "movielens-title"}
_SPEC_KEYS = {"column", "value", "split", "parse", "format", "repair", "empty", "territory", "territories",
              "medium", "body", "limited"}


class Skip(Exception):
    """A cell that is empty after parsing: the field is left out, not an error."""


class CellError(ValueError):
    """A cell that cannot be parsed; the message says what was expected."""


@dataclass(slots=True)
class FieldSpec:
    target: str
    column: str | None = None
    value: Any = None
    split: list[str] = field(default_factory=list)
    parse: str = "text"
    format: str | None = None
    repair: str | None = None
    empty: frozenset[str] = frozenset()
    """Cell values that mean "no value" in this dataset (vega's ``Not Rated``): the field is left out."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Join:
    file: str
    on: str
    fields: list[FieldSpec]
    ignore: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Mapping:
    path: str
    source: str
    fields: list[FieldSpec]
    ignore: set[str] = field(default_factory=set)
    required: list[str] = field(default_factory=list)
    join: Join | None = None
    format: str | None = None

    def columns(self) -> set[str]:
        return {f.column for f in self.fields if f.column} | self.ignore

    def column_of(self, target: str) -> str | None:
        """The column that feeds a record field (by its top-level name), for messages."""
        top = re.split(r"[.\[]", target, maxsplit=1)[0]
        for spec in self.fields + (self.join.fields if self.join else []):
            if spec.target == target or spec.target.split(".")[0] == top:
                if spec.column:
                    return spec.column
        for spec in self.fields:
            if spec.parse == "movielens-title" and top in {"title", "year", "alternate_titles"}:
                return spec.column
        return None


def looks_like_mapping(data: bytes) -> bool:
    """True for a YAML file that declares itself a column mapping (``filmgraph: mapping``)."""
    return re.search(rb"(?m)^filmgraph:\s*mapping\s*$", data[:4096]) is not None


def _fail(path: str, message: str, line: int | None = None):
    raise InputError(f"mapping: {message}", path=path, line=line)


def _field_spec(path: str, target: str, raw: Any) -> FieldSpec:
    if isinstance(raw, str):
        raw = {"column": raw}
    if not isinstance(raw, dict):
        _fail(path, f"{target}: expected a column name or a table with 'column:'")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        _fail(path, f"{target}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_SPEC_KEYS))})")
    if "column" not in raw and "value" not in raw:
        _fail(path, f"{target}: needs 'column:' (or a constant 'value:')")
    parse = raw.get("parse", "text")
    if parse not in PARSERS:
        _fail(path, f"{target}: unknown parse {parse!r} (known: {', '.join(sorted(PARSERS))})")
    split = raw.get("split") or []
    split = [split] if isinstance(split, str) else [str(s) for s in split]
    extra = {k: raw[k] for k in ("territory", "territories", "medium", "body", "limited") if k in raw}
    return FieldSpec(target=target, column=None if raw.get("column") is None else str(raw["column"]),
                     value=raw.get("value"), split=split, parse=parse, format=raw.get("format"),
                     repair=raw.get("repair"), empty=frozenset(str(v) for v in raw.get("empty") or []),
                     extra=extra)


def _field_specs(path: str, raw: Any) -> list[FieldSpec]:
    if not isinstance(raw, dict) or not raw:
        _fail(path, "'fields:' must map record fields to columns")
    specs = []
    for target, value in raw.items():
        if target not in FIELDS:
            _fail(path, f"{target!r} is not a record field a column can feed (known: {', '.join(sorted(FIELDS))})")
        for one in value if isinstance(value, list) else [value]:
            specs.append(_field_spec(path, target, one))
    return specs


@cache
def load_mapping(path: str) -> Mapping:
    """Read and check a mapping file; every mistake is an InputError naming the mapping file."""
    try:
        with open(path, "rb") as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise InputError(f"cannot read mapping: {e.strerror}", path=path) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(f"mapping is not valid YAML: {getattr(e, 'problem', e)}", path=path,
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict) or doc.get(MARKER_KEY) != MARKER_VALUE:
        _fail(path, f"not a column mapping (a mapping starts with '{MARKER_KEY}: {MARKER_VALUE}')")
    known = {MARKER_KEY, "source", "format", "fields", "ignore", "required", "join"}
    unknown = set(doc) - known
    if unknown:
        _fail(path, f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    source = str(doc.get("source") or "").strip()
    if not source:
        _fail(path, "'source:' must name the dataset (it names the record graphs)")
    join = None
    if doc.get("join"):
        j = doc["join"]
        if not isinstance(j, dict) or not j.get("file") or not j.get("key"):
            _fail(path, "'join:' needs 'file:', 'key:' and 'fields:'")
        join = Join(file=str(j["file"]), on=str(j["key"]), fields=_field_specs(path, j.get("fields")),
                    ignore={str(c) for c in j.get("ignore") or []})
    if doc.get("format") not in (None, "csv", "json"):
        _fail(path, f"format {doc['format']!r}: a mapping reads csv or json files")
    required = [str(r) for r in doc.get("required") or []]
    for r in required:
        if r not in FIELDS:
            _fail(path, f"required field {r!r} is not a record field")
    return Mapping(path=path, source=source, fields=_field_specs(path, doc.get("fields")),
                   ignore={str(c) for c in doc.get("ignore") or []}, required=required, join=join,
                   format=doc.get("format"))


# ---- cell parsing -------------------------------------------------------------------------------

_ARTICLES = ("The", "A", "An", "Les", "Le", "La", "L'", "El", "Los", "Las", "Il", "Das", "Der", "Die", "Den",
             "Det", "De", "Het", "Lo", "I", "Gli", "Un", "Une", "Ein", "Eine")
_ARTICLE_RE = re.compile(r"^(?P<rest>.+), (?P<article>" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")
_ML_YEAR = re.compile(r"^(?P<body>.*?)\s*\((?P<year>\d{4})\)\s*$")
_ML_ALT = re.compile(r"^(?P<body>.*\S)\s*\((?P<alt>[^()]+)\)$")


def restore_article(title: str) -> str:
    """``Double Life of Veronique, The`` -> ``The Double Life of Veronique`` (also before a subtitle)."""
    head, sep, tail = title.partition(": ")
    m = _ARTICLE_RE.match(head)
    if not m:
        return title
    article = m.group("article")
    joined = f"{article}{m.group('rest')}" if article.endswith("'") else f"{article} {m.group('rest')}"
    return joined + sep + tail


def movielens_title(text: str) -> dict[str, Any]:
    """``Double Life of Veronique, The (Double Vie de Véronique, La) (1991)``: year, title, alternates."""
    out: dict[str, Any] = {}
    m = _ML_YEAR.match(text)
    body = text.strip()
    if m:
        body, out["year"] = m.group("body"), int(m.group("year"))
    alternates = []
    while True:
        alt = _ML_ALT.match(body)
        if not alt or alt.group("body").count("(") != alt.group("body").count(")"):
            break
        body = alt.group("body")
        name = re.sub(r"^(a\.k\.a\.|aka)\s+", "", alt.group("alt").strip(), flags=re.I)
        alternates.insert(0, restore_article(name))
    out["title"] = restore_article(body.strip())
    if alternates:
        out["alternate_titles"] = alternates
    return out


def _repair(text: str, how: str | None) -> str:
    """Undo a known mis-decoding: ``mac-roman`` turns ``AstÈrix`` back into ``Astérix``."""
    if how != "mac-roman" or text.isascii():
        return text
    try:
        fixed = text.encode("mac_roman").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return fixed


def parse_cell(spec: FieldSpec, raw: Any) -> Any:
    """One cell (or JSON value) to the value its field takes; `Skip` for an empty cell."""
    if raw is None:
        raise Skip
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _repair(" ".join(str(raw).split()), spec.repair)
    if text == "" or text in spec.empty:
        raise Skip
    kind = spec.parse
    if kind == "text":
        return text
    if kind in ("integer", "year", "minutes"):
        m = re.fullmatch(r"(\d+)(\s*min(ute)?s?\.?)?" if kind == "minutes" else r"\d+", text)
        if not m:
            raise CellError(f"{text!r} is not {'a number of minutes' if kind == 'minutes' else 'a whole number'}")
        n = int(m.group(1) if kind == "minutes" else text)
        if kind == "year" and not 1870 <= n <= 2100:
            raise CellError(f"{text!r} is not a year")
        return n
    if kind == "date":
        fmt = spec.format or "%Y-%m-%d"
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            raise CellError(f"{text!r} is not a date in the form {fmt!r}") from None
    if kind == "imdb":
        digits = text[2:] if text.startswith("tt") else text
        if not digits.isdigit():
            raise CellError(f"{text!r} is not an IMDb id")
        return f"tt{int(digits):07d}"
    if kind == "wikidata":
        qid = text.rsplit("/", 1)[-1]
        if not re.fullmatch(r"Q[1-9]\d*", qid):
            raise CellError(f"{text!r} is not a Wikidata id")
        return qid
    if kind == "movielens-title":
        return movielens_title(text)
    raise CellError(f"unknown parse {kind!r}")


def _split(spec: FieldSpec, text: str) -> list[str]:
    if not spec.split:
        return [text]
    parts = [text]
    for sep in spec.split:
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def apply(mapping: Mapping, row: dict[str, Any], joined: dict[str, Any] | None = None
          ) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """One row to a record document, plus (field, column, message) for each cell that would not parse."""
    doc: dict[str, Any] = {}
    problems: list[tuple[str, str, str]] = []
    specs = [(s, row) for s in mapping.fields]
    if mapping.join and joined is not None:
        specs += [(s, joined) for s in mapping.join.fields]
    for spec, source in specs:
        raw = spec.value if spec.column is None else source.get(spec.column)
        try:
            if isinstance(raw, str) and spec.split:
                values = []
                for part in _split(spec, raw):
                    try:
                        values.append(parse_cell(spec, part))
                    except Skip:
                        pass
                if not values:
                    raise Skip
            else:
                values = [parse_cell(spec, raw)]
        except Skip:
            continue
        except CellError as e:
            problems.append((spec.target, spec.column or "", str(e)))
            continue
        _put(doc, spec, values)
    return doc, problems


def _put(doc: dict[str, Any], spec: FieldSpec, values: list[Any]) -> None:
    target, extra = spec.target, spec.extra
    if spec.parse == "movielens-title":
        for key, value in values[0].items():
            if key == "alternate_titles":
                doc.setdefault(key, []).extend(value)
            else:
                doc[key] = value
        return
    if spec.parse == "date" and target == "year":
        doc["year"] = values[0].year
        return
    if target in LIST_FIELDS:
        doc.setdefault(target, []).extend(values)
    elif target in ("ids.imdb", "ids.wikidata", "ids.tmdb"):
        doc.setdefault("ids", {})[target[4:]] = str(values[0])
    elif target == "series":
        doc.setdefault("series", {})["name"] = str(values[0])
    elif target == "series.position":
        doc.setdefault("series", {})["position"] = values[0]
    elif target in TEXT_FIELDS or target in NUMBER_FIELDS:
        doc[target] = values[0]
    elif target == "runtimes":
        for v in values:
            item: dict[str, Any] = {"minutes": v}
            if extra.get("territories"):
                item["territories"] = list(extra["territories"])
            doc.setdefault("runtimes", []).append(item)
    elif target == "certificates":
        for v in values:
            item = {"territory": extra.get("territory"), "value": str(v)}
            if extra.get("body"):
                item["body"] = extra["body"]
            doc.setdefault("certificates", []).append(item)
    elif target == "releases":
        for v in values:
            item = {"territory": extra.get("territory"), "medium": extra.get("medium", "cinema"),
                    "date": v.isoformat() if isinstance(v, datetime.date) else None}
            if extra.get("limited"):
                item["limited"] = True
            doc.setdefault("releases", []).append(item)
    elif target == "distributors":
        for v in values:
            doc.setdefault("distributors", []).append({"territory": extra.get("territory"), "name": str(v)})


def load_join(mapping: Mapping, data_path: str) -> dict[str, dict[str, str]]:
    """The joined file's rows by key; its path is relative to the data file, not the mapping."""
    assert mapping.join is not None
    path = os.path.join(os.path.dirname(data_path), mapping.join.file)
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except OSError as e:
        raise InputError(f"cannot read the file the mapping joins ({mapping.join.file}): {e.strerror}",
                         path=path) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 at byte {e.start}", path=path) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if mapping.join.on not in (reader.fieldnames or []):
        raise InputError(f"join column {mapping.join.on!r} not in the header", path=path, line=1)
    return {row[mapping.join.on]: row for row in reader}
