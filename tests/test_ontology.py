"""The ontology, the JSON-LD context and the code agree: every term the code emits is declared and
used as schema.org means it, and the alignments a linking profile is built from are all there."""

from __future__ import annotations

import dataclasses
import datetime
import json
from functools import cache
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection

from conftest import SHARED_DATA
from filmgraph import resources
from filmgraph.mapping import map_record
from filmgraph.record import (
    CREW_ROLES,
    CastMember,
    Certificate,
    CrewMember,
    Character,
    Distributor,
    ExternalIds,
    FilmRecord,
    Note,
    RelatedFilm,
    Release,
    Runtime,
    SeriesRef,
    Source,
    Technical,
    Title,
)
from filmgraph.terms import FG, PROV, SDO

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "filmgraph.ttl"
CONTEXT = ROOT / "ontology" / "context.jsonld"
SCHEMAORG = SHARED_DATA / "schemaorg" / "schemaorg-current-https.ttl"

S = "https://schema.org/"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
DBO = "http://dbpedia.org/ontology/"
XSD = "http://www.w3.org/2001/XMLSchema#"  # plain strings: pytest trips over rdflib's closed XSD namespace
SKOS_EXACT = URIRef("http://www.w3.org/2004/02/skos/core#exactMatch")
SKOS_CLOSE = URIRef("http://www.w3.org/2004/02/skos/core#closeMatch")
ONTOLOGY_IRI = URIRef("https://w3id.org/filmgraph/ontology")
DOMAIN_INCLUDES = URIRef(S + "domainIncludes")
RANGE_INCLUDES = URIRef(S + "rangeIncludes")
ALIGN = (SKOS_EXACT, SKOS_CLOSE)

# term -> the Wikidata properties it is aligned to (exact or close), as docs/ontology.md lists them.
PROPERTY_ALIGNMENTS = {
    S + "director": {"P57"},
    S + "author": {"P58"},
    S + "actor": {"P161"},
    FG.character: {"P453"},
    S + "isPartOf": {"P179"},
    S + "position": {"P1545"},
    FG.follows: {"P155"},
    FG.followedBy: {"P156"},
    S + "startDate": {"P577"},
    S + "location": {"P291"},
    FG.distributor: {"P750"},
    S + "duration": {"P2047"},
    S + "countryOfOrigin": {"P495"},
    S + "inLanguage": {"P364"},
    FG.imdbId: {"P345"},
    FG.tmdbId: {"P4947"},
    FG.originalTitle: {"P1476"},
    S + "contentRating": {"P1657", "P2629"},
}
CLASS_ALIGNMENTS = {
    S + "Movie": {"Q11424"},
    S + "Person": {"Q5"},
    S + "MovieSeries": {"Q24856"},
    S + "Organization": {"Q43229"},
    S + "Country": {"Q6256"},
    FG.Character: {"Q95074"},
}
# Only DBpedia terms that exist in the DBpedia ontology (checked against dbo-snapshots.ttl).
DBPEDIA_ALIGNMENTS = {
    S + "Movie": {"Film"},
    S + "Person": {"Person"},
    S + "Organization": {"Organisation"},
    S + "Country": {"Country"},
    FG.Character: {"FictionalCharacter"},
    S + "director": {"director"},
    S + "author": {"writer"},
    S + "actor": {"starring"},
    S + "isPartOf": {"series"},
    FG.follows: {"previousWork"},
    FG.followedBy: {"subsequentWork"},
    S + "startDate": {"releaseDate"},
    S + "location": {"releaseLocation"},
    FG.distributor: {"distributor"},
    S + "duration": {"runtime"},
    S + "countryOfOrigin": {"country"},
    S + "inLanguage": {"originalLanguage"},
    FG.imdbId: {"imdbId"},
    FG.originalTitle: {"originalTitle"},
}

