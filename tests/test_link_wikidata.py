"""Linking the sample records against a Wikidata-shaped graph built from real data, on a real server.

The graph is made here, in tmp_path, from ../shared/data/wikidata-movielens (real QIDs for about
9,700 films with their directors and cast), plus decoys of our own that must never be linked.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest

from filmgraph.store import open_store

pytestmark = [pytest.mark.integration, pytest.mark.shared_data]

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"
LINKS = "https://w3id.org/filmgraph/id/graph/links"
ID = "https://w3id.org/filmgraph/id/"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"

# Every sample film and credited person that the shared data holds, with its QID there.
EXPECTED = {
    "film/pusher-1996": "Q316761",
    "film/pusher-ii-with-blood-on-my-hands-2004": "Q1126097",
    "film/pusher-iii-im-the-angel-of-death-2005": "Q766096",
    "film/bleeder-1999": "Q598865",
    "film/fear-x-2003": "Q5439352",
    "person/nicolas-winding-refn": "Q359397",
    "person/mads-mikkelsen": "Q294647",
    "person/zlatko-buric": "Q207149",
    "person/kim-bodnia": "Q707827",
    "person/laura-drasbaek": "Q1760754",
    "person/slavko-labovic": "Q2293849",
    "person/peter-andersson": "Q2778476",
    "person/levino-jensen": "Q12324356",
    "person/thomas-bo-larsen": "Q740244",
    "person/lars-bom": "Q4994547",
    "person/jesper-lohmann": "Q12319647",
    "person/leif-syvester": "Q12324188",
    "person/leif-sylvester": "Q12324188",
    "person/oyvind-hagen-traberg": "Q41236586",
    "person/kurt-nielsen": "Q41236578",
    "person/karsten-schroder": "Q38052632",
    "person/maria-erwolter": "Q12325990",
    "person/maya-ababadjani": "Q12326483",
    "person/michael-zile": "Q12327016",
    "person/svend-erik-eskeland-larsen": "Q38052630",
    "person/jean-pierre-peuleve": "Q42047041",
    "person/ilyas-agac": "Q41236575",
    "person/ramadan-huseini": "Q17096983",
}
# Decoys: a same-title remake, a namesake of a cast member (with a film of his own), and a second
# person with the exact name of an actor of ours whom the data does not credit on our film.
DECOYS = {
    "Q90000001": "Pusher (2012 remake)",
    "Q90000002": "Mads Mikkelsen (namesake)",
    "Q90000003": "Anne Sorensen (exact name, no shared film)",
    "Q90000004": "Kim Bodnia (namesake)",
}


def _lit(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _title(movielens_title: str) -> tuple[str, list[str], int | None]:
    """MovieLens `Double Life of Veronique, The (Double vie de Véronique, La) (1991)` -> label,
    alternative labels, year."""
    m = re.match(r"^(.*?)\s*\((\d{4})\)\s*$", movielens_title.strip())
    title, year = (m.group(1), int(m.group(2))) if m else (movielens_title.strip(), None)
    alts = re.findall(r"\(([^()]*)\)", title)
    main = re.sub(r"\s*\([^()]*\)", "", title).strip()
    def uninvert(t: str) -> str:
        a = re.match(r"^(.*), (The|A|An|La|Le|Les|L'|Il|El|Der|Die|Das|Den|Det)$", t)
        return f"{a.group(2)} {a.group(1)}".replace("' ", "'") if a else t
    labels = [uninvert(main)] + [uninvert(a) for a in alts if not a.startswith("a.k.a. ")]
    labels += [a[7:] for a in alts if a.startswith("a.k.a. ")]
    return labels[0], [lb for lb in labels[1:] if lb and lb != labels[0]], year


def build_wikidata_graph(data: Path, out: Path) -> int:
    """Write a Wikidata-shaped N-Triples file from the crosswalk CSVs; returns the triple count."""
    src = data / "wikidata-movielens"
    lines: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"<{WD}{s}> <{p}> {o} .")

    def item(q: str) -> str:
        return f"<{WD}{q}>"

    with open(src / "links_with_wikidata_uri.csv", encoding="utf-8") as f:
        links = {r["movieId"]: r for r in csv.DictReader(f) if r["wikidataURI"]}
    with open(src / "movies_with_wikidata_values.csv", encoding="utf-8") as f:
        movies = {r["movieId"]: r for r in csv.DictReader(f)}
    qid_of = {m: r["wikidataURI"].rsplit("/", 1)[-1] for m, r in links.items()}
    for movie_id, q in qid_of.items():
        row = movies.get(movie_id)
        add(q, WDT + "P31", item("Q11424"))
        if row:
            label, alts, title_year = _title(row["title"])
            add(q, RDFS_LABEL, _lit(label))
            for alt in alts:
                add(q, ALT_LABEL, _lit(alt))
            year = int(float(row["year"])) if row["year"] else title_year
            if year:
                add(q, WDT + "P577", f'"{year}-01-01T00:00:00Z"^^<{XSD}dateTime>')
        imdb = links[movie_id]["imdbId"]
        if imdb:
            add(q, WDT + "P345", _lit(f"tt{int(imdb):07d}", None))
    people: dict[str, str] = {}
    for name in ("actors.csv", "directors.csv"):
        with open(src / name, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                people.setdefault(r["wikidataURI"].rsplit("/", 1)[-1], r["name"])
    for q, name in people.items():
        add(q, WDT + "P31", item("Q5"))
        if name:
            add(q, RDFS_LABEL, _lit(name))
    for name, prop, column in (("directed_by.csv", "P57", "director"), ("stars.csv", "P161", "castMember"),
                               ("produced_in.csv", "P495", "country")):
        with open(src / name, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["movieId"] in qid_of and r[column]:
                    add(qid_of[r["movieId"]], WDT + prop, item(r[column].rsplit("/", 1)[-1]))
    with open(src / "countries.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            add(r["wikidataURI"].rsplit("/", 1)[-1], RDFS_LABEL, _lit(r["name"]))
    # Decoys.
    add("Q90000001", WDT + "P31", item("Q11424"))
    add("Q90000001", RDFS_LABEL, _lit("Pusher"))
    add("Q90000001", WDT + "P577", f'"2012-01-01T00:00:00Z"^^<{XSD}dateTime>')
    add("Q90000001", WDT + "P57", item("Q90000010"))
    add("Q90000001", WDT + "P161", item("Q90000011"))
    add("Q90000010", WDT + "P31", item("Q5"))
    add("Q90000010", RDFS_LABEL, _lit("Luis Prieto"))
    add("Q90000011", WDT + "P31", item("Q5"))
    add("Q90000011", RDFS_LABEL, _lit("Richard Coyle"))
    add("Q90000005", WDT + "P31", item("Q11424"))
    add("Q90000005", RDFS_LABEL, _lit("Harbour Nights"))
    add("Q90000005", WDT + "P577", f'"1998-01-01T00:00:00Z"^^<{XSD}dateTime>')
    for q, name in (("Q90000002", "Mads Mikkelsen"), ("Q90000004", "Kim Bodnia")):
        add(q, WDT + "P31", item("Q5"))
        add(q, RDFS_LABEL, _lit(name))
        add("Q90000005", WDT + "P161", item(q))
    add("Q90000003", WDT + "P31", item("Q5"))
    add("Q90000003", RDFS_LABEL, _lit("Anne Sorensen"))
    lines.sort()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


@pytest.fixture(scope="module")
def wikidata_nt(shared_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wikidata") / "wikidata.nt"
    build_wikidata_graph(shared_data, out)
    return out


def _links(store_path: Path) -> dict[str, str]:
    with open_store(str(store_path)) as store:
        rows = store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{LINKS}> {{ ?s <{OWL_SAME_AS}> ?o }} }}", union=False)
        return {r["s"].value[len(ID):]: r["o"].value for r in rows}


def test_sample_records_link_to_the_right_qids(wikidata_nt, oxigraph_server, store_copy, cli, tmp_path):
    server = oxigraph_server(wikidata_nt)
    started = time.monotonic()
    result = cli("link", "--store", str(store_copy), "--target", "wikidata", "--endpoint", server.query_url,
                 "--cache", str(tmp_path / "cache"))
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    print(f"\nlinking the sample records took {elapsed:.1f} s\n{result.out}")
    links = _links(store_copy)
    wrong = {e: q for e, q in links.items() if EXPECTED.get(e) and WD + EXPECTED[e] != q}
    extra = {e: q for e, q in links.items() if e not in EXPECTED}
    missing = sorted(set(EXPECTED) - set(links))
    assert not wrong and not extra, f"wrong links: {wrong}; links nobody expected: {extra}"
    assert not missing, f"not linked: {missing}\n{result.out}"
    assert not {q for q in links.values() if q.rsplit("/", 1)[-1] in DECOYS}
    precision = sum(1 for e, q in links.items() if WD + EXPECTED[e] == q) / len(links)
    assert precision == 1.0


def test_dry_run_shows_decoys_rejected_and_writes_nothing(wikidata_nt, oxigraph_server, store_copy, cli, tmp_path):
    server = oxigraph_server(wikidata_nt)
    result = cli("link", "--store", str(store_copy), "--target", "wikidata", "--endpoint", server.query_url,
                 "--cache", str(tmp_path / "cache"), "--dry-run")
    assert result.code == 0, result.err
    rows = [line.split("\t") for line in result.out.splitlines()[1:]]
    by_candidate = {(r[1], r[3]): r[7] for r in rows}
    assert by_candidate[("id:film/pusher-1996", "wd:Q90000001")] == "reject"
    assert by_candidate[("id:person/anne-sorensen", "wd:Q90000003")] == "reject"
    assert by_candidate[("id:film/pusher-ii-with-blood-on-my-hands-2004", "wd:Q1126097")] == "accept"
    assert not _links(store_copy)
