"""One pass over one press kit: sections -> header fields, lists and prose -> one `FilmRecord`.

Every fact is stored with its line (`record.lines`) and how it was read (`record.rules`); what the
reader cannot place becomes a note and a warning; a title the evidence does not settle, or a
missing title or year, refuses the record with the lines tried.
"""

from __future__ import annotations

import re

from filmgraph import codes
from filmgraph.errors import InputError
from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit import lists, prose, values
from filmgraph.readers.presskit.fields import Label, classify, split_field, table_cells, unmark
from filmgraph.readers.presskit.sections import Line, Section, split
from filmgraph.readers.presskit.vocab import key, vocab
from filmgraph.record import (
    CastMember,
    Certificate,
    Character,
    CrewMember,
    Distributor,
    FilmRecord,
    Note,
    ReaderWarning,
    RelatedFilm,
    Release,
    Runtime,
    SeriesRef,
    Source,
    Technical,
    Title,
)

_BRACKETS = re.compile(r"\(([^()]*)\)")
_SUBTITLE_WORD = re.compile(r"\b(?:subtitle[sd]?|sous-titres?|sous-titré|untertitel|ut|omu)\b", re.I)
_WITH_SUBTITLES = re.compile(r"[,;]?\s*\bwith\s+(?P<langs>.+?)\s+subtitles?\b\.?", re.I)
_LIMITED = re.compile(r"^limited(?:\s+release)?(?:\s*[-–—:,]\s*(?P<city>.+))?$", re.I)
_BOX_WORDS = re.compile(r"\b(?:trilogy|quadrilogy|collection|box|set|coffret|edition|édition|saga|complete|intégrale)\b", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_H1 = re.compile(r"^#\s+(?P<t>.+?)\s*#*$")
_WRAPPED = re.compile(r"^[(*_\[](?P<t>.+?)[)*_\]]$")
_QUOTED = re.compile(r"^[\"“«„'‘].*[\"”»“'’]\s*(?:[–—-].*)?$")
_STORY = re.compile(r"^\s*(?:tells the story|is the story|follows|centres on|centers on|raconte|erzählt)\b", re.I)
_PROSE_KINDS = frozenset({"front", "synopsis", "logline", "production", "director", "other", "glance"})
_FIELD_KINDS = frozenset({"crew", "technical", "release", "certificates", "glance"})
_CREW_FIELDS = frozenset({"producer", "cinematographer", "editor", "composer", "production_designer"})
_PEOPLE_FIELDS = frozenset({"directors", "writers"})
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z«\"“À-Þ])")
_FOREIGN_POSSESSIVE = re.compile(r"([A-ZÀ-Þ][\w-]+)['’]s?\s+$")
_CREDITED_AFTER = re.compile(r"^\s*(?:by|de|von|d['’])\s+[A-ZÀ-Þ]")
_SUBJECT_VERB = re.compile(r"^\s*(?:is|was|marks|becomes|follows|tells|continues|completes|concludes|picks up|returns|"
                           r"est|raconte|suit|ist|erzählt|folgt)\b", re.I)
_TABLE_HEADERS = frozenset(
    "territory date distributor country pays land datum verleih distributeur release medium funktion name credit "
    "position fonction nom role department kinostart sortie release date".split()) | {"release date", "date de sortie"}
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)$")
_TABLE_CHARS = "|-: +=\t"
_BRACKETED_FIELD = re.compile(r"^\s*\(.*:.*\)\s*$")
_CAST_SPLIT = re.compile(r"\s*,\s*(?![^()]*\))")
_AND_PREFIX = re.compile(r"^(?:and|&|et|und)\s+", re.I)
_CAST_CHARACTER = re.compile(r"^(?P<actor>.+?)\s*(?:\((?P<paren>[^()]+)\)|\s+as\s+(?P<as>.+))$")
_VOICE = re.compile(r"^(?:voice of|voix de|stimme von|voice:)\s+", re.I)
_ACRONYM_AFTER = re.compile(r"\s*\([A-Z&]{2,6}\)$")
_PLAYS = re.compile(r"\b(?:also\s+)?plays\s+(?:both\s+)?", re.I)


