"""Press-kit reader: a `Label: value` header, a blank line, then prose, into one `FilmRecord`.

The header is parsed by grammar (labels vary between kits); the prose is mined for the title,
writer-directors, characters, the director's other films and series membership. Every header
line the reader cannot place becomes a note and a warning; nothing is dropped. See docs/records.md.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from filmgraph import codes
from filmgraph.errors import InputError
from filmgraph.identity import fold, nfc
from filmgraph.readers.text import cite_pages, extract_text
from filmgraph.record import (
    CastMember,
    Certificate,
    Character,
    Distributor,
    FilmRecord,
    Note,
    ReaderWarning,
    RelatedFilm,
    Release,
    Runtime,
    SeriesRef,
    Source,
)

__all__ = ["read_presskit"]

# ---------------------------------------------------------------- header grammar

_LABEL_LINE = re.compile(r"^(?P<label>[^:]+?)\s*:\s*(?P<value>.*)$")
_YEAR_VALUE = re.compile(r"^(\d{4})$")
_DIRECTORS_LABEL = re.compile(r"^(?:directors?|director\(s\)|directed by)$")
_WRITERS_LABEL = re.compile(r"^(?:writers?|writer\(s\)|written by|screenplay(?: by)?)$")
_CAST_LABEL = re.compile(r"^(?:cast|starring)$")
_COUNTRIES_LABEL = re.compile(r"^(?:country|countries|country\(ies\)|countr(?:y|ies) of origin)$")
_LANGUAGES_LABEL = re.compile(r"^(?:languages?|language\(s\))$")
_YEAR_LABEL = re.compile(r"^(?:year|production year)$")
_TITLE_LABEL = re.compile(r"^(?:title|film title)$")
_RUNTIME_WORDS = r"(?:running time|run time|runtime|duration|length)"
_RUNTIME_LABEL = re.compile(rf"^{_RUNTIME_WORDS}$")
_TERRITORY_RUNTIME_LABEL = re.compile(rf"^(?P<terr>.+?)\s+{_RUNTIME_WORDS}$")
_CERTIFICATE_LABEL = re.compile(r"^(?P<terr>.+?)\s+(?:certificate|certification|cert|rating|classification)$")
_RELEASE_LABEL = re.compile(r"^(?P<head>.+?)\s+(?:release date|release|released|opening date)$")
_DISTRIBUTOR_LABEL = re.compile(r"^(?P<terr>.+?)\s+distributors?$")

_PEOPLE_SPLIT = re.compile(r"\s*(?:,|/|\s&\s|\s+and\s+)\s*")
_CAST_SPLIT = re.compile(r"\s*,\s*")
_AND_PREFIX = re.compile(r"^(?:and|&)\s+", re.I)
_TERRITORY_SPLIT = re.compile(r"\s*(?:,|/|&)\s*")
_AND_SPLIT = re.compile(r"\s+and\s+", re.I)
_CAST_CHARACTER = re.compile(r"^(?P<actor>.+?)\s*(?:\((?P<paren>[^()]+)\)|\s+as\s+(?P<as>.+))$")

_BRACKETS = re.compile(r"\(([^()]*)\)")
_SUBTITLE_WORD = re.compile(r"\bsubtitle[sd]?\b", re.I)
_WITH_SUBTITLES = re.compile(r"[,;]?\s*\bwith\s+(?P<langs>.+?)\s+subtitles?\b\.?", re.I)

_RUNTIME_INTENT = re.compile(r"^\d+\s*(?:$|[:'′]|m|h)|\b(?:mins?|minutes?|hrs?|hours?)\.?$", re.I)
_RUNTIME_MINUTES = re.compile(r"^(?P<m>\d+)\s*(?:m|mins?|minutes?)?\.?$", re.I)
_RUNTIME_HOURS = re.compile(
    r"^(?P<h>\d+)\s*(?:h|hrs?|hours?)\.?(?:\s*(?P<m>\d+)\s*(?:m|mins?|minutes?)?\.?)?$", re.I
)
_RUNTIME_CLOCK = re.compile(r"^(?P<h>\d+):(?P<m>\d{2})$")

_CERT_VALUE = re.compile(r"^(?P<value>\S+?)[.,;]?(?:\s+(?P<advice>.*))?$")
_ADVICE_PREFIX = re.compile(r"^(?:for\s+|[-–—:]\s*)", re.I)

_MEDIA = {
    "cinema": "cinema", "theatrical": "cinema", "theatre": "cinema", "theater": "cinema",
    "dvd": "dvd", "blu-ray": "bluray", "bluray": "bluray", "blu ray": "bluray", "bd": "bluray",
    "streaming": "streaming", "vod": "streaming", "digital": "streaming",
    "tv": "television", "television": "television",
}
_MEDIA_SPLIT = re.compile(r"\s*(?:/|&|\s+and\s+|,)\s*")
_TBC = re.compile(r"^(?:tbc|tba|tbd|to be confirmed|to be announced|to be determined)\.?$", re.I)
_LIMITED = re.compile(r"^limited(?:\s+release)?(?:\s*[-–—:,]\s*(?P<city>.+))?$", re.I)
_BOX_SET_SERIES = re.compile(r"^(?:the\s+)?(?P<name>.+?)\s+(?:trilogy|series|saga|quadrilogy|collection|box set)$", re.I)

_MONTHS = {
    name: i + 1
    for i, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    ])
    for name in names
}
_DATE_DMY_WORDS = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d{4})$")
_DATE_MDY_WORDS = re.compile(r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$")
_DATE_DMY_NUM = re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$")
_DATE_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")

# ---------------------------------------------------------------- prose cues

_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_POSSESSIVE = re.compile(r"^(.+)['’]s$")
_RUN_GAP = re.compile(r"\s+|\s*:\s+|\s*&\s*|\s+[-–]\s+")
_PAREN_YEAR = re.compile(r"\s*\((?P<y>1[89]\d\d|20\d\d)\)")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+")
_STORY_CUE = re.compile(r"\b(?:tells the story|is the story|the story of|follows|centres on|centers on)\b", re.I)
_SERIES_CUE = re.compile(r"\b(?:trilogy|instal+ments?|sequels?|prequels?|series|saga|franchise|quadrilogy)\b", re.I)
_SERIES_AFTER = re.compile(r"^\s+(?:films|movies|series|trilogy|saga|franchise|quadrilogy|cycle)\b", re.I)
_ORDINAL = re.compile(
    r"\b(?:(?P<num>\d+)(?:st|nd|rd|th)|(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth))\b"
    r"(?P<between>(?:[\s,]+(?:and\s+)?[a-z]+){0,3}?)[\s,]+"
    r"(?P<noun>instal+ments?|parts?|chapters?|episodes?|entry|entries|sequels?|films?|features?|movies?|pictures?)\b",
    re.I,
)
_ORDINAL_GAP = re.compile(r"^(?:\s+of\s+(?:the|a|this|his|her|their)\s+[a-z]+)?\s*[,—–-]?\s*$")
_APPOSITION = re.compile(r"^\s*,\s+(?:the|its|his|her|their)\s+")
_STRONG_SERIES_NOUN = re.compile(r"^(?:instal+ments?|parts?|chapters?|episodes?|entry|entries|sequels?)$", re.I)
_ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"])}
_ROMAN = re.compile(r"^(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_SERIES_NUMBER = re.compile(r"^(?P<base>.+?)\s+(?P<num>[IVX]+|\d{1,2})$")
_ACRONYMS = frozenset({
    "DVD", "TV", "BBFC", "MPAA", "MPA", "CNC", "FSK", "VOD", "HD", "EU", "NYC", "LA", "CEO", "FBI",
    "CIA", "DJ", "OK", "BBC", "HBO", "MTV", "DVDS", "CGI", "AKA", "NB", "PS",
})

_ROLE_CUES = (
    (re.compile(r"\b(?:writer[- ]and[- ]director|writer[-/]director|director[- ]and[- ]writer|director[-/]writer)\s+", re.I),
     ("directors", "writers")),
    (re.compile(r"\bwritten and directed by\s+", re.I), ("directors", "writers")),
    (re.compile(r"\bdirected and written by\s+", re.I), ("directors", "writers")),
    (re.compile(r"\b(?:directed by|director)\s+", re.I), ("directors",)),
    (re.compile(r"\b(?:written by|writer|screenwriter)\s+", re.I), ("writers",)),
)
_AKA = re.compile(r",?\s+(?:aka|a\.k\.a\.?|also known as|known as)\s+", re.I)
_NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "bin", "al"})
_CHARACTER_CONNECTORS = frozenset({"the", "of", "von", "van", "de", "da", "di", "le", "la"})
_SENTENCE_STARTERS = frozenset({
    "meanwhile", "then", "when", "and", "but", "here", "there", "now", "later", "finally", "after",
    "before", "while", "as", "in", "on", "at", "with", "young", "old", "his", "her", "their", "its",
    "our", "this", "that", "so", "yet", "soon", "once", "even", "only", "also", "both", "where",
    "director", "writer", "producer", "actor", "actress", "star", "newcomer", "veteran",
})
_EDGE_PUNCT = "\"'“”‘’"
_SMALL_WORDS = frozenset({"a", "an", "the", "and", "but", "or", "nor", "for", "on", "at", "to", "by", "of", "in"})
_APOSTROPHE_TAILS = frozenset({"m", "s", "t", "d", "ll", "re", "ve"})
_TITLE_TOKEN = re.compile(r"\S+")


@dataclass(slots=True)
class _Run:
    """An ALL-CAPS run of words in the prose: a film or series title as press kits write them."""

    text: str
    start: int
    end: int
    line: int
    paragraph: int
    year: int | None
    segment: str
    after: str
    names_series: bool


def read_presskit(path: str, data: bytes | None = None) -> tuple[list[FilmRecord], list[ReaderWarning]]:
    """Read one press kit into one record plus warnings; `data` saves a second read of the file."""
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror}", path=path) from None
    extracted = extract_text(path, data)
    reader = _Reader(path, extracted.text.split("\n"))
    reader.record.source.pages = extracted.pages
    reader.record.source.sha256 = hashlib.sha256(data).hexdigest()
    with cite_pages(extracted, reader.warnings):
        reader.read()
    return [reader.record], reader.warnings


class _Reader:
    """One pass over one press kit; holds the record being built and its warnings."""

    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = lines
        self.record = FilmRecord(title="", source=Source(path=path, kind="presskit"))
        self.warnings: list[ReaderWarning] = []
        self.seen: dict[str, int] = {}
        self.header_roles: set[str] = set()
        self.box_sets: list[tuple[str, int]] = []

    # ------------------------------------------------------------ driver

    def read(self) -> None:
        first = next(i for i, line in enumerate(self.lines) if line.strip())
        end = first
        while end < len(self.lines) and self.lines[end].strip():
            end += 1
        for i in range(first, end):
            self._header_line(self.lines[i].strip(), i + 1)
        paragraphs = self._paragraphs(end)
        if not paragraphs:
            raise InputError("no title found: the press kit has a header but no prose", path=self.path)
        self._prose(paragraphs)

    def _paragraphs(self, start: int) -> list[tuple[str, int]]:
        """Blank-line separated blocks after the header, each with its first line number."""
        paragraphs: list[tuple[str, int]] = []
        block: list[str] = []
        block_start = 0
        for i in range(start, len(self.lines) + 1):
            line = self.lines[i] if i < len(self.lines) else ""
            if line.strip():
                if not block:
                    block_start = i + 1
                block.append(line.strip())
            elif block:
                paragraphs.append(("\n".join(block), block_start))
                block = []
        return paragraphs

    def _note(self, text: str, line: int, why: str = "could not place") -> None:
        self.record.notes.append(Note(text, line))
        self.warnings.append(ReaderWarning(self.path, line, f"{why} {text!r}; kept as a note"))

    def _once(self, key: str, label: str, line: int) -> None:
        if key in self.seen:
            raise InputError(
                f"duplicate {label!r} label on lines {self.seen[key]} and {line}", path=self.path, line=line
            )
        self.seen[key] = line

    def _fail(self, message: str, line: int) -> None:
        raise InputError(f"{message} (line {line}: {self.lines[line - 1].strip()!r})", path=self.path, line=line)

    # ------------------------------------------------------------ header

    def _header_line(self, text: str, line: int) -> None:
        m = _LABEL_LINE.match(text)
        if not m or not m["value"].strip():
            self._note(text, line)
            return
        label = " ".join(m["label"].casefold().rstrip(".").split())
        value = m["value"].strip()
        if _YEAR_LABEL.match(label):
            self._once("year", m["label"], line)
            ym = _YEAR_VALUE.match(value)
            if not ym:
                self._fail(f"year {value!r} is not a four-digit year", line)
            self.record.year = int(ym[1])
            self.record.lines["year"] = line
        elif _TITLE_LABEL.match(label):
            self._once("title", m["label"], line)
            self.record.title = nfc(value)
            self.record.lines["title"] = line
        elif _DIRECTORS_LABEL.match(label):
            self._people("directors", value, line)
        elif _WRITERS_LABEL.match(label):
            self._people("writers", value, line)
        elif _CAST_LABEL.match(label):
            self._once("cast", m["label"], line)
            self._cast(value, line)
        elif _COUNTRIES_LABEL.match(label):
            self._countries(text, value, line)
        elif _LANGUAGES_LABEL.match(label):
            self._languages(text, value, line)
        elif _RUNTIME_LABEL.match(label):
            self._runtime([], value, line)
        elif not self._territory_line(text, label, value, line):
            self._note(text, line)

    def _territory_line(self, text: str, label: str, value: str, line: int) -> bool:
        """Labels that start with territories: runtimes, certificates, releases, distributors."""
        if m := _CERTIFICATE_LABEL.match(label):
            if (terrs := _territories(m["terr"])) is not None:
                self._certificates(terrs, value, line)
                return True
        if m := _TERRITORY_RUNTIME_LABEL.match(label):
            if (terrs := _territories(m["terr"])) is not None:
                self._runtime(terrs, value, line)
                return True
        if (m := _RELEASE_LABEL.match(label)) and (found := _release_head(m["head"])):
            self._releases(*found, value, line)
            return True
        if m := _DISTRIBUTOR_LABEL.match(label):
            if (terrs := _territories(m["terr"])) is not None:
                self._distributors(terrs, value, line)
                return True
        if (terrs := _territories(label)) is not None:
            if _RUNTIME_INTENT.search(value):
                self._runtime(terrs, value, line)
            else:
                self._distributors(terrs, value, line)
            return True
        return False

    def _people(self, role: str, value: str, line: int) -> None:
        names = [nfc(n) for n in _PEOPLE_SPLIT.split(value) if n.strip()]
        target: list[str] = getattr(self.record, role)
        for name in names:
            if fold(name) not in {fold(n) for n in target}:
                target.append(name)
        self.record.lines.setdefault(role, line)
        self.header_roles.add(role)

    def _cast(self, value: str, line: int) -> None:
        self.record.lines["cast"] = line
        for item in _CAST_SPLIT.split(value):
            item = _AND_PREFIX.sub("", item.strip())
            if not item:
                continue
            character = None
            if m := _CAST_CHARACTER.match(item):
                item, character = m["actor"], m["paren"] or m["as"]
            member = CastMember(nfc(item), len(self.record.cast) + 1, nfc(character) if character else None)
            self.record.lines[f"cast[{len(self.record.cast)}]"] = line
            self.record.cast.append(member)
            if member.character:
                self._character(member.character, line, played_by=member.actor)

    def _countries(self, text: str, value: str, line: int) -> None:
        for part in _parts(value, codes.territory):
            t = codes.territory(part)
            if t is None:
                self._note(text, line, f"unknown country {part.strip()!r} in")
            elif t.code not in self.record.countries:
                self.record.countries.append(t.code)
        self.record.lines.setdefault("countries", line)

    def _languages(self, text: str, value: str, line: int) -> None:
        subtitle_texts: list[str] = []
        for bracket in _BRACKETS.findall(value):
            if _SUBTITLE_WORD.search(bracket):
                subtitle_texts.append(_SUBTITLE_WORD.sub("", bracket))
            else:
                self._note(text, line, f"unplaced bracket ({bracket}) in")
        main = _BRACKETS.sub(" ", value)
        if m := _WITH_SUBTITLES.search(main):
            subtitle_texts.append(m["langs"])
            main = main[: m.start()] + main[m.end():]
        for part_text, target in [(main, self.record.languages)] + [(s, self.record.subtitles) for s in subtitle_texts]:
            for part in _parts(part_text, codes.language):
                tag = codes.language(part)
                if tag is None:
                    self._note(text, line, f"unknown language {part!r} in")
                elif tag not in target:
                    target.append(tag)
        self.record.lines.setdefault("languages", line)
        if self.record.subtitles:
            self.record.lines.setdefault("subtitles", line)

    def _runtime(self, territories: list[str], value: str, line: int) -> None:
        brackets = _BRACKETS.findall(value)
        core = _BRACKETS.sub(" ", value).strip()
        minutes = None
        if m := _RUNTIME_MINUTES.match(core):
            minutes = int(m["m"])
        elif m := (_RUNTIME_HOURS.match(core) or _RUNTIME_CLOCK.match(core)):
            minutes = int(m["h"]) * 60 + int(m["m"] or 0)
        if not minutes:
            self._fail(f"runtime {value!r} is not a number of minutes", line)
        self.record.lines[f"runtimes[{len(self.record.runtimes)}]"] = line
        self.record.runtimes.append(Runtime(minutes, territories))
        for bracket in brackets:
            self._note(f"({bracket})", line, "runtime qualifier")

    def _certificates(self, territories: list[str], value: str, line: int) -> None:
        m = _CERT_VALUE.match(value)
        rating = m["value"]
        advice = (m["advice"] or "").strip()
        if advice.startswith("(") and advice.endswith(")"):
            advice = advice[1:-1].strip()
        advice = _ADVICE_PREFIX.sub("", advice).strip()
        for code in territories:
            self.record.lines[f"certificates[{len(self.record.certificates)}]"] = line
            self.record.certificates.append(Certificate(code, rating, advice or None, codes.rating_body(code)))

    def _releases(self, territories: list[str], media: list[str], value: str, line: int) -> None:
        limited, city, box_set = False, None, None
        for bracket in _BRACKETS.findall(value):
            bracket = nfc(bracket)
            if m := _LIMITED.match(bracket):
                limited = True
                city = nfc(m["city"]) if m["city"] else city
            elif bracket and box_set is None:
                box_set = bracket
                self.box_sets.append((bracket, line))
            elif bracket:
                self._note(f"({bracket})", line, "second box set")
        date = self._date(_BRACKETS.sub(" ", value).strip(), line)
        for code in territories:
            for medium in media:
                self.record.lines[f"releases[{len(self.record.releases)}]"] = line
                self.record.releases.append(Release(code, medium, date, limited, city, box_set))

    def _date(self, text: str, line: int) -> datetime.date | None:
        if _TBC.match(text):
            return None
        parts: tuple[int, int, int] | None = None
        if m := (_DATE_DMY_WORDS.match(text) or _DATE_MDY_WORDS.match(text)):
            month = _MONTHS.get(m["mon"].casefold())
            if month:
                parts = (int(m["y"]), month, int(m["d"]))
        elif m := (_DATE_DMY_NUM.match(text) or _DATE_ISO.match(text)):
            parts = (int(m["y"]), int(m["m"]), int(m["d"]))
        if parts is None:
            self._fail(f"cannot read the date {text!r}", line)
        try:
            return datetime.date(*parts)
        except ValueError:
            self._fail(f"impossible date {text!r}", line)

    def _distributors(self, territories: list[str], value: str, line: int) -> None:
        for code in territories:
            self.record.lines[f"distributors[{len(self.record.distributors)}]"] = line
            self.record.distributors.append(Distributor(code, nfc(value)))

    def _character(self, name: str, line: int, played_by: str | None = None, alias: str | None = None) -> None:
        """Add or merge a character (by folded name) and tie its actor to the cast."""
        for character in self.record.characters:
            if fold(character.name) == fold(name):
                break
        else:
            self.record.lines[f"characters[{len(self.record.characters)}]"] = line
            character = Character(name)
            self.record.characters.append(character)
        if played_by and not character.played_by:
            character.played_by = played_by
        if alias and fold(alias) not in {fold(a) for a in character.aliases}:
            character.aliases.append(alias)
        if played_by:
            for member in self.record.cast:
                if fold(member.actor) == fold(played_by) and member.character is None:
                    member.character = character.name

    # ------------------------------------------------------------ prose

    def _prose(self, paragraphs: list[tuple[str, int]]) -> None:
        runs = [run for i, (text, start) in enumerate(paragraphs) for run in _runs(text, start, i)]
        own = self._title(runs, paragraphs)
        for text, start in paragraphs:
            self._roles(text, start)
        for text, start in paragraphs:
            self._characters(text, start)
        self._films(runs, own, paragraphs)

    def _title(self, runs: list[_Run], paragraphs: list[tuple[str, int]]) -> _Run | None:
        """The ALL-CAPS title tied to the record's year, else the first in the story paragraph."""
        year = self.record.year
        titles = [r for r in runs if not r.names_series]
        candidates = [r for r in titles if year is not None and r.year == year]
        if not candidates:
            story = [i for i, (text, _) in enumerate(paragraphs) if _STORY_CUE.search(text)]
            candidates = [r for r in titles if r.paragraph in story[:1] and r.year in (None, year)]
        if not candidates:
            candidates = [r for r in titles if r.year is None]
        if not candidates:
            if self.record.title:
                return None
            raise InputError("no title found in the prose (no ALL-CAPS film title)", path=self.path)
        own = candidates[0]
        if not self.record.title:
            self.record.title = _title_case(own.text)
            self.record.lines["title"] = own.line
        return own

    def _roles(self, text: str, start: int) -> None:
        """`Writer and director X` and the like, for roles the header did not give."""
        taken: list[tuple[int, int]] = []
        for cue, roles in _ROLE_CUES:
            for m in cue.finditer(text):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                name = _name_after(text, m.end())
                if not name:
                    continue
                taken.append((m.start(), m.end()))
                for role in roles:
                    if role in self.header_roles:
                        continue
                    target: list[str] = getattr(self.record, role)
                    if fold(name) not in {fold(n) for n in target}:
                        target.append(name)
                        self.record.lines.setdefault(role, _line_at(text, start, m.start()))

    def _characters(self, text: str, start: int) -> None:
        """`Name (Actor Name)` and `Name aka Alias`; nothing else makes a character."""
        events: list[tuple[int, str, str | None, str | None]] = []
        for m in _BRACKETS.finditer(text):
            actor = _person(m[1])
            name = _name_before(text, m.start()) if actor else None
            if name:
                events.append((m.start(), name, actor, None))
        for m in _AKA.finditer(text):
            name = _name_before(text, m.start())
            alias = _alias_after(text, m.end())
            if name and alias:
                events.append((m.start(), name, None, alias))
        people = {fold(n) for n in [*self.record.directors, *self.record.writers, *(m.actor for m in self.record.cast)]}
        for pos, name, actor, alias in sorted(events, key=lambda e: e[0]):
            if fold(name) in people:
                continue
            self._character(name, _line_at(text, start, pos), played_by=actor, alias=alias)

    def _films(self, runs: list[_Run], own: _Run | None, paragraphs: list[tuple[str, int]]) -> None:
        """Related films (titles with another year) and the series the film and they belong to."""
        own_key = fold(_short(self.record.title))
        year = self.record.year
        related: list[tuple[_Run, RelatedFilm]] = []
        for run in runs:
            if run.year is None or run.names_series or run is own or (
                run.year == year and fold(_short(run.text)) == own_key
            ):
                continue
            title = _title_case(run.text)
            if any(fold(f.title) == fold(title) and f.year == run.year for _, f in related):
                continue
            related.append((run, RelatedFilm(title, run.year, list(self.record.directors))))
        for i, (run, _) in enumerate(related):
            self.record.lines[f"related_films[{i}]"] = run.line
        self.record.related_films = [f for _, f in related]

        base = self._series_name(runs, paragraphs)
        if base is None:
            return
        own_runs = [r for r in runs if fold(_short(r.text)) == own_key and r.year in (None, year)]
        if own is not None and own not in own_runs:
            own_runs.insert(0, own)
        if position := _series_position(own_runs, base):
            self.record.series = SeriesRef(_title_case(base), position[0])
            self.record.lines["series"] = position[1]
        elif any(fold(_short(r.text)) == fold(base) for r in own_runs):
            self.record.series = SeriesRef(_title_case(base), 1)
            self.record.lines["series"] = own_runs[0].line
        for run, film in related:
            mentions = [r for r in runs if fold(_short(r.text)) == fold(_short(run.text))
                        and r.year in (None, run.year)]
            if position := _series_position(mentions, base):
                film.series = SeriesRef(_title_case(base), position[0])

    def _series_name(self, runs: list[_Run], paragraphs: list[tuple[str, int]]) -> str | None:
        """`All three X films`, `the X series`, a `(The X Trilogy)` box set, or `X II` with a cue."""
        for run in runs:
            if run.names_series:
                return run.text
        for box_set, _ in self.box_sets:
            if m := _BOX_SET_SERIES.match(box_set):
                return m["name"].upper()
        if any(_SERIES_CUE.search(text) for text, _ in paragraphs):
            for run in runs:
                if m := _SERIES_NUMBER.match(_short(run.text)):
                    if m["num"].isdigit() or _ROMAN.match(m["num"]):
                        return m["base"]
        return None


