"""Issue 15: identity for every script, collisions never merged, record graphs named from their source,
`filmgraph remove` and `ingest --prune`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from conftest import ROOT, run_cli
from filmgraph import identity
from filmgraph.mapping import map_record
from filmgraph.readers import read_file
from filmgraph.store import open_store

FIXTURES = ROOT / "tests" / "fixtures" / "identity"
ID = "https://w3id.org/filmgraph/id/"
FG = "https://w3id.org/filmgraph/ontology#"


def _films(store: Path) -> dict[str, list[str]]:
    """Each record graph and the film it describes."""
    with open_store(str(store)) as s:
        rows = s.query(f"SELECT ?g ?film WHERE {{ GRAPH ?g {{ ?g <{FG}describes> ?film }} }}")
        return {r["g"].value: r["film"].value for r in rows}


def _filmography(store: Path, actor: str) -> list[dict]:
    result = run_cli("query", "--store", str(store), "actor-filmography", "-p", f"actor={actor}", "--format", "json")
    assert result.code in (0, 1), result.err
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(result.out)["results"]["bindings"]]


# ---- identity for every script --------------------------------------------------------------------

def test_names_in_every_script_mint_their_own_nodes():
    """Before: every non-Latin name was `person/untitled` (Kurosawa, Tarkovsky and Costa-Gavras one node)."""
    people = ["黒澤明", "Андрей Тарковский", "Κώστας Γαβράς", "三船敏郎", "박찬욱", "सत्यजित राय", "يوسف شاهين"]
    iris = {identity.person_iri(name) for name in people}
    assert len(iris) == len(people)
    assert identity.person_iri("三船敏郎") == ID + "person/三船敏郎"
    assert identity.person_iri("Κώστας Γαβράς") == ID + "person/κωστας-γαβρας"
    assert identity.film_iri("七人の侍", 1954) == ID + "film/七人の侍-1954"
    # Marks that are part of a letter stay: the kana voicing mark, Devanagari vowel signs.
    assert identity.slug("がき") != identity.slug("かき")
    assert identity.slug("सत्यजित") != identity.slug("सतयजत")


def test_latin_folding_is_kept():
    """Zlatko Burić and Zlatko Buric are one person; the existing IRIs stay as they were."""
    assert identity.person_iri("Zlatko Burić") == identity.person_iri("Zlatko Buric") == ID + "person/zlatko-buric"
    assert identity.key("Zlatko Burić") == identity.key("Zlatko Buric")
    assert identity.film_iri("Pusher II: With Blood on My Hands", 2004) == \
        ID + "film/pusher-ii-with-blood-on-my-hands-2004"
    assert identity.slug("The Naked Gun 2½: The Smell of Fear") == "the-naked-gun-212-the-smell-of-fear"
    assert identity.slug("Ocean’s Eleven") == identity.slug("Ocean's Eleven") == "oceans-eleven"


def test_unicode_iris_pass_through_every_format(tmp_path):
    """IRIs carrying Unicode are accepted by pyoxigraph, rdflib, N-Quads, Turtle and JSON-LD export."""
    record = read_file(str(FIXTURES / "hostile.json")).records[0]
    mapped = map_record(record, "2026-01-01T00:00:00Z")
    quads = list(ox.parse(mapped.nquads(), ox.RdfFormat.N_QUADS))
    assert any(q.object == ox.NamedNode(ID + "person/三船敏郎") for q in quads)
    ds = rdflib.Dataset()
    ds.parse(data=mapped.nquads(), format="nquads")
    assert any(o == rdflib.URIRef(ID + "person/三船敏郎") for _, _, o, _ in ds.quads((None, None, None, None)))
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(FIXTURES), str(FIXTURES / "hostile.json")).code == 0
    for fmt in ("turtle", "jsonld", "nquads"):
        out = tmp_path / f"x.{fmt}"
        assert run_cli("export", "--store", str(store), "--format", fmt, "-o", str(out)).code == 0
        assert "person/三船敏郎" in out.read_text(encoding="utf-8"), fmt


def test_thirteen_hostile_records_are_thirteen_films(tmp_path):
    """Done-when: titles and people that differ only by script, punctuation or case: 13 graphs about 13
    films, collisions warned, and Mifune's filmography holds only his films. Before: 9 graphs, one person."""
    store = tmp_path / "s"
    result = run_cli("ingest", "--store", str(store), "--root", str(FIXTURES), str(FIXTURES / "hostile.json"))
    assert result.code == 0, result.err
    assert "13 records from 1 files: 13 added" in result.out
    films = _films(store)
    assert len(films) == 13 and len(set(films.values())) == 13
    assert {ID + "film/heat-1995", ID + "film/heat-1995~2", ID + "film/heat-1995~3", ID + "film/heat-1995~4",
            ID + "film/face-off-1995", ID + "film/face-off-1995~2"} <= set(films.values())
    warnings = [line for line in result.err.splitlines() if "would share" in line]
    assert any("'HEAT'" in w and "'Heat'" in w and "film/heat-1995~2" in w for w in warnings), result.err
    assert any("'AL PACINO'" in w and "person/al-pacino~2" in w for w in warnings), result.err
    assert sorted(r["title"] for r in _filmography(store, "三船敏郎")) == ["七人の侍", "用心棒"]
    assert [r["title"] for r in _filmography(store, ID + "person/al-pacino~2")] == ["HEAT"]  # by its IRI
    assert [r["title"] for r in _filmography(store, "Andrei Tarkovsky")] == []  # directed, not acted
    assert len({identity.person_iri(n) for n in ("黒澤明", "Андрей Тарковский", "Κώστας Γαβράς")}) == 3