# Uses of schema.org properties outside their schema:domainIncludes that are intended, each with why.
DOMAIN_EXCEPTIONS = {
    (S + "actor", S + "PerformanceRole"):
        "schema.org's Role pattern: the role repeats the property it qualifies (Movie actor Role actor Person)",
    (S + "duration", FG.Runtime):
        "a territory-specific running time; schema.org has no class for one (fg:Runtime ⊑ StructuredValue)",
}
# Values of schema.org object properties outside schema:rangeIncludes that are intended, each with why.
RANGE_EXCEPTIONS = {
    (S + "actor", S + "PerformanceRole"):
        "schema.org's Role pattern: the film's actor value is the PerformanceRole carrying the person",
}


# --- helpers --------------------------------------------------------------------------------------

@cache
def ontology() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(ONTOLOGY, format="turtle")
    return g


@cache
def schemaorg() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(SCHEMAORG, format="turtle")
    return g


def needs_schemaorg():
    if not SCHEMAORG.is_file():
        pytest.skip(f"schema.org vocabulary not found at {SCHEMAORG} (shared data is absent in a plain clone)")


def fg_iris(g: rdflib.Graph) -> set[str]:
    return {str(t) for t in g.all_nodes() if isinstance(t, URIRef) and str(t).startswith(FG.base)}


def declared(g: rdflib.Graph) -> set[str]:
    """fg: IRIs the ontology declares: those with an rdf:type."""
    return {str(s) for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(FG.base)}


def full_record() -> FilmRecord:
    """A synthetic record with every field set, so that mapping it emits every term the code can."""
    return FilmRecord(
        title="Pusher II: With Blood on My Hands",
        source=Source(path="records/pusher-ii.csv", kind="csv", row=3, sha256="ab" * 32),
        year=2004,
        original_title=Title("Pusher II", "da"),
        alternate_titles=[Title("With Blood on My Hands", "en"), Title("Pusher 2")],
        directors=["Nicolas Winding Refn"],
        writers=["Nicolas Winding Refn"],
        cast=[
            CastMember("Mads Mikkelsen", 1, "Tonny"),
            CastMember("Leif Sylvester", 2),
            CastMember("Zlatko Burić", 3, "Milo"),
        ],
        characters=[
            Character("Tonny", aliases=["Tonny the kid"]),
            Character("Smeden", played_by="Leif Sylvester"),
        ],
        series=SeriesRef("Pusher", 2),
        countries=["DK"],
        languages=["da"],
        subtitles=["en"],
        runtimes=[Runtime(96), Runtime(90, ["GB", "US"])],
        certificates=[Certificate("GB", "18", advice="strong violence", body="BBFC"), Certificate("DK", "15")],
        releases=[
            Release("DK", "cinema", datetime.date(2004, 12, 26)),
            Release("GB", "cinema", datetime.date(2005, 6, 3), limited=True, city="London"),
            Release("GB", "dvd", box_set="The Pusher Trilogy"),
            Release("US", "bluray", datetime.date(2006, 1, 1)),
            Release("US", "streaming", datetime.date(2007, 1, 1)),
            Release("DK", "television", datetime.date(2008, 1, 1)),
        ],
        distributors=[Distributor("DK", "Nordisk Film"), Distributor("GB", "Vertigo Films")],
        related_films=[
            RelatedFilm("Pusher", 1996, ["Nicolas Winding Refn"], SeriesRef("Pusher", 1)),
            RelatedFilm("Pusher 3", 2005, ["Nicolas Winding Refn"], SeriesRef("Pusher", 3)),
            RelatedFilm("Bleeder", 1999, ["Nicolas Winding Refn"]),
        ],
        crew=[CrewMember(role, f"Crew {role}") for role in CREW_ROLES],
        technical=Technical("2.35:1", "colour", ["Dolby Digital"], ["35mm"]),
        awards=["Festival de Cannes 2005 – Competition"],
        ids=ExternalIds(imdb="tt0396184", wikidata="Q1126097", tmdb="11330"),
        notes=[Note("Produced with support from the Danish Film Institute.", 40)],
        lines={"title": 1, "year": 2, "cast": 10, "cast[1]": 11},
    )