# ---------------------------------------------------------------- helpers


def _parts(text: str, lookup: Callable[[str], object]) -> list[str]:
    """Split a list on `,` `/` `&`, then on `and` only where the whole part is not a known name."""
    parts: list[str] = []
    for part in _TERRITORY_SPLIT.split(text.strip()):
        part = part.strip(" .;")
        if not part:
            continue
        parts.extend([part] if lookup(part) is not None else [p.strip(" .;") for p in _AND_SPLIT.split(part) if p.strip()])
    return parts


def _territories(text: str) -> list[str] | None:
    """`USA & UK`, `US/UK`, `USA and UK` as ISO codes; None unless every part is a territory."""
    whole = codes.territory(text)
    if whole is not None:
        return [whole.code]
    found: list[str] = []
    for part in _TERRITORY_SPLIT.split(text):
        t = codes.territory(part)
        subparts = [t] if t is not None else [codes.territory(p) for p in _AND_SPLIT.split(part)]
        if not part.strip() or any(s is None for s in subparts):
            return None
        found.extend(s.code for s in subparts if s.code not in found)
    return found or None


def _release_head(head: str) -> tuple[list[str], list[str]] | None:
    """`usa dvd` → (["US"], ["dvd"]); territory words first, media words (default cinema) after."""
    words = head.split()
    for cut in range(len(words), 0, -1):
        terrs = _territories(" ".join(words[:cut]))
        media = _media(" ".join(words[cut:])) if cut < len(words) else ["cinema"]
        if terrs is not None and media is not None:
            return terrs, media
    return None


