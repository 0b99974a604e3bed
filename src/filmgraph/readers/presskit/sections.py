"""A press kit's lines grouped into sections and blank-line blocks.

Headings are recognised by form — Markdown `#`, `=== X ===`, a line underlined or boxed with
`---`/`===`/`~~~`/`___` — or, for a plain line in capitals or Title Case, by name (vocab/sections.csv).
Everything before the first heading is the `front` section: the title block and, in the compact
layout, the whole header and prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from filmgraph.readers.presskit.vocab import key, vocab

_RULE = re.compile(r"^\s*(?:([=\-_~*#+])\s*)\1{2,}[\s=\-_~*#+]*$|^\s*(?:\*\s*){3,}$")
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_BANNER = re.compile(r"^\s*={2,}\s*(?P<text>[^=].*?)\s*={2,}\s*$")
_SMALL = frozenset("a an the and or of in on at to for by with de du des la le les et der die das und von über".split())


@dataclass(slots=True)
class Line:
    no: int
    text: str


@dataclass(slots=True)
class Section:
    kind: str
    heading: str | None
    line: int | None
    lines: list[Line] = field(default_factory=list)
    markdown_level: int = 0

    def blocks(self) -> list[list[Line]]:
        """Blank-line separated runs of lines."""
        out: list[list[Line]] = []
        block: list[Line] = []
        for line in self.lines:
            if line.text.strip():
                block.append(line)
            elif block:
                out.append(block)
                block = []
        if block:
            out.append(block)
        return out


def is_rule(text: str) -> bool:
    return bool(_RULE.match(text))


def section_kind(heading: str) -> str | None:
    """The kind of a heading's section by its name, or None for a name vocab/sections.csv lacks."""
    v = vocab()
    name = key(heading)
    if name in v.sections:
        return v.sections[name]
    for sep in (" - ", " – ", " — ", ": ", " ("):
        head = key(heading.split(sep, 1)[0]) if sep in heading else None
        if head and head in v.sections:
            return v.sections[head]
    for prefix, kind in v.section_prefixes:
        if name.startswith(prefix):
            return kind
    return None


def _heading_shaped(text: str) -> bool:
    """A short line in capitals or Title Case, optionally ending in a colon."""
    words = text.strip().rstrip(":").split()
    if not 1 <= len(words) <= 7:
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return True
    return all(w[:1].isupper() or w.casefold() in _SMALL or not w[:1].isalpha() for w in words)


def split(lines: list[str], markdown: bool) -> list[Section]:
    """Sections in document order; the first is `front` (possibly empty)."""
    sections = [Section("front", None, None)]
    n = len(lines)
    skip: set[int] = set()
    for i, raw in enumerate(lines):
        if i in skip:
            continue
        stripped = raw.strip()
        heading: str | None = None
        level = 0
        if not stripped:
            sections[-1].lines.append(Line(i + 1, raw))
            continue
        if ": " in stripped and stripped[0] not in "#=" and not (i + 1 < n and lines[i + 1][:1] in "-=~_"):
            sections[-1].lines.append(Line(i + 1, raw))
            continue
        if m := _MD_HEADING.match(stripped):
            if markdown or len(m["hashes"]) <= 3:
                heading, level = m["text"], len(m["hashes"])
        elif m := _BANNER.match(stripped):
            heading = m["text"]
        elif stripped and not is_rule(stripped) and i + 1 < n and is_rule(lines[i + 1]) and len(stripped) <= 80 \
                and (i == 0 or not lines[i - 1].strip() or is_rule(lines[i - 1])) and ":" not in stripped[:-1]:
            heading = stripped
            skip.add(i + 1)
        elif stripped and ":" not in stripped.rstrip(":") and _heading_shaped(stripped) and (i == 0 or not lines[i - 1].strip() or is_rule(lines[i - 1])) \
                and section_kind(stripped) is not None:
            heading = stripped
        if heading is not None and level == 1 and markdown and len(sections) == 1 and not sections[0].heading:
            sections[0].lines.append(Line(i + 1, raw))
            sections[0].markdown_level = 1
            continue
        if heading is not None:
            kind = section_kind(heading) or "other"
            sections.append(Section(kind, heading.strip().rstrip(":"), i + 1, markdown_level=level))
            continue
        if is_rule(stripped) and stripped:
            sections[-1].lines.append(Line(i + 1, ""))
            continue
        sections[-1].lines.append(Line(i + 1, raw))
    return sections