@cache
def mapped_ntriples() -> str:
    """The mapped full record as N-Triples, with the lexical forms exactly as the code wrote them."""
    mapped = map_record(full_record(), generated_at="2026-01-01T00:00:00Z")
    return "".join(f"{t} .\n" for t in mapped.triples)


@cache
def mapped_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=mapped_ntriples(), format="nt")
    return g


def subclass_closure(classes: set[URIRef], *graphs: rdflib.Graph) -> set[URIRef]:
    seen, todo = set(), list(classes)
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.add(c)
        for g in graphs:
            todo.extend(o for o in g.objects(c, RDFS.subClassOf) if isinstance(o, URIRef))
    return seen


# --- the ontology itself --------------------------------------------------------------------------

def test_ontology_parses_with_rdflib_and_is_an_ontology():
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert g.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title")) is not None
    assert g.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/description")) is not None
    assert dict(g.namespaces()).get("fg") == URIRef(FG.base)


def test_ontology_parses_with_pyoxigraph():
    import pyoxigraph

    with open(ONTOLOGY, "rb") as f:
        triples = list(pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) == len(ontology())


def test_ontology_resolves_as_a_data_file():
    assert resources.data_file("ontology", "filmgraph.ttl").is_file()
    assert resources.data_file("ontology", "context.jsonld").is_file()


def test_every_fg_term_is_declared_and_nothing_else():
    g = ontology()
    assert declared(g) == set(FG), "terms.FG and ontology/filmgraph.ttl must declare the same fg: terms"
    assert fg_iris(g) <= set(FG), "the ontology mentions fg: IRIs that are not in terms.FG"


@pytest.mark.parametrize("iri", list(FG))
def test_fg_term_is_documented(iri):
    g, term = ontology(), URIRef(iri)
    types = set(g.objects(term, RDF.type))
    assert types, f"{iri} has no rdf:type"
    labels = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
    comments = [o for o in g.objects(term, RDFS.comment) if isinstance(o, Literal) and o.language == "en"]
    assert len(labels) == 1, f"{iri} needs exactly one rdfs:label@en"
    assert len(comments) == 1 and len(str(comments[0])) > 20, f"{iri} needs an rdfs:comment@en in plain words"
    if types & {OWL.ObjectProperty, OWL.DatatypeProperty}:
        assert g.value(term, RDFS.domain) is not None, f"{iri} has no rdfs:domain"
        assert g.value(term, RDFS.range) is not None, f"{iri} has no rdfs:range"
    else:
        assert types & {OWL.Class, OWL.NamedIndividual}, f"{iri} is neither a class, a property nor an individual"


def test_medium_individuals_belong_to_release_medium():
    g = ontology()
    for name in ("Cinema", "DVD", "BluRay", "Streaming", "Television"):
        term = URIRef(getattr(FG, name))
        assert (term, RDF.type, OWL.NamedIndividual) in g
        assert (term, RDF.type, URIRef(FG.ReleaseMedium)) in g


@pytest.mark.parametrize(("prop", "domain", "range_"), [
    (FG.billingOrder, S + "PerformanceRole", XSD + "integer"),
    (FG.character, S + "PerformanceRole", FG.Character),
    (FG.follows, S + "Movie", S + "Movie"),
    (FG.followedBy, S + "Movie", S + "Movie"),
    (FG.describes, FG.RecordGraph, S + "Movie"),
    (FG.contentHash, FG.RecordGraph, XSD + "string"),
    (FG.sourcePath, PROV.Entity, XSD + "string"),
    (FG.sourceFormat, PROV.Entity, XSD + "string"),
    (FG.sourceRow, PROV.Entity, XSD + "integer"),
    (FG.sha256, PROV.Entity, XSD + "string"),
    (FG.distributor, FG.Distribution, S + "Organization"),
    (FG.medium, S + "PublicationEvent", FG.ReleaseMedium),
])
def test_domains_and_ranges(prop, domain, range_):
    g = ontology()
    assert g.value(URIRef(prop), RDFS.domain) == URIRef(domain)
    assert g.value(URIRef(prop), RDFS.range) == URIRef(range_)


