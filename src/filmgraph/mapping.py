"""A record becomes one named graph: the film, everything the record says about it, and provenance.

The mapping writes each statement straight as an N-Triples line: text is what the bulk loader,
the SPARQL update and the content hash all take, and building it costs a fraction of making a
pyoxigraph term per node (docs/performance.md). `MappedRecord.triples` parses the text into
pyoxigraph triples when a caller (validation, tests) asks for terms.
Every node but literals gets a minted IRI (identity.py); the graph carries a hash of its content
so that re-ingesting an unchanged record is recognised and costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse

from filmgraph import codes, identity
from filmgraph.record import FilmRecord, SeriesRef
from filmgraph.settings import Settings
from filmgraph.sparql.text import BAD_IRI, escape
from filmgraph.terms import FG, MEDIUM, PROV, RDF_TYPE, SDO, XSD

_TYPE = f"<{RDF_TYPE}>"
_XSD_INTEGER = f"<{XSD}integer>"
_XSD_GYEAR = f"<{XSD}gYear>"
_XSD_DATE = f"<{XSD}date>"
_XSD_DURATION = f"<{XSD}duration>"
_XSD_DATETIME = f"<{XSD}dateTime>"
_TRUE = f'"true"^^<{XSD}boolean>'

_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")


def _lit(value: str, datatype: str | None = None) -> str:
    """A literal in N-Triples; `datatype` is an IRI already in angle brackets."""
    text = escape(value)
    return f'"{text}"^^{datatype}' if datatype else f'"{text}"'


def _lang(value: str, language: str) -> str:
    if not _LANGUAGE_TAG.match(language):
        raise ValueError(f"invalid language tag {language!r}")
    return f"{_lit(value)}@{language.lower()}"


def _n(iri: str) -> str:
    """An IRI in angle brackets; refuses what pyoxigraph's NamedNode would refuse outright."""
    if BAD_IRI.search(iri):
        raise ValueError(f"invalid IRI {iri!r}")
    return f"<{iri}>"


def duration(minutes: int) -> str:
    """The canonical xsd:duration (96 minutes is `PT1H36M`), the form Oxigraph stores and exports."""
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


@lru_cache(maxsize=1024)
def _duration(minutes: int) -> str:
    return _lit(duration(minutes), _XSD_DURATION)


@lru_cache(maxsize=1024)
def _integer(n: int) -> str:
    return _lit(str(n), _XSD_INTEGER)


# Minting folds Unicode (slow in Python); names and titles recur across records, so remember them.
_slug = lru_cache(maxsize=1 << 17)(identity.slug)
_film_key = lru_cache(maxsize=4096)(identity.film_key)
_film_iri = lru_cache(maxsize=4096)(identity.film_iri)
_series_iri = lru_cache(maxsize=4096)(identity.series_iri)
_character_iri = lru_cache(maxsize=1 << 16)(identity.character_iri)


@lru_cache(maxsize=1 << 17)
def _person(name: str) -> tuple[str, str, str]:
    """A person's slug IRI, identity key and name literal: people recur across records."""
    return identity.person_iri(name), identity.key(name), _lit(name)


@lru_cache(maxsize=4096)
def _country(code: str) -> tuple[str, str, str]:
    return _n(identity.country_iri(code)), _lit(code), _lit(codes.country_name(code))


@lru_cache(maxsize=16384)
def _organization(name: str) -> str:
    return identity.organization_iri(name)


_P = {name: _n(getattr(SDO, name)) for name in (
    "Movie Person PerformanceRole MovieSeries PublicationEvent Rating Country Organization "
    "name alternateName dateCreated duration director author actor characterName isPartOf position "
    "countryOfOrigin inLanguage subtitleLanguage releasedEvent startDate location publishedBy "
    "contentRating ratingValue ratingExplanation identifier character producer musicBy award").split()}
_F = {name: _n(getattr(FG, name)) for name in (
    "Character Runtime Distribution RecordGraph billingOrder character follows followedBy medium "
    "limitedRelease city boxSet dateToBeConfirmed territory distribution distributor runtime "
    "originalTitle imdbId wikidataId tmdbId note describes sourcePath sourceFormat sourceRow sha256 "
    "contentHash lacks sourceLines absolutePath cinematographer filmEditor productionDesigner aspectRatio colour soundSystem "
    "filmFormat Colour BlackAndWhite").split()}
