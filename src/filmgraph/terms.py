"""Every vocabulary term filmgraph writes, defined once; tests hold `FG` to ontology/filmgraph.ttl.

Terms are plain IRI strings so that importing them costs nothing (the CLI starts fast); the
namespaces are closed: asking for an undeclared term is an AttributeError, not a typo in the graph.
"""

from __future__ import annotations

from filmgraph.settings import BASE_IRI, ONTOLOGY_IRI


class _Closed:
    """A namespace that only answers the names it was given."""

    def __init__(self, base: str, names: str):
        self._base = base
        self._names = frozenset(names.split())

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"{self._base}{name} is not a term filmgraph declares")
        iri = self.__dict__[name] = self._base + name  # kept: the next use is a plain attribute
        return iri

    def __iter__(self):
        return iter(sorted(self._base + n for n in self._names))

    def __contains__(self, iri: str) -> bool:
        return iri.startswith(self._base) and iri[len(self._base):] in self._names

    @property
    def base(self) -> str:
        return self._base


FG = _Closed(
    ONTOLOGY_IRI,
    """
    Character Runtime Distribution ReleaseMedium RecordGraph
    Cinema DVD BluRay Streaming Television
    billingOrder character follows followedBy
    medium limitedRelease city boxSet dateToBeConfirmed
    territory distribution distributor runtime
    originalTitle imdbId wikidataId tmdbId note
    describes sourcePath absolutePath sourceFormat sourceRow sourceLines sha256 contentHash lacks
    ScorePart linkScore linkMethod scorePart criterion partScore
    cinematographer filmEditor productionDesigner aspectRatio colour soundSystem filmFormat
    ColourType Colour BlackAndWhite
    """,
)

SDO = _Closed(
    "https://schema.org/",
    """
    Movie Person PerformanceRole MovieSeries PublicationEvent Rating Country Organization
    name alternateName dateCreated duration director author actor characterName
    isPartOf position countryOfOrigin inLanguage subtitleLanguage releasedEvent startDate
    location publishedBy contentRating ratingValue ratingExplanation identifier sameAs character
    producer musicBy award birthDate
    """,
)

PROV = _Closed("http://www.w3.org/ns/prov#", "Entity wasDerivedFrom generatedAtTime")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
SHAPES = "https://w3id.org/filmgraph/shapes#"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
ID = BASE_IRI

MEDIUM = {
    "cinema": FG.Cinema,
    "dvd": FG.DVD,
    "bluray": FG.BluRay,
    "streaming": FG.Streaming,
    "television": FG.Television,
}

PREFIXES = {
    "fg": ONTOLOGY_IRI,
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": XSD,
    "rdfs": RDFS,
    "owl": OWL,
    "wd": WD,
    "wdt": WDT,
    "id": BASE_IRI,
}
