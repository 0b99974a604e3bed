"""A record becomes one named graph: the film, everything the record says about it, and provenance.

The mapping emits pyoxigraph terms directly: they are what the store takes, they cost little to
build, and rdflib graphs are made from them only where rdflib is needed (validation, tests).
Every node but literals gets a minted IRI (identity.py); the graph carries a hash of its content
so that re-ingesting an unchanged record is recognised and costs nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad, Triple

from filmgraph import codes, identity
from filmgraph.record import FilmRecord, SeriesRef
from filmgraph.terms import FG, MEDIUM, PROV, RDF_TYPE, SDO, XSD

_TYPE = NamedNode(RDF_TYPE)
_XSD_INTEGER = NamedNode(XSD + "integer")
_XSD_GYEAR = NamedNode(XSD + "gYear")
_XSD_DATE = NamedNode(XSD + "date")
_XSD_DURATION = NamedNode(XSD + "duration")
_XSD_BOOLEAN = NamedNode(XSD + "boolean")
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_TRUE = Literal("true", datatype=_XSD_BOOLEAN)


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


_P = {name: _n(getattr(SDO, name)) for name in (
    "Movie Person PerformanceRole MovieSeries PublicationEvent Rating Country Organization "
    "name alternateName dateCreated duration director author actor characterName isPartOf position "
    "countryOfOrigin inLanguage subtitleLanguage releasedEvent startDate location publishedBy "
    "contentRating ratingValue ratingExplanation identifier").split()}
_F = {name: _n(getattr(FG, name)) for name in (
    "Character Runtime Distribution RecordGraph billingOrder character follows followedBy medium "
    "limitedRelease city boxSet dateToBeConfirmed territory distribution distributor runtime "
    "originalTitle imdbId wikidataId tmdbId note describes sourcePath sourceFormat sourceRow sha256 "
    "contentHash").split()}
_SCHEMA_CHARACTER = _n("https://schema.org/character")


@dataclass(slots=True)
class MappedRecord:
    """The named graph of one record, ready for validation and the store."""

    graph: NamedNode
    film: NamedNode
    triples: list[Triple]
    content_hash: str
    record: FilmRecord

    def quads(self):
        g = self.graph
        return (Quad(t.subject, t.predicate, t.object, g) for t in self.triples)


def duration(minutes: int) -> str:
    """The canonical xsd:duration (96 minutes is `PT1H36M`), the form Oxigraph stores and exports."""
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def ingest_time() -> str:
    """Now in UTC, or `SOURCE_DATE_EPOCH` when set, for reproducible stores and exports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