_PERSON, _NAME = _P["Person"], _P["name"]
_CREW = {"producer": _P["producer"], "composer": _P["musicBy"], "cinematographer": _F["cinematographer"],
         "editor": _F["filmEditor"], "production_designer": _F["productionDesigner"]}
_COLOUR = {"colour": _F["Colour"], "black and white": _F["BlackAndWhite"]}
_MEDIUM = {name: _n(iri) for name, iri in MEDIUM.items()}
_PROV_DERIVED = _n(PROV.wasDerivedFrom)
_PROV_ENTITY = _n(PROV.Entity)
_PROV_GENERATED = _n(PROV.generatedAtTime)


class MappedRecord:
    """The named graph of one record, ready for validation and the store.

    The statements are held as N-Triples text (`ntriples`, one ``s p o .`` line each); `graph`
    and `film` are pyoxigraph nodes and `triples` parses the text on first use. The object
    pickles small, so parser processes can hand it to the writer cheaply.
    """

    __slots__ = ("graph", "film", "ntriples", "size", "content_hash", "record", "minted", "_triples")

    def __init__(self, graph: NamedNode, film: NamedNode, ntriples: str, size: int, content_hash: str,
                 record: FilmRecord, minted: tuple[identity.Minted, ...] = ()):
        self.graph = graph
        self.film = film
        self.ntriples = ntriples
        self.size = size
        self.content_hash = content_hash
        self.record = record
        self.minted = minted
        """The nodes minted from names, for `resolve_identities` to check against other records."""
        self._triples: list[Triple] | None = None

    def __getstate__(self):
        # Minted nodes travel as plain tuples: a worker pickles tens of them per record.
        return (self.graph.value, self.film.value, self.ntriples, self.size, self.content_hash, self.record,
                tuple((m.iri, m.base, m.name) for m in self.minted))

    def __setstate__(self, state) -> None:
        graph, film, self.ntriples, self.size, self.content_hash, self.record, minted = state
        self.graph, self.film, self._triples = NamedNode(graph), NamedNode(film), None
        self.minted = tuple(identity.Minted(*m) for m in minted)

    @property
    def triples(self) -> list[Triple]:
        if self._triples is None:
            self._triples = list(parse(self.ntriples, RdfFormat.N_TRIPLES))
        return self._triples

    def quads(self):
        g = self.graph
        return (Quad(t.subject, t.predicate, t.object, g) for t in self.triples)

    def nquads(self) -> str:
        """The graph as N-Quads text: a raw newline never occurs inside a line, so each
        `` .\\n`` is a statement's end."""
        return self.ntriples.replace(" .\n", f" <{self.graph.value}> .\n")


def source_lines(lines: dict[str, int]) -> str:
    """The record's field lines as the compact JSON `fg:sourceLines` stores (keys sorted)."""
    return json.dumps(lines, sort_keys=True, separators=(",", ":"))


# Printable ASCII but `"` and `\`: what JSON and N-Triples both write as it is.
_PLAIN_KEYS = re.compile(r'[ !#-\[\]-~]*')


def _source_lines_literal(lines: dict[str, int]) -> str:
    """`_lit(source_lines(lines))`, written directly when every key is plain text and every value a
    whole number (always, for the readers' field names and line numbers)."""
    if _PLAIN_KEYS.fullmatch("".join(lines)) and all(type(v) is int for v in lines.values()):
        return '"{' + ",".join(f'\\"{k}\\":{lines[k]}' for k in sorted(lines)) + '}"'
    return _lit(source_lines(lines))