def _media(text: str) -> list[str] | None:
    found: list[str] = []
    for part in _MEDIA_SPLIT.split(text.casefold()):
        medium = _MEDIA.get(part.strip())
        if medium is None:
            return None
        found.append(medium)
    return found


def _runs(text: str, first_line: int, paragraph: int) -> list[_Run]:
    """ALL-CAPS word runs in a paragraph, each with the year the sentence ties to it."""
    groups: list[list[tuple[int, int, str]]] = []
    for m in _WORD.finditer(text):
        start, end, word = m.start(), m.end(), m[0]
        if (p := _POSSESSIVE.match(word)) and p[1] == p[1].upper():
            end, word = start + len(p[1]), p[1]
        caps = any(c.isalpha() for c in word) and word == word.upper()
        digits = word.isdigit()
        if groups and groups[-1] and (caps or digits) and _RUN_GAP.fullmatch(text[groups[-1][-1][1]:start]):
            groups[-1].append((start, end, word))
        elif caps:
            groups.append([(start, end, word)])
        else:
            groups.append([])
        if word != m[0]:
            groups.append([])
    runs: list[_Run] = []
    previous_end = 0
    for group in groups:
        while group and group[-1][2].isdigit():
            group.pop()
        if not group:
            continue
        words = [w for _, _, w in group]
        if not any(sum(c.isalpha() for c in w) >= 2 for w in words):
            continue
        if len(words) == 1 and (words[0] in _ACRONYMS or codes.territory(words[0]) is not None):
            continue
        start, end = group[0][0], group[-1][1]
        sentence_start = max((s.end() for s in _SENTENCE_END.finditer(text, 0, start)), default=0)
        segment = text[max(sentence_start, previous_end):start]
        year = None
        if py := _PAREN_YEAR.match(text, end):
            year = int(py["y"])
            previous_end = py.end()
        else:
            previous_end = end
            if years := _YEAR.findall(segment):
                year = int(years[-1])
        after = text[previous_end:]
        after = after[: m.start()] if (m := _SENTENCE_END.search(after)) else after
        runs.append(_Run(
            nfc(text[start:end]), start, end, _line_at(text, first_line, start), paragraph, year, segment, after,
            bool(_SERIES_AFTER.match(text[end:])),
        ))
    return runs