def test_a_collision_across_runs_is_found_in_the_store(tmp_path):
    """A name met in an earlier run holds its IRI: a different name on the same slug gets the next one,
    the same name again finds it (stable across runs, unchanged on re-ingest)."""
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text(json.dumps({"title": "Heat", "year": 1995, "cast": ["Al Pacino"]}), encoding="utf-8")
    two.write_text(json.dumps({"title": "HEAT", "year": 1995, "cast": ["Al Pacino"]}), encoding="utf-8")
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(one)).code == 0
    second = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(two))
    assert second.code == 0 and "would share" in second.err
    assert sorted(_films(store).values()) == [ID + "film/heat-1995", ID + "film/heat-1995~2"]
    again = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(one), str(two))
    assert " 0 added, 0 replaced, 2 unchanged" in again.out and "would share" not in again.err


def test_characters_of_colliding_films_stay_apart():
    """A film that moves to `~2` takes its characters with it (their IRIs sit below its slug)."""
    from filmgraph.mapping import resolve_identities

    recs = read_file(str(FIXTURES / "hostile.json")).records
    heat = [r for r in recs if r.title in ("Heat", "HEAT")]
    for r in heat:
        r.cast[0].character = "Vincent Hanna"
    mapped = [map_record(r, "2026-01-01T00:00:00Z") for r in heat]
    resolve_identities(mapped, identity.Registry())
    assert f"<{ID}character/heat-1995/vincent-hanna>" in mapped[0].ntriples
    assert f"<{ID}character/heat-1995~2/vincent-hanna>" in mapped[1].ntriples
    assert f"<{ID}film/heat-1995~2/role/" in mapped[1].ntriples


# ---- record identity is the source ------------------------------------------------------------------