class _Builder:
    """Collects triples for one record, minting each shared node's description once."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self._described: set[str] = set()

    def add(self, s: NamedNode, p: NamedNode, o) -> None:
        self.triples.append(Triple(s, p, o))

    def text(self, s: NamedNode, p: NamedNode, value: str | None, language: str | None = None) -> None:
        if value:
            self.add(s, p, Literal(value, language=language) if language else Literal(value))

    def once(self, iri: str) -> bool:
        if iri in self._described:
            return False
        self._described.add(iri)
        return True

    def person(self, name: str) -> NamedNode:
        iri = identity.person_iri(name)
        node = _n(iri)
        if self.once(iri):
            self.add(node, _TYPE, _P["Person"])
            self.add(node, _P["name"], Literal(name))
        return node

    def country(self, code: str) -> NamedNode:
        iri = identity.country_iri(code)
        node = _n(iri)
        if self.once(iri):
            self.add(node, _TYPE, _P["Country"])
            self.add(node, _P["identifier"], Literal(code))
            self.add(node, _P["name"], Literal(codes.country_name(code)))
        return node

    def organization(self, name: str) -> NamedNode:
        iri = identity.organization_iri(name)
        node = _n(iri)
        if self.once(iri):
            self.add(node, _TYPE, _P["Organization"])
            self.add(node, _P["name"], Literal(name))
        return node

    def series(self, ref: SeriesRef, film: NamedNode) -> None:
        iri = identity.series_iri(ref.name)
        node = _n(iri)
        if self.once(iri):
            self.add(node, _TYPE, _P["MovieSeries"])
            self.add(node, _P["name"], Literal(ref.name))
        self.add(film, _P["isPartOf"], node)
        if ref.position is not None:
            self.add(film, _P["position"], Literal(str(ref.position), datatype=_XSD_INTEGER))

    def film(self, title: str, year: int | None) -> NamedNode:
        iri = identity.film_iri(title, year)
        node = _n(iri)
        if self.once(iri):
            self.add(node, _TYPE, _P["Movie"])
            self.add(node, _P["name"], Literal(title))
            if year:
                self.add(node, _P["dateCreated"], Literal(str(year), datatype=_XSD_GYEAR))
        return node


def _unique(base: str, used: set[str]) -> str:
    iri, n = base, 1
    while iri in used:
        n += 1
        iri = f"{base}-{n}"
    used.add(iri)
    return iri


def map_record(record: FilmRecord, generated_at: str | None = None) -> MappedRecord:
    """Map one record to its named graph; deterministic but for the ingest time."""
    b = _Builder()
    film = b.film(record.title, record.year)
    base = film.value
    key = identity.film_key(record.title, record.year)
    scope = identity.slug(record.series.name) if record.series else key

    if record.original_title:
        b.text(film, _F["originalTitle"], record.original_title.text, record.original_title.language)
    for alt in record.alternate_titles:
        b.text(film, _P["alternateName"], alt.text, alt.language)

    for name in record.directors:
        b.add(film, _P["director"], b.person(name))
    for name in record.writers:
        b.add(film, _P["author"], b.person(name))

    characters: dict[str, NamedNode] = {}

    def character(name: str) -> NamedNode:
        iri = identity.character_iri(name, scope)
        if iri not in characters:
            node = characters[iri] = _n(iri)
            b.add(node, _TYPE, _F["Character"])
            b.add(node, _P["name"], Literal(name))
            b.add(film, _SCHEMA_CHARACTER, node)
        return characters[iri]

    played = {c.played_by: c.name for c in record.characters if c.played_by}
    used: set[str] = set()
    for member in record.cast:
        role = _n(_unique(f"{base}/role/{identity.slug(member.actor)}", used))
        b.add(film, _P["actor"], role)
        b.add(role, _TYPE, _P["PerformanceRole"])
        b.add(role, _P["actor"], b.person(member.actor))
        b.add(role, _F["billingOrder"], Literal(str(member.billing), datatype=_XSD_INTEGER))
        name = member.character or played.get(member.actor)
        if name:
            b.add(role, _P["characterName"], Literal(name))
            b.add(role, _F["character"], character(name))
    for c in record.characters:
        node = character(c.name)
        for alias in c.aliases:
            b.add(node, _P["alternateName"], Literal(alias))

    if record.series:
        b.series(record.series, film)
    positioned: dict[str, list[tuple[int, NamedNode]]] = {}
    if record.series and record.series.position is not None:
        positioned.setdefault(record.series.name, []).append((record.series.position, film))
    for related in record.related_films:
        node = b.film(related.title, related.year)
        for name in related.directors:
            b.add(node, _P["director"], b.person(name))
        if related.series:
            b.series(related.series, node)
            if related.series.position is not None:
                positioned.setdefault(related.series.name, []).append((related.series.position, node))
    for members in positioned.values():
        by_position = dict(sorted(members, key=lambda m: m[0]))
        for position, node in by_position.items():
            after = by_position.get(position + 1)
            if after is not None:
                b.add(after, _F["follows"], node)
                b.add(node, _F["followedBy"], after)

    for code in record.countries:
        b.add(film, _P["countryOfOrigin"], b.country(code))
    for tag in record.languages:
        b.add(film, _P["inLanguage"], Literal(tag))
    for tag in record.subtitles:
        b.add(film, _P["subtitleLanguage"], Literal(tag))

    if record.runtimes:
        b.add(film, _P["duration"], Literal(duration(record.runtimes[0].minutes), datatype=_XSD_DURATION))
        for runtime in record.runtimes:
            if not runtime.territories and len(record.runtimes) == 1:
                continue
            node = _n(f"{base}/runtime/{runtime.minutes}")
            b.add(film, _F["runtime"], node)
            b.add(node, _TYPE, _F["Runtime"])
            b.add(node, _P["duration"], Literal(duration(runtime.minutes), datatype=_XSD_DURATION))
            for code in runtime.territories:
                b.add(node, _F["territory"], b.country(code))

    distributor_by_territory: dict[str, NamedNode] = {}
    for d in record.distributors:
        org = b.organization(d.name)
        distributor_by_territory.setdefault(d.territory, org)
        node = _n(_unique(f"{base}/distribution/{d.territory}", used))
        b.add(film, _F["distribution"], node)
        b.add(node, _TYPE, _F["Distribution"])
        b.add(node, _F["distributor"], org)
        b.add(node, _F["territory"], b.country(d.territory))

    for release in record.releases:
        node = _n(_unique(f"{base}/release/{release.territory}-{release.medium}", used))
        b.add(film, _P["releasedEvent"], node)
        b.add(node, _TYPE, _P["PublicationEvent"])
        if release.date:
            b.add(node, _P["startDate"], Literal(release.date.isoformat(), datatype=_XSD_DATE))
        else:
            b.add(node, _F["dateToBeConfirmed"], _TRUE)
        b.add(node, _P["location"], b.country(release.territory))
        b.add(node, _F["medium"], _n(MEDIUM[release.medium]))
        if release.limited:
            b.add(node, _F["limitedRelease"], _TRUE)
        b.text(node, _F["city"], release.city)
        b.text(node, _F["boxSet"], release.box_set)
        if release.territory in distributor_by_territory:
            b.add(node, _P["publishedBy"], distributor_by_territory[release.territory])

    for cert in record.certificates:
        node = _n(_unique(f"{base}/rating/{cert.territory}", used))
        b.add(film, _P["contentRating"], node)
        b.add(node, _TYPE, _P["Rating"])
        b.add(node, _P["ratingValue"], Literal(cert.value))
        b.text(node, _P["ratingExplanation"], cert.advice)
        b.add(node, _F["territory"], b.country(cert.territory))
        body = cert.body or codes.rating_body(cert.territory)
        if body:
            b.add(node, _P["author"], b.organization(body))

    ids = record.ids
    b.text(film, _F["imdbId"], ids.imdb)
    b.text(film, _F["wikidataId"], ids.wikidata)
    b.text(film, _F["tmdbId"], ids.tmdb)
    for note in record.notes:
        b.add(film, _F["note"], Literal(note.text))

    graph = _n(identity.graph_iri(record.source.kind, record.title, record.year))
    src = record.source
    source_node = _n(identity.source_iri(src.sha256 or hashlib.sha256(src.path.encode()).hexdigest()))
    b.add(graph, _TYPE, _F["RecordGraph"])
    b.add(graph, _F["describes"], film)
    b.add(graph, _n(PROV.wasDerivedFrom), source_node)
    b.add(source_node, _TYPE, _n(PROV.Entity))
    b.add(source_node, _F["sourcePath"], Literal(src.path))
    b.add(source_node, _F["sourceFormat"], Literal(src.kind))
    if src.row is not None:
        b.add(source_node, _F["sourceRow"], Literal(str(src.row), datatype=_XSD_INTEGER))
    if src.sha256:
        b.add(source_node, _F["sha256"], Literal(src.sha256))

    digest = hashlib.sha256("\n".join(sorted(str(t) for t in b.triples)).encode()).hexdigest()
    b.add(graph, _F["contentHash"], Literal(digest))
    b.add(graph, _n(PROV.generatedAtTime), Literal(generated_at or ingest_time(), datatype=_XSD_DATETIME))
    return MappedRecord(graph=graph, film=film, triples=b.triples, content_hash=digest, record=record)
