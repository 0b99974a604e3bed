"""JSON, YAML and CSV records (native and through a column mapping) into the same record model and graph."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import RECORDS, ROOT, run_cli
from filmgraph.errors import InputError
from filmgraph.graph_records import canonical, read_record, record_from_triples
from filmgraph.readers import expand_paths, read_file
from filmgraph.readers.mapping_spec import movielens_title, restore_article
from filmgraph.record import FilmRecord, Title
from filmgraph.store import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "structured"
EVERY_FIELD = FIXTURES / "every-field.json"


def _graphs(store: Path) -> list[str]:
    with open_store(str(store)) as s:
        return s.named_graphs()


def _problem_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "row " in line and ("column" in line or "field" in line)]


# ---- the record documents -----------------------------------------------------------------------

def test_every_record_field_is_in_the_json_schema():
    schema = json.loads((ROOT / "src" / "filmgraph" / "record.schema.json").read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(FilmRecord)} - {"source", "lines", "rules"}
    assert fields <= set(schema["properties"]), fields - set(schema["properties"])


def test_every_field_fixture_uses_every_field():
    doc = json.loads(EVERY_FIELD.read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(FilmRecord)} - {"source", "lines", "rules"}
    assert set(doc) == fields


def test_json_and_yaml_give_the_same_record():
    from_json = read_file(str(EVERY_FIELD))
    from_yaml = read_file(str(FIXTURES / "every-field.yaml"))
    assert not from_json.warnings and not from_json.refused
    assert not from_yaml.warnings and not from_yaml.refused
    a, b = canonical(from_json.records[0]), canonical(from_yaml.records[0])
    assert (a.source.kind, b.source.kind) == ("json", "yaml")
    assert dataclasses.replace(a, source=b.source) == b
    record = from_json.records[0]
    assert record.original_title == Title("Havnens lys", "da")
    assert record.languages == ["da", "sv"] and record.countries == ["DK", "SE"]
    assert record.runtimes[1].territories == ["GB"]  # "UK" normalised
    assert record.certificates[1].value == "11"
    assert [r.date for r in record.releases] == [datetime.date(2003, 10, 3), datetime.date(2004, 5, 14), None]
    assert from_yaml.records[0].lines["cast[2]"] == 13


def test_round_trip_every_field_through_the_store_and_an_export(tmp_path):
    """Done-when: a JSON record with every field, ingested and exported, read back from the graph, is the same."""
    store, dump = tmp_path / "store", tmp_path / "export.nq"
    result = run_cli("ingest", "--store", str(store), "--root", str(EVERY_FIELD.parent), str(EVERY_FIELD))
    assert result.code == 0, result.err
    assert run_cli("export", "--store", str(store), "--format", "nquads", "-o", str(dump)).code == 0
    original = canonical(read_file(str(EVERY_FIELD)).records[0])
    original.source.root_path, original.source.absolute_path = EVERY_FIELD.name, str(EVERY_FIELD)

    quads = list(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS))
    graph = f"https://w3id.org/filmgraph/id/graph/file/{EVERY_FIELD.name}"
    back = record_from_triples(graph, ((q.subject, q.predicate, q.object) for q in quads
                                       if q.graph_name.value == graph))
    for f in dataclasses.fields(FilmRecord):
        assert getattr(back, f.name) == getattr(original, f.name), f.name
    with open_store(str(store)) as s:
        assert read_record(s, graph) == original


def test_schema_problems_name_the_field_path_and_refuse_only_that_record(tmp_path):
    path = tmp_path / "two.json"
    good = {"title": "Harbour Nights", "year": 2001}
    bad = {"title": "Harbour Lights", "year": 2003,
           "cast": ["Søren Bæk=Jonas", {"actor": "Ida Lund", "character": 7}, "A=B=C"],
           "countries": ["Narnia"], "ids": {"imdb": "396184"}, "budget": 5}
    path.write_text(json.dumps([good, bad], indent=1), encoding="utf-8")
    result = read_file(str(path))
    assert [r.title for r in result.records] == ["Harbour Nights"]
    assert result.records[0].source.row == 1
    (refused,) = result.refused
    assert refused.row == 2 and refused.line == 6
    messages = {where: message for where, message, _ in refused.problems}
    assert messages["field cast[1].character"] == "7 is not a string"
    assert "'Actor' or 'Actor=Character'" in messages["field cast[2]"]
    assert "IMDb id like tt0396184" in messages["field ids.imdb"]
    assert "not a record field" in messages["field budget"]
    assert all(str(path) in line and "row 2" in line for line in str(refused).splitlines())
    # The shared value grammar reads territories before the schema check: all five problems at once.
    assert len(str(refused).splitlines()) == 5
    assert "unknown territory 'Narnia'" in messages["field countries[0]"]


def test_unknown_territory_is_refused_with_its_path(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("title: Harbour Lights\nyear: 2003\nreleases:\n  - territory: Narnia\n    date: 2003-01-01\n",
                    encoding="utf-8")
    result = read_file(str(path))
    assert not result.records
    assert str(result.refused[0]) == (f"{path}:4, field releases[0].territory: unknown territory 'Narnia' "
                                      "(ISO 3166-1 names in English, French or German, or vocab/territory-aliases.csv)")


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"title": "A", "year": 2001},\n  {"title": "B" "year": 2002}\n]\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_file(str(path))
    assert (e.value.line, e.value.column) == (3, 17)


# ---- CSV ----------------------------------------------------------------------------------------

def test_native_csv_compact_cells():
    result = read_file(str(FIXTURES / "films.csv"))
    assert not result.warnings and not result.refused
    nights, keeper = result.records
    assert (nights.source.kind, nights.source.row, keeper.source.row) == ("csv", 2, 3)
    assert nights.original_title == Title("Havnens nætter", "da")
    assert nights.alternate_titles == [Title("Nights at the Harbour"), Title("Les Nuits du port", "fr")]
    assert nights.writers == ["Karen Holm", "Jens Aagaard"]
    assert [(c.actor, c.billing, c.character) for c in nights.cast] == [
        ("Søren Bæk", 1, "Jonas"), ("Ida Lund", 2, "Marie"), ("Peter Østergaard", 3, None)]
    assert nights.characters[0].aliases == ["The Pilot", "Captain J"]
    assert (nights.series.name, nights.series.position) == ("Harbour Trilogy", 1)
    assert [(r.minutes, r.territories) for r in nights.runtimes] == [(98, ["DK"]), (94, ["GB"])]
    assert [(c.territory, c.value, c.advice) for c in nights.certificates] == [
        ("GB", "15", "contains strong language"), ("DK", "11", None)]
    assert [(r.territory, r.medium, r.date, r.limited) for r in nights.releases] == [
        ("DK", "cinema", datetime.date(2001, 9, 28), False), ("GB", "dvd", None, False),
        ("GB", "cinema", datetime.date(2002, 3, 1), True)]
    assert [(d.territory, d.name) for d in nights.distributors] == [("DK", "Nordlys Film"), ("GB", "Tideway Pictures")]
    assert (nights.related_films[0].title, nights.related_films[0].year) == ("The Lighthouse Keeper", 1999)
    assert (nights.ids.imdb, nights.ids.wikidata, nights.ids.tmdb) == ("tt0000002", "Q2", "2")
    assert keeper.releases[0].city == "Aarhus"  # a JSON cell for what the compact form cannot hold
    assert nights.lines["cast"] == 2


def test_csv_bad_row_one_message_per_problem_and_the_good_rows_land(tmp_path):
    """Done-when: year 19x4, an unknown column, a cast cell that cannot be split: file, row, column each."""
    store, path = tmp_path / "store", FIXTURES / "bad-rows.csv"
    result = run_cli("ingest", "--store", str(store), "--root", str(FIXTURES), str(path))
    assert result.code == 1, result.err  # data refused, not an unreadable file
    assert "Traceback" not in result.err
    problems = _problem_lines(result.err)
    assert len(problems) == 3, result.err
    assert any(f"{path} row 3" in p and "column 'year'" in p and "'19x4' is not a year" in p for p in problems)
    assert any(f"{path} row 3" in p and "column 'cast'" in p and "cannot be split" in p for p in problems)
    assert any(f"{path} row 3" in p and "column 6" in p and "'extra'" in p for p in problems)
    header = [line for line in result.err.splitlines() if "'budget'" in line]
    assert len(header) == 1 and f"{path}:1" in header[0] and "not a record field" in header[0]
    assert "2 records from 1 files: 2 added" in result.out and "1 refused" in result.out
    assert "refused: 1 cell without a column, invalid cast, invalid year" in result.out
    assert _graphs(store) == ["https://w3id.org/filmgraph/id/graph/file/bad-rows.csv/row/2",
                              "https://w3id.org/filmgraph/id/graph/file/bad-rows.csv/row/4"]


def test_spreadsheet_through_a_column_mapping(tmp_path):
    store = tmp_path / "store"
    result = run_cli("ingest", "--store", str(store), "--map", str(FIXTURES / "mappings" / "spreadsheet.yaml"),
                     "--root", str(FIXTURES), str(FIXTURES / "spreadsheet.csv"))
    assert result.code == 1, result.err
    (problem,) = _problem_lines(result.err)
    assert "spreadsheet.csv row 4" in problem and "column 'Released'" in problem and "'sometime in 2003'" in problem
    assert "2 added" in result.out and "1 refused" in result.out
    graph = "https://w3id.org/filmgraph/id/graph/file/spreadsheet.csv/row/2"
    assert _graphs(store) == [graph, "https://w3id.org/filmgraph/id/graph/file/spreadsheet.csv/row/3"]
    with open_store(str(store)) as s:
        record = read_record(s, graph)
    assert (record.source.kind, record.source.row, record.year) == ("studio-sheet", 2, 2001)
    assert [(r.territory, r.date) for r in record.releases] == [("US", datetime.date(2001, 9, 28))]
    assert [c.actor for c in record.cast] == ["Søren Bæk", "Ida Lund"]
    assert record.runtimes[0].minutes == 98
    assert (record.certificates[0].value, record.certificates[0].body) == ("R", "MPA")
    assert record.distributors[0].name == "Tideway Pictures"


def test_a_mapping_mistake_is_an_input_error_naming_the_mapping(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("filmgraph: mapping\nsource: sheet\nfields:\n  title: Film\n  budget: Money\n", encoding="utf-8")
    result = run_cli("ingest", "--store", str(tmp_path / "s"), "--map", str(mapping), str(FIXTURES / "spreadsheet.csv"))
    assert result.code == 2
    assert f"{mapping}: mapping: 'budget' is not a record field" in result.err
    assert "Traceback" not in result.err


# ---- titles -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, title, year, alternates", [
    ("Double Life of Veronique, The (Double Vie de Véronique, La) (1991)", "The Double Life of Veronique", 1991,
     ["La Double Vie de Véronique"]),
    ("Seven (a.k.a. Se7en) (1995)", "Seven", 1995, ["Se7en"]),
    ("Pusher II: With Blood on My Hands (2004)", "Pusher II: With Blood on My Hands", 2004, []),
    ("Usual Suspects, The (1995)", "The Usual Suspects", 1995, []),
    ("Enfer, L' (1994)", "L'Enfer", 1994, []),
    ("Road Warrior, The (Mad Max 2) (1981)", "The Road Warrior", 1981, ["Mad Max 2"]),
    ("Babylon 5", "Babylon 5", None, []),
])
def test_movielens_titles(raw, title, year, alternates):
    parsed = movielens_title(raw)
    assert (parsed["title"], parsed.get("year"), parsed.get("alternate_titles", [])) == (title, year, alternates)


def test_restore_article_keeps_the_subtitle():
    assert restore_article("Good, the Bad and the Ugly, The") == "The Good, the Bad and the Ugly"
    assert restore_article("Lord of the Rings, The: The Two Towers") == "The Lord of the Rings: The Two Towers"


# ---- folders and mappings -----------------------------------------------------------------------

def test_mapping_files_are_not_read_as_records(tmp_path):
    assert not [p for p in expand_paths([str(RECORDS)]) if "mappings" in p]
    assert str(RECORDS / "pusher-ii-2004.json") in list(expand_paths([str(RECORDS)]))
    (tmp_path / "film.yaml").write_text("title: Harbour Lights\nyear: 2003\n", encoding="utf-8")
    (tmp_path / "columns.yaml").write_text("filmgraph: mapping\nsource: x\nfields: {title: T}\n", encoding="utf-8")
    assert list(expand_paths([str(tmp_path)])) == [str(tmp_path / "film.yaml")]
    with pytest.raises(InputError, match="column mapping, not a record"):
        read_file(str(tmp_path / "columns.yaml"))


def test_a_mapping_for_another_format_refuses_the_file():
    with pytest.raises(InputError, match="is for json files, not csv"):
        read_file(str(FIXTURES / "films.csv"), mapping=str(RECORDS / "mappings" / "vega.yaml"))


def test_mapping_option_goes_only_to_readers_that_take_it():
    result = read_file(str(RECORDS / "pusher-ii-2004.txt"), mapping=str(RECORDS / "mappings" / "vega.yaml"))
    assert result.records[0].title == "Pusher II: With Blood on My Hands"


def test_pusher_ii_json_record():
    (record,) = read_file(str(RECORDS / "pusher-ii-2004.json")).records
    assert (record.title, record.year, record.source.kind) == ("Pusher II: With Blood on My Hands", 2004, "json")
    assert (record.ids.imdb, record.ids.wikidata, record.ids.tmdb) == ("tt0396184", "Q1126097", "11328")


def test_broken_csv_names_the_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('title,year\n"Harbour Lights,2003\n', encoding="utf-8")
    with pytest.raises(InputError, match="not valid CSV") as e:
        read_file(str(path))
    assert e.value.line == 2


def test_json_array_through_a_mapping(tmp_path):
    """vega's shape without ../shared/data: a numeric title becomes text, a null title is refused."""
    path = tmp_path / "movies.json"
    rows = [{"Title": 1776, "Release Date": "Nov 09 1972", "MPAA Rating": "PG", "Running Time min": None,
             "Distributor": "Sony/Columbia", "Director": None, "Budget": 1},
            {"Title": None, "Release Date": "Nov 03 2006", "MPAA Rating": None, "Running Time min": 85,
             "Distributor": "IFC Films", "Director": None, "Budget": 2}]
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = read_file(str(path), mapping=str(RECORDS / "mappings" / "vega.yaml"))
    (record,) = result.records
    assert (record.title, record.year, record.source.kind, record.source.row) == ("1776", 1972, "vega", 1)
    assert [(r.territory, r.date) for r in record.releases] == [("US", datetime.date(1972, 11, 9))]
    assert [str(w) for w in result.warnings] == [
        f"{path}:1: column 'Budget' is not in the mapping {RECORDS / 'mappings' / 'vega.yaml'}; ignored "
        "(list it under 'ignore:' to say so)"]
    (refused,) = result.refused
    assert str(refused) == f"{path} row 2 (line 1), field 'Title': missing title"  # one-line JSON


def test_rows_of_one_title_and_year_clash_only_on_different_ids(tmp_path):
    """Two rows naming one film are two records about one node; two that give different ids are two
    films that title and year cannot tell apart, so the later one is refused, not merged."""
    path = tmp_path / "films.csv"
    path.write_text("title,year,imdb\nAlpha,2001,tt0000001\nAlpha,2001,\nAlpha,2001,tt0000001\n"
                    "Alpha,2001,tt0000002\nBeta,2002,\nBeta,2002,\n", encoding="utf-8")
    result = read_file(str(path))
    assert [(r.title, r.source.row) for r in result.records] == [("Alpha", 2), ("Alpha", 3), ("Alpha", 4),
                                                                 ("Beta", 6), ("Beta", 7)]
    (refused,) = result.refused
    assert refused.row == 5 and "row 2" in refused.message and "tt0000002" in refused.message