class Reader:
    """Holds the record being built and its warnings."""

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
        self.implied: dict[int, str | None] = {}

    # ------------------------------------------------------------ driver

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

    def _year_from_elsewhere(self) -> None:
        """No Year label: the year the kit's filmography gives its own title, else its first dated
        cinema release's year, said in a warning."""
        own = fold(self.record.title)
        for no, text in self.filmography:
            entry = lists.filmography_entry(text)
            if entry and fold(entry[0]) == own:
                self.record.year = entry[1]
                self._rule("year", no, "FILMOGRAPHY section: the year beside the film's own title")
                return
        dated = sorted((r.date, i) for i, r in enumerate(self.record.releases) if r.date and r.medium == "cinema")
        if dated:
            date, i = dated[0]
            line = self.record.lines[f"releases[{i}]"]
            self.record.year = date.year
            self._rule("year", line, "no Year label: the year of the first cinema release")
            self._warn(line, f"no Year label; the film's year is taken from its first cinema release ({date.year})")

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

    # ------------------------------------------------------------ sections

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

    def _field_block(self, block: list[Line]) -> bool:
        known = sum(1 for ln in block if self._known_line(ln.text))
        return known >= 2 or (known == 1 and len(block) <= 2 and not self._prose_block(block))

    def _known_line(self, text: str) -> bool:
        f = split_field(text)
        if f is not None and f.value and classify(f.label) is not None:
            return True
        if _BRACKETED_FIELD.match(text) and (f := split_field(text.strip()[1:-1])) and classify(f.label):
            return True
        return False

    @staticmethod
    def _caps_line(text: str) -> bool:
        """A line in capitals without a sentence's end: a title, not prose."""
        bare = unmark(text).strip().strip("*_# ")
        letters = [c for c in bare if c.isalpha()]
        return bool(letters) and bare.upper() == bare and not bare.endswith((".", "!", "?")) or text.lstrip().startswith("# ")

    @staticmethod
    def _credit_block(block: list[Line]) -> bool:
        """A title-block run of credit lines (`X presents`, `a Y production`, `a Z film`), not prose."""
        v = vocab()
        credits = sum(1 for ln in block if v.phrase_kind(ln.text, ("presents", "production", "source")))
        return len(block) >= 2 and credits * 2 >= len(block) and not any(ln.text.rstrip().endswith(".") for ln in block)

    @staticmethod
    def _prose_block(block: list[Line]) -> bool:
        words = " ".join(ln.text for ln in block).split()
        if len(words) < 4:
            return False
        lower = sum(1 for w in words if w[0].islower())
        if words[-1].endswith((".", "!", "?")) and lower:
            return True
        return len(words) >= 12 and lower >= len(words) / 4

    def _title_block(self, block: list[Line]) -> None:
        v = vocab()
        for i, ln in enumerate(block):
            text = unmark(ln.text).strip()
            bare = text.strip("*_ ").strip()
            if not bare:
                continue
            if m := _H1.match(ln.text.strip()):
                self.title_block.append((m["t"].strip(), ln.no, "markdown H1"))
                continue
            nxt = block[i + 1].text.strip() if i + 1 < len(block) else ""
            if key(nxt) in v.phrases.get("presents", ()) or v.phrase_kind(bare, ("presents", "source")):
                continue
            if (m := _WRAPPED.match(bare)) and ":" in m["t"] and (f := split_field(m["t"])) and classify(f.label):
                self._header_line(m["t"], ln.no, "title block")
                continue
            if self._known_line(bare):
                self._header_line(bare, ln.no, "title block")
                continue
            words = bare.split()
            if words and words[0].casefold() in ("a", "an", "un", "une", "ein", "eine") and v.phrase_kind(bare, ("production",)):
                continue
            if self.title_block and all(not x.strip() for x in self.lines[self.title_block[-1][1]:ln.no - 1]) \
                    and self._original_title(bare, ln.no):
                continue
            letters = [c for c in bare if c.isalpha()]
            if letters and (all(c.isupper() for c in letters if c.isascii() or c.isupper() or c.islower())) \
                    and not _CJK.search(bare) and not v.phrase_kind(bare, ("award",)):
                self.title_block.append((bare, ln.no, "title block: a line in capitals"))
            elif v.phrase_kind(bare, ("award",)) and re.search(r"\b(?:19|20)\d\d\b", bare):
                self.record.awards.append(nfc(bare))
                self._rule(f"awards[{len(self.record.awards) - 1}]", ln.no, "title block: an award line")

    def _original_title(self, text: str, line: int) -> bool:
        """The line under the title: `(C'era una volta il West)`, `*El laberinto del fauno*`, `臥虎藏龍 (Wo hu cang long)`."""
        if text.endswith((".", "!", "?")) and not text.endswith(")"):
            return False
        raw = self.lines[line - 1].strip()
        wrapped = _WRAPPED.match(raw) or _WRAPPED.match(text)
        if not (wrapped or _CJK.search(text)):
            return False
        self._set_original_title(wrapped["t"].strip("*_ ") if wrapped else text, line, "title block: the line under the title")
        return True

    def _set_original_title(self, value: str, line: int, rule: str) -> None:
        value = value.strip()
        script = None
        if _CJK.search(value):
            romanised = _BRACKETS.findall(value)
            script = _BRACKETS.sub("", value).strip()
            value = romanised[0].strip() if romanised else script
            if not romanised:
                script = None
        else:
            inner = _BRACKETS.findall(value)
            if inner and all(_CJK.search(x) for x in inner):
                script = inner[0].strip()
                value = _BRACKETS.sub("", value).strip()
        if self.record.original_title is None:
            self.record.original_title = Title(nfc(value))
            self._rule("original_title", line, rule)
        if script:
            self.record.alternate_titles.append(Title(nfc(script)))
            self._rule(f"alternate_titles[{len(self.record.alternate_titles) - 1}]", line, rule)

    # ------------------------------------------------------------ fields

    def _field_block_lines(self, block: list[Line], section: Section, where: str) -> None:
        header = section.kind == "front"
        fields_seen = False
        for ln in block:
            text = ln.text
            if not text.strip():
                continue
            cells = table_cells(text)
            if cells is not None:
                self._table_row(cells, ln.no, section, where)
                continue
            if not text.strip(_TABLE_CHARS):
                continue
            if self.last_field and text[:1].isspace() and len(text) - len(text.lstrip()) >= 8 and split_field(text) is None:
                self._header_line(f"{self.last_field[0]}: {text.strip()}", ln.no, where, continuation=True)
                continue
            bare = unmark(text).strip().replace("**", "")
            known = self._known_line(bare)
            if header and not known and not fields_seen and bare.upper() == bare and any(c.isalpha() for c in bare) \
                    and not vocab().phrase_kind(bare, ("presents", "production", "award")):
                self.title_block.append((bare, ln.no, "first line, in capitals" if ln.no == 1 else "title block: a line in capitals"))
                continue
            fields_seen = fields_seen or known
            if (m := _WRAPPED.match(bare)) and ":" in m["t"] and self._known_line(m["t"]):
                bare = m["t"]
            self._header_line(bare, ln.no, where, section=section)

    def _table_row(self, cells: list[str], line: int, section: Section, where: str) -> None:
        cells = [c for c in cells]
        if not cells or all(key(c) in _TABLE_HEADERS for c in cells if c):
            return
        label, rest = cells[0], [c for c in cells[1:] if c and c not in ("—", "-", "–")]
        value = rest[0] if rest else ""
        if len(rest) > 1:
            value += f" ({rest[1]})"
        self._header_line(f"{label}: {value}", line, f"{where} table", section=section)

    def _header_line(self, text: str, line: int, where: str, section: Section | None = None,
                     continuation: bool = False) -> None:
        v = vocab()
        kind = section.kind if section else "front"
        f = split_field(text)
        label = classify(f.label) if f is not None and f.value else None
        if label is None:
            if phrase := values.certificate_phrase(text.strip()):
                territory, value, advice = phrase
                self._add_certificate([territory], value, advice, line, f"{where}: certificate phrase")
                return
            if parts := values.technical_parts(text):
                self._technical(parts, line, f"{where}: technical line")
                return
            if kind == "crew" and f is not None and f.value:
                self.last_field = None
            if v.phrase_kind(text, ("presents", "source")) or (
                    re.match(r"^\W*(?:a|an|un|une|ein|eine)\b", text, re.I) and v.phrase_kind(text, ("production",))):
                return
            if v.phrase_kind(text, ("cameo",)) and kind == "cast":
                return
            if v.phrase_kind(text, ("award",)) and re.search(r"\b(?:19|20)\d\d\b", text):
                self.record.awards.append(nfc(text.strip()))
                self._rule(f"awards[{len(self.record.awards) - 1}]", line, f"{where}: an award line")
                return
            self._note(text.strip(), line)
            return
        value = f.value.strip()
        field = label.field
        rule = f"{where}: {f.label.strip()} {'(continued)' if continuation else 'label'}"
        self.last_field = (f.label.strip(), line)
        if field == "ignore":
            return
        if field == "year":
            if not continuation:
                self._once("year", f.label, line)
            if not re.fullmatch(r"\d{4}", value):
                self._fail(f"year {value!r} is not a four-digit year", line)
            self.record.year = int(value)
            self._rule("year", line, rule)
        elif field == "title":
            self._once("title", f.label, line)
            self.title_block.insert(0, (value, line, "Title label"))
        elif field == "original_title":
            self._set_original_title(value, line, rule)
        elif field == "alternate_title":
            language = "en" if key(f.label) in ("international title", "english title", "titre international",
                                                "internationaler titel") else None
            self.record.alternate_titles.append(Title(nfc(value), language))
            self._rule(f"alternate_titles[{len(self.record.alternate_titles) - 1}]", line, rule)
        elif field in _PEOPLE_FIELDS:
            self._people(field, value, line, rule)
        elif field == "directors+writers":
            self._people("directors", value, line, rule)
            self._people("writers", value, line, rule)
        elif field in _CREW_FIELDS:
            for name in values.people(value, crew=True):
                if not any(c.role == field and fold(c.name) == fold(name) for c in self.record.crew):
                    self.record.crew.append(CrewMember(field, name))
                    self._rule(f"crew[{len(self.record.crew) - 1}]", line, rule)
        elif field == "cast":
            if not continuation and "cast" in self.seen:
                self._once("cast", f.label, line)
            self.seen.setdefault("cast", line)
            self._cast_value(value, line, rule)
        elif field == "countries":
            self._countries(text, value, line, rule)
        elif field == "languages":
            self._languages(text, value, line, rule)
        elif field == "runtime":
            self._runtime(label.territories, value, line, rule)
        elif field == "certificate":
            self._certificate_value(label.territories, value, line, rule)
        elif field == "release":
            self.implied[line] = vocab().implies.get(key(f.label).split(" ")[0]) or vocab().implies.get(key(f.label))
            self._releases(label.territories, label.media, value, line, rule)
        elif field == "distributor":
            if label.territories:
                self._distributors(label.territories, value, line, rule)
            else:
                self.implied[line] = vocab().implies.get(key(f.label))
                self.unplaced_distributors.append((value, line))
        elif field in ("format", "aspect_ratio", "colour", "sound"):
            parts = values.technical_parts(value)
            if parts is None:
                if field == "colour":
                    parts = [("colour", "colour")] if key(value) else None
                elif field == "aspect_ratio" and (ratio := values.aspect_ratio(value)):
                    parts = [("aspect_ratio", ratio)]
                else:
                    parts = [(field if field != "colour" else "format", nfc(value))]
            self._technical(parts, line, rule)
        elif field == "territory":
            self._territory_value(label, value, line, rule, kind)

    def _territory_value(self, label: Label, value: str, line: int, rule: str, kind: str) -> None:
        """A bare territory label: a release date, a certificate, a runtime or a distributor, by its value."""
        core = _BRACKETS.sub(" ", value).split(",")[0].strip()
        if label.media:
            self._releases(label.territories, label.media, value, line, rule)
        elif values.is_tbc(core) or self._is_date(core):
            self._releases(label.territories, ("cinema",), value, line, rule)
        elif re.match(r"^\s*(?:rated|certificate|certification|classification)\b", value, re.I) or kind == "certificates":
            self._certificate_value(label.territories, value, line, rule)
        elif values.RUNTIME_INTENT.search(core):
            self._runtime(label.territories, value, line, rule)
        else:
            self._distributors(label.territories, value, line, rule)

    def _is_date(self, text: str) -> bool:
        try:
            return values.date(text) is not None
        except values.BadDate:
            return True

    def _people(self, role: str, value: str, line: int, rule: str) -> None:
        target: list[str] = getattr(self.record, role)
        for name in values.people(value, crew=True):
            if fold(name) not in {fold(n) for n in target}:
                target.append(name)
        self._rule(role, line, rule)
        self.header_roles.add(role)

    def _cast_value(self, value: str, line: int, rule: str) -> None:
        self._rule("cast", line, rule)
        for item in _CAST_SPLIT.split(value):
            item = _AND_PREFIX.sub("", item.strip())
            if not item:
                continue
            character = None
            if m := _CAST_CHARACTER.match(item):
                item, character = m["actor"], m["paren"] or m["as"]
                if character:
                    character = _VOICE.sub("", character.strip())
            self._add_cast(nfc(item), [nfc(character)] if character else [], line, rule)

    def _add_cast(self, actor: str, characters: list[str], line: int, rule: str) -> None:
        folded = fold(actor)
        member = self.cast_index.get(folded)
        if member is None:
            member = CastMember(actor, len(self.record.cast) + 1, characters[0] if characters else None)
            self._rule(f"cast[{len(self.record.cast)}]", line, rule)
            self.record.cast.append(member)
            self.cast_index[folded] = member
        if member.character is None and characters:
            member.character = characters[0]
        for c in characters:
            self._character(c, line, played_by=actor, rule=rule)

    def _countries(self, text: str, value: str, line: int, rule: str) -> None:
        for part in values.parts(value, codes.territory):
            t = codes.territory(part)
            if t is None:
                self._note(text, line, f"unknown country {part.strip()!r} in")
            elif t.code not in self.record.countries:
                self.record.countries.append(t.code)
        self._rule("countries", line, rule)

    def _languages(self, text: str, value: str, line: int, rule: str) -> None:
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
            for part in values.parts(part_text, codes.language):
                tag = codes.language(part)
                if tag is None:
                    self._note(text, line, f"unknown language {part!r} in")
                elif tag not in target:
                    target.append(tag)
        self._rule("languages", line, rule)

    def _runtime(self, territories: list[str], value: str, line: int, rule: str) -> None:
        brackets = _BRACKETS.findall(value)
        minutes = values.runtime(_BRACKETS.sub(" ", value).strip())
        if not minutes:
            self._fail(f"runtime {value!r} is not a number of minutes", line)
        self._rule(f"runtimes[{len(self.record.runtimes)}]", line, rule)
        self.record.runtimes.append(Runtime(minutes, list(territories)))
        for bracket in brackets:
            self._note(f"({bracket})", line, "runtime qualifier")

    def _certificate_value(self, territories: list[str], value: str, line: int, rule: str) -> None:
        if phrase := values.certificate_phrase(value):
            territory, rating, advice = phrase
            self._add_certificate(territories or [territory], rating, advice, line, rule)
            return
        found = values.certificate(value)
        if found is None or not territories:
            self._note(value, line, "unreadable certificate")
            return
        self._add_certificate(territories, found[0], found[1], line, rule)

    def _add_certificate(self, territories: list[str], rating: str, advice: str | None, line: int, rule: str) -> None:
        for code in territories:
            self._rule(f"certificates[{len(self.record.certificates)}]", line, rule)
            self.record.certificates.append(Certificate(code, rating, advice, codes.rating_body(code)))

    def _releases(self, territories: list[str], media: list[str], value: str, line: int, rule: str) -> None:
        limited, city, box_set, distributor = False, None, None, None
        home = any(m != "cinema" for m in media)
        for bracket in _BRACKETS.findall(value):
            bracket = nfc(bracket.strip())
            if m := _LIMITED.match(bracket):
                limited = True
                city = nfc(m["city"]) if m["city"] else city
            elif bracket and (home or _BOX_WORDS.search(bracket)) and box_set is None:
                box_set = re.sub(r"^coffret\s+", "", bracket, flags=re.I).strip(" «»\"“”")
                self.box_sets.append((box_set, line))
            elif bracket and distributor is None and not home:
                distributor = bracket
            elif bracket:
                self._note(f"({bracket})", line, "second box set" if home else "unplaced bracket")
        core = _BRACKETS.sub(" ", value).strip()
        if "," in core and not self._is_date(core):
            core, tail = core.split(",", 1)
            if tail.strip():
                distributor = distributor or tail.strip()
        core = core.strip().rstrip(",")
        if values.is_tbc(core):
            date = None
        else:
            try:
                date = values.date(core)
            except values.BadDate:
                self._fail(f"impossible date {core!r}", line)
            if date is None:
                self._fail(f"cannot read the date {core!r}", line)
        if not territories:
            self.unplaced_releases.append((media, value, line, rule))
            return
        for code in territories:
            for medium in media:
                self._rule(f"releases[{len(self.record.releases)}]", line, rule)
                self.record.releases.append(Release(code, medium, date, limited, city, box_set))
        if distributor:
            self._distributors(territories, distributor, line, rule + " (bracket)")

    def _distributors(self, territories: list[str], value: str, line: int, rule: str) -> None:
        for code in territories:
            if any(d.territory == code and fold(d.name) == fold(value) for d in self.record.distributors):
                continue
            self._rule(f"distributors[{len(self.record.distributors)}]", line, rule)
            self.record.distributors.append(Distributor(code, nfc(_ACRONYM_AFTER.sub("", value.strip()))))

    def _place_territoryless(self) -> None:
        """A release or distributor label without territory (`Kinostart`, `Distributeur`) holds in the market its
        label's language names (vocab/labels.csv `implies`), else in the kit's one production country; else a note."""
        home = self.record.countries[0] if len(self.record.countries) == 1 else None
        for media, value, line, rule in self.unplaced_releases:
            if territory := self.implied.get(line):
                self._releases([territory], media, value, line, rule + f" (territory: the label's language, {territory})")
            elif home:
                self._releases([home], media, value, line, rule + f" (territory: the one production country, {home})")
            else:
                self._note(value, line, "release without a territory")
        for value, line in self.unplaced_distributors:
            if territory := self.implied.get(line):
                self._distributors([territory], value, line, f"Distributor label (territory: the label's language, {territory})")
            elif home:
                self._distributors([home], value, line, f"Distributor label (territory: the one production country, {home})")
            else:
                self._note(value, line, "distributor without a territory")

    def _technical(self, parts: list[tuple[str, str]], line: int, rule: str) -> None:
        tech = self.record.technical
        for kind, value in parts:
            if kind == "aspect_ratio" and tech.aspect_ratio is None:
                tech.aspect_ratio = value
            elif kind == "colour" and tech.colour is None:
                tech.colour = value
            elif kind == "sound" and value not in tech.sound:
                tech.sound.append(value)
            elif kind == "format" and value not in tech.formats:
                tech.formats.append(value)
            else:
                continue
            self._rule(f"technical.{kind}", line, rule)

    def _character(self, name: str, line: int, played_by: str | None = None, alias: str | None = None,
                   rule: str = "prose") -> Character:
        for character in self.record.characters:
            if fold(character.name) == fold(name) and (not played_by or not character.played_by
                                                      or fold(character.played_by) == fold(played_by)):
                break
        else:
            self._rule(f"characters[{len(self.record.characters)}]", line, rule)
            character = Character(name)
            self.record.characters.append(character)
        if played_by and not character.played_by:
            character.played_by = played_by
        if alias and fold(alias) not in {fold(a) for a in character.aliases} and fold(alias) != fold(character.name):
            character.aliases.append(alias)
        if played_by:
            for member in self.record.cast:
                if fold(member.actor) == fold(played_by) and member.character is None:
                    member.character = character.name
        return character

    # ------------------------------------------------------------ cast list

    def _cast_list(self) -> None:
        if not self.cast_lines:
            return
        rows, other, declared = lists.pairs(self.cast_lines)
        actors, characters = self._prose_pairs()
        actors |= {fold(n) for n in (*self.record.directors, *self.record.writers, *(c.name for c in self.record.crew))}
        order, evidence = lists.orientation(rows, declared, actors, characters)
        if rows and not order:
            order, evidence = "actor-first", ""
            self._warn(rows[0].line, "cannot tell which column of the cast list is the actor (no column header, and "
                                     "no name the prose or crew gives); read as actor first")
        rule = f"CAST section: two columns, {order.replace('-', ' ')}" + (f" (by {evidence})" if evidence else "")
        for row in rows:
            actor, character = (row.left, row.right) if (row.declared or order) == "actor-first" else (row.right, row.left)
            if not actor:
                continue
            self._add_cast(nfc(actor.strip()), lists.characters_in(character) if character else [], row.line, rule)
        v = vocab()
        for no, text in other:
            folded = key(text)
            cue = next((p for p in v.phrases.get("cameo", ()) if folded.startswith(p + " ")), None)
            if cue:
                rest = text.strip()[len(cue):].strip() if text.casefold().startswith(cue) else " ".join(text.split()[len(cue.split()):])
                for name in values.people(rest):
                    self._add_cast(name, [], no, "CAST section: cameo line")
            elif len(text.split()) <= 5 and all(w[:1].isupper() for w in text.split()):
                self._add_cast(nfc(text), [], no, "CAST section: a name alone")
            else:
                self._note(text, no)

    def _prose_pairs(self) -> tuple[set[str], set[str]]:
        """Actor and character names the prose pairs as `Name (Actor)`: evidence for a list's columns."""
        actors: set[str] = set()
        characters: set[str] = set()
        for text, _, _ in self.paragraphs:
            for m in _BRACKETS.finditer(text):
                if actor := prose._person(m[1]):
                    actors.add(fold(actor))
                    if name := prose._name_before(text, m.start()):
                        characters.add(fold(name))
        return actors, characters

    # ------------------------------------------------------------ title

    def _decide_title(self) -> None:
        runs = self._all_runs()
        self.runs = runs
        labelled = [c for c in self.title_block if c[2] in ("Title label", "markdown H1")]
        candidates = labelled[:1] or [c for c in self.title_block]
        if len(candidates) > 1:
            counts = [(sum(1 for r in runs if fold(prose._short(r.text)) == self._title_key(c[0])), c)
                      for c in candidates]
            best = max(n for n, _ in counts)
            top = [c for n, c in counts if n == best]
            if len(top) > 1:
                self._refuse_title([(c[0], c[1]) for c in top], "the title block has several lines in capitals")
            for n, c in counts:
                if c is not top[0]:
                    self._note(c[0], c[1], "title block line")
            candidates = top
        if candidates:
            text, line, rule = candidates[0]
            title, alternate = self._plain(text), None
            if m := re.match(r"^(?P<t>.+?)\s*\((?P<alt>[^()]+)\)$", title):
                title, alternate = m["t"].strip(), m["alt"].strip()
            self.record.title = prose._title_case(title.strip("*_ ")) if title.upper() == title else nfc(title)
            self._rule("title", line, rule)
            if alternate:
                self.record.alternate_titles.append(Title(prose._title_case(alternate)))
                self._rule(f"alternate_titles[{len(self.record.alternate_titles) - 1}]", line, rule)
            self.own = None
            return
        self.own = self._prose_title(runs)

    def _title_key(self, text: str) -> str:
        """A title-block line as prose would write it: no trailing `(English title)`, no subtitle."""
        return fold(prose._short(_TRAILING_BRACKET.sub("", self._plain(text))))

    @staticmethod
    def _plain(text: str) -> str:
        return nfc(" ".join(text.replace("**", "").strip("*_ ").split()))

    def _all_runs(self) -> list[prose.Run]:
        runs: list[prose.Run] = []
        for i, (text, start, kind) in enumerate(self.paragraphs):
            found = prose._runs(text, start, i)
            if self.markdown:
                found.extend(prose.italic_runs(text, start, i))
            runs.extend(sorted(found, key=lambda r: r.start))
        return runs

    def _prose_title(self, runs: list[prose.Run]) -> prose.Run | None:
        """The run tied to the record's year or telling the story; the one the prose returns to most."""
        year = self.record.year
        groups: dict[str, list[prose.Run]] = {}
        series_names = {fold(r.text) for r in runs if r.names_series}
        for r in runs:
            if not r.names_series:
                groups.setdefault(fold(r.text), []).append(r)
        for k in [k for k in groups if ":" not in k]:
            fuller = [g for g in groups if g.startswith(k + ":")]
            if len(fuller) == 1:
                groups[fuller[0]].extend(groups.pop(k))
        scored = []
        for k, members in groups.items():
            story = any(_STORY.match(r.after) for r in members)
            subject = any(self._subject(r) for r in members)
            tied = any(year is not None and r.year == year and not r.cited for r in members)
            cited = any(year is not None and r.year == year and r.cited for r in members)
            other_year = all(r.year not in (None, year) for r in members)
            if other_year or (k in series_names and not (tied or story)):
                continue
            evidence = 2 * story + 2 * subject + 2 * tied + cited
            scored.append((evidence, len(members), k, members))
        strong = [s for s in scored if s[0]]
        pool = strong or [s for s in scored if all(r.year is None for r in s[3])]
        if not pool:
            tried = sorted({r.line for r in runs})[:8]
            raise InputError("no title found: no Title label, title block or Markdown heading, and no film title in "
                             f"capitals in the prose (capitalised runs tried on lines {tried or 'none'})", path=self.path)
        pool.sort(key=lambda s: (s[0], s[1]), reverse=True)
        if len(pool) > 1 and pool[0][:2] == pool[1][:2]:
            rivals = [s for s in pool if s[:2] == pool[0][:2]]
            self._refuse_title([(self._full(s[3]).text, self._full(s[3]).line) for s in rivals],
                               "the prose ties several titles to the film equally")
        own = self._full(pool[0][3])
        self.record.title = prose._title_case(own.text)
        self._rule("title", own.line, "prose: the capitalised title that tells the story, is the sentence's subject "
                   "or is tied to the year" if pool[0][0] else "prose: the capitalised title the prose keeps returning to")
        return own

    def _subject(self, run: prose.Run) -> bool:
        """The run opens its sentence and a verb follows: `PUSHER III follows Milo`, `X is the prequel to Y`."""
        text = self.paragraphs[run.paragraph][0]
        before = text[:run.start].rstrip()
        opens = not before or before.endswith((".", "!", "?", ":")) or before.endswith("\n")
        return opens and bool(_SUBJECT_VERB.match(run.after))

    def _full(self, members: list[prose.Run]) -> prose.Run:
        year = self.record.year
        tied = [r for r in members if r.year == year] or members
        return max(tied, key=lambda r: len(r.text))

    def _refuse_title(self, candidates: list[tuple[str, int]], why: str) -> None:
        named = " and ".join(f"{prose._title_case(self._plain(t))!r} (line {n})" for t, n in candidates)
        raise InputError(f"ambiguous title: {why}: {named}; add a `Title:` line to say which",
                         path=self.path, line=candidates[0][1])

    # ------------------------------------------------------------ prose

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

    def _roles(self, text: str, start: int) -> None:
        taken: list[tuple[int, int]] = []
        for cue, roles in prose._ROLE_CUES:
            for m in cue.finditer(text):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                name = prose._name_after(text, m.end())
                if not name:
                    continue
                taken.append((m.start(), m.end()))
                for role in roles:
                    if role in self.header_roles:
                        continue
                    target: list[str] = getattr(self.record, role)
                    if fold(name) not in {fold(n) for n in target}:
                        target.append(name)
                        self._rule(role, prose._line_at(text, start, m.start()), "prose: role cue")

    _ALIAS_BEFORE = re.compile(
        r"(?P<main>(?:[A-ZÀ-Þ][\w.'’-]*|[dl]['’]\w+|l['’]\w+)(?:\s+(?:[A-ZÀ-Þ][\w.'’-]*|of|the|von|van|de|la|le))*)\s*,?\s+"
        r"(?:aka|a\.k\.a\.?|also known as|known as|dit|dite|genannt)\s+(?P<alias>[«\"“]?\s*(?:the\s+|le\s+|la\s+)?"
        r"[A-ZÀ-Þ][\w'’-]*(?:\s+[A-ZÀ-Þ][\w'’-]*)*\s*[»\"”]?)\s*$")

    def _characters(self, text: str, start: int, known: frozenset[str]) -> None:
        """`Name (Actor)`, `Name aka Alias (Actor)`, `Name dit « Alias » (Actor)` and `Name aka Alias`."""
        people = {fold(n) for n in [*self.record.directors, *self.record.writers, *(c.name for c in self.record.crew)]}
        listed = {fold(m.actor): m for m in self.record.cast}
        used: list[int] = []
        for m in _BRACKETS.finditer(text):
            actor = prose._person(m[1], known)
            if not actor:
                continue
            head = text[: m.start()].rstrip()
            line = prose._line_at(text, start, m.start())
            main, alias = None, None
            if am := self._ALIAS_BEFORE.search(head[-120:]):
                main = prose._name_before(am["main"], len(am["main"])) or am["main"].strip()
                alias = am["alias"].strip(" «»\"“”")
                used.append(m.start())
            else:
                main = prose._name_before(text, m.start())
            member = listed.get(fold(actor))
            listed_names = [c.name for c in self.record.characters if c.played_by and fold(c.played_by) == fold(actor)]
            if member and listed_names:
                same = next((c for c in listed_names if main and (fold(c).endswith(fold(main)) or fold(main).endswith(fold(c)))), None)
                if alias:
                    self._character(same or listed_names[0], line, played_by=actor, alias=alias)
                continue
            if not main or fold(main) in people:
                continue
            if main.casefold() in ("the", "le", "la"):
                continue
            self._character(main, line, played_by=actor, alias=alias, rule="prose: Name (Actor)")
        for m in prose._AKA.finditer(text):
            if any(0 <= u - m.end() < 60 for u in used):
                continue
            name = prose._name_before(text, m.start())
            alias = prose._alias_after(text, m.end())
            if name and alias and fold(name) not in people:
                if re.match(r"\s*\(", text[m.end() + len(alias):]):
                    continue
                self._character(name, prose._line_at(text, start, m.start()), alias=alias, rule="prose: Name aka Alias")

    def _also_plays(self, text: str, start: int) -> None:
        """`Michael J. Fox also plays Marty's son, Marty McFly Jr., and his daughter, Marlene McFly.`"""
        cast = {fold(m.actor): m.actor for m in self.record.cast}
        for m in _PLAYS.finditer(text):
            actor = prose._name_before(text, m.start())
            if not actor or fold(actor) not in cast:
                continue
            rest = text[m.end():]
            end = re.search(r"[.;]\s|[.;]$|,\s+and\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*\s+plays\b", rest)
            rest = rest[: end.start()] if end else rest
            for segment in re.split(r",\s*(?:and\s+)?|\s+and\s+", rest):
                words = segment.split()
                taken: list[str] = []
                for w in reversed(words):
                    if prose._capitalised(w) and not re.search(r"['’]s$", w):
                        taken.insert(0, w)
                    else:
                        break
                if taken:
                    self._character(nfc(" ".join(taken)), prose._line_at(text, start, m.start()),
                                    played_by=cast[fold(actor)], rule="prose: Actor plays Name")

    def _films(self, runs: list[prose.Run], own: prose.Run | None) -> None:
        own_key = fold(prose._short(self.record.title))
        original = fold(prose._short(self.record.original_title.text)) if self.record.original_title else None
        year = self.record.year
        related: list[tuple[prose.Run, RelatedFilm]] = []
        surnames = {n.split()[-1].casefold() for n in self.record.directors if n.split()}
        for run in runs:
            if run.year is None or run.names_series or run is own:
                continue
            short = fold(prose._short(run.text))
            if run.year == year and (prose.names_title(run.text, self.record.title) or short == original):
                continue
            title = prose._title_case(run.text)
            if any(fold(f.title) == fold(title) and f.year == run.year for _, f in related):
                continue
            paragraph = self.paragraphs[run.paragraph]
            sentence = self._sentence(paragraph[0], run.start)
            foreign = _FOREIGN_POSSESSIVE.search(run.segment[-40:]) and \
                _FOREIGN_POSSESSIVE.search(run.segment[-40:])[1].casefold() not in surnames
            credited = _CREDITED_AFTER.match(paragraph[0][run.end:run.end + 40].split(")", 1)[-1]) if run.cited else \
                _CREDITED_AFTER.match(paragraph[0][run.end:])
            ours = not foreign and not credited and (
                paragraph[2] == "director" or any(s in sentence.casefold().split() or f"{s}'s" in sentence.casefold()
                                                  for s in surnames) or re.search(r"\b(?:his|her|their)\b", sentence, re.I))
            related.append((run, RelatedFilm(title, run.year, list(self.record.directors) if ours else [])))
        for i, (run, _) in enumerate(related):
            self._rule(f"related_films[{i}]", run.line, "prose: a title with its year")
        self.record.related_films = [f for _, f in related]

    def _sentence(self, text: str, pos: int) -> str:
        starts = [0] + [m.end() for m in _SENTENCE.finditer(text) if m.end() <= pos]
        begin = starts[-1]
        m = _SENTENCE.search(text, pos)
        return text[begin: m.start() if m else len(text)]

    def _filmography(self) -> None:
        own = fold(self.record.title)
        for no, text in self.filmography:
            entry = lists.filmography_entry(text)
            if entry is None:
                self._note(unmark(text).strip(), no, "unreadable filmography line")
                continue
            title, year = entry
            title = prose._title_case(title) if title.upper() == title else title
            if (fold(title) == own or (self.record.original_title and fold(title) == fold(self.record.original_title.text))) \
                    and year in (self.record.year, None):
                continue
            for film in self.record.related_films:
                if fold(film.title) == fold(title) and film.year == year:
                    film.directors = film.directors or list(self.record.directors)
                    break
            else:
                self._rule(f"related_films[{len(self.record.related_films)}]", no, "FILMOGRAPHY section: year and title")
                self.record.related_films.append(RelatedFilm(title, year, list(self.record.directors)))

    # ------------------------------------------------------------ series

    def _series(self, runs: list[prose.Run], own_key: str) -> None:
        found = prose.series_from_cues(self.paragraphs, runs, own_key, self.record.title)
        if found is None:
            found = prose.series_from_title(self.record.title)
        if found is not None:
            name, position, line, rule = found
            self.record.series = SeriesRef(prose._title_case(name) if name.upper() == name else name, position)
            self._rule("series", line or self.record.lines.get("title", 0), rule)
        else:
            legacy = prose.legacy_series(runs, self.box_sets, self.paragraphs, self.record.title, self.record.year, self.own)
            if legacy:
                self.record.series = SeriesRef(prose._title_case(legacy[0]), legacy[1])
                self._rule("series", legacy[2], "prose: a series named with numbered titles")
        if self.record.series:
            base = self.record.series.name
            for film in self.record.related_films:
                mentions = [r for r in runs if fold(prose._short(r.text)) == fold(prose._short(film.title))
                            and r.year in (None, film.year)]
                digits = bool(re.search(r"\s\d{1,2}$", prose._short(self.record.title)))
                if position := prose._series_position(mentions, base, digits):
                    film.series = SeriesRef(self.record.series.name, position[0])
                elif fold(film.title) == fold(base):
                    film.series = SeriesRef(self.record.series.name, 1)

    def _unread(self, runs: list[prose.Run], own_key: str) -> None:
        """Warn, with file:line, for a capitalised name or a series cue from which nothing was read."""
        read = {own_key, fold(self.record.title)} | {fold(prose._short(f.title)) for f in self.record.related_films}
        if self.record.series:
            read.add(fold(self.record.series.name))
        names = {fold(n) for n in (*self.record.directors, *self.record.writers, *(m.actor for m in self.record.cast),
                                   *(c.name for c in self.record.crew), *(c.name for c in self.record.characters))}
        warned: set[str] = set()
        for run in runs:
            short = fold(prose._short(run.text))
            if short in read or fold(run.text) in read or run.names_series or short in warned:
                continue
            if short in names or any(short in n.split() or n.startswith(short) for n in names):
                continue
            if len(run.text.split()) == 1 and len(run.text) <= 4:
                continue
            if any(short.startswith(r) or r.startswith(short) for r in read if r):
                continue
            warned.add(short)
            self._warn(run.line, f"read nothing from the capitalised name {run.text!r} (no year, not the title); "
                                 "not a film of the record")
        if self.record.series is None:
            for text, start, kind in self.paragraphs:
                if kind == "director":
                    continue
                if m := prose.series_cue(text):
                    self._warn(prose._line_at(text, start, m.start()),
                               f"series cue {m[0]!r} but no series read from it; the record has no series")
