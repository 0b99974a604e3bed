"""One line as `label` + `value`, whatever the layout: `Label: value`, `Label ..... value`, tab or
space columns, `Label — value`, Markdown `**Label:** value` and bullets, and `| a | b |` table rows.

The label's field comes from vocab/labels.csv; labels that start with territories and media
(`USA DVD Release Date`, `UK Certificate`) are read by `classify`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from filmgraph.readers.presskit import values
from filmgraph.readers.presskit.vocab import key, vocab

BRACKETS = re.compile(r"\(([^()]*)\)")
WRAPPED = re.compile(r"^[(*_\[](?P<t>.+?)[)*_\]]$")
"""A line wholly in brackets or Markdown emphasis: `(C'era una volta il West)`, `*El laberinto del fauno*`."""
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+\.)\s+")
_BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*]+?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*)$")
_SEPARATORS = re.compile(r"\s*\.{3,}\s*|\t+\s*|\s*:\s+|\s*:$|\s+[—–]\s+|\s{2,}|\s+-\s+")
_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*[|+][\s|+:=-]*$")
_BOX_ROW = re.compile(r"^\s*[+|][-=+]+[+|]?\s*$")


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str
    separator: str


def unmark(text: str) -> str:
    """A Markdown line without its bullet and trailing hard-break spaces."""
    text = text.rstrip()
    first = text.lstrip()[:1]
    return _BULLET.sub("", text) if first and (first in "-*•+" or first.isdigit()) else text


_FIRST_SEPARATOR = re.compile(r"\.\.\.|\t|:(?=\s|$)| – | — |  | - ")
"""Where a separator may begin: `...`, a tab, a colon before white space or at the end, a spaced dash, two spaces."""


@lru_cache(maxsize=8192)
def split_field(text: str) -> Field | None:
    """The label and value of a field line, or None when the line has no separator.

    The earliest separator wins: `Director: X`, `Director ..... X`, `Director\tX`, `Director — X`,
    `Director   X` (columns), `Director - X`.
    """
    text = unmark(text).strip()
    if text.startswith("**") and (m := _BOLD_LABEL.match(text)):
        return Field(m["label"].strip(), m["value"].strip().strip("*").strip(), ":")
    if "**" in text:
        text = text.replace("**", "")
    found = _FIRST_SEPARATOR.search(text, 1)
    if found is None:
        return None
    first = found.start()
    m = _SEPARATORS.match(text, max(0, first - 1)) or _SEPARATORS.search(text, first)
    if m is None:
        return None
    label = text[: m.start()].strip()
    if not label:
        return None
    return Field(label, text[m.end():].strip(), m.group().strip() or " ")


def table_cells(text: str) -> list[str] | None:
    """The cells of a `| a | b |` row (None for a rule row or another line)."""
    if "|" not in text:
        return None
    if _TABLE_RULE.match(text) or _BOX_ROW.match(text):
        return None
    m = _TABLE_ROW.match(text)
    if not m:
        return None
    return [c.strip().strip("*").strip() for c in m["cells"].split("|")]


def is_table_rule(text: str) -> bool:
    return bool(_TABLE_RULE.match(text) or _BOX_ROW.match(text)) and "|" in text or bool(_BOX_ROW.match(text))


@dataclass(frozen=True, slots=True)
class Label:
    """A classified label: `field` (from vocab), the territories and media it starts with."""

    field: str
    territories: tuple[str, ...]
    media: tuple[str, ...]


_RELEASE_TAIL = ("release date", "release", "released", "opening date", "sortie", "kinostart")


@lru_cache(maxsize=8192)
def classify(label: str) -> Label | None:
    """`UK Certificate` -> certificate [GB]; `USA Video & DVD Release Date` -> release [US] [dvd]; `USA` -> bare [US]."""
    v = vocab()
    if key(label) in v.labels:
        return _with_territory(v.labels[key(label)], [], [])
    name = key(re.sub(r"\([^)]*\)", lambda m: " " + m[0][1:-1] + " ", label))
    if name in v.labels:
        return _with_territory(v.labels[name], [], [])
    if (terrs := values.territories(name)) is not None:
        return Label("territory", tuple(terrs), ())
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), words[cut:]
        terrs = values.territories(head)
        if terrs is None:
            continue
        rest = " ".join(tail)
        if rest in v.labels:
            return _with_territory(v.labels[rest], terrs, [])
        if (media := values.media(rest)) is not None:
            return Label("territory", tuple(terrs), tuple(media))
        for end in range(len(tail) - 1, -1, -1):
            medium, kind = " ".join(tail[:end]), " ".join(tail[end:])
            if v.labels.get(kind) == "release" and (media := values.media(medium) if medium else ["cinema"]):
                return Label("release", tuple(terrs), tuple(media))
    for end in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:end]), " ".join(words[end:])
        if v.labels.get(head) == "release" and (media := values.media(tail)):
            return Label("release", (), tuple(media))
    return None


def _with_territory(field: str, terrs: list[str], media: list[str]) -> Label:
    if ":" in field:
        field, code = field.split(":", 1)
        terrs = terrs or [code]
    if field == "release":
        media = media or ["cinema"]
    return Label(field, tuple(terrs), tuple(media))
