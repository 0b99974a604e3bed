"""A record graph back to its `FilmRecord`: the reverse of mapping.py, so a round trip can be tested.

A graph has no order, so lists come back in a canonical order (`canonical` puts a record read
from a file in the same order); the graph does not keep source lines, and a certificate comes
back with the rating body the reader named (the territory's default when the source gave none).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pyoxigraph import NamedNode

from filmgraph.record import (
    CastMember, Certificate, Character, CrewMember, Distributor, ExternalIds, FilmRecord, Note, RelatedFilm,
    Release, Runtime, SeriesRef, Source, Technical, Title,
)
from filmgraph.terms import FG, MEDIUM, PROV, RDF_TYPE, SDO

_MEDIUM_NAME = {iri: name for name, iri in MEDIUM.items()}
_CREW = {"producer": SDO.producer, "composer": SDO.musicBy, "cinematographer": FG.cinematographer,
         "editor": FG.filmEditor, "production_designer": FG.productionDesigner}
_COLOUR_NAME = {FG.Colour: "colour", FG.BlackAndWhite: "black and white"}
_CHARACTER = SDO.character


class _Graph:
    """Triples of one graph indexed by subject and predicate; objects keep their pyoxigraph terms."""

    def __init__(self, triples: Iterable[tuple[Any, Any, Any]]):
        self.out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in triples:
            self.out[s.value][p.value].append(o)
            if isinstance(o, NamedNode):
                self.into[o.value][p.value].append(s.value)

    def all(self, s: str, p: str) -> list[Any]:
        return self.out.get(s, {}).get(p, [])

    def one(self, s: str, p: str) -> Any:
        values = self.all(s, p)
        return values[0] if values else None

    def text(self, s: str, p: str) -> str | None:
        value = self.one(s, p)
        return value.value if value is not None else None

    def name(self, node: Any) -> str:
        return self.text(node.value, SDO.name) or node.value

    def code(self, node: Any) -> str:
        return self.text(node.value, SDO.identifier) or node.value.rsplit("/", 1)[-1]


_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?T?(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>[\d.]+)S)?$")


def _minutes(duration: str) -> int:
    """Whole minutes of an xsd:duration (a store may normalise PT94M to PT1H34M)."""
    m = _DURATION.match(duration)
    if not m:
        raise ValueError(f"not a duration: {duration!r}")
    d, h, mins = (int(m.group(k) or 0) for k in "dhm")
    return (d * 24 + h) * 60 + mins


def _year(g: _Graph, film: str) -> int | None:
    value = g.text(film, SDO.dateCreated)
    return int(value[:4]) if value else None


def _series(g: _Graph, film: str) -> SeriesRef | None:
    node = g.one(film, SDO.isPartOf)
    if node is None:
        return None
    position = g.text(film, SDO.position)
    return SeriesRef(g.name(node), int(position) if position else None)


def record_from_triples(graph: str, triples: Iterable[tuple[Any, Any, Any]]) -> FilmRecord:
    """The record a named graph holds, from its (subject, predicate, object) triples."""
    g = _Graph(triples)
    film_node = g.one(graph, FG.describes)
    if film_node is None:
        raise ValueError(f"{graph} is not a record graph (no fg:describes)")
    film = film_node.value
    src = g.one(graph, PROV.wasDerivedFrom).value
    row = g.text(src, FG.sourceRow)
    source = Source(g.text(src, FG.sourcePath), g.text(src, FG.sourceFormat), int(row) if row else None,
                    g.text(src, FG.sha256))
    r = FilmRecord(title=g.text(film, SDO.name), source=source, year=_year(g, film))

    original = g.one(film, FG.originalTitle)
    if original is not None:
        r.original_title = Title(original.value, original.language)
    r.alternate_titles = [Title(t.value, t.language) for t in g.all(film, SDO.alternateName)]
    r.directors = [g.name(p) for p in g.all(film, SDO.director)]
    r.writers = [g.name(p) for p in g.all(film, SDO.author)]

    played: dict[str, list[str]] = defaultdict(list)
    for role in g.all(film, SDO.actor):
        actor = g.name(g.one(role.value, SDO.actor))
        r.cast.append(CastMember(actor, int(g.text(role.value, FG.billingOrder)),
                                 g.text(role.value, SDO.characterName)))
        character = g.one(role.value, FG.character)
        if character is not None:
            played[character.value].append(actor)
    for node in g.all(film, _CHARACTER):
        aliases = [a.value for a in g.all(node.value, SDO.alternateName)]
        actors = played.get(node.value, [])
        if aliases or not actors:
            r.characters.append(Character(g.name(node), aliases, actors[0] if len(actors) == 1 else None))

    r.series = _series(g, film)
    r.countries = [g.code(c) for c in g.all(film, SDO.countryOfOrigin)]
    r.languages = [t.value for t in g.all(film, SDO.inLanguage)]
    r.subtitles = [t.value for t in g.all(film, SDO.subtitleLanguage)]

    duration = g.text(film, SDO.duration)
    nodes = g.all(film, FG.runtime)
    if nodes:
        r.runtimes = [Runtime(_minutes(g.text(n.value, SDO.duration)),
                              [g.code(t) for t in g.all(n.value, FG.territory)]) for n in nodes]
        first = _minutes(duration) if duration else None
        r.runtimes.sort(key=lambda rt: (rt.minutes != first, rt.minutes))
    elif duration:
        r.runtimes = [Runtime(_minutes(duration))]

    for node in g.all(film, SDO.contentRating):
        n = node.value
        body = g.one(n, SDO.author)
        r.certificates.append(Certificate(g.code(g.one(n, FG.territory)), g.text(n, SDO.ratingValue),
                                          g.text(n, SDO.ratingExplanation), g.name(body) if body else None))
    for node in g.all(film, SDO.releasedEvent):
        n = node.value
        date = g.text(n, SDO.startDate)
        r.releases.append(Release(g.code(g.one(n, SDO.location)), _MEDIUM_NAME[g.one(n, FG.medium).value],
                                  datetime.date.fromisoformat(date) if date else None,
                                  g.text(n, FG.limitedRelease) == "true", g.text(n, FG.city), g.text(n, FG.boxSet)))
    for node in g.all(film, FG.distribution):
        n = node.value
        r.distributors.append(Distributor(g.code(g.one(n, FG.territory)), g.name(g.one(n, FG.distributor))))

    movies = [s for s, props in g.out.items()
              if s != film and any(o.value == SDO.Movie for o in props.get(RDF_TYPE, []))]
    for other in movies:
        r.related_films.append(RelatedFilm(g.text(other, SDO.name), _year(g, other),
                                           [g.name(p) for p in g.all(other, SDO.director)], _series(g, other)))
    r.crew = [CrewMember(role, g.name(p)) for role, term in _CREW.items() for p in g.all(film, term)]
    colour = g.one(film, FG.colour)
    r.technical = Technical(g.text(film, FG.aspectRatio), _COLOUR_NAME.get(colour.value) if colour else None,
                            [s.value for s in g.all(film, FG.soundSystem)], [f.value for f in g.all(film, FG.filmFormat)])
    r.awards = [a.value for a in g.all(film, SDO.award)]
    r.ids = ExternalIds(g.text(film, FG.imdbId), g.text(film, FG.wikidataId), g.text(film, FG.tmdbId))
    r.notes = [Note(n.value) for n in g.all(film, FG.note)]
    return canonical(r)


def read_record(store: Any, graph: str) -> FilmRecord:
    """The record of one named graph in a store (embedded or remote, through its query interface)."""
    rows = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(graph)}, union=False)
    return record_from_triples(graph, ((row["s"], row["p"], row["o"]) for row in rows))


def canonical(record: FilmRecord) -> FilmRecord:
    """The record with its unordered lists sorted and no source lines: what a graph can give back."""
    r = replace(record)
    r.alternate_titles = sorted(r.alternate_titles, key=lambda t: (t.text, t.language or ""))
    r.directors = sorted(r.directors)
    r.writers = sorted(r.writers)
    r.cast = sorted(r.cast, key=lambda c: (c.billing, c.actor))
    r.characters = sorted((replace(c, aliases=sorted(c.aliases)) for c in r.characters), key=lambda c: c.name)
    r.countries = sorted(r.countries)
    r.languages = sorted(r.languages)
    r.subtitles = sorted(r.subtitles)
    if r.runtimes:
        first = r.runtimes[0].minutes
        r.runtimes = sorted((replace(rt, territories=sorted(rt.territories)) for rt in r.runtimes),
                            key=lambda rt: (rt.minutes != first, rt.minutes))
    r.certificates = sorted(r.certificates, key=lambda c: (c.territory, c.value))
    r.releases = sorted(r.releases, key=lambda x: (x.territory, x.medium, x.date or datetime.date.min))
    r.distributors = sorted(r.distributors, key=lambda d: (d.territory, d.name))
    r.related_films = sorted((replace(f, directors=sorted(f.directors)) for f in r.related_films),
                             key=lambda f: (f.year or 0, f.title))
    r.notes = sorted((Note(n.text) for n in r.notes), key=lambda n: n.text)
    r.crew = sorted(r.crew, key=lambda c: (c.role, c.name))
    r.technical = replace(r.technical, sound=sorted(r.technical.sound), formats=sorted(r.technical.formats))
    r.awards = sorted(r.awards)
    r.lines = {}
    r.rules = {}
    return r


__all__ = ["canonical", "read_record", "record_from_triples"]
