"""The query library on the sample records, parameter binding, result formats and CLI errors."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter

import jsonschema
import pyoxigraph as ox
import pytest

from filmgraph import query, results
from filmgraph.errors import InputError, QueryError, UsageError
from filmgraph.store import open_store
from filmgraph.sparql.text import inject_values, where_brace

INJECTION = 'x" } ; DROP ALL ; #'
P2 = "Pusher II: With Blood on My Hands"
P3 = "Pusher III: I'm the Angel of Death"

# name -> (parameters, expected rows as table cells); record-graphs' triple counts are checked
# against the store itself below.
EXPECTED = {
    "director-filmography": ({"director": "Nicolas Winding Refn"}, [
        ("1996", "Pusher", "Pusher", "1"),
        ("1999", "Bleeder", "", ""),
        ("2003", "Fear X", "", ""),
        ("2004", P2, "Pusher", "2"),
        ("2005", P3, "Pusher", "3"),
    ]),
    # Two records describe Pusher II (press kit and JSON): one row per distinct fact, and the JSON
    # record's original title "Pusher II"@da finds the film. Names are spelled as the records that
    # bill the actors spell them ("Schroder" in both; the 1996 press kit's "Schrøder" is not used).
    "film-cast": ({"film": "Pusher II"}, [
        ("2004", "1", "Mads Mikkelsen", "Tonny"),
        ("2004", "2", "Leif Sylvester", "Smeden"),
        ("2004", "2", "Leif Syvester", ""),
        ("2004", "3", "Anne Sorensen", ""),
        ("2004", "3", "Zlatko Burić", "Milo"),
        ("2004", "4", "Oyvind Hagen-Traberg", ""),
        ("2004", "5", "Kurt Nielsen", ""),
        ("2004", "6", "Dan Dommer", ""),
        ("2004", "7", "Karsten Schroder", ""),
        ("2004", "8", "Maria Erwolter", ""),
        ("2004", "9", "Zlatko Buric", ""),
        ("2004", "10", "Maya Ababadjani", ""),
        ("2004", "11", "Maria Mendoza", ""),
        ("2004", "12", "Aino Junka", ""),
        ("2004", "13", "Michael Zile", ""),
        ("2004", "14", "Svend Erik Eskeland Larsen", ""),
        ("2004", "15", "Jean Pierre Peuleve", ""),
    ]),
    "series-order": ({"series": "Pusher"}, [
        ("1", "1996", "Pusher"),
        ("2", "2004", P2),
        ("3", "2005", P3),
    ]),
    "recurring-characters": ({"series": "Pusher"}, [
        ("Milo", "3", "1996", P3),
        ("Radovan", "2", "1996", ""),
        ("Tonny", "2", "1996", P2),
    ]),
    # The 2004 press kit spells him "Zlatko Buric": one person node all the same. The two 2004
    # records disagree on his billing, and both facts are shown.
    "actor-filmography": ({"actor": "Zlatko Burić"}, [
        ("1996", "Pusher", "Milo", "2"),
        ("2004", P2, "Milo", "3"),
        ("2004", P2, "", "9"),
        ("2005", P3, "Milo", "1"),
    ]),
    "co-stars": ({"actor": "Zlatko Buric"}, [
        ("Karsten Schrøder", "2"), ("Kurt Nielsen", "2"), ("Levino Jensen", "2"), ("Mads Mikkelsen", "2"),
        ("Slavko Labović", "2"),
        ("Aino Junka", "1"), ("Anne Sorensen", "1"), ("Dan Dommer", "1"), ("Ilyas Agac", "1"),
        ("Jean Pierre Peuleve", "1"), ("Jesper Lohmann", "1"), ("Kim Bodnia", "1"), ("Kujtim Loki", "1"),
        ("Lars Bom", "1"), ("Laura Drasbæk", "1"), ("Leif Sylvester", "1"), ("Leif Syvester", "1"), ("Maria Erwolter", "1"),
        ("Maria Mendoza", "1"), ("Marinela Dekić", "1"), ("Maya Ababadjani", "1"), ("Michael Zile", "1"),
        ("Oyvind Hagen-Traberg", "1"), ("Peter Andersson", "1"), ("Ramadan Huseini", "1"),
        ("Svend Erik Eskeland Larsen", "1"), ("Thomas Bo Larsen", "1"), ("Vanja Bajičić", "1"),
    ]),
    "collaborations": ({"director": "Nicolas Winding Refn"}, [
        ("Zlatko Burić", "3"),
        ("Karsten Schrøder", "2"),
        ("Kurt Nielsen", "2"),
        ("Levino Jensen", "2"),
        ("Mads Mikkelsen", "2"),
        ("Slavko Labović", "2"),
    ]),
    "release-timeline": ({"film": P2}, [
        ("2005-09-16", "GB", "Cinema", "", "", "", "Vertigo Films"),
        ("2006-06-12", "GB", "DVD", "", "", "The Pusher Trilogy", "Vertigo Films"),
        ("2006-08-18", "US", "Cinema", "true", "New York", "", "Magnolia Films"),
        ("tbc", "US", "DVD", "", "", "The Pusher Trilogy", "Magnolia Films"),
    ]),
    "films-by-certificate": ({}, [
        ("18", "Pusher", "1996", ""),
        ("18", P2, "2004", "contains very strong sex and language, strong violence and drug use"),
    ]),
    "data-quality-gaps": ({}, [(P3, "2005", "certificate")]),
    "record-graphs": ({}, [
        ("id:graph/file/records/pusher-1996.txt", "Pusher", "presskit", "records/pusher-1996.txt", None),
        ("id:graph/file/records/pusher-ii-2004.json", P2, "json", "records/pusher-ii-2004.json", None),
        ("id:graph/file/records/pusher-ii-2004.txt", P2, "presskit", "records/pusher-ii-2004.txt", None),
        ("id:graph/file/records/pusher-iii-2005.txt", P3, "presskit", "records/pusher-iii-2005.txt", None),
    ]),
    "find": ({"text": "BURI"}, [("Person", "Zlatko Buric"), ("Person", "Zlatko Burić")]),
}

# SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/), as a schema.
_TERM = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode"]},
        "value": {"type": "string"},
        "datatype": {"type": "string"},
        "xml:lang": {"type": "string"},
    },
    "additionalProperties": False,
    "not": {"required": ["datatype", "xml:lang"]},
}
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}},
                                                   "link": {"type": "array", "items": {"type": "string"}}}},
        "results": {"type": "object", "required": ["bindings"],
                    "properties": {"bindings": {"type": "array",
                                                "items": {"type": "object", "additionalProperties": _TERM}}}},
        "boolean": {"type": "boolean"},
    },
    "oneOf": [{"required": ["results"]}, {"required": ["boolean"]}],
}


@pytest.fixture(scope="module")
def store(sample_store):
    with open_store(str(sample_store)) as s:
        yield s


class NotUnion:
    """The embedded store with a default graph that is only the default graph (like Oxigraph server)."""

    def __init__(self, store):
        self.store = store

    def query(self, sparql, substitutions=None, *, union=True):
        return self.store.query(sparql, substitutions, union=False)

    def can(self, capability):
        return self.store.can(capability)


def cells(result):
    return [tuple(results.cell(t) for t in row) for row in result.rows]


def run_named(backend, name, params=None, **options):
    return query.run(backend, query.library()[name], params or {}, **options)


def test_every_named_query_has_expected_rows():
    assert sorted(EXPECTED) == sorted(query.library())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_rows_on_the_sample_records(store, name):
    params, expected = EXPECTED[name]
    got = cells(run_named(store, name, params))
    if name == "record-graphs":
        # The sample store was ingested from an absolute path; the counts come from the store itself.
        got = [row[:3] + ("records/" + os.path.basename(row[3]),) + row[4:] for row in got]
        triples = Counter(results.compact(q.graph_name.value) for q in store.quads())
        expected = [row[:-1] + (str(triples[row[0]]),) for row in expected]
    assert got == expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_rows_whether_or_not_the_default_graph_is_the_union(store, name):
    params, _ = EXPECTED[name]
    union = run_named(store, name, params)
    plain = run_named(NotUnion(store), name, params)
    assert plain.variables == union.variables
    assert plain.rows == union.rows


def test_library_headers_declare_title_description_and_used_params():
    for name, q in query.library().items():
        assert q.title and q.description, name
        for p in q.params:
            assert f"?{p.name}" in q.text, f"{name} declares {p.name} but never uses it"


def test_injection_is_only_a_string_that_matches_nothing(store):
    before = len(store)
    for name in ("film-cast", "director-filmography", "find"):
        q = query.library()[name]
        result = query.run(store, q, {q.params[0].name: INJECTION})
        assert result.rows == [], name
    assert len(store) == before
    text = inject_values("SELECT * WHERE { ?s ?p ?film }", {"film": ox.Literal(INJECTION)})
    assert text == 'SELECT * WHERE { VALUES (?film) { ("x\\" } ; DROP ALL ; #") }  ?s ?p ?film }'


def test_header_is_parsed_with_types_and_defaults():
    q = query.parse_query("# title: T\n# description: one\n#   two\n# param: who string\n"
                          "# param: n integer 3\n# param: when year\nSELECT * {}\n", "t", "t.rq")
    assert (q.title, q.description) == ("T", "one two")
    assert [(p.name, p.type, p.default) for p in q.params] == [
        ("who", "string", None), ("n", "integer", "3"), ("when", "year", None)]
    bound = query.bind(q, {"who": "Refn", "when": "1996"})
    assert bound["n"] == ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert bound["when"].datatype.value.endswith("#gYear")


def test_bad_header_names_file_and_line():
    with pytest.raises(InputError) as e:
        query.parse_query("# title: T\n# param: n number\nSELECT * {}", "t", "t.rq")
    assert str(e.value).startswith("t.rq:2: unknown parameter type 'number'")


def test_a_query_may_say_its_joins_are_written_in_order():
    """The library's queries are written most selective pattern first, and say so: a server that
    plans from its statistics is then asked to keep that order (see `RemoteStore.query`)."""
    q = query.parse_query("# title: T\n# param: who string\n# join order: As written\nSELECT * {}\n", "t", "t.rq")
    assert q.joins_as_written
    assert not query.parse_query("# title: T\nSELECT * {}\n", "t", "t.rq").joins_as_written
    assert all(q.joins_as_written for q in query.library().values())
    with pytest.raises(InputError) as e:
        query.parse_query("# title: T\n# join order: by statistics\nSELECT * {}", "t", "t.rq")
    assert str(e.value).startswith("t.rq:2: a join order line reads '# join order: as written'")


def test_unknown_missing_and_ill_typed_params_list_the_query_params():
    q = query.library()["collaborations"]
    with pytest.raises(UsageError, match=r"no parameter actor; its parameters: director \(person\), "
                                         r"min_films \(integer, default 2\)"):
        query.bind(q, {"actor": "x", "director": "y"})
    with pytest.raises(UsageError, match="is not a whole number"):
        query.bind(q, {"director": "y", "min_films": "two"})
    with pytest.raises(UsageError, match=r"needs --param film=VALUE; its parameters: film \(title\)"):
        query.bind(query.library()["film-cast"], {})


@pytest.mark.parametrize("sparql, expected", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE {"),
    ("select * { ?s ?p ?o }", "select * {"),
    ("SELECT ?where WHERE { ?s ?p '{' }", "SELECT ?where WHERE {"),
    ("PREFIX ex: <http://e/{x}> # { WHERE\nSELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?s ?p ?o }",
     "PREFIX ex: <http://e/{x}> # { WHERE\nSELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE {"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE {"),
    ("ASK { ?s ?p \"\"\"}\"\"\" }", "ASK {"),
])
def test_values_go_just_inside_the_outermost_where_group(sparql, expected):
    assert sparql[:where_brace(sparql)] == expected


def test_values_trail_a_construct_where_query():
    text = inject_values("CONSTRUCT WHERE { ?s ?p ?o }", {"o": ox.Literal("a")})
    assert text == 'CONSTRUCT WHERE { ?s ?p ?o }\nVALUES (?o) { ("a") }\n'
    ox.Store().query(text)


def test_integer_parameter_filters_after_grouping(store):
    rows = cells(run_named(store, "collaborations", {"director": "Nicolas Winding Refn", "min_films": "3"}))
    assert rows == [("Zlatko Burić", "3")]


def test_a_title_matches_in_any_known_language(store):
    # "Pusher II" is only the JSON record's original title, tagged @da.
    rows = cells(run_named(store, "release-timeline", {"film": "Pusher II"}))
    assert rows == EXPECTED["release-timeline"][1]
    text = inject_values("SELECT * WHERE { ?s ?p ?film }", query.bind(query.library()["film-cast"], {"film": "X"}))
    assert '("X") ("X"@ar)' in text and '("X"@da)' in text


def test_spellings_find_names_whatever_their_case_and_accents(store):
    assert query.spellings(store, "zlatko buric") == ["Zlatko Buric", "Zlatko Burić"]
    assert query.spellings(store, "PUSHER III") == [P3]
    assert query.spellings(store, "Pusher") == [P2, P3], "titles that start with it, the exact one left out"
    assert query.spellings(store, INJECTION) == []


def test_ask_and_construct_bind_parameters(store):
    q = query.parse_query("# param: name string\nASK { GRAPH ?g { ?p <https://schema.org/name> ?name } }",
                          "ask", "ask.rq")
    assert query.run(store, q, {"name": "Mads Mikkelsen"}).boolean is True
    assert query.run(store, q, {"name": INJECTION}).boolean is False
    q = query.parse_query("# param: name string\nCONSTRUCT { ?p a <http://e/Hit> } "
                          "WHERE { GRAPH ?g { ?p <https://schema.org/name> ?name } }", "c", "c.rq")
    result = query.run(store, q, {"name": "Kim Bodnia"})
    assert [str(t) for t in result.triples] == [
        "<https://w3id.org/filmgraph/id/person/kim-bodnia> "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/Hit>"]


def test_syntax_error_names_line_and_column():
    q = query.parse_query("# title: broken\nSELECT ?x\nWHERE { ?x ?y }", "broken", "broken.rq")
    with pytest.raises(QueryError, match=r"^broken\.rq:3:\d+: expected"):
        query.check(q)


def test_timeout_stops_waiting():
    def slow():
        import time

        time.sleep(5)

    with pytest.raises(query.QueryTimeout, match="ran past the 0.05 s timeout"):
        query.with_timeout(slow, 0.05, "query slow")


def test_limit_stops_reading(store):
    result = run_named(store, "co-stars", {"actor": "Zlatko Buric"}, limit=2)
    assert len(result.rows) == 2 and result.truncated
    assert "stopped at --limit 2" in results.table(result)


# ---- output formats ----------------------------------------------------------------------------

def _output(result, fmt):
    buffer = io.BytesIO()
    results.write(result, fmt, buffer)
    return buffer.getvalue()


def test_json_is_sparql_results_json(store):
    result = run_named(store, "release-timeline", {"film": P2})
    doc = json.loads(_output(result, "json"))
    jsonschema.validate(doc, RESULTS_SCHEMA)
    assert doc["head"]["vars"] == result.variables
    first = doc["results"]["bindings"][0]
    assert first["date"] == {"type": "literal", "value": "2005-09-16",
                             "datatype": "http://www.w3.org/2001/XMLSchema#date"}
    assert first["territory"] == {"type": "literal", "value": "GB"}
    assert "limited" not in first, "unbound variables are left out of a binding"
    ask = query.run(store, query.parse_query("ASK {}", "ask", "ask"))
    jsonschema.validate(json.loads(_output(ask, "json")), RESULTS_SCHEMA)


def test_json_keeps_language_tags_and_iris(store):
    q = query.parse_query('SELECT ?i ?l WHERE { BIND(<https://w3id.org/filmgraph/id/film/pusher-1996> AS ?i) '
                          'BIND("Pusher"@da AS ?l) }', "t", "t")
    doc = json.loads(_output(query.run(store, q), "json"))
    jsonschema.validate(doc, RESULTS_SCHEMA)
    assert doc["results"]["bindings"] == [{
        "i": {"type": "uri", "value": "https://w3id.org/filmgraph/id/film/pusher-1996"},
        "l": {"type": "literal", "value": "Pusher", "xml:lang": "da"}}]


def test_csv_is_the_w3c_csv_results_format(store):
    result = run_named(store, "film-cast", {"film": "Pusher II"})
    data = _output(result, "csv").decode("utf-8")
    assert data.startswith("year,billing,actor,character\r\n")
    assert data.count("\r\n") == len(result.rows) + 1 and "\n" not in data.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[0] == ["year", "billing", "actor", "character"]
    assert rows[2] == ["2004", "2", "Leif Sylvester", "Smeden"]
    assert rows[3] == ["2004", "2", "Leif Syvester", ""]


def test_tsv_and_xml_follow_the_w3c_formats(store):
    result = run_named(store, "series-order", {"series": "Pusher"})
    tsv = _output(result, "tsv").decode("utf-8").splitlines()
    assert tsv[0] == "?position\t?year\t?title"
    assert tsv[1].startswith("1\t\"1996\"^^<http://www.w3.org/2001/XMLSchema#gYear>\t")
    root = ET.fromstring(_output(result, "xml"))
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["position", "year", "title"]
    assert len(root.findall("r:results/r:result", ns)) == 3


def test_table_compacts_iris_and_prints_literals_plain(store):
    text = results.table(run_named(store, "record-graphs"))
    assert "id:graph/file/records/pusher-1996.txt" in text and '"' not in text
    assert text.splitlines()[-1] == "(4 rows)"


def test_construct_gives_turtle_or_jsonld(store):
    q = query.parse_query("CONSTRUCT { ?f <https://schema.org/name> ?t } WHERE { GRAPH ?g { "
                          "?f a <https://schema.org/Movie> ; <https://schema.org/name> ?t } }", "c", "c")
    result = query.run(store, q)
    graph = list(ox.parse(_output(result, "turtle"), ox.RdfFormat.TURTLE))
    assert len(graph) == len(result.triples) == 5
    doc = json.loads(_output(result, "jsonld"))
    assert "@context" in doc and doc["@graph"]
    with pytest.raises(UsageError, match="CONSTRUCT and DESCRIBE give RDF"):
        _output(result, "csv")


# ---- the command line --------------------------------------------------------------------------

def test_cli_lists_the_library(cli):
    r = cli("queries")
    assert r.code == 0
    for name in EXPECTED:
        assert name in r.out
    assert "films-by-certificate  Films by certificate in a territory  [territory=GB]" in r.out


def test_cli_runs_a_named_query_as_a_table(cli, sample_store):
    r = cli("query", "series-order", "--store", str(sample_store), "--param", "series=Pusher")
    assert r.code == 0, r.err
    assert r.out.splitlines()[2].split() == ["1", "1996", "Pusher"]


def test_cli_json_and_csv_outputs(cli, sample_store):
    args = ("query", "director-filmography", "--store", str(sample_store), "-p", "director=Nicolas Winding Refn")
    r = cli(*args, "--format", "json")
    assert r.code == 0, r.err
    jsonschema.validate(json.loads(r.out), RESULTS_SCHEMA)
    r = cli(*args, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out, newline="")))
    assert [row["title"] for row in rows][:2] == ["Pusher", "Bleeder"]


def test_cli_injection_matches_nothing_and_exits_1(cli, sample_store):
    r = cli("query", "film-cast", "--store", str(sample_store), "-p", f"film={INJECTION}")
    assert (r.code, r.err) == (1, "")
    assert r.out.splitlines()[-1] == "(0 rows)"


def test_cli_hints_at_the_stored_spelling_when_nothing_matches(cli, sample_store):
    r = cli("query", "release-timeline", "--store", str(sample_store), "-p", "film=pusher iii")
    assert r.code == 1
    assert r.err == f"filmgraph: names match exactly; the store spells 'pusher iii' as: {P3}\n"


def test_people_and_series_are_found_in_any_spelling(store):
    for spelling in ("zlatko buric", "ZLATKO BURIĆ", "Zlatko Buric"):
        assert cells(run_named(store, "actor-filmography", {"actor": spelling})) == EXPECTED["actor-filmography"][1]
    assert cells(run_named(store, "series-order", {"series": "PUSHER"})) == EXPECTED["series-order"][1]


def test_cli_says_when_nobody_has_the_name(cli, sample_store):
    r = cli("query", "director-filmography", "--store", str(sample_store), "-p", "director=Lars von Trier")
    assert r.code == 1
    assert r.err == ("filmgraph: no person in the store is named 'Lars von Trier', in any spelling (find one by a "
                     "fragment with: filmgraph query find -p text=...)\n")
    r = cli("query", "director-filmography", "--store", str(sample_store), "-p", "director=Mads Mikkelsen")
    assert (r.code, r.err) == (1, ""), "an actor who directed nothing: the name is known, the answer is empty"


def test_cli_param_errors_exit_2_without_traceback(cli, sample_store):
    r = cli("query", "film-cast", "--store", str(sample_store), "-p", "title=Pusher")
    assert r.code == 2
    assert "film-cast has no parameter title; its parameters: film (title)" in r.err
    assert "Traceback" not in r.err
    r = cli("query", "no-such-query", "--store", str(sample_store))
    assert r.code == 2 and "the library has: actor-filmography" in r.err


def test_cli_syntax_error_in_a_file_names_line_and_column(cli, sample_store, tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text("# title: Broken\n# param: x string\nSELECT ?s\nWHERE { ?s ?p ?x .. }\n")
    r = cli("query", str(path), "--store", str(sample_store), "-p", "x=1")
    assert r.code == 2
    assert r.err.startswith(f"filmgraph: {path}:4:")
    assert "Traceback" not in r.err


def test_cli_timeout_stops_a_runaway_query(cli, sample_store):
    r = cli("query", "--store", str(sample_store), "--timeout", "0.5",
            "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    assert r.code == 2
    assert "ran past the 0.5 s timeout and was stopped" in r.err


def test_cli_endpoint_connection_refused_is_a_clear_error(cli):
    from conftest import free_port

    r = cli("query", "series-order", "-p", "series=Pusher", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert r.code == 2
    assert "connection refused" in r.err and "Traceback" not in r.err


def test_a_plain_title_is_preferred_to_a_title_in_another_language(tmp_path):
    """"Pusher II"@da is the 2004 film's original title; a film called plainly "Pusher II" wins."""
    from filmgraph.mapping import map_record
    from filmgraph.readers import read_file

    records = {
        "remake.json": {"title": "Pusher II", "year": 2030, "cast": ["Ann Example=Tonny"]},
        "original.json": {"title": "Pusher II: With Blood on My Hands", "year": 2004,
                          "original_title": {"text": "Pusher II", "language": "da"}, "cast": ["Mads Mikkelsen"]},
    }
    for name, record in records.items():
        (tmp_path / name).write_text(json.dumps(record), encoding="utf-8")
    with open_store(str(tmp_path / "store"), write=True) as s:
        s.replace_graphs(map_record(r, "2026-01-01T00:00:00Z") for name in sorted(records)
                         for r in read_file(str(tmp_path / name)).records)
    with open_store(str(tmp_path / "store")) as s:
        assert cells(run_named(s, "film-cast", {"film": "Pusher II"})) == [("2030", "1", "Ann Example", "Tonny")]
        assert cells(run_named(s, "film-cast", {"film": "Pusher II: With Blood on My Hands"})) == [
            ("2004", "1", "Mads Mikkelsen", "")]