def _series_position(mentions: list[_Run], base: str) -> tuple[int, int] | None:
    """Position from an ordinal before a mention, else the title's numeral, else 1 for the bare name."""
    base_key = fold(base)
    for run in mentions:
        named = fold(_short(run.text)).startswith(base_key)
        if (m := _ordinal_near(run)) and (named or _STRONG_SERIES_NOUN.match(m["noun"])):
            return (int(m["num"]) if m["num"] else _ORDINAL_WORDS[m["word"].casefold()]), run.line
    for run in mentions:
        short = _short(run.text)
        m = _SERIES_NUMBER.match(short)
        if m and fold(m["base"]) == base_key:
            if m["num"].isdigit():
                return int(m["num"]), run.line
            if _ROMAN.match(m["num"]):
                return _roman(m["num"]), run.line
    for run in mentions:
        if fold(_short(run.text)) == base_key:
            return 1, run.line
    return None


def _ordinal_near(run: _Run) -> re.Match | None:
    """`the 3rd instalment, X` just before the title, or `X, the 3rd instalment` just after it."""
    before = list(_ORDINAL.finditer(run.segment))
    if before and _ORDINAL_GAP.match(run.segment[before[-1].end():]):
        return before[-1]
    if apposition := _APPOSITION.match(run.after):
        after = _ORDINAL.match(run.after, apposition.end())
        if after:
            return after
    return None