def test_a_corrected_kit_replaces_what_it_said(tmp_path):
    """Done-when: re-ingesting a corrected Godfather kit (title fixed, same file) leaves one record graph for
    that source and no trace of the wrong film. Before: the old graph (named after the film) stayed."""
    kits = tmp_path / "kits"
    kits.mkdir()
    kit = kits / "godfather.txt"
    shutil.copy(FIXTURES / "godfather-wrong.txt", kit)
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), str(kits)).code == 0
    assert [r["title"] for r in _filmography(store, "Al Pacino")] == ["The Godfather Part III"]
    shutil.copy(FIXTURES / "godfather-fixed.txt", kit)
    result = run_cli("ingest", "--store", str(store), str(kit))
    assert result.code == 0, result.err
    assert "1 replaced" in result.out
    films = _films(store)
    assert list(films) == [ID + "graph/file/godfather.txt"]
    assert list(films.values()) == [ID + "film/the-godfather-part-ii-1974"]
    assert [r["title"] for r in _filmography(store, "Al Pacino")] == ["The Godfather Part II"]
    with open_store(str(store)) as s:
        assert not bool(s.query("ASK { ?s ?p ?o FILTER(CONTAINS(STR(?s), 'part-iii')) }"))  # no trace at all


def test_two_sources_describing_one_film_are_two_graphs_about_one_node(tmp_path):
    """Before: the later kit silently replaced the earlier (`2 records … 1 added`)."""
    for name in ("a.txt", "b.txt"):
        shutil.copy(FIXTURES / "godfather-fixed.txt", tmp_path / name)
    store = tmp_path / "s"
    result = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(tmp_path / "a.txt"),
                     str(tmp_path / "b.txt"))
    assert "2 records from 2 files: 2 added" in result.out
    films = _films(store)
    assert sorted(films) == [ID + "graph/file/a.txt", ID + "graph/file/b.txt"]
    assert set(films.values()) == {ID + "film/the-godfather-part-ii-1974"}


def test_editing_one_row_restamps_only_that_row(tmp_path):
    """Per-row content hashes: before, every row carried the whole file's hash and was replaced."""
    sheet = tmp_path / "films.csv"
    sheet.write_text("title,year\nHeat,1995\nFace/Off,1997\nStalker,1979\n", encoding="utf-8")
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet)).code == 0
    sheet.write_text("title,year\nHeat,1995\nFace/Off,1997\nStalker,1980\n", encoding="utf-8")
    result = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet))
    assert "0 added, 1 replaced, 2 unchanged" in result.out
    with open_store(str(store)) as s:
        hashes = {r["g"].value: r["h"].value for r in s.query(
            f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?src . "
            f"?src <{FG}sha256> ?h }} }}")}
    assert len(set(hashes.values())) == 3


def test_a_shorter_file_leaves_no_stale_rows(tmp_path):
    sheet = tmp_path / "films.csv"
    sheet.write_text("title,year\nHeat,1995\nFace/Off,1997\nStalker,1979\n", encoding="utf-8")
    store = tmp_path / "s"
    run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet))
    sheet.write_text("title,year\nHeat,1995\n", encoding="utf-8")
    result = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet))
    assert "2 removed" in result.out, result.out
    assert list(_films(store)) == [ID + "graph/file/films.csv/row/2"]


def test_provenance_keeps_root_relative_and_absolute_paths(tmp_path):
    """Before: the path as given, so `validate` from another folder could not find the file (line unknown)."""
    kits = tmp_path / "kits"
    kits.mkdir()
    shutil.copy(FIXTURES / "godfather-fixed.txt", kits / "g.txt")
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(kits / "g.txt")).code == 0
    with open_store(str(store)) as s:
        (row,) = list(s.query(f"SELECT ?p ?a WHERE {{ ?src <{FG}sourcePath> ?p ; <{FG}absolutePath> ?a }}"))
    assert (row["p"].value, row["a"].value) == ("kits/g.txt", str(kits / "g.txt"))


