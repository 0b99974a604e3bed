"""One record graph as validation reports on it: its statements, where it came from, its lines.

Which record field (and so which source line) a result is about is decided here, from the graph and,
when there is one, the record as read; a stored graph brings its lines along (`fg:sourceLines`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from filmgraph import identity
from filmgraph.terms import FG, SDO, XSD

# Which record field (a key of FilmRecord.lines; each a field of record.schema.json, which a test
# checks) a film's property comes from.
FILM_FIELDS = {
    SDO.name: "title", SDO.dateCreated: "year", SDO.director: "directors", SDO.author: "writers",
    SDO.actor: "cast", SDO.character: "characters", SDO.isPartOf: "series",
    SDO.position: "series", FG.follows: "series", FG.followedBy: "series", SDO.countryOfOrigin: "countries",
    SDO.inLanguage: "languages", SDO.subtitleLanguage: "subtitles", SDO.duration: "runtimes[0]",
    FG.runtime: "runtimes", SDO.releasedEvent: "releases", SDO.contentRating: "certificates",
    FG.distribution: "distributors", FG.originalTitle: "original_title", SDO.alternateName: "alternate_titles",
    FG.imdbId: "ids", FG.wikidataId: "ids", FG.tmdbId: "ids", FG.note: "notes",
}
# A film's links to nodes of its own, in record order: the i-th link is the field's i-th item.
_INDEXED = {SDO.actor: "cast", SDO.releasedEvent: "releases", SDO.contentRating: "certificates",
            FG.distribution: "distributors"}
_INDEX = re.compile(r"\[\d+\]$")


@dataclass
class RecordView:
    """One record graph as validation reports on it: its triples, where it came from, its lines."""

    graph: str
    film: str
    triples: list[ox.Triple] | None
    """None when `ntriples` holds them: parsed on first use (most records have nothing to report)."""
    path: str
    row: int | None = None
    title: str = ""
    year: int | None = None
    lines: dict[str, int] = field(default_factory=dict)
    record: Any = None
    ntriples: str | None = None
    _fields: dict[str, str] | None = None
    _named: bool = False

    @classmethod
    def of(cls, mapped) -> "RecordView":
        rec = mapped.record
        return cls(mapped.graph.value, mapped.film.value, None, rec.source.path, rec.source.row, rec.title,
                   rec.year, dict(rec.lines), rec, mapped.ntriples)

    @property
    def statements(self) -> list[ox.Triple]:
        if self.triples is None:
            self.triples = list(ox.parse(self.ntriples or "", ox.RdfFormat.N_TRIPLES))
        return self.triples

    def text(self) -> str:
        """The record's statements as N-Triples."""
        return self.ntriples if self.ntriples is not None else "".join(f"{t} .\n" for t in self.statements)

    def subjects(self) -> set[str]:
        """The IRIs the record says something about, read off its N-Triples lines without parsing."""
        if self.ntriples is None:
            return {t.subject.value for t in self.statements}
        return {line[1:line.find("> ")] for line in self.ntriples.splitlines() if line.startswith("<")}

    @property
    def where(self) -> str:
        return self.path + (f" row {self.row}" if self.row is not None else "")

    @property
    def heading(self) -> str:
        return f"{self.where}: {self.title}" + (f" ({self.year})" if self.year else "")

    def field_of(self, focus: str, path: str | None) -> str | None:
        """The record field a (focus node, path) comes from: the film's own properties by path, other
        nodes by the field that introduced them (``cast[3]`` for the fourth role and its actor)."""
        if focus == self.film:
            return FILM_FIELDS.get(path or "", "title")
        if self._fields is None:
            self._fields = self._linked_fields()
        if focus not in self._fields and self.record is not None and not self._named:
            self._fields = {**self._named_fields(), **self._fields}
            self._named = True
        return self._fields.get(focus)

    def _linked_fields(self) -> dict[str, str]:
        """Nodes of the film's own (roles, releases, certificates, distributions, runtimes), by the
        order the film links them, and what hangs below them."""
        fields: dict[str, str] = {}
        counts: dict[str, int] = defaultdict(int)
        for t in self.statements:
            if t.subject.value != self.film or not isinstance(t.object, ox.NamedNode):
                continue
            p = t.predicate.value
            if p in _INDEXED:
                name = _INDEXED[p]
                fields.setdefault(t.object.value, f"{name}[{counts[name]}]")
                counts[name] += 1
            elif p == FG.runtime:
                minutes = t.object.value.rsplit("/", 1)[-1]
                index = next((i for i, r in enumerate(self.record.runtimes) if str(r.minutes) == minutes), None) \
                    if self.record is not None else None
                fields.setdefault(t.object.value, "runtimes" if index is None else f"runtimes[{index}]")
        return self._below(fields)

    def _named_fields(self) -> dict[str, str]:
        """Nodes minted from names in the record: related films, people, characters, series, countries."""
        rec = self.record
        fields: dict[str, str] = {}
        for i, related in enumerate(rec.related_films):
            fields.setdefault(identity.film_iri(related.title, related.year), f"related_films[{i}]")
        for name in rec.directors:
            fields.setdefault(identity.person_iri(name), "directors")
        for name in rec.writers:
            fields.setdefault(identity.person_iri(name), "writers")
        for i, member in enumerate(rec.cast):
            fields.setdefault(identity.person_iri(member.actor), f"cast[{i}]")
        scope = identity.slug(rec.series.name) if rec.series else identity.film_key(rec.title, rec.year)
        for i, character in enumerate(rec.characters):
            fields.setdefault(identity.character_iri(character.name, scope), f"characters[{i}]")
        for i, member in enumerate(rec.cast):
            if member.character:
                fields.setdefault(identity.character_iri(member.character, scope), f"cast[{i}]")
        if rec.series:
            fields.setdefault(identity.series_iri(rec.series.name), "series")
        for code in rec.countries:
            fields.setdefault(identity.country_iri(code), "countries")
        return self._below(fields)

    def _below(self, fields: dict[str, str]) -> dict[str, str]:
        """A node hanging below another (a role's actor, a release's country) shares its field."""
        for t in self.statements:
            if isinstance(t.object, ox.NamedNode) and t.subject.value in fields:
                fields.setdefault(t.object.value, fields[t.subject.value])
        return fields

    def states(self, focus: str, path: str | None, value: Any) -> bool:
        """Whether this record holds the statement (focus, path, value)."""
        if path is None or value is None:
            return False
        subject, predicate, obj = ox.NamedNode(focus), ox.NamedNode(path), ox_term(value)
        return any(t.subject == subject and t.predicate == predicate and t.object == obj for t in self.statements)

    def line_of(self, key: str | None) -> int | None:
        """The source line of a field, falling back from ``cast[3]`` to ``cast``."""
        if key is None:
            return None
        if key in self.lines:
            return self.lines[key]
        return self.lines.get(_INDEX.sub("", key))


def ox_term(term: Any):
    """A pyoxigraph term for an rdflib one (report values come back as rdflib terms)."""
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD + "string")))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))

