"""Real datasets through the column mappings in records/mappings/: MovieLens and vega (needs ../shared/data).

Counts are exact: every row either lands or is refused with a reason, and the summary groups the
refusals. Ingest runs with validation on, as a user runs it.
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import RECORDS, run_cli
from filmgraph.graph_records import read_record
from filmgraph.store import open_store

pytestmark = pytest.mark.shared_data

MAPPINGS = RECORDS / "mappings"
GRAPH = "https://w3id.org/filmgraph/id/graph/"
FILM = "https://w3id.org/filmgraph/id/film/"


def _ingest(store: Path, mapping: str, data: Path):
    return run_cli("ingest", "--store", str(store), "--quiet", "--map", str(MAPPINGS / mapping), str(data))


@pytest.fixture(scope="module")
def movielens(shared_data, tmp_path_factory):
    store = tmp_path_factory.mktemp("movielens") / "store"
    return store, _ingest(store, "movielens.yaml", shared_data / "movielens" / "movies.csv")


@pytest.fixture(scope="module")
def vega(shared_data, tmp_path_factory):
    store = tmp_path_factory.mktemp("vega") / "store"
    return store, _ingest(store, "vega.yaml", shared_data / "vega" / "movies.json")


def _refused(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("filmgraph: refused ")]


# ---- MovieLens ----------------------------------------------------------------------------------

def test_movielens_counts(movielens):
    """9,742 rows: 9,724 land; 13 have no (YYYY) year; 5 share a film identity (title and year) with an
    earlier row: Emma (1996), War of the Worlds (2005), Confessions of a Dangerous Mind (2002), Eros (2004)
    and Saturn 3 (1980) appear twice, with different IMDb ids."""
    _, result = movielens
    assert result.code == 1, result.err  # rows refused, none unreadable
    assert "Traceback" not in result.err
    assert "9724 records from 1 files: 9724 added, 0 replaced, 0 unchanged, 18 refused" in result.out
    assert "refused: 13 missing year, 5 same film as an earlier row" in result.out
    refused = _refused(result.err)
    assert len(refused) == 18
    assert any("movies.csv row 6061: column 'title': missing year" in line for line in refused)  # Babylon 5
    assert any("movies.csv row 5603" in line and "emma-1996" in line and "as row 652" in line for line in refused)


def _graph_of(store, film_key: str) -> str:
    """The one record graph that describes the film (record graphs are named from their source row)."""
    rows = list(store.query("PREFIX fg: <https://w3id.org/filmgraph/ontology#> "
                            "SELECT ?g ?film WHERE { GRAPH ?g { ?g fg:describes ?film } }",
                            {"film": ox.NamedNode(FILM + film_key)}))
    assert len(rows) == 1, (film_key, rows)
    assert rows[0]["g"].value.startswith(GRAPH + "file/")
    return rows[0]["g"].value


def test_movielens_films_fact_by_fact(movielens):
    store, _ = movielens
    with open_store(str(store)) as s:
        veronique = read_record(s, _graph_of(s, "the-double-life-of-veronique-1991"))
        seven = read_record(s, _graph_of(s, "seven-1995"))
        miserables = read_record(s, _graph_of(s, "les-miserables-1995"))
        pusher = read_record(s, _graph_of(s, "pusher-1996"))
        toy = read_record(s, _graph_of(s, "toy-story-1995"))
    assert (veronique.title, veronique.year) == ("The Double Life of Veronique", 1991)
    assert [(t.text, t.language) for t in veronique.alternate_titles] == [("La Double Vie de Véronique", None)]
    assert (veronique.ids.imdb, veronique.ids.tmdb) == ("tt0101765", "1600")
    assert (veronique.source.kind, veronique.source.row) == ("movielens", 883)
    assert [t.text for t in seven.alternate_titles] == ["Se7en"] and seven.ids.imdb == "tt0114369"
    assert (miserables.title, miserables.ids.imdb, miserables.ids.tmdb) == ("Les Misérables", "tt0113828", "48750")
    assert (pusher.title, pusher.year, pusher.ids.imdb, pusher.ids.tmdb) == ("Pusher", 1996, "tt0117407", "2061")
    assert (toy.ids.imdb, toy.ids.tmdb, toy.directors, toy.cast) == ("tt0114709", "862", [], [])


def test_pusher_ii_from_three_sources_is_one_film(movielens, shared_data, tmp_path, cli):
    """Done-when: the seed press kit, the MovieLens row and the JSON record: one schema:Movie, three graphs."""
    source, _ = movielens
    store = tmp_path / "store"
    shutil.copytree(source, store, ignore=shutil.ignore_patterns("filmgraph.lock"))
    result = cli("ingest", "--store", str(store), str(RECORDS / "pusher-ii-2004.txt"),
                 str(RECORDS / "pusher-ii-2004.json"))
    assert result.code == 0, result.err
    query = """
        PREFIX schema: <https://schema.org/>
        PREFIX fg: <https://w3id.org/filmgraph/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?film ?format ?duration WHERE {
          ?film a schema:Movie ; fg:imdbId "tt0396184" .
          GRAPH ?g { ?g fg:describes ?film ; prov:wasDerivedFrom ?src . ?src fg:sourceFormat ?format .
                     OPTIONAL { ?film schema:duration ?duration } }
        } ORDER BY ?format"""
    result = cli("query", "--store", str(store), "--sparql", query, "--format", "csv")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert {r["film"] for r in rows} == {FILM + "pusher-ii-with-blood-on-my-hands-2004"}
    assert [(r["format"], r["duration"]) for r in rows] == [
        ("json", "PT1H40M"), ("movielens", ""), ("presskit", "PT1H36M")]  # which source claimed what
    count = cli("query", "--store", str(store), "--format", "csv", "--sparql",
                "PREFIX schema: <https://schema.org/> SELECT (COUNT(DISTINCT ?f) AS ?n) "
                "WHERE { ?f a schema:Movie ; schema:name ?name "
                "FILTER(?name IN ('Pusher II', 'Pusher II: With Blood on My Hands')) }")
    assert count.out.split() == ["n", "1"]


# ---- vega ---------------------------------------------------------------------------------------

def test_vega_counts(vega):
    """3,201 films: 3,198 land; the reader refuses the one with a null Title, and the shapes refuse the
    two whose MPAA rating is "Open" (not a certificate the MPA issues; "Not Rated" is mapped to none)."""
    _, result = vega
    assert result.code == 1, result.err
    assert "3200 records from 1 files: 3198 added, 0 replaced, 0 unchanged, 3 refused" in result.out
    assert "refused: 2 does not conform, 1 missing title" in result.out
    refused = _refused(result.err)
    assert len(refused) == 3
    assert any("movies.json row 3054 (line 3055): field 'Title': missing title" in line for line in refused)
    assert any("movies.json row 2655: Requiem for a Dream: does not conform" in line for line in refused)
    assert "Open is not a certificate the MPA issues" in result.err


def test_vega_films_fact_by_fact(vega):
    store, _ = vega
    with open_store(str(store)) as s:
        land_girls = read_record(s, _graph_of(s, "the-land-girls-1998"))
        titanic = read_record(s, _graph_of(s, "titanic-1997"))
        numeric = read_record(s, _graph_of(s, "1776-1972"))
        asterix = read_record(s, _graph_of(s, "asterix-aux-jeux-olympiques-2008"))
        naked_gun = read_record(s, _graph_of(s, "the-naked-gun-212-the-smell-of-fear-1991"))
        graphs = s.named_graphs()
    assert len(graphs) == 3198
    assert land_girls.year == 1998 and land_girls.directors == [] and land_girls.runtimes == []
    assert [(r.territory, r.medium, r.date) for r in land_girls.releases] == [
        ("US", "cinema", datetime.date(1998, 6, 12))]
    assert [(c.territory, c.value, c.body) for c in land_girls.certificates] == [("US", "R", "MPA")]
    assert [(d.territory, d.name) for d in land_girls.distributors] == [("US", "Gramercy")]
    assert (titanic.directors, titanic.runtimes[0].minutes, titanic.certificates[0].value) == (
        ["James Cameron"], 194, "PG-13")
    assert (numeric.title, numeric.year) == ("1776", 1972)  # a JSON number as title becomes text
    assert asterix.title == "Astérix aux Jeux Olympiques"  # Mac Roman mojibake repaired
    assert asterix.certificates == []  # "Not Rated" is no certificate (the mapping's empty:)
    assert naked_gun.title == "The Naked Gun 2½: The Smell of Fear"


def test_movielens_articles_restored_wherever_they_sit(movielens):
    """Before: `Godfather: Part II, The` kept its article at the end (62 titles), so it never met a kit."""
    store, _ = movielens
    with open_store(str(store)) as s:
        rows = s.query("SELECT ?t WHERE { ?f a <https://schema.org/Movie> ; <https://schema.org/name> ?t "
                       "FILTER(REGEX(?t, ', (The|A|An)$')) }")
        assert [r["t"].value for r in rows] == []
        assert read_record(s, _graph_of(s, "the-godfather-part-ii-1974")).title == "The Godfather: Part II"