def test_territory_domain_is_a_union_and_range_country():
    g = ontology()
    domain = g.value(URIRef(FG.territory), RDFS.domain)
    assert isinstance(domain, BNode)
    members = set(Collection(g, g.value(domain, OWL.unionOf)))
    assert members == {URIRef(S + "Rating"), URIRef(FG.Distribution), URIRef(FG.Runtime)}
    assert g.value(URIRef(FG.territory), RDFS.range) == URIRef(S + "Country")


def test_follows_and_followed_by_are_inverses():
    g = ontology()
    assert (URIRef(FG.follows), OWL.inverseOf, URIRef(FG.followedBy)) in g
    assert (URIRef(FG.followedBy), OWL.inverseOf, URIRef(FG.follows)) in g


def test_character_is_a_fictional_person():
    g = ontology()
    assert (URIRef(FG.Character), RDFS.subClassOf, URIRef(S + "Person")) in g


def test_no_schemaorg_term_is_redeclared():
    g = ontology()
    for s in g.subjects(RDF.type, None):
        assert not str(s).startswith(S), f"{s} is a schema.org term: annotate it, do not declare it"


# --- alignments -----------------------------------------------------------------------------------

def aligned(term: str, base: str) -> set[str]:
    g = ontology()
    return {str(o)[len(base):] for p in ALIGN for o in g.objects(URIRef(term), p) if str(o).startswith(base)}


@pytest.mark.parametrize(("term", "expected"), sorted(PROPERTY_ALIGNMENTS.items()))
def test_property_aligned_to_wikidata(term, expected):
    assert aligned(term, WDT) == expected


@pytest.mark.parametrize(("term", "expected"), sorted(CLASS_ALIGNMENTS.items()))
def test_class_aligned_to_wikidata(term, expected):
    assert aligned(term, WD) == expected


@pytest.mark.parametrize(("term", "expected"), sorted(DBPEDIA_ALIGNMENTS.items()))
def test_aligned_to_dbpedia(term, expected):
    assert aligned(term, DBO) == expected


def test_alignments_use_one_predicate_family():
    """Only skos:exactMatch / skos:closeMatch point outside; no OWL equivalence a reasoner would act on."""
    g = ontology()
    outside = (WD, WDT, DBO, "http://www.ebu.ch/")
    for s, p, o in g:
        if isinstance(o, URIRef) and str(o).startswith(outside):
            assert p in ALIGN, f"{s} {p} {o}: alignments must be skos:exactMatch or skos:closeMatch"
    for p in (OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs):
        assert not list(g.triples((None, p, None)))
    # Wikidata properties only through direct claims, classes only through items.
    for s, p, o in g.triples((None, None, None)):
        if p in ALIGN and str(o).startswith(WD):
            assert str(o)[len(WD):].startswith("Q"), f"{s} aligned to {o}: use wdt:P... for properties"


def test_dbpedia_alignments_exist_in_dbpedia():
    dbo = SHARED_DATA / "ontologies" / "dbpedia-ontology" / "dbo-snapshots.ttl"
    if not dbo.is_file():
        pytest.skip(f"DBpedia ontology not found at {dbo} (shared data is absent in a plain clone)")
    text = dbo.read_text(encoding="utf-8")
    for terms in DBPEDIA_ALIGNMENTS.values():
        for name in terms:
            assert f"\n:{name}\n" in text or f"<{DBO}{name}>" in text, f"dbo:{name} is not in the DBpedia ontology"
    g = ontology()
    used = {str(o)[len(DBO):] for p in ALIGN for o in g.objects(None, p) if str(o).startswith(DBO)}
    assert used == set().union(*DBPEDIA_ALIGNMENTS.values())


# --- the code against the ontology and schema.org -------------------------------------------------

