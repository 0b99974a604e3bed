"""One line as `label` + `value`, whatever the layout: `Label: value`, `Label ..... value`, tab or
space columns, `Label — value`, Markdown `**Label:** value` and bullets, and `| a | b |` table rows.

The label's field comes from vocab/labels.csv; labels that start with territories and media
(`USA DVD Release Date`, `UK Certificate`) are read by `classify`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filmgraph.readers.presskit import values
from filmgraph.readers.presskit.vocab import key, vocab

_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+\.)\s+")
_BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*]+?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*)$")
_SEPARATORS = re.compile(r"\s*\.{3,}\s*|\t+\s*|\s*:\s+|\s*:$|\s+[—–]\s+|\s{2,}|\s+-\s+")
_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*[|+][\s|+:=-]*$")
_BOX_ROW = re.compile(r"^\s*[+|][-=+]+[+|]?\s*$")


@dataclass(slots=True)
class Field:
    label: str
    value: str
    separator: str


def unmark(text: str) -> str:
    """A Markdown line without bullets, emphasis and hard-break spaces."""
    text = _BULLET.sub("", text.rstrip())
    return text


def split_field(text: str) -> Field | None:
    """The label and value of a field line, or None when the line has no separator."""
    text = unmark(text).strip()
    if m := _BOLD_LABEL.match(text):
        return Field(m["label"].strip(), m["value"].strip().strip("*").strip(), ":")
    text = text.replace("**", "")
    for m in _SEPARATORS.finditer(text):
        label = text[: m.start()].strip()
        if not label:
            continue
        value = text[m.end():].strip()
        return Field(label, value, m.group().strip() or " ")
    return None


def table_cells(text: str) -> list[str] | None:
    """The cells of a `| a | b |` row (None for a rule row or another line)."""
    if _TABLE_RULE.match(text) or _BOX_ROW.match(text):
        return None
    m = _TABLE_ROW.match(text)
    if not m:
        return None
    return [c.strip().strip("*").strip() for c in m["cells"].split("|")]


def is_table_rule(text: str) -> bool:
    return bool(_TABLE_RULE.match(text) or _BOX_ROW.match(text)) and "|" in text or bool(_BOX_ROW.match(text))


@dataclass(slots=True)
class Label:
    """A classified label: `field` (from vocab), the territories and media it starts with."""

    field: str
    territories: list[str]
    media: list[str]


_RELEASE_TAIL = ("release date", "release", "released", "opening date", "sortie", "kinostart")


def classify(label: str) -> Label | None:
    """`UK Certificate` -> certificate [GB]; `USA Video & DVD Release Date` -> release [US] [dvd]; `USA` -> bare [US]."""
    v = vocab()
    if key(label) in v.labels:
        return _with_territory(v.labels[key(label)], [], [])
    name = key(re.sub(r"\([^)]*\)", lambda m: " " + m[0][1:-1] + " ", label))
    if name in v.labels:
        return _with_territory(v.labels[name], [], [])
    if (terrs := values.territories(name)) is not None:
        return Label("territory", terrs, [])
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
            return Label("territory", terrs, media)
        for end in range(len(tail) - 1, -1, -1):
            medium, kind = " ".join(tail[:end]), " ".join(tail[end:])
            if v.labels.get(kind) == "release" and (media := values.media(medium) if medium else ["cinema"]):
                return Label("release", terrs, media)
    for end in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:end]), " ".join(words[end:])
        if v.labels.get(head) == "release" and (media := values.media(tail)):
            return Label("release", [], media)
    return None


def _with_territory(field: str, terrs: list[str], media: list[str]) -> Label:
    if ":" in field:
        field, code = field.split(":", 1)
        terrs = terrs or [code]
    if field == "release":
        media = media or ["cinema"]
    return Label(field, terrs, media)