class _Builder:
    """Collects N-Triples lines (without the closing ``.``) for one record, describing each shared
    node once."""

    def __init__(self) -> None:
        self.triples: list[str] = []
        self._described: set[str] = set()
        self.minted: dict[tuple[str, str], identity.Minted] = {}
        self._nodes: dict[tuple[str, str], str] = {}
        self._per_base: dict[str, int] = {}

    def mint(self, base: str, name: str, key: str | None = None) -> str:
        """The node for `name` minted from the slug IRI `base`, in angle brackets: two names that
        differ (identity.key) but share a slug get ``base~2`` … within the record."""
        found = self._nodes.get((base, key or identity.key(name)))
        return found if found is not None else self._new(base, name, key or identity.key(name))

    def _new(self, base: str, name: str, key: str) -> str:
        n = self._per_base[base] = self._per_base.get(base, 0) + 1
        minted = self.minted[(base, key)] = identity.Minted(identity.suffixed(base, n), base, name)
        node = self._nodes[(base, key)] = f"<{minted.iri}>"
        return node

    def add(self, s: str, p: str, o: str) -> None:
        self.triples.append(f"{s} {p} {o}")

    def text(self, s: str, p: str, value: str | None, language: str | None = None) -> None:
        if value:
            self.add(s, p, _lang(value, language) if language else _lit(value))

    def once(self, iri: str) -> bool:
        if iri in self._described:
            return False
        self._described.add(iri)
        return True

    def person(self, name: str) -> str:
        base, key, literal = _person(name)
        node = self._nodes.get((base, key))
        if node is None:
            node = self._new(base, name, key)
        if node not in self._described:
            self._described.add(node)
            self.triples.append(f"{node} {_TYPE} {_PERSON}")
            self.triples.append(f"{node} {_NAME} {literal}")
        return node

    def country(self, code: str) -> str:
        node, identifier, name = _country(code)
        if self.once(node):
            self.add(node, _TYPE, _P["Country"])
            self.add(node, _P["identifier"], identifier)
            self.add(node, _P["name"], name)
        return node

    def organization(self, name: str) -> str:
        node = self.mint(_organization(name), name)
        if self.once(node):
            self.add(node, _TYPE, _P["Organization"])
            self.add(node, _P["name"], _lit(name))
        return node

    def series(self, ref: SeriesRef, film: str) -> None:
        node = self.mint(_series_iri(ref.name), ref.name)
        if self.once(node):
            self.add(node, _TYPE, _P["MovieSeries"])
            self.add(node, _P["name"], _lit(ref.name))
        self.add(film, _P["isPartOf"], node)
        if ref.position is not None:
            self.add(film, _P["position"], _lit(str(ref.position), _XSD_INTEGER))

    def film(self, title: str, year: int | None) -> str:
        node = self.mint(_film_iri(title, year), title)
        if self.once(node):
            self.add(node, _TYPE, _P["Movie"])
            self.add(node, _P["name"], _lit(title))
            if year:
                self.add(node, _P["dateCreated"], _lit(str(year), _XSD_GYEAR))
        return node


def _unique(base: str, used: set[str]) -> str:
    iri, n = base, 1
    while iri in used:
        n += 1
        iri = f"{base}-{n}"
    used.add(iri)
    return iri


def gaps(record: FilmRecord) -> list[str]:
    """What the record gives no value for, in the words of `fg:lacks` (the ontology lists them)."""
    found = {
        "runtime": bool(record.runtimes),
        "director": bool(record.directors),
        "cast": bool(record.cast),
        "dated release": any(r.date for r in record.releases),
        "certificate": bool(record.certificates),
    }
    return [name for name, present in found.items() if not present]