def _roman(numeral: str) -> int:
    total = 0
    for i, c in enumerate(numeral):
        value = _ROMAN_VALUES[c]
        total += -value if i + 1 < len(numeral) and _ROMAN_VALUES[numeral[i + 1]] > value else value
    return total


def _short(title: str) -> str:
    return title.split(":", 1)[0].strip()


def _title_case(text: str) -> str:
    """`PUSHER III: I'M THE ANGEL OF DEATH` → `Pusher III: I'm the Angel of Death`; mixed case kept."""
    if text != text.upper():
        return text
    out: list[str] = []
    first = True
    for token in _TITLE_TOKEN.findall(text):
        core = token.strip(":,;.!?")
        if _ROMAN.match(core):
            word = token
        elif not first and core.casefold() in _SMALL_WORDS:
            word = token.lower()
        else:
            word = "-".join(_cap_word(part) for part in token.split("-"))
        out.append(word)
        first = token.endswith(":")
    return " ".join(out)


def _cap_word(word: str) -> str:
    for apostrophe in "'’":
        if apostrophe in word:
            head, tail = word.split(apostrophe, 1)
            tail = tail.lower() if tail.strip(":,;.!?").casefold() in _APOSTROPHE_TAILS else _cap_word(tail)
            return f"{_cap_word(head)}{apostrophe}{tail}"
    return word[:1].upper() + word[1:].lower()


