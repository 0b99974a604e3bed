"""Cast and characters: the cast list (which column is the actor, on evidence), `Name (Actor)` and aliases in
the prose, `Actor plays Name`, and role cues (`Writer and director X`)."""

from __future__ import annotations

import re

from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit import lists, prose, values
from filmgraph.readers.presskit.fields import BRACKETS
from filmgraph.readers.presskit.vocab import key, vocab
from filmgraph.record import CastMember, Character

_PLAYS = re.compile(r"\b(?:also\s+)?plays\s+(?:both\s+)?", re.I)
_OPEN_BRACKET = re.compile(r"\s*\(")
_PLAYS_END = re.compile(r"[.;]\s|[.;]$|,\s+and\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*\s+plays\b")
_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


class People:
    """Cast, characters and roles (a part of `Reader`)."""

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

    def _character(self, name: str, line: int, played_by: str | None = None, alias: str | None = None,
                   rule: str = "prose") -> Character:
        folded = fold(name)
        for character in self.character_index.get(folded, ()):
            if not played_by or not character.played_by or fold(character.played_by) == fold(played_by):
                break
        else:
            self._rule(f"characters[{len(self.record.characters)}]", line, rule)
            character = Character(name)
            self.record.characters.append(character)
            self.character_index.setdefault(folded, []).append(character)
        if played_by and not character.played_by:
            character.played_by = played_by
        if alias and fold(alias) not in {fold(a) for a in character.aliases} and fold(alias) != fold(character.name):
            character.aliases.append(alias)
        if played_by and (member := self.cast_index.get(fold(played_by))) and member.character is None:
            member.character = character.name
        return character

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
            for m in BRACKETS.finditer(text):
                if actor := prose._person(m[1]):
                    actors.add(fold(actor))
                    if name := prose._name_before(text, m.start()):
                        characters.add(fold(name))
        return actors, characters

    _ALIAS_BEFORE = re.compile(
        r"(?P<main>(?:[A-ZÀ-Þ][\w.'’-]*|[dl]['’]\w+|l['’]\w+)(?:\s+(?:[A-ZÀ-Þ][\w.'’-]*|of|the|von|van|de|la|le))*)\s*,?\s+"
        r"(?:aka|a\.k\.a\.?|also known as|known as|dit|dite|genannt)\s+(?P<alias>[«\"“]?\s*(?:the\s+|le\s+|la\s+)?"
        r"[A-ZÀ-Þ][\w'’-]*(?:\s+[A-ZÀ-Þ][\w'’-]*)*\s*[»\"”]?)\s*$")

    def _characters(self, text: str, start: int, known: frozenset[str]) -> None:
        """`Name (Actor)`, `Name aka Alias (Actor)`, `Name dit « Alias » (Actor)` and `Name aka Alias`."""
        people = {fold(n) for n in [*self.record.directors, *self.record.writers, *(c.name for c in self.record.crew)]}
        listed = {fold(m.actor): m for m in self.record.cast}
        used: list[int] = []
        for m in BRACKETS.finditer(text):
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
        for m in prose.aka_pattern().finditer(text):
            if any(0 <= u - m.end() < 60 for u in used):
                continue
            name = prose._name_before(text, m.start())
            alias = prose._alias_after(text, m.end())
            if name and alias and fold(name) not in people:
                if _OPEN_BRACKET.match(text, m.end() + len(alias)):
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
            end = _PLAYS_END.search(rest)
            rest = rest[: end.start()] if end else rest
            for segment in _LIST_SPLIT.split(rest):
                words = segment.split()
                taken: list[str] = []
                for w in reversed(words):
                    if prose._capitalised(w) and not w.endswith(("'s", "’s")):
                        taken.insert(0, w)
                    else:
                        break
                if taken:
                    self._character(nfc(" ".join(taken)), prose._line_at(text, start, m.start()),
                                    played_by=cast[fold(actor)], rule="prose: Actor plays Name")

    def _roles(self, text: str, start: int) -> None:
        taken: list[tuple[int, int]] = []
        for cue, roles in prose.role_cues():
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