def test_an_old_store_gets_one_line_saying_how_to_rebuild(tmp_path):
    store = tmp_path / "s"
    with open_store(str(store), write=True) as s:
        g = ox.NamedNode(ID + "graph/presskit/pusher-1996")
        s.oxigraph.add(ox.Quad(g, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                               ox.NamedNode(FG + "RecordGraph"), g))
    result = run_cli("ingest", "--store", str(store), str(FIXTURES / "godfather-fixed.txt"))
    assert result.code == 2 and "Traceback" not in result.err
    (line,) = result.err.strip().splitlines()
    assert "rebuild" in line and "graph/presskit/pusher-1996" in line


# ---- remove and prune ------------------------------------------------------------------------------------

@pytest.fixture
def three_sources(tmp_path):
    kits = tmp_path / "kits"
    kits.mkdir()
    shutil.copy(FIXTURES / "godfather-fixed.txt", kits / "godfather.txt")
    shutil.copy(FIXTURES / "godfather-fixed.txt", kits / "copy.txt")
    shutil.copy(FIXTURES / "hostile.json", kits / "hostile.json")
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(kits)).code == 0
    return tmp_path, kits, store


def test_remove_a_file_removes_exactly_its_graph(three_sources):
    """Done-when: `filmgraph remove FILE` removes exactly that source's graph, and says so."""
    root, kits, store = three_sources
    before = _films(store)
    result = run_cli("remove", "--store", str(store), str(kits / "godfather.txt"))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"removed {ID}graph/file/kits/godfather.txt", "1 record graph removed"]
    after = _films(store)
    assert set(before) - set(after) == {ID + "graph/file/kits/godfather.txt"}
    assert ID + "film/the-godfather-part-ii-1974" in after.values()  # still described by copy.txt


def test_remove_by_graph_and_by_film(three_sources):
    _, kits, store = three_sources
    row = ID + "graph/file/kits/hostile.json/row/1"
    assert run_cli("remove", "--store", str(store), row).out.splitlines()[0] == f"removed {row}"
    result = run_cli("remove", "--store", str(store), ID + "film/the-godfather-part-ii-1974")
    assert result.code == 0 and "2 record graphs removed" in result.out
    assert len(_films(store)) == 12


def test_remove_is_all_or_nothing(three_sources):
    _, kits, store = three_sources
    before = _films(store)
    result = run_cli("remove", "--store", str(store), str(kits / "godfather.txt"), str(kits / "typo.txt"))
    assert result.code == 1 and "typo.txt" in result.err and "nothing removed" in result.err
    assert _films(store) == before


def test_prune_removes_records_whose_files_are_gone(three_sources):
    root, kits, store = three_sources
    os.remove(kits / "copy.txt")
    result = run_cli("ingest", "--store", str(store), "--root", str(root), "--prune", str(kits),
                     str(kits / "godfather.txt"))
    assert result.code == 0, result.err
    assert "1 removed" in result.out and f"removed {ID}graph/file/kits/copy.txt" in result.err
    assert ID + "graph/file/kits/copy.txt" not in _films(store)


def test_validate_from_another_folder_finds_the_source_lines(tmp_path):
    """Before: provenance kept the path as given at ingest, so `validate` run elsewhere said `line unknown`."""
    import subprocess
    import sys

    kits = tmp_path / "kits"
    kits.mkdir()
    (kits / "bad.yaml").write_text("title: Open Water\nyear: 2003\ncertificates:\n  - territory: US\n    value: Open\n",
                                   encoding="utf-8")
    store = tmp_path / "s"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}

    def cli(*args, cwd):
        return subprocess.run([sys.executable, "-m", "filmgraph", *args], capture_output=True, text=True,
                              cwd=cwd, env=env, timeout=300)

    assert cli("ingest", "--no-validate", "--store", str(store), "kits/bad.yaml", cwd=tmp_path).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    report = cli("validate", "--store", str(store), cwd=elsewhere)
    assert report.returncode == 1, report.stderr
    (violation,) = [line for line in report.stdout.splitlines() if "Violation" in line]
    assert violation.endswith(f"[{kits / 'bad.yaml'}:4]"), report.stdout