def test_full_record_uses_only_declared_fg_terms():
    g, onto = mapped_graph(), ontology()
    used = {str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(FG.base)}
    assert used <= declared(onto), f"undeclared fg: terms: {sorted(used - declared(onto))}"
    # the synthetic record is meant to exercise every property and class the mapping can emit
    emitted = {str(p) for p in g.predicates()} | {str(o) for o in g.objects(None, RDF.type)}
    # fg:lacks is what a record does not say, so the full record never has it: a bare one does.
    bare = map_record(dataclasses.replace(full_record(), runtimes=[], directors=[], cast=[], releases=[],
                                          certificates=[]), generated_at="2026-01-01T00:00:00Z")
    lacks = sorted(t.object.value for t in bare.triples if t.predicate.value == FG.lacks)
    assert lacks == ["cast", "certificate", "dated release", "director", "runtime"]
    assert not [t for t in g.predicates() if str(t) == FG.lacks]
    emitted |= {t.predicate.value for t in bare.triples}
    # ReleaseMedium: only its members appear; the link terms are written by the linker, not the mapping
    # (tests/test_link_*.py check its output).
    link_terms = {FG.ScorePart, FG.linkScore, FG.linkMethod, FG.scorePart, FG.criterion, FG.partScore}
    missing = {t for t in FG if t not in emitted and t not in used} - {FG.ReleaseMedium, FG.ColourType, FG.BlackAndWhite} - link_terms
    assert not missing, f"the full record does not exercise {sorted(missing)}"


def test_full_record_uses_fg_properties_within_their_domain_and_range():
    g, onto = mapped_graph(), ontology()
    for s, p, o in g:
        if not str(p).startswith(FG.base):
            continue
        domain = onto.value(p, RDFS.domain)
        allowed = set(Collection(onto, onto.value(domain, OWL.unionOf))) if isinstance(domain, BNode) else {domain}
        types = subclass_closure(set(g.objects(s, RDF.type)), onto)
        assert types & allowed, f"{s} {p}: subject typed {types}, domain is {allowed}"
        rng = onto.value(p, RDFS.range)
        if isinstance(o, URIRef):
            otypes = subclass_closure(set(g.objects(o, RDF.type)) | set(onto.objects(o, RDF.type)), onto)
            assert rng in otypes, f"{s} {p} {o}: object typed {otypes}, range is {rng}"
        elif isinstance(rng, URIRef) and rng in (URIRef(XSD + "integer"), URIRef(XSD + "boolean")):
            assert o.datatype == rng, f"{s} {p} {o!r}: expected {rng}"


def test_full_record_uses_schemaorg_terms_that_exist():
    needs_schemaorg()
    sdo, g = schemaorg(), mapped_graph()
    used = {str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(S)}
    for iri in used | set(SDO):
        assert (URIRef(iri), RDF.type, None) in sdo, f"{iri} is not a schema.org term"
        assert (URIRef(iri), URIRef(S + "supersededBy"), None) not in sdo, f"{iri} is superseded in schema.org"


def test_ontology_refers_to_schemaorg_terms_that_exist():
    needs_schemaorg()
    sdo = schemaorg()
    for t in ontology().all_nodes():
        if isinstance(t, URIRef) and str(t).startswith(S):
            assert (t, RDF.type, None) in sdo, f"the ontology refers to {t}, which schema.org does not define"


def test_full_record_uses_schemaorg_properties_within_their_domain_and_range():
    needs_schemaorg()
    sdo, onto, g = schemaorg(), ontology(), mapped_graph()
    problems = []
    for s, p, o in g:
        if not str(p).startswith(S):
            continue
        types = set(g.objects(s, RDF.type))
        closure = subclass_closure(types, onto, sdo)
        domains = set(sdo.objects(p, DOMAIN_INCLUDES))
        if not closure & domains and not any((str(p), str(t)) in DOMAIN_EXCEPTIONS for t in types):
            problems.append(f"{s} {p}: subject is {sorted(map(str, types))}, domainIncludes {sorted(map(str, domains))}")
        if isinstance(o, URIRef):
            otypes = set(g.objects(o, RDF.type))
            if not otypes:
                continue
            ranges = set(sdo.objects(p, RANGE_INCLUDES))
            if not subclass_closure(otypes, onto, sdo) & ranges and not any(
                    (str(p), str(t)) in RANGE_EXCEPTIONS for t in otypes):
                problems.append(f"{s} {p} {o}: object is {sorted(map(str, otypes))}, rangeIncludes {sorted(map(str, ranges))}")
    assert not problems, "\n".join(problems)