def _line_at(text: str, first_line: int, pos: int) -> int:
    return first_line + text.count("\n", 0, pos)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def _plain_capitalised(word: str) -> bool:
    return _capitalised(word) and not any(p in word for p in ",;:.!?()" + _EDGE_PUNCT)


def _person(text: str) -> str | None:
    """Bracket text that reads as a person's name (`Mads Mikkelsen`), else None."""
    words = text.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in text):
        return None
    if not all(_capitalised(w) or w in _NAME_PARTICLES for w in words):
        return None
    if not (_capitalised(words[0]) and _capitalised(words[-1])):
        return None
    if any(not all(c.isalpha() or c in "-'’." for c in w) for w in words):
        return None
    return nfc(text)


def _name_before(text: str, pos: int) -> str | None:
    """Capitalised words just before `pos` (stopping at punctuation), minus a sentence opener."""
    head = text[:pos].rstrip()
    words = head.split()
    taken: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        word = words[i].strip(_EDGE_PUNCT)
        if word != words[i] or any(p in word for p in ",;:.!?()"):
            break
        if _capitalised(word) and not word.endswith(("'s", "’s")):
            taken.insert(0, word)
        elif word in _CHARACTER_CONNECTORS and taken and i > 0 and _plain_capitalised(words[i - 1]):
            taken.insert(0, word)
        else:
            break
    if not taken or taken[0] in _CHARACTER_CONNECTORS:
        return None
    opener_index = len(words) - len(taken)
    at_sentence_start = opener_index == 0 or words[opener_index - 1].endswith((".", "!", "?"))
    if at_sentence_start and len(taken) > 1 and taken[0].casefold() in _SENTENCE_STARTERS:
        taken = taken[1:]
    return nfc(" ".join(taken)) if taken else None


def _name_after(text: str, pos: int) -> str | None:
    """Two to five capitalised words from `pos` (a person named after a role cue)."""
    words: list[str] = []
    for raw in text[pos:].split()[:6]:
        word = raw.rstrip(",;:.!?)")
        if _capitalised(word) or (words and word in _NAME_PARTICLES):
            words.append(word)
        else:
            break
        if word != raw:
            break
    while words and words[-1] in _NAME_PARTICLES:
        words.pop()
    return nfc(" ".join(words)) if len(words) >= 2 else None


def _alias_after(text: str, pos: int) -> str | None:
    """`the Duke` / `The Duke` / `"Duke"` after aka: an optional article and capitalised words."""
    words: list[str] = []
    for raw in text[pos:].split()[:6]:
        clean = raw.strip(_EDGE_PUNCT)
        word = clean.rstrip(",;:.!?)").strip(_EDGE_PUNCT)
        if _capitalised(word) or (not words and word.casefold() == "the"):
            words.append(word)
        else:
            break
        if word != clean:
            break
    if not words or words[-1].casefold() == "the":
        return None
    return nfc(" ".join(words))
