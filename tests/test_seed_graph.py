"""The seed press kit and the sample trilogy, checked by SPARQL over the exported graph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from conftest import RECORDS, run_cli

PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX fg: <https://w3id.org/filmgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
FILM = "Pusher II: With Blood on My Hands"


def _exported(store_dir, tmp_path) -> ox.Store:
    out = tmp_path / "export.nq"
    result = run_cli("export", "--store", str(store_dir), "--format", "nquads", "-o", str(out))
    assert result.code == 0, result.err
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seed")
    result = run_cli("ingest", "--store", str(tmp / "store"), str(RECORDS / "pusher-ii-2004.txt"))
    assert result.code == 0, result.err
    return _exported(tmp / "store", tmp)


@pytest.fixture(scope="module")
def trilogy(sample_store, tmp_path_factory):
    return _exported(sample_store, tmp_path_factory.mktemp("trilogy"))


def select(store: ox.Store, body: str, **bindings: str) -> list[tuple]:
    """Run SELECT over the union of graphs, with each binding as an escaped VALUES literal."""
    if bindings:
        values = " ".join(f"VALUES ?{k} {{ {ox.Literal(v)} }}" for k, v in bindings.items())
        body = body.replace("WHERE {", "WHERE { " + values, 1)
    rows = store.query(PREFIXES + body, use_default_graph_as_union=True)
    return [tuple(None if t is None else t.value for t in row) for row in rows]


def test_title_and_year(seed):
    rows = select(seed, "SELECT ?year WHERE { ?f a schema:Movie ; schema:name ?title ; schema:dateCreated ?year }",
                  title=FILM)
    assert rows == [("2004",)]
    assert select(seed, "SELECT ?dt WHERE { ?f schema:name ?title ; schema:dateCreated ?y BIND(DATATYPE(?y) AS ?dt) }",
                  title=FILM) == [("http://www.w3.org/2001/XMLSchema#gYear",)]


def test_director_and_writer(seed):
    q = "SELECT ?who WHERE { ?f schema:name ?title ; schema:%s/schema:name ?who }"
    assert select(seed, q % "director", title=FILM) == [("Nicolas Winding Refn",)]
    assert select(seed, q % "author", title=FILM) == [("Nicolas Winding Refn",)]


def test_fifteen_cast_members_in_billing_order(seed):
    rows = select(seed, """SELECT ?order ?name WHERE { ?f schema:name ?title ; schema:actor ?role .
        ?role a schema:PerformanceRole ; fg:billingOrder ?order ; schema:actor/schema:name ?name }
        ORDER BY ?order""", title=FILM)
    assert [int(o) for o, _ in rows] == list(range(1, 16))
    assert rows[0][1] == "Mads Mikkelsen"
    assert rows[-1][1] == "Jean Pierre Peuleve"
    assert [n for _, n in rows][:3] == ["Mads Mikkelsen", "Leif Syvester", "Anne Sorensen"]


def test_mads_mikkelsen_plays_tonny(seed):
    rows = select(seed, """SELECT ?character ?charname WHERE { ?f schema:name ?title ; schema:actor ?role .
        ?role schema:actor/schema:name "Mads Mikkelsen" ; schema:characterName ?character ;
              fg:character/schema:name ?charname }""", title=FILM)
    assert rows == [("Tonny", "Tonny")]


def test_smeden_aka_the_duke(seed):
    rows = select(seed, """SELECT ?alias WHERE { ?f schema:name ?title ; schema:character ?c .
        ?c a fg:Character ; schema:name "Smeden" ; schema:alternateName ?alias }""", title=FILM)
    assert rows == [("the Duke",)]


def test_countries_languages_runtime(seed):
    assert sorted(select(seed, "SELECT ?code WHERE { ?f schema:name ?title ; schema:countryOfOrigin ?c . "
                               "?c a schema:Country ; schema:identifier ?code }", title=FILM)) == [("DK",), ("GB",)]
    assert select(seed, "SELECT ?l ?s WHERE { ?f schema:name ?title ; schema:inLanguage ?l ; "
                        "schema:subtitleLanguage ?s }", title=FILM) == [("da", "en")]
    rows = select(seed, "SELECT ?d (DATATYPE(?d) AS ?t) (?d = 'PT96M'^^xsd:duration AS ?is96) WHERE { "
                        "?f schema:name ?title ; schema:duration ?d }", title=FILM)
    assert rows == [("PT1H36M", "http://www.w3.org/2001/XMLSchema#duration", "true")], "PT96M, in canonical form"


def test_uk_certificate(seed):
    rows = select(seed, """SELECT ?value ?advice ?body WHERE { ?f schema:name ?title ; schema:contentRating ?r .
        ?r a schema:Rating ; schema:ratingValue ?value ; schema:ratingExplanation ?advice ;
           fg:territory/schema:identifier "GB" ; schema:author/schema:name ?body }""", title=FILM)
    assert rows == [("18", "contains very strong sex and language, strong violence and drug use", "BBFC")]


def test_releases(seed):
    rows = select(seed, """SELECT ?country ?medium ?date ?limited ?city ?box ?tbc WHERE {
        ?f schema:name ?title ; schema:releasedEvent ?e .
        ?e a schema:PublicationEvent ; schema:location/schema:identifier ?country ; fg:medium ?medium .
        OPTIONAL { ?e schema:startDate ?date } OPTIONAL { ?e fg:limitedRelease ?limited }
        OPTIONAL { ?e fg:city ?city } OPTIONAL { ?e fg:boxSet ?box } OPTIONAL { ?e fg:dateToBeConfirmed ?tbc }
    } ORDER BY ?country ?medium""", title=FILM)
    fg = "https://w3id.org/filmgraph/ontology#"
    assert sorted(rows, key=lambda r: (r[0], r[1])) == sorted([
        ("US", fg + "Cinema", "2006-08-18", "true", "New York", None, None),
        ("GB", fg + "Cinema", "2005-09-16", None, None, None, None),
        ("GB", fg + "DVD", "2006-06-12", None, None, "The Pusher Trilogy", None),
        ("US", fg + "DVD", None, None, None, "The Pusher Trilogy", "true"),
    ], key=lambda r: (r[0], r[1]))


def test_distributors_per_territory(seed):
    rows = select(seed, """SELECT DISTINCT ?country ?name WHERE { ?f schema:name ?title ; fg:distribution ?d .
        ?d fg:distributor ?org ; fg:territory/schema:identifier ?country . ?org a schema:Organization ;
        schema:name ?name }""", title=FILM)
    assert sorted(rows) == [("GB", "Vertigo Films"), ("US", "Magnolia Films")]
    published = select(seed, """SELECT DISTINCT ?country ?name WHERE { ?f schema:name ?title ; schema:releasedEvent ?e .
        ?e schema:location/schema:identifier ?country ; schema:publishedBy/schema:name ?name }""", title=FILM)
    assert sorted(published) == [("GB", "Vertigo Films"), ("US", "Magnolia Films")]


def test_series_position(seed):
    rows = select(seed, """SELECT ?series ?pos WHERE { ?f schema:name ?title ; schema:isPartOf ?s ; schema:position ?pos .
        ?s a schema:MovieSeries ; schema:name ?series }""", title=FILM)
    assert rows == [("Pusher", "2")]


def test_refns_other_films(seed):
    rows = select(seed, """SELECT DISTINCT ?name ?year WHERE { ?f a schema:Movie ; schema:name ?name ;
        schema:dateCreated ?year ; schema:director/schema:name "Nicolas Winding Refn" } ORDER BY ?year""")
    assert rows == [("Pusher", "1996"), ("Bleeder", "1999"), ("Fear X", "2003"), (FILM, "2004"),
                    ("Pusher III: I'm the Angel of Death", "2005")]


def test_leftover_header_lines_are_notes(seed):
    rows = select(seed, "SELECT ?note WHERE { ?f schema:name ?title ; fg:note ?note }", title=FILM)
    assert sorted(rows) == [("(in Danish)",), ("US Distributor",)]


def test_record_graph_provenance(seed):
    rows = select(seed, """SELECT ?g ?path ?format ?time WHERE { GRAPH ?g { ?g a fg:RecordGraph ; fg:describes ?f ;
        prov:wasDerivedFrom ?src ; prov:generatedAtTime ?time . ?src fg:sourcePath ?path ; fg:sourceFormat ?format .
        ?f schema:name ?title } }""", title=FILM)
    assert len(rows) == 1
    graph, path, fmt, time = rows[0]
    assert graph.startswith("https://w3id.org/filmgraph/id/graph/file/") and graph.endswith("records/pusher-ii-2004.txt")
    assert path.endswith("records/pusher-ii-2004.txt") and fmt == "presskit"
    assert time == "2026-01-01T00:00:00Z"


def test_no_blank_nodes(seed):
    assert select(seed, "SELECT ?s WHERE { { ?s ?p ?o } UNION { ?x ?p ?s } FILTER isBlank(?s) } LIMIT 1") == []


def test_trilogy_is_one_series_with_positions_1_to_3(trilogy):
    rows = select(trilogy, """SELECT DISTINCT ?pos ?name WHERE { ?f schema:isPartOf ?s ; schema:position ?pos ;
        schema:name ?name . ?s schema:name "Pusher" } ORDER BY ?pos""")
    assert [(int(p), n) for p, n in rows] == [
        (1, "Pusher"), (2, FILM), (3, "Pusher III: I'm the Angel of Death")]
    assert select(trilogy, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:MovieSeries }") == [("1",)]


def test_follows_links_the_trilogy(trilogy):
    rows = select(trilogy, """SELECT DISTINCT ?later ?earlier WHERE { ?a fg:follows ?b .
        ?a schema:name ?later . ?b schema:name ?earlier }""")
    assert sorted(rows) == sorted([(FILM, "Pusher"), ("Pusher III: I'm the Angel of Death", FILM)])


@pytest.mark.parametrize("character", ["Tonny", "Milo"])
def test_recurring_characters_are_single_nodes(trilogy, character):
    nodes = select(trilogy, "SELECT DISTINCT ?c WHERE { ?c a fg:Character ; schema:name ?name }", name=character)
    assert len(nodes) == 1
    films = select(trilogy, """SELECT DISTINCT ?film WHERE { ?f schema:actor/fg:character ?c ; schema:name ?film .
        ?c schema:name ?name }""", name=character)
    assert len(films) >= 2, films