def map_record(record: FilmRecord, generated_at: str | None = None) -> MappedRecord:
    """Map one record to its named graph; deterministic but for the ingest time."""
    b = _Builder()
    film = b.film(record.title, record.year)
    base = film[1:-1]
    series_node = b.mint(_series_iri(record.series.name), record.series.name) if record.series else None
    # Characters belong to the series (so they recur) or the film: their IRIs sit below its slug.
    scope = (series_node or film)[1:-1].rsplit("/", 1)[1]

    if record.original_title:
        b.text(film, _F["originalTitle"], record.original_title.text, record.original_title.language)
    for alt in record.alternate_titles:
        b.text(film, _P["alternateName"], alt.text, alt.language)

    for name in record.directors:
        b.add(film, _P["director"], b.person(name))
    for name in record.writers:
        b.add(film, _P["author"], b.person(name))
    for credit in record.crew:
        b.add(film, _CREW[credit.role], b.person(credit.name))
    tech = record.technical
    b.text(film, _F["aspectRatio"], tech.aspect_ratio)
    if tech.colour in _COLOUR:
        b.add(film, _F["colour"], _COLOUR[tech.colour])
    for sound in tech.sound:
        b.text(film, _F["soundSystem"], sound)
    for form in tech.formats:
        b.text(film, _F["filmFormat"], form)
    for award in record.awards:
        b.text(film, _P["award"], award)

    characters: dict[str, str] = {}

    def character(name: str) -> str:
        iri = b.mint(_character_iri(name, scope), name)
        if iri not in characters:
            node = characters[iri] = iri
            b.add(node, _TYPE, _F["Character"])
            b.add(node, _P["name"], _lit(name))
            b.add(film, _P["character"], node)
        return characters[iri]

    played: dict[str, list[str]] = {}
    for c in record.characters:
        if c.played_by:
            played.setdefault(c.played_by, []).append(c.name)
    used: set[str] = set()
    add = b.triples.append
    actor, role_type, billing = _P["actor"], _P["PerformanceRole"], _F["billingOrder"]
    for member in record.cast:
        role = _n(_unique(f"{base}/role/{_slug(member.actor)}", used))
        add(f"{film} {actor} {role}")
        add(f"{role} {_TYPE} {role_type}")
        add(f"{role} {actor} {b.person(member.actor)}")
        add(f"{role} {billing} {_integer(member.billing)}")
        names = [member.character] if member.character else []
        if member.actor in played:
            names += [n for n in played[member.actor] if n not in names]
        for name in names:
            b.add(role, _P["characterName"], _lit(name))
            b.add(role, _F["character"], character(name))
    for c in record.characters:
        node = character(c.name)
        for alias in c.aliases:
            b.add(node, _P["alternateName"], _lit(alias))

    if record.series:
        b.series(record.series, film)
    positioned: dict[str, list[tuple[int, str]]] = {}
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
        b.add(film, _P["inLanguage"], _lit(tag))
    for tag in record.subtitles:
        b.add(film, _P["subtitleLanguage"], _lit(tag))

    if record.runtimes:
        b.add(film, _P["duration"], _duration(record.runtimes[0].minutes))
        for runtime in record.runtimes:
            if not runtime.territories and len(record.runtimes) == 1:
                continue
            node = _n(f"{base}/runtime/{runtime.minutes}")
            b.add(film, _F["runtime"], node)
            b.add(node, _TYPE, _F["Runtime"])
            b.add(node, _P["duration"], _duration(runtime.minutes))
            for code in runtime.territories:
                b.add(node, _F["territory"], b.country(code))

    distributor_by_territory: dict[str, str] = {}
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
            b.add(node, _P["startDate"], _lit(release.date.isoformat(), _XSD_DATE))
        else:
            b.add(node, _F["dateToBeConfirmed"], _TRUE)
        b.add(node, _P["location"], b.country(release.territory))
        b.add(node, _F["medium"], _MEDIUM[release.medium])
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
        b.add(node, _P["ratingValue"], _lit(cert.value))
        b.text(node, _P["ratingExplanation"], cert.advice)
        b.add(node, _F["territory"], b.country(cert.territory))
        if cert.body:  # the reader names the body (the territory's own when the source gives none)
            b.add(node, _P["author"], b.organization(cert.body))

    ids = record.ids
    b.text(film, _F["imdbId"], ids.imdb)
    b.text(film, _F["wikidataId"], ids.wikidata)
    b.text(film, _F["tmdbId"], ids.tmdb)
    for note in record.notes:
        b.add(film, _F["note"], _lit(note.text))

    src = record.source
    graph_iri = record_graph(src)
    graph = _n(graph_iri)
    source_node = _n(identity.source_iri(graph_iri))
    b.add(graph, _TYPE, _F["RecordGraph"])
    b.add(graph, _F["describes"], film)
    for gap in gaps(record):
        b.add(graph, _F["lacks"], _lit(gap))
    b.add(graph, _PROV_DERIVED, source_node)
    b.add(source_node, _TYPE, _PROV_ENTITY)
    b.add(source_node, _F["sourcePath"], _lit(src.root_path or _portable(src.path)))
    if src.absolute_path:
        b.add(source_node, _F["absolutePath"], _lit(src.absolute_path))
    b.add(source_node, _F["sourceFormat"], _lit(src.kind))
    if src.row is not None:
        b.add(source_node, _F["sourceRow"], _lit(str(src.row), _XSD_INTEGER))
    if src.sha256:
        b.add(source_node, _F["sha256"], _lit(src.sha256))
    if record.lines:
        b.add(graph, _F["sourceLines"], _source_lines_literal(record.lines))

    digest = hashlib.sha256("\n".join(sorted(b.triples)).encode()).hexdigest()
    b.add(graph, _F["contentHash"], _lit(digest))
    b.add(graph, _PROV_GENERATED, _lit(generated_at or Settings().now(), _XSD_DATETIME))
    text = " .\n".join(b.triples) + " .\n"
    return MappedRecord(graph=NamedNode(graph_iri), film=NamedNode(base), ntriples=text, size=len(b.triples),
                        content_hash=digest, record=record, minted=tuple(b.minted.values()))