def test_rows_of_one_film_in_one_file_are_two_graphs_unless_their_ids_disagree(tmp_path):
    """As for two kits: one film node described twice. Rows whose ids differ are two films: refused."""
    sheet = tmp_path / "films.csv"
    sheet.write_text("title,year,imdb\nEmma,1996,tt0116191\nEmma,1996,\nEmma,1996,tt0118308\n", encoding="utf-8")
    result = read_file(str(sheet))
    assert [r.source.row for r in result.records] == [2, 3]
    (refused,) = result.refused
    assert refused.row == 4 and "as row 2" in str(refused) and "IMDb id (tt0116191, tt0118308)" in str(refused)


def test_remove_takes_an_iri_as_a_browser_copies_it_and_dry_run_changes_nothing(three_sources):
    from urllib.parse import quote

    _, _, store = three_sources
    before = _films(store)
    copied = quote(ID + "film/七人の侍-1995", safe=":/")
    result = run_cli("remove", "--store", str(store), "--dry-run", copied)
    assert result.code == 0 and f"would remove {ID}graph/file/kits/hostile.json/row/1" in result.out
    assert _films(store) == before


def test_a_row_refused_on_rereading_keeps_its_earlier_graph(tmp_path):
    """Bad input leaves the store as it was: the row's last good record stays until it reads again."""
    sheet = tmp_path / "films.csv"
    sheet.write_text("title,year\nHeat,1995\nStalker,1979\n", encoding="utf-8")
    store = tmp_path / "s"
    run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet))
    sheet.write_text("title,year\nHeat,1995\nStalker,19x9\n", encoding="utf-8")
    result = run_cli("ingest", "--store", str(store), "--root", str(tmp_path), str(sheet))
    assert result.code == 1 and "removed" not in result.out
    assert sorted(_films(store)) == [ID + "graph/file/films.csv/row/2", ID + "graph/file/films.csv/row/3"]


def test_names_colliding_inside_one_record_and_across_records_swap_cleanly():
    """Inside a record the second name is `~2`; across records the registry decides, and a swap
    (the record's first name is the run's second) rewrites both in one pass."""
    from filmgraph.mapping import resolve_identities
    from filmgraph.record import CastMember, FilmRecord, Source

    first = FilmRecord("A", Source("a.json", "json"), year=2000, cast=[CastMember("JOHN SMITH", 1)])
    second = FilmRecord("B", Source("b.json", "json"), year=2000,
                        cast=[CastMember("John Smith", 1), CastMember("JOHN SMITH", 2)])
    mapped = [map_record(r, "2026-01-01T00:00:00Z") for r in (first, second)]
    hash_before = mapped[1].content_hash
    collisions = resolve_identities(mapped, identity.Registry())
    people = {t.subject.value: t.object.value for t in mapped[1].triples
              if t.predicate.value == "https://schema.org/name" and "/person/" in t.subject.value}
    assert people == {ID + "person/john-smith": "JOHN SMITH", ID + "person/john-smith~2": "John Smith"}
    assert [str(c.name) for c in collisions] == ["John Smith"]
    assert mapped[1].content_hash != hash_before
    ox.parse(mapped[1].nquads(), ox.RdfFormat.N_QUADS)  # still well-formed


def test_a_unicode_iri_dereferences_through_serve(tmp_path):
    """A node minted in another script answers over HTTP (its URL percent-encoded; headers carry URIs)."""
    import urllib.request
    from urllib.parse import quote

    from conftest import start_filmgraph_server, stop_filmgraph_server

    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), "--root", str(FIXTURES), str(FIXTURES / "hostile.json")).code == 0
    server = start_filmgraph_server(store)
    try:
        url = server.url + quote("id/person/三船敏郎")
        request = urllib.request.Request(url, headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            body = response.read().decode("utf-8")
            assert "三船敏郎" in body and response.headers["Link"].isascii()
    finally:
        stop_filmgraph_server(server)