def test_exceptions_are_still_needed():
    """An exception the code no longer needs should be removed, not kept as a blanket pass."""
    needs_schemaorg()
    g = mapped_graph()
    for prop, cls in DOMAIN_EXCEPTIONS:
        assert any((s, RDF.type, URIRef(cls)) in g for s in g.subjects(URIRef(prop), None)), (prop, cls)


# --- the JSON-LD context --------------------------------------------------------------------------

@cache
def context() -> dict:
    return json.loads(CONTEXT.read_text(encoding="utf-8"))


def test_context_is_json_with_schemaorg_vocab():
    ctx = context()["@context"]
    assert ctx["@vocab"] == S
    assert ctx["fg"] == FG.base
    assert ctx["id"] == "https://w3id.org/filmgraph/id/"
    assert ctx["playsCharacter"]["@id"] == "fg:character"
    assert ctx["character"]["@id"] == "schema:character"


def test_context_expands_a_film_to_schemaorg():
    jsonld = pytest.importorskip("pyld.jsonld")
    doc = {**context(), "@id": "id:film/x", "@type": "Movie", "name": "X", "dateCreated": "2004",
           "duration": "PT96M", "director": "id:person/y", "medium": "fg:Cinema", "playsCharacter": "id:character/z",
           "character": "id:character/z", "billingOrder": 1}
    [film] = jsonld.expand(doc)
    assert film["@id"] == "https://w3id.org/filmgraph/id/film/x"
    assert film["@type"] == [S + "Movie"]
    assert film[S + "name"] == [{"@value": "X"}]
    assert film[S + "dateCreated"] == [{"@value": "2004", "@type": XSD + "gYear"}]
    assert film[S + "duration"] == [{"@value": "PT96M", "@type": XSD + "duration"}]
    assert film[S + "director"] == [{"@id": "https://w3id.org/filmgraph/id/person/y"}]
    assert film[FG.medium] == [{"@id": FG.Cinema}]
    assert film[FG.character] == [{"@id": "https://w3id.org/filmgraph/id/character/z"}]
    assert film[S + "character"] == [{"@id": "https://w3id.org/filmgraph/id/character/z"}]
    assert film[FG.billingOrder] == [{"@value": 1, "@type": XSD + "integer"}] or \
        film[FG.billingOrder] == [{"@value": "1", "@type": XSD + "integer"}]


def test_context_compacts_a_mapped_record_to_short_names():
    """Every predicate and class the code emits compacts to a bare term: no fg:/schema: leftovers,
    which would mean a coerced term failed to match its values (the term-selection pitfall)."""
    jsonld = pytest.importorskip("pyld.jsonld")
    expanded = jsonld.from_rdf(mapped_ntriples(), {"format": "application/n-quads", "useNativeTypes": False})
    compacted = jsonld.compact(expanded, context())
    keys, types, values = set(), set(), []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                keys.add(k)
                if k == "type":
                    types.update(v if isinstance(v, list) else [v])
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            values.append(node)

    walk(compacted["@graph"])
    bad = sorted(k for k in keys if ":" in k)
    assert not bad, f"terms that did not compact to a short name: {bad}"
    assert not [t for t in types if ":" in t], f"classes without a short name: {types}"
    assert "fg:Cinema" in values and "fg:DVD" in values
    film = next(n for n in compacted["@graph"] if n["@id"] == "id:film/pusher-ii-with-blood-on-my-hands-2004")
    assert film["@type"] == "Movie"
    assert film["duration"] == "PT1H36M" and film["dateCreated"] == "2004"
    assert film["originalTitle"] == {"@language": "da", "@value": "Pusher II"}
    # round trip: the compacted document expands back to the same triples
    back = rdflib.Graph()
    back.parse(data=jsonld.to_rdf(compacted, {"format": "application/n-quads"}), format="nt")
    assert rdflib.compare.isomorphic(back, mapped_graph())
