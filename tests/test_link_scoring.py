"""Each scoring rule on its own, then a whole run against a tiny target: the review table, decisions,
and the links graph (written apart from the record graphs, kept across re-ingest)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from filmgraph.link import LINKS_GRAPH, LocalTarget, link, load_profile, read_decisions, review_table, summary, write_links
from filmgraph.link.candidates import folded_pattern, normalise_imdb, normalise_qid, title_variants
from filmgraph.link.scoring import (
    MIN_SCORE, NAME_MATCH, Scored, TargetFilm, cast_overlap, decide, director_agreement, name_similarity,
    score_film, score_person, title_similarity, year_agreement)
from filmgraph.mapping import map_record
from filmgraph.record import CastMember, ExternalIds, FilmRecord, Source
from filmgraph.store import open_store

FIXTURE = Path(__file__).parent / "fixtures" / "link" / "wikidata-mini.ttl"
WD = "http://www.wikidata.org/entity/"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


# ---- the rules, one by one ----------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs, expected", [
    ("Pusher", "Pusher", 1.0),
    ("PUSHER", "pusher", 1.0),
    ("Amelie", "Amélie", 1.0),
    ("Three Colours: Red", "Three Colors: Red", 1.0),
    ("Double Life of Veronique, The", "The Double Life of Véronique", 1.0),
    ("Pusher II: With Blood on My Hands", "Pusher II", 0.9),
    ("Pusher", "Pusher II", 0.0),
    ("Red", "Three Colors: Red", 0.0),
])
def test_title_similarity(ours, theirs, expected):
    assert title_similarity([ours], [theirs]) == expected


def test_title_variants_cover_articles_spelling_and_subtitles():
    assert {"Three Colors: Red", "Three Colours", "Three Colors"} <= title_variants("Three Colours: Red")
    assert {"The Double Life of Veronique", "Double Life of Veronique"} <= title_variants("Double Life of Veronique, The")


def test_folded_pattern_ignores_case_diacritics_and_punctuation():
    import re

    pattern = folded_pattern("Pusher III: I'm the Angel of Death")
    assert re.match(pattern, "PUSHER III", re.I) and re.match(pattern, "Pushér III", re.I)
    assert re.match(folded_pattern("Amelie"), "Amélie", re.I)


@pytest.mark.parametrize("ours, theirs, expected", [
    (2004, [2004], 1.0), (2004, [2005], 0.8), (2004, [2003, 2010], 0.8), (2004, [2006], 0.3),
    (1996, [2012], 0.0), (None, [2004], None), (2004, [], None),
])
def test_year_agreement_allows_one_year(ours, theirs, expected):
    assert year_agreement(ours, theirs) == expected


@pytest.mark.parametrize("ours, theirs", [
    ("Leif Syvester", "Leif Sylvester Petersen"),
    ("Zlatko Buric", "Zlatko Burić"),
    ("Karsten Schroder", "Karsten Schrøder"),
    ("Oyvind Hagen-Traberg", "Øyvind Hagen-Traberg"),
    ("Michael Zile", "Michael Ziele"),
])
def test_spelling_variants_of_a_name_match(ours, theirs):
    assert name_similarity(ours, theirs) >= NAME_MATCH


@pytest.mark.parametrize("ours, theirs", [
    ("Kurt Nielsen", "Kim Nielsen"), ("Hakan Turan", "Hüseyin Turan"), ("Mads Mikkelsen", "Lars Mikkelsen"),
])
def test_different_people_with_a_shared_word_do_not(ours, theirs):
    assert name_similarity(ours, theirs) < NAME_MATCH


def test_director_agreement():
    assert director_agreement(["Nicolas Winding Refn"], ["Nicolas Winding Refn"]) == 1.0
    assert director_agreement(["Nicolas Winding Refn"], ["Luis Prieto"]) == 0.0
    assert director_agreement([], ["Luis Prieto"]) is None


def test_cast_overlap_counts_shared_members():
    assert cast_overlap(["Kim Bodnia", "Zlatko Buric", "Mads Mikkelsen"], ["Zlatko Burić", "Kim Bodnia", "X Y"]) == (2 / 3, 2)
    assert cast_overlap(["Kim Bodnia"], ["Richard Coyle"]) == (0.0, 0)
    assert cast_overlap(["A B", "C D", "E F"], ["A B"]) == (1 / 3, 1), "one shared name is not full agreement"
    assert cast_overlap([], ["Richard Coyle"]) == (None, 0)


def _pusher(iri, year, director, cast):
    return TargetFilm(iri, ["Pusher"], [year], [], {"director": {"d": [director]}, "cast": {f"c{i}": [n] for i, n in enumerate(cast)}})


def test_the_original_beats_its_same_title_remake():
    cast = ["Kim Bodnia", "Zlatko Burić", "Mads Mikkelsen"]
    original = score_film(["Pusher"], 1996, ["Nicolas Winding Refn"], cast, _pusher("o", 1996, "Nicolas Winding Refn", cast))
    remake = score_film(["Pusher"], 1996, ["Nicolas Winding Refn"], cast, _pusher("r", 2012, "Luis Prieto", ["Richard Coyle"]))
    assert original.score == 1.0 and remake.score < MIN_SCORE
    assert remake.parts == {"title": 1.0, "year": 0.0, "director": 0.0, "cast": 0.0}
    assert decide([remake, original]) == ("accept", original)


def test_a_known_id_settles_a_film():
    s = score_film(["Anything"], None, [], [], TargetFilm("q", ["Else"]), known_id="tt0117407")
    assert (s.score, s.method, s.parts["id"]) == (1.0, "known-id", 1.0)


def test_close_rivals_are_left_for_review():
    a = Scored("a", "Twins", 0.9, {})
    b = Scored("b", "Twins", 0.85, {})
    assert decide([a, b]) == ("review", a)
    assert decide([Scored("c", "x", 0.5, {})]) == ("reject", Scored("c", "x", 0.5, {}))
    assert decide([]) == ("reject", None)


def test_people_need_a_shared_film():
    shared = score_person(["Leif Syvester"], "q", ["Leif Sylvester Petersen"], shared=1, linked=1)
    namesake = score_person(["Anne Sorensen"], "q", ["Anne Sorensen"], shared=0, linked=1)
    assert shared.score >= MIN_SCORE > namesake.score


@pytest.mark.parametrize("raw", ["117407", "0117407", "tt0117407", "https://www.imdb.com/title/tt0117407/"])
def test_imdb_ids_are_normalised(raw):
    assert normalise_imdb(raw) == "tt0117407"


def test_qids_are_normalised():
    assert normalise_qid("http://www.wikidata.org/entity/Q1126097") == normalise_qid("Q1126097") == "Q1126097"


def test_profile_comes_from_the_ontology_alignments():
    wikidata, dbpedia = load_profile("wikidata"), load_profile("dbpedia")
    assert wikidata.term("film") == (WD + "Q11424",)
    assert wikidata.term("director") == ("http://www.wikidata.org/prop/direct/P57",)
    assert wikidata.term("cast") == ("http://www.wikidata.org/prop/direct/P161",)
    assert dbpedia.term("film") == ("http://dbpedia.org/ontology/Film",)


# ---- a whole run against a tiny target ----------------------------------------------------------

def _record(title, year, directors=(), cast=(), imdb=None):
    return FilmRecord(title=title, year=year, source=Source(f"{title}.txt", "presskit", sha256="0" * 64),
                      directors=list(directors), cast=[CastMember(n, i) for i, n in enumerate(cast, 1)],
                      ids=ExternalIds(imdb=imdb))


RECORDS = [
    _record("Three Colours: Red", 1994, ["Krzysztof Kieslowski"], ["Irene Jacob", "Jean-Louis Trintignant", "Frederique Feder"]),
    _record("Harbour Lights", 2001, ["Ana Brandao"], imdb="117407"),
    _record("Twins", 1988),
    _record("Unknown Film", 1970, ["Tove Lindqvist"]),
]


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    with open_store(str(path), write=True) as s:
        s.replace_graphs([map_record(r, "2026-01-01T00:00:00Z") for r in RECORDS])
    return path


@pytest.fixture
def target():
    s = ox.Store()
    s.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return LocalTarget(s)


def _run(store, target, **options):
    with open_store(str(store)) as s:
        return link(s, load_profile("wikidata"), target, **options)


def test_dry_run_table(store, target):
    run = _run(store, target)
    rows = {(r[1], r[3]): r for r in (line.split("\t") for line in review_table(run).splitlines()[1:])}
    red = rows[("id:film/three-colours-red-1994", "wd:Q900001")]
    assert red[4:] == ["Three Colors: Red", "0.95", "title=1.00 year=1.00 director=1.00 cast=0.67(2/3)", "accept"]
    assert rows[("id:film/three-colours-red-1994", "wd:Q900006")][5:] == [
        "0.45", "title=1.00 year=0.00 director=0.00 cast=0.33(1/3)", "reject"]
    assert rows[("id:film/harbour-lights-2001", "wd:Q900002")][5:] == [
        "1.00", "title=0.00 year=1.00 director=1.00 cast=- id=1.00(tt0117407) via=known-id", "accept"]
    assert rows[("id:film/twins-1988", "wd:Q900004")][7] == rows[("id:film/twins-1988", "wd:Q900005")][7] == "review"
    assert rows[("id:film/unknown-film-1970", "-")][7] == "unmatched"
    assert rows[("id:person/irene-jacob", "wd:Q900101")][7] == "accept"
    assert rows[("id:person/krzysztof-kieslowski", "wd:Q900104")][7] == "accept"
    assert rows[("id:person/ana-brandao", "wd:Q900105")][7] == "accept"
    assert rows[("id:person/jean-louis-trintignant", "wd:Q900102")][7] == "accept"
    assert rows[("id:person/frederique-feder", "wd:Q900103")][6:] == ["name=1.00 films=0.00(0/1) via=unique-name", "reject"]
    assert rows[("id:person/tove-lindqvist", "wd:Q900106")][6:] == ["name=1.00 films=- via=unique-name", "accept"]
    assert not any(key[1] == "wd:Q900108" for key in rows), "the namesake is never even a candidate"
    assert summary(run).splitlines()[:2] == [
        "films: 2 linked, 1 ambiguous (left for review), 1 unmatched",
        "people: 5 linked, 0 ambiguous (left for review), 1 unmatched"]


def test_decisions_are_honoured(store, target, tmp_path):
    decisions = tmp_path / "decisions.tsv"
    decisions.write_text("entity\tcandidate\tdecision\n"
                         "id:film/twins-1988\twd:Q900005\taccept\n"
                         "id:person/tove-lindqvist\twd:Q900106\treject\n"
                         "id:film/unknown-film-1970\t-\tunmatched\n", encoding="utf-8")
    run = _run(store, target, decisions=read_decisions(str(decisions), load_profile("wikidata")))
    status = {o.entity.rsplit("/", 1)[-1]: o for o in run.outcomes}
    assert status["twins-1988"].link.candidate == WD + "Q900005" and status["twins-1988"].link.method == "decision"
    assert status["tove-lindqvist"].status == "unmatched"
    assert "reject (decisions file)" in review_table(run)


def test_links_graph_is_apart_and_survives_reingest(store, target):
    run = _run(store, target)
    with open_store(str(store), write=True) as s:
        write_links(s, run, ("film", "person"), "2026-01-01T00:00:00Z")
        changed = _record("Three Colours: Red", 1994, ["Krzysztof Kieslowski"], ["Irene Jacob", "New Actor"])
        stats = s.replace_graphs([map_record(changed, "2026-02-01T00:00:00Z")])
        assert stats.replaced == 1
        same = {(r["s"].value, r["o"].value) for r in s.query(
            f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{OWL_SAME_AS}> ?o }} }}", union=False)}
        graphs = {r["g"].value for r in s.query(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s <{OWL_SAME_AS}> ?o }} }}", union=False)}
        annotated = list(s.query(f"""SELECT ?score ?method ?part ?value WHERE {{ GRAPH <{LINKS_GRAPH}> {{
            ?link <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{WD}Q900001> ;
                  <https://w3id.org/filmgraph/ontology#linkScore> ?score ;
                  <https://w3id.org/filmgraph/ontology#linkMethod> ?method ;
                  <https://w3id.org/filmgraph/ontology#scorePart> [
                      <https://w3id.org/filmgraph/ontology#criterion> ?part ;
                      <https://w3id.org/filmgraph/ontology#partScore> ?value ] }} }}""", union=False))
    assert graphs == {LINKS_GRAPH}
    assert ("https://w3id.org/filmgraph/id/film/three-colours-red-1994", WD + "Q900001") in same
    assert len(same) == 7
    assert {(r["part"].value, float(r["value"].value)) for r in annotated} == {
        ("title", 1.0), ("year", 1.0), ("director", 1.0), ("cast", 0.667)}
    assert {float(r["score"].value) for r in annotated} == {0.95}
    assert {r["method"].value for r in annotated} == {"score"}


def test_people_alone_reuse_the_film_links_and_keep_them(store, target):
    with open_store(str(store), write=True) as s:
        write_links(s, link(s, load_profile("wikidata"), target, types=("film",)), ("film",), "2026-01-01T00:00:00Z")
    with open_store(str(store)) as s:
        people = link(s, load_profile("wikidata"), target, types=("person",))
    with open_store(str(store), write=True) as s:
        write_links(s, people, ("person",), "2026-01-01T00:00:00Z")
        linked = {r["s"].value.split("/id/", 1)[1] for r in s.query(
            f"SELECT ?s WHERE {{ GRAPH <{LINKS_GRAPH}> {{ ?s <{OWL_SAME_AS}> ?o }} }}", union=False)}
    assert {"film/three-colours-red-1994", "film/harbour-lights-2001", "person/irene-jacob", "person/ana-brandao"} <= linked
    assert not people.of("film")
