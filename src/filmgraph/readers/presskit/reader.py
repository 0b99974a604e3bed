"""One pass over one press kit: sections -> header fields, lists and prose -> one `FilmRecord`.

Every fact is stored with its line (`record.lines`) and how it was read (`record.rules`); what the
reader cannot place becomes a note and a warning; a title the evidence does not settle, or a
missing title or year, refuses the record with the lines tried.
"""

from __future__ import annotations

import re

from filmgraph.errors import InputError
from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit import prose
from filmgraph.readers.presskit.fields import unmark
from filmgraph.readers.presskit.films import FilmsAndSeries
from filmgraph.readers.presskit.header import HeaderFields
from filmgraph.readers.presskit.people import People
from filmgraph.readers.presskit.sections import Line, Section, split
from filmgraph.readers.presskit.title import TitleEvidence
from filmgraph.record import CastMember, Character, FilmRecord, Note, ReaderWarning, Source

_QUOTED = re.compile(r"^[\"“«„'‘].*[\"”»“'’]\s*(?:[–—-].*)?$")
_FIELD_KINDS = frozenset({"crew", "technical", "release", "certificates", "glance"})


class Reader(HeaderFields, TitleEvidence, People, FilmsAndSeries):
    """One pass over one press kit; holds the record being built and its warnings."""

    def __init__(self, path: str, text: str, markdown: bool):
        self.path = path
        self.lines = text.split("\n")
        self.markdown = markdown
        self.record = FilmRecord(title="", source=Source(path=path, kind="presskit"))
        self.warnings: list[ReaderWarning] = []
        self.seen: dict[str, int] = {}
        self.header_roles: set[str] = set()
        self.box_sets: list[tuple[str, int]] = []
        self.title_block: list[tuple[str, int, str]] = []
        self.paragraphs: list[tuple[str, int, str]] = []
        self.cast_lines: list[tuple[int, str]] = []
        self.filmography: list[tuple[int, str]] = []
        self.unplaced_releases: list[tuple[list[str], str, int, str]] = []
        self.unplaced_distributors: list[tuple[str, int]] = []
        self.last_field: tuple[str, int] | None = None
        self.cast_index: dict[str, CastMember] = {}
        self.character_index: dict[str, list[Character]] = {}
        self.implied: dict[int, str | None] = {}

    def read(self) -> None:
        sections = split(self.lines, self.markdown)
        for section in sections:
            self._section(section)
        self._cast_list()
        self._decide_title()
        self._place_territoryless()
        self._prose()
        self._filmography()
        if self.record.year is None:
            self._year_from_elsewhere()
        if self.record.year is None:
            tried = ", ".join(str(n) for n in sorted(self.seen.values())[:5]) or "none"
            raise InputError(f"the film has no year: no Year label (or Année, Produktionsjahr) was found "
                             f"(label lines read: {tried})", path=self.path)

    def _rule(self, field: str, line: int, rule: str) -> None:
        self.record.lines.setdefault(field, line)
        self.record.rules.setdefault(field, rule)

    def _note(self, text: str, line: int, why: str = "could not place") -> None:
        self.record.notes.append(Note(text, line))
        self.warnings.append(ReaderWarning(self.path, line, f"{why} {text!r}; kept as a note"))

    def _warn(self, line: int, message: str) -> None:
        self.warnings.append(ReaderWarning(self.path, line, message))

    def _once(self, key_: str, label: str, line: int) -> None:
        if key_ in self.seen:
            raise InputError(f"duplicate {label!r} label on lines {self.seen[key_]} and {line}", path=self.path, line=line)
        self.seen[key_] = line

    def _fail(self, message: str, line: int) -> None:
        raise InputError(f"{message} (line {line}: {self.lines[line - 1].strip()!r})", path=self.path, line=line)

    def _section(self, section: Section) -> None:
        where = section.heading.upper() if section.heading else "title block"
        kind = section.kind
        if kind in ("press", "critics"):
            return
        if kind == "cast":
            self.cast_lines.extend((ln.no, ln.text) for ln in section.lines if ln.text.strip())
            return
        if kind == "filmography":
            self.filmography.extend((ln.no, ln.text) for ln in section.lines if ln.text.strip())
            return
        if kind == "festivals":
            for ln in section.lines:
                if text := unmark(ln.text).strip().replace("**", ""):
                    self.record.awards.append(nfc(text))
                    self._rule(f"awards[{len(self.record.awards) - 1}]", ln.no, f"{where} section: one award per line")
            return
        for block in section.blocks():
            if kind in _FIELD_KINDS or self._field_block(block):
                self._field_block_lines(block, section, where)
            elif kind == "front" and (not self._prose_block(block) or self._credit_block(block)
                                      or (len(block) <= 4 and self._caps_line(block[0].text))):
                self._title_block(block)
            else:
                text = "\n".join(unmark(ln.text).strip() for ln in block)
                if _QUOTED.match(text.strip()) and len(block) <= 2:
                    continue
                self.paragraphs.append((text, block[0].no, kind))

    @staticmethod
    def _prose_block(block: list[Line]) -> bool:
        words = " ".join(ln.text for ln in block).split()
        if len(words) < 4:
            return False
        lower = sum(1 for w in words if w[0].islower())
        if words[-1].endswith((".", "!", "?")) and lower:
            return True
        return len(words) >= 12 and lower >= len(words) / 4

    def _prose(self) -> None:
        runs = self.runs
        for text, start, kind in self.paragraphs:
            if kind != "director":
                self._roles(text, start)
        known = frozenset(fold(m.actor) for m in self.record.cast)
        for text, start, kind in self.paragraphs:
            self._characters(text, start, known)
            self._also_plays(text, start)
        own_key = fold(prose._short(self.record.title))
        own = self.own
        if own is None:
            own = next((r for r in runs if prose.names_title(r.text, self.record.title)), None)
        self._films(runs, own)
        self._series(runs, own_key)
        self._unread(runs, own_key)
