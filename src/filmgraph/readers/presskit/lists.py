"""Cast, crew and filmography lists: two columns (leaders, tabs, spaces, dashes, table cells, `as`),
with the actor's side decided on evidence and said in a warning when the evidence is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit.fields import table_cells, unmark
from filmgraph.readers.presskit.vocab import key, vocab

_COLUMNS = re.compile(r"\s*\.{3,}\s*|\t+\s*|\s{2,}|\s+[—–]\s+|\s+-\s+|\s*:\s+")
_AS = re.compile(r"^(?P<left>.+?)\s+(?:as|als|dans le rôle de)\s+(?P<right>.+)$")
_FILMOGRAPHY = (
    re.compile(r"^(?P<y>1[89]\d\d|20\d\d)\s*(?:[–—-]|\t|\s)\s*(?P<t>.+)$"),
    re.compile(r"^(?P<t>.+?)\s*\((?P<y>1[89]\d\d|20\d\d)\)(?P<rest>.*)$"),
)
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_ROLES_SPLIT = re.compile(r"\s+/\s+|\s+&\s+")


@dataclass(slots=True)
class Pair:
    line: int
    left: str
    right: str
    declared: str | None = None
    """`actor-first`/`character-first` when the row itself says (`X as Y`, a table header)."""


def pairs(lines: list[tuple[int, str]]) -> tuple[list[Pair], list[tuple[int, str]], str | None]:
    """Two-column rows, the lines that are not rows, and the order a table header declares."""
    rows: list[Pair] = []
    other: list[tuple[int, str]] = []
    declared: str | None = None
    for no, raw in lines:
        text = unmark(raw).replace("**", "").strip()
        if not text or set(text) <= set("+-=|_ "):
            continue
        cells = table_cells(raw)
        if cells is not None:
            cells = [c for c in cells if c]
            if len(cells) >= 2:
                heads = [key(c) for c in cells[:2]]
                v = vocab()
                if heads[0] in v.actor_columns and heads[1] in v.character_columns:
                    declared = "actor-first"
                    continue
                if heads[0] in v.character_columns and heads[1] in v.actor_columns:
                    declared = "character-first"
                    continue
                rows.append(Pair(no, cells[0], cells[1]))
            elif cells:
                rows.append(Pair(no, cells[0], ""))
            continue
        if m := _AS.match(text):
            rows.append(Pair(no, m["left"], m["right"], "actor-first"))
            continue
        parts = [p for p in _COLUMNS.split(text, maxsplit=1) if p.strip()]
        if len(parts) == 2:
            rows.append(Pair(no, parts[0].strip(), parts[1].strip()))
        else:
            other.append((no, text))
    return rows, other, declared


def orientation(rows: list[Pair], declared: str | None, actors: set[str], characters: set[str]) -> tuple[str, str]:
    """`actor-first` or `character-first`, and the evidence: a header, `as`, or names the kit gives elsewhere."""
    if declared:
        return declared, "the column header"
    if rows and all(r.declared for r in rows):
        return rows[0].declared, "`as` in every row"
    left = right = 0
    for r in rows:
        left += (fold(r.left) in actors) + (fold(_first_character(r.right)) in characters) + _descriptive(r.right)
        right += (fold(r.right) in actors) + (fold(_first_character(r.left)) in characters) + _descriptive(r.left)
    if left > right:
        return "actor-first", "names the prose or header gives as actors and characters"
    if right > left:
        return "character-first", "names the prose or header gives as actors and characters"
    return "", ""


def _descriptive(text: str) -> int:
    """1 when a column value reads as a character description (`le commissaire`, `Octavio's mother`)."""
    first = text.split()[0] if text.split() else ""
    return int(bool(first) and (first[:1].islower() or "'s " in text))


def _first_character(text: str) -> str:
    return characters_in(text)[0] if characters_in(text) else text


def characters_in(text: str) -> list[str]:
    """`The Faun / The Pale Man` -> two; `Gilberte Doinel, la mère` -> `Gilberte Doinel`; `(voice)` dropped."""
    text = _TRAILING_NOTE.sub("", text.strip())
    found: list[str] = []
    for part in _ROLES_SPLIT.split(text):
        part = part.split(",", 1)[0].strip().strip("*").strip()
        if part:
            found.append(nfc(part))
    return found


def filmography_entry(text: str) -> tuple[str, int] | None:
    """`2002 – Bloody Sunday (also writer)`, `1961\\tThe Colossus of Rhodes`, `*Cronos* (1993)` as (title, year)."""
    text = unmark(text).strip()
    for pattern in _FILMOGRAPHY:
        if m := pattern.match(text):
            title = m["t"]
            while (stripped := _TRAILING_NOTE.sub("", title)) != title:
                title = stripped
            title = title.replace("*", "").replace("_", " ").strip(" –—-")
            if title:
                return nfc(title), int(m["y"])
    return None
