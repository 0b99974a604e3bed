"""SPARQL query text: the one way to check an IRI, escape a string, bind values and tell a query's form.

The SPARQL 1.1 protocol has no bound parameters, so a value reaches a remote server's query text
as a term: an IRI checked against what the grammar allows between angle brackets, or a string
escaped the way N-Triples escapes it (a subset of SPARQL's escapes, so the same text serves
N-Triples bodies, content hashes and queries). Values are joined into a query as a VALUES block.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from filmgraph.errors import QueryError, UsageError

# Characters IRIREF forbids (SPARQL 1.1 grammar rule 139; N-Triples the same).
BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IRI_REF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WHERE = re.compile(r"where\b", re.IGNORECASE)
_FORM = re.compile(r"(select|construct|describe|ask)\b", re.IGNORECASE)
_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.DOTALL)


def is_iri(value: str) -> bool:
    """An absolute IRI that can stand between angle brackets in SPARQL and N-Triples."""
    return bool(_SCHEME.match(value)) and not BAD_IRI.search(value)


def iri(value: str) -> str:
    """`<value>`, or a QueryError when `value` would break out of the brackets."""
    if not is_iri(value):
        raise QueryError(f"refusing to put {value!r} into a query as an IRI")
    return f"<{value}>"


def _escape(match: re.Match) -> str:
    c = match[0]
    return _ESCAPES.get(c) or f"\\u{ord(c):04X}"


def escape(text: str) -> str:
    """String content as N-Triples writes it (and pyoxigraph's `str()`): quotes, backslashes and
    control characters escaped; valid inside a SPARQL string literal too."""
    return _NEEDS_ESCAPE.sub(_escape, text) if _NEEDS_ESCAPE.search(text) else text


def literal(text: str, language: str | None = None) -> str:
    """A string literal, optionally language-tagged, every special character escaped."""
    return f'"{escape(text)}"@{language}' if language else f'"{escape(text)}"'


def values_clause(bindings: Mapping[str, Any]) -> str:
    """`VALUES (?a ?b) { (term term) }`; terms print as N-Triples, which escapes quotes and newlines.
    A variable bound to a list of terms gives one row per term (each an index lookup)."""
    names = sorted(bindings)
    for name in names:
        if not _NAME.fullmatch(name):
            raise UsageError(f"{name!r} is not a SPARQL variable name")
    choices = [bindings[n] if isinstance(bindings[n], (list, tuple)) else (bindings[n],) for n in names]
    variables = " ".join(f"?{n}" for n in names)
    rows = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in itertools.product(*choices))
    return f"VALUES ({variables}) {{ {rows} }}"


def _skeleton(sparql: str) -> Iterator[tuple[int, str]]:
    """Positions and characters of the query outside comments, strings and IRIs (which may hold braces)."""
    i, n = 0, len(sparql)
    while i < n:
        c = sparql[i]
        if c == "#":
            end = sparql.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'":
            quote = c * 3 if sparql.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRI_REF.match(sparql, i)
            if m:
                i = m.end()
                continue
        yield i, c
        i += 1


@lru_cache(maxsize=1024)
def where_brace(sparql: str) -> int | None:
    """Offset just past the `{` that opens the outermost WHERE group, or None for `CONSTRUCT WHERE {}`
    (whose group doubles as the template and may hold triples only). Remembered: a named query's
    values are joined in at the same place every time."""
    depth = 0
    form = None
    first_brace = None
    after_where = False
    prev = " "
    for i, c in _skeleton(sparql):
        if c == "{":
            if depth == 0:
                if after_where:
                    return i + 1
                if first_brace is None:
                    first_brace = i + 1
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and not (prev.isalnum() or prev in "_?$:"):
            if form is None:
                m = _FORM.match(sparql, i)
                if m:
                    form = m.group(1).lower()
            m = _WHERE.match(sparql, i)
            if m and sparql[m.end():m.end() + 1] != ":":
                if form == "construct" and first_brace is None:
                    return None
                after_where = True
        prev = c
    if form == "construct" or after_where:
        return None
    return first_brace


def inject_values(sparql: str, bindings: Mapping[str, Any] | None) -> str:
    """The query with `bindings` joined into its outermost WHERE group, on the same line so that
    positions before the insertion point still match the file; appended as the trailing
    ValuesClause when there is no group to put it in."""
    if not bindings:
        return sparql
    clause = values_clause(bindings)
    at = where_brace(sparql)
    if at is None:
        return f"{sparql.rstrip()}\n{clause}\n"
    return f"{sparql[:at]} {clause} {sparql[at:]}"


_SERVICE = re.compile(r"service\b", re.IGNORECASE)
_SILENT = re.compile(r"\s+(silent\b)", re.IGNORECASE)


def _service_at(text: str) -> list[int]:
    """Offsets of the SERVICE keyword in `text`, outside comments, strings and IRIs."""
    found = []
    previous = " "
    for i, c in _skeleton(text):
        if c in "sS" and not (previous.isalnum() or previous in "_:?$") and _SERVICE.match(text, i):
            found.append(i)
        previous = c
    return found


def uses_service(text: str) -> bool:
    """True when the query calls another endpoint (SERVICE): on the local store it is refused unless
    asked for, so that a query never makes outside requests unannounced."""
    return bool(_service_at(text))


def inert_service(text: str) -> str:
    """The query with each `SERVICE [SILENT]` read as `GRAPH`, space-padded so that every line and
    column stays put: the same grammar, checked on an empty store without a request leaving."""
    out = list(text)
    for at in _service_at(text):
        out[at:at + 7] = "GRAPH  "
        m = _SILENT.match(text, at + 7)
        if m:
            out[m.start(1):m.end(1)] = " " * 6
    return "".join(out)


@lru_cache(maxsize=4096)
def query_form(text: str, source: str = "the query") -> str:
    """`select`, `ask` or `graph` (CONSTRUCT/DESCRIBE), by parsing the query against an empty store;
    a syntax error names `source`, line and column. Remembered per text: parsing costs about as
    much as a point query. SERVICE is made inert (`inert_service`), so the check never calls out."""
    try:
        result = ox.Store().query(inert_service(text))
    except SyntaxError as e:
        message = str(e)
        m = _POSITION.match(message)
        if m:
            detail = " ".join(m.group(3).split())
            if len(detail) > 160:  # the parser lists every character class it would have taken
                detail = detail[:157] + "..."
            line, column = _clamp(text, int(m.group(1)), int(m.group(2)))
            raise QueryError(f"{source}:{line}:{column}: {detail}") from None
        raise QueryError(f"{source}: {message}") from None
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(result, ox.QuerySolutions) else "graph"


def _clamp(text: str, line: int, column: int) -> tuple[int, int]:
    """The parser reports the furthest point it reached, which may be past the trailing blank lines:
    point at the end of the last line with text instead."""
    lines = text.splitlines()
    tail = "\n".join(lines[line - 1:])[column - 1:] if line <= len(lines) else ""
    if tail.strip():
        return line, column
    while lines and not lines[-1].strip():
        lines.pop()
    return (len(lines), len(lines[-1].rstrip()) + 1) if lines else (line, column)