def _portable(path: str) -> str:
    return path.replace(os.sep, "/")


def record_graph(source) -> str:
    """The record graph's IRI: its source's root-relative path (as given when ingest set no root),
    plus the row for a file of many records."""
    return identity.record_graph_iri(source.root_path or _portable(source.path), source.row)


# ---- identity across records -------------------------------------------------------------------

_FILMS = f"{identity.BASE_IRI}film/"
_SERIES = f"{identity.BASE_IRI}series/"
_CHARACTERS = f"{identity.BASE_IRI}character/"


def resolve_identities(batch: list[MappedRecord], registry: identity.Registry) -> list[identity.Collision]:
    """Give each minted node the IRI the registry holds for its name (identity.Registry), rewriting
    the records whose names met a different name on the same slug. Films and series first: a
    character's IRI sits below its film's or series' slug and moves with it."""
    collisions: list[identity.Collision] = []
    for mapped in batch:
        if not mapped.minted:
            continue
        renames: dict[str, str] = {}
        owners = [m for m in mapped.minted if m.base.startswith((_FILMS, _SERIES))]
        for m in owners + [m for m in mapped.minted if not m.base.startswith((_FILMS, _SERIES))]:
            base = m.base
            if base.startswith(_CHARACTERS):
                scope, _, rest = base[len(_CHARACTERS):].rpartition("/")
                moved = renames.get(f"{_FILMS}{scope}") or renames.get(f"{_SERIES}{scope}")
                if moved:
                    base = f"{_CHARACTERS}{moved.rsplit('/', 1)[1]}/{rest}"
            iri, collision = registry.resolve(base, m.name)
            if collision:
                collision.where = mapped.graph.value
                collisions.append(collision)
            if iri != m.iri:
                renames[m.iri] = iri
        if renames:
            _rename(mapped, renames)
    return collisions


def _rename(mapped: MappedRecord, renames: dict[str, str]) -> None:
    """Rewrite node IRIs (and the IRIs below them) in one pass, so that swaps stay swaps, and
    recompute the content hash the way `map_record` does."""
    pattern = re.compile("<(" + "|".join(re.escape(i) for i in sorted(renames, key=len, reverse=True)) + ")(?=[>/#])")
    text = pattern.sub(lambda m: "<" + renames[m[1]], mapped.ntriples)
    hash_p, generated_p = _F["contentHash"], _PROV_GENERATED
    lines = text[:-3].split(" .\n")
    body = [t for t in lines if f" {hash_p} " not in t and f" {generated_p} " not in t]
    digest = hashlib.sha256("\n".join(sorted(body)).encode()).hexdigest()
    kept = [t if f" {hash_p} " not in t else t.rsplit(" ", 1)[0] + " " + _lit(digest) for t in lines]
    mapped.ntriples = " .\n".join(kept) + " .\n"
    mapped.content_hash = digest
    mapped.film = NamedNode(renames.get(mapped.film.value, mapped.film.value))
    mapped._triples = None
