"""Header fields: one `label` + `value` line (in the title block, a compact header, a CREW, TECHNICAL or RELEASE
section, a table row) into the record's fields, with territories, media, dates, runtimes and certificates."""

from __future__ import annotations

import re
from functools import lru_cache

from filmgraph import codes
from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit import values
from filmgraph.readers.presskit.fields import BRACKETS, WRAPPED, Label, classify, split_field, table_cells, unmark
from filmgraph.readers.presskit.sections import Line, Section
from filmgraph.readers.presskit.vocab import key, vocab
from filmgraph.record import (
    Certificate,
    CrewMember,
    Distributor,
    Release,
    Runtime,
    Title,
)

_SUBTITLE_WORD = re.compile(r"\b(?:subtitle[sd]?|sous-titres?|sous-titré|untertitel|ut|omu)\b", re.I)
_WITH_SUBTITLES = re.compile(r"[,;]?\s*\bwith\s+(?P<langs>.+?)\s+subtitles?\b\.?", re.I)
_LIMITED = re.compile(r"^limited(?:\s+release)?(?:\s*[-–—:,]\s*(?P<city>.+))?$", re.I)
_BOX_WORDS = re.compile(r"\b(?:trilogy|quadrilogy|collection|box|set|coffret|edition|édition|saga|complete|intégrale)\b", re.I)
_CREW_FIELDS = frozenset({"producer", "cinematographer", "editor", "composer", "production_designer"})
_PEOPLE_FIELDS = frozenset({"directors", "writers"})
_TABLE_CHARS = "|-: +=\t"
_BRACKETED_FIELD = re.compile(r"^\s*\(.*:.*\)\s*$")
_CAST_SPLIT = re.compile(r"\s*,\s*(?![^()]*\))")
_AND_PREFIX = re.compile(r"^(?:and|&|et|und)\s+", re.I)
_CAST_CHARACTER = re.compile(r"^(?P<actor>.+?)\s*(?:\((?P<paren>[^()]+)\)|\s+as\s+(?P<as>.+))$")
_VOICE = re.compile(r"^(?:voice of|voix de|stimme von|voice:)\s+", re.I)
_ACRONYM_AFTER = re.compile(r"\s*\([A-Z&]{2,6}\)$")
_ARTICLE = re.compile(r"^\W*(?:a|an|un|une|ein|eine)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CERTIFICATE_LEAD = re.compile(r"^\s*(?:rated|certificate|certification|classification)\b", re.I)
_COFFRET = re.compile(r"^coffret\s+", re.I)


@lru_cache(maxsize=8192)
def known_line(text: str) -> bool:
    """A line whose label the vocabulary knows (also in brackets: `(Internationaler Titel: X)`).
    Remembered: a field block's lines are asked once to tell the block and again to read each line."""
    f = split_field(text)
    if f is not None and f.value and classify(f.label) is not None:
        return True
    return bool(_BRACKETED_FIELD.match(text) and (f := split_field(text.strip()[1:-1])) and classify(f.label))


@lru_cache(maxsize=1 << 14)
def _cast_item(item: str) -> tuple[str, str | None] | None:
    """One item of a `Cast:` value as (actor, character or None): `and Anne Hathaway (Selina)`.
    Actors recur across kits, so items are remembered."""
    item = _AND_PREFIX.sub("", item.strip())
    if not item:
        return None
    character = None
    if ("(" in item or "as" in item) and (m := _CAST_CHARACTER.match(item)):
        item, character = m["actor"], m["paren"] or m["as"]
        if character:
            character = _VOICE.sub("", character.strip())
    return nfc(item), nfc(character) if character else None


class HeaderFields:
    """Reading field lines into the record (a part of `Reader`)."""

    def _field_block(self, block: list[Line]) -> bool:
        known = sum(1 for ln in block if known_line(ln.text))
        return known >= 2 or (known == 1 and len(block) <= 2 and not self._prose_block(block))

    @staticmethod
    def _known_line(text: str) -> bool:
        return known_line(text)

    def _field_block_lines(self, block: list[Line], section: Section, where: str) -> None:
        header = section.kind == "front"
        fields_seen = False
        for ln in block:
            text = ln.text
            if not text.strip():
                continue
            cells = table_cells(text) if "|" in text else None
            if cells is not None:
                self._table_row(cells, ln.no, section, where)
                continue
            if not text.strip(_TABLE_CHARS):
                continue
            if self.last_field and text[:1].isspace() and len(text) - len(text.lstrip()) >= 8 and split_field(text) is None:
                self._header_line(f"{self.last_field[0]}: {text.strip()}", ln.no, where, continuation=True)
                continue
            bare = unmark(text).strip().replace("**", "")
            known = known_line(bare)
            if header and not known and not fields_seen and bare.upper() == bare and any(c.isalpha() for c in bare) \
                    and not vocab().phrase_kind(bare, ("presents", "production", "award")):
                self.title_block.append((bare, ln.no, "first line, in capitals" if ln.no == 1 else "title block: a line in capitals"))
                continue
            fields_seen = fields_seen or known
            if (m := WRAPPED.match(bare)) and ":" in m["t"] and self._known_line(m["t"]):
                bare = m["t"]
            self._header_line(bare, ln.no, where, section=section)

    def _table_row(self, cells: list[str], line: int, section: Section, where: str) -> None:
        cells = [c for c in cells]
        if not cells or all(key(c) in vocab().header_columns for c in cells if c):
            return
        label, rest = cells[0], [c for c in cells[1:] if c and c not in ("—", "-", "–")]
        value = rest[0] if rest else ""
        if len(rest) > 1:
            value += f" ({rest[1]})"
        self._header_line(f"{label}: {value}", line, f"{where} table", section=section)

    def _header_line(self, text: str, line: int, where: str, section: Section | None = None,
                     continuation: bool = False) -> None:
        kind = section.kind if section else "front"
        f = split_field(text)
        label = classify(f.label) if f is not None and f.value else None
        if label is None:
            v = vocab()
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
                    _ARTICLE.match(text) and v.phrase_kind(text, ("production",))):
                return
            if v.phrase_kind(text, ("cameo",)) and kind == "cast":
                return
            if _YEAR.search(text) and v.phrase_kind(text, ("award",)):
                self.record.awards.append(nfc(text.strip()))
                self._rule(f"awards[{len(self.record.awards) - 1}]", line, f"{where}: an award line")
                return
            self._note(text.strip(), line)
            return
        value = f.value.strip()
        field = label.field
        name = f.label.strip()
        rule = f"{where}: {name} {'(continued)' if continuation else 'label'}"
        self.last_field = (name, line)
        if field == "ignore":
            return
        if field == "year":
            if not continuation:
                self._once("year", f.label, line)
            if not (len(value) == 4 and value.isdigit()):
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
        core = BRACKETS.sub(" ", value).split(",")[0].strip()
        if label.media:
            self._releases(label.territories, label.media, value, line, rule)
        elif values.is_tbc(core) or self._is_date(core):
            self._releases(label.territories, ("cinema",), value, line, rule)
        elif _CERTIFICATE_LEAD.match(value) or kind == "certificates":
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
            if (member := _cast_item(item)) is not None:
                actor, character = member
                self._add_cast(actor, [character] if character else [], line, rule)

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
        for bracket in BRACKETS.findall(value):
            if _SUBTITLE_WORD.search(bracket):
                subtitle_texts.append(_SUBTITLE_WORD.sub("", bracket))
            else:
                self._note(text, line, f"unplaced bracket ({bracket}) in")
        main = BRACKETS.sub(" ", value)
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
        if self.record.subtitles:
            self._rule("subtitles", line, rule)

    def _runtime(self, territories: list[str], value: str, line: int, rule: str) -> None:
        brackets = BRACKETS.findall(value)
        minutes = values.runtime(BRACKETS.sub(" ", value).strip())
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
        for bracket in BRACKETS.findall(value):
            bracket = nfc(bracket.strip())
            if m := _LIMITED.match(bracket):
                limited = True
                city = nfc(m["city"]) if m["city"] else city
            elif bracket and (home or _BOX_WORDS.search(bracket)) and box_set is None:
                box_set = _COFFRET.sub("", bracket).strip(" «»\"“”")
                self.box_sets.append((box_set, line))
            elif bracket and distributor is None and not home:
                distributor = bracket
            elif bracket:
                self._note(f"({bracket})", line, "second box set" if home else "unplaced bracket")
        core = BRACKETS.sub(" ", value).strip()
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
            self._rule(f"technical.{kind}s" if kind == "format" else f"technical.{kind}", line, rule)
