"""The reconciliation service: every answer against the spec's JSON Schemas, the spec's query-batch
examples, matching that survives real lists (typos, inverted articles, numerals, original titles,
dropped subtitles, years ±1, a remake, namesakes), suggest, preview, data extension, CORS, JSONP,
limits, mounting, and an index that follows ingests into the same store."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from conftest import SHARED_DATA, run_cli
from filmgraph.reconcile import LiveIndex, Options, app

FIXTURES = Path(__file__).parent / "fixtures" / "reconcile"
SPEC = SHARED_DATA / "reconciliation-api-0.2"


@pytest.fixture(scope="module")
def films_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("reconcile") / "store"
    result = run_cli("ingest", "--store", str(store), "--quiet", "--map", str(FIXTURES / "films.yaml"),
                     str(FIXTURES / "films.csv"))
    assert result.code == 0, result.err
    return store


@pytest.fixture(scope="module")
def client(films_store) -> TestClient:
    return TestClient(app(str(films_store)))


def _ask(client: TestClient, **queries) -> dict:
    r = client.post("/", data={"queries": json.dumps(queries)})
    assert r.status_code == 200, r.text
    return r.json()


def _film(query: str, year=None, director=None, properties=(), **extra) -> dict:
    props = list(properties)
    if year is not None:
        props.append({"pid": "year", "v": year})
    if director:
        props.append({"pid": "director", "v": director})
    return {"query": query, "type": "Film", "properties": props, **extra}


def _top(result: dict) -> tuple[str | None, bool]:
    cands = result["result"]
    return (cands[0]["id"], cands[0]["match"]) if cands else (None, False)


# ---- the spec's schemas and examples ------------------------------------------------------------

@pytest.fixture(scope="module")
def schemas():
    if not (SPEC / "schemas").is_dir():
        pytest.skip(f"the Reconciliation API 0.2 schemas are not at {SPEC} (see its SOURCE.txt)")
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    loaded = {p.stem: json.loads(p.read_text()) for p in (SPEC / "schemas").glob("*.json")}
    registry = Registry().with_resources(
        [(doc["$id"].rstrip("#"), Resource(doc, DRAFT7)) for doc in loaded.values() if "$id" in doc])

    def check(name: str, instance) -> None:
        Draft7Validator(loaded[name], registry=registry).validate(instance)

    return check


def test_manifest_validates(client, schemas):
    manifest = client.get("/").json()
    schemas("manifest", manifest)
    assert [t["id"] for t in manifest["defaultTypes"]] == ["Film", "Person", "Character", "Series"]
    assert manifest["view"]["url"] == "https://w3id.org/filmgraph/id/{{id}}"
    assert manifest["preview"]["url"].startswith("http://testserver/preview?id=")


def test_every_response_validates(client, schemas):
    batch = {"q0": _film("Pusher II", 2004, "Nicolas Winding Refn"), "q1": {"query": "Mads Mikkelsen", "type": "Person"},
             "q2": {"query": "nothing like any film"}}
    schemas("reconciliation-query-batch", batch)
    schemas("reconciliation-result-batch", _ask(client, **batch))
    schemas("suggest-entities-response", client.get("/suggest/entity", params={"prefix": "pus"}).json())
    schemas("suggest-types-response", client.get("/suggest/type", params={"prefix": "fi"}).json())
    schemas("suggest-properties-response", client.get("/suggest/property", params={"prefix": "dir"}).json())
    schemas("data-extension-property-proposal", client.get("/properties", params={"type": "Film"}).json())
    query = {"ids": ["film/pusher-1996", "person/mads-mikkelsen", "film/unknown"],
             "properties": [{"id": p} for p in ("year", "director", "cast", "runtime", "country", "imdb",
                                                  "wikidata", "series", "position")]}
    schemas("data-extension-query", query)
    schemas("data-extension-response", client.post("/", data={"extend": json.dumps(query)}).json())


def _examples(kind: str, verdict: str) -> list[Path]:
    folder = SPEC / "examples" / "reconciliation-query-batch" / verdict
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@pytest.mark.parametrize("example", _examples("reconciliation-query-batch", "valid"), ids=lambda p: p.stem)
def test_valid_query_batch_examples_are_answered(client, schemas, example):
    r = client.post("/", data={"queries": example.read_text()})
    assert r.status_code == 200, r.text
    schemas("reconciliation-result-batch", r.json())
    assert set(r.json()) == set(json.loads(example.read_text()))


@pytest.mark.parametrize("example", _examples("reconciliation-query-batch", "invalid"), ids=lambda p: p.stem)
def test_invalid_query_batch_examples_are_refused(client, example):
    r = client.post("/", data={"queries": example.read_text()})
    assert r.status_code == 400 and r.json()["error"]


def test_examples_are_present_or_skipped():
    if not (SPEC / "examples").is_dir():
        pytest.skip(f"the Reconciliation API 0.2 examples are not at {SPEC} (see its SOURCE.txt)")
    assert _examples("reconciliation-query-batch", "valid") and _examples("reconciliation-query-batch", "invalid")


# ---- matching that survives real lists ----------------------------------------------------------

@pytest.mark.parametrize("ours, theirs, expected", [
    ("Infernal Affairs 2", "Infernal Affairs II", 1.0),
    ("Rocky 5", "Rocky V", 1.0),
    ("V for Vendetta", "5 for Vendetta", 0.0),
    ("Toy Story 2", "Toy Story 3", 0.0),
    ("Star Wars: Episode IV", "Star Wars: Episode V", 0.0),
    ("Three Colors: Red", "Three Colors: White", 0.0),                  # same main title, another film
    ("Pusher III: I'm the Angel of Death", "Pusher III: Angel of Death", 0.9),
    ("Lgoan", "Logan", 0.6),
    ("Seven Samurai", "Sevn Samurai", 0.86),
])
def test_the_scorer_reads_numerals_and_typing_slips(ours, theirs, expected):
    from filmgraph.link.scoring import title_similarity

    assert title_similarity([ours], [theirs]) == expected


def test_missing_evidence_is_left_out_and_contradictions_block_a_match():
    from filmgraph.link.scoring import FILM_WEIGHTS, Scored, decide_match, evidence_score

    assert evidence_score({"title": 1.0, "year": 0.8, "director": None, "cast": None}, FILM_WEIGHTS) == 0.933
    good = Scored("a", "A", 0.9, {"title": 1.0, "year": 1.0})
    assert decide_match([good, Scored("b", "B", 0.5, {"title": 1.0, "year": 0.0})])
    assert not decide_match([good, Scored("b", "B", 0.85, {"title": 1.0})])                 # no clear margin
    assert not decide_match([Scored("a", "A", 0.9, {"title": 1.0, "year": 1.0, "director": 0.0})])

@pytest.mark.parametrize("query, expected", [
    (_film("Double Life of Veronique, The", 1991), "film/the-double-life-of-veronique-1991"),
    (_film("La Double Vie de Veronique", 1991), "film/the-double-life-of-veronique-1991"),
    (_film("Infernal Affairs 2", 2003, "Andrew Lau"), "film/infernal-affairs-ii-2003"),
    (_film("Pusher II", 2004, "Nicolas Winding Refn"), "film/pusher-ii-with-blood-on-my-hands-2004"),
    (_film("The Celebration", 1998, "Thomas Vinterberg"), "film/festen-1998"),
    (_film("Shichinin no Samurai", 1955), "film/seven-samurai-1954"),
    (_film("Seven Samuari", 1954, "Akira Kurosawa"), "film/seven-samurai-1954"),
    (_film("Killing, The", 1957, "Stanley Kubrik"), "film/the-killing-1956"),
    (_film("AMELIE", 2001), "film/amelie-2001"),
    (_film("Killing, The (1956)"), "film/the-killing-1956"),                      # the year in the title cell
    (_film("Insomnia", 2002, "Christopher Nolan"), "film/insomnia-2002"),
    (_film("Insomnia", 1997, "Erik Skjoldbjaerg"), "film/insomnia-1997"),                 # the original of a remake
    (_film("Insomnia", properties=[{"pid": "country", "v": "NO"}]), "film/insomnia-1997"),  # a code for Norway
    ({"properties": [{"pid": "imdb", "v": "0117407"}], "type": "Film"}, "film/pusher-1996"),
    ({"query": "Leif Syvester", "type": "Person", "properties": [{"pid": "film", "v": "Pusher II"}]},
     "person/leif-sylvester-petersen"),
    ({"query": "Zlatko Buric", "type": "Person"}, "person/zlatko-buric"),
    ({"query": "Karsten Schroder", "type": "Person", "properties": [{"pid": "film", "v": "Pusher 3"}]},
     "person/karsten-schroder"),
    (_film("Pusher 3", 2005), "film/pusher-iii-im-the-angel-of-death-2005"),
    ({"query": "film/festen-1998"}, "film/festen-1998"),
])
def test_real_list_variants_match(client, query, expected):
    assert _top(_ask(client, q=query)["q"]) == (expected, True)


@pytest.mark.parametrize("query, wrong", [
    (_film("Psycho", 1998, "Gus Van Sant"), "film/psycho-1960"),           # a same-title remake
    (_film("Insomnia"), None),                                             # two namesakes, nothing to tell them apart
    (_film("Infernal Affairs 3", 2003), "film/infernal-affairs-ii-2003"),  # another number is another film
    (_film("Pusher", 2004), "film/pusher-1996"),                           # 8 years off
    (_film("Psycho (1998)"), "film/psycho-1960"),                          # the remake, its year in the cell
    ({"properties": [{"pid": "imdb", "v": "tt0117407"}], "query": "Festen", "type": "Film"}, "film/festen-1998"),
])
def test_other_films_are_not_matched(client, query, wrong):
    result = _ask(client, q=query)["q"]["result"]
    assert not any(c["match"] for c in result if wrong is None or c["id"] == wrong)
    assert not (result and result[0]["match"] and result[0]["id"] == wrong)


def test_candidates_explain_their_score(client):
    top = _ask(client, q=_film("Killing, The", 1957, "Stanley Kubrik"))["q"]["result"][0]
    features = {f["id"]: f["value"] for f in top["features"]}
    assert features == {"title": 1.0, "year": 0.8, "director": 1.0}
    assert 0 <= top["score"] <= 100 and top["type"] == [{"id": "Film", "name": "Film"}]
    assert top["description"] == "1956 · Stanley Kubrick"


def test_limit_and_get(client):
    r = client.get("/", params={"queries": json.dumps({"q": {"query": "Insomnia", "limit": 1}})})
    assert len(r.json()["q"]["result"]) == 1


# ---- suggest, preview, extension ----------------------------------------------------------------

def test_suggest_is_prefix_and_word_match_ignoring_case_and_accents(client):
    def ids(prefix, **params):
        return [h["id"] for h in client.get("/suggest/entity", params={"prefix": prefix, **params}).json()["result"]]

    assert "film/amelie-2001" in ids("AMÉL") and "film/amelie-2001" in ids("amel")
    assert ids("veron", type="Film") == ["film/the-double-life-of-veronique-1991"]   # a word inside the title
    assert ids("mads") == ["person/mads-mikkelsen"]
    assert ids("film/fest") == ["film/festen-1998"]                                  # an id
    assert ids("ins", type="Film") == ["film/insomnia-1997", "film/insomnia-2002"]
    assert ids("ins", type="Film", limit=1, cursor=1) == ["film/insomnia-2002"]
    assert [h["id"] for h in client.get("/suggest/property", params={"prefix": "dir", "type": "Film"}).json()["result"]] \
        == ["director"]


def test_preview_is_a_small_escaped_card(client):
    page = client.get("/preview", params={"id": "film/love-death-1975"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Love &amp; Death</h1>" in page.text and "Woody Allen" in page.text
    assert client.get("/preview", params={"id": "film/nope"}).status_code == 404


def test_extend_gives_columns(client):
    query = {"ids": ["film/pusher-1996"], "properties": [{"id": p} for p in ("year", "director", "imdb", "country")]}
    row = client.post("/", data={"extend": json.dumps(query)}).json()["rows"]["film/pusher-1996"]
    assert row == {"year": [{"int": 1996}], "director": [{"id": "person/nicolas-winding-refn", "name": "Nicolas Winding Refn"}],
                   "imdb": [{"str": "tt0117407"}], "country": [{"str": "Denmark"}]}
    bad = client.post("/", data={"extend": json.dumps({"ids": ["film/pusher-1996"], "properties": [{"id": "budget"}]})})
    assert bad.status_code == 400 and "budget" in bad.json()["error"]
    assert [p["id"] for p in client.get("/properties", params={"type": "Person"}).json()["properties"]] \
        == ["wikidata", "film", "birth_year"]


# ---- HTTP: CORS, JSONP, errors, limits, mounting ------------------------------------------------

def test_cors_and_jsonp(client):
    r = client.get("/", headers={"Origin": "http://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/", params={"callback": "jQuery123_cb", "queries": json.dumps({"q": {"query": "Festen"}})})
    assert r.headers["content-type"].startswith("application/javascript") and r.text.startswith("jQuery123_cb({")
    assert client.get("/", params={"callback": "alert(1)//"}).status_code == 400


def test_errors_are_statuses_with_a_message(films_store):
    client = TestClient(app(str(films_store), options=Options(max_batch=3)))
    r = client.post("/", data={"queries": "{not json"})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post("/", data={"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(4)})})
    assert r.status_code == 413 and "limit is 3" in r.json()["error"]
    assert client.get("/properties", params={"type": "Budget"}).status_code == 400
    slow = TestClient(app(str(films_store), options=Options(batch_seconds=0)))
    r = slow.post("/", data={"queries": json.dumps({"q": {"query": "Festen"}})})
    assert r.status_code == 503 and "send fewer queries" in r.json()["error"]


def test_mounted_app_builds_its_urls_under_the_mount(films_store):
    outer = Starlette(routes=[Mount("/reconcile", app=app(str(films_store),
                                                        options=Options(view_url="http://x/id/{{id}}")))])
    manifest = TestClient(outer).get("/reconcile/").json()
    assert manifest["preview"]["url"] == "http://testserver/reconcile/preview?id={{id}}"
    assert manifest["suggest"]["entity"]["service_url"] == "http://testserver/reconcile"
    assert manifest["view"]["url"] == "http://x/id/{{id}}"


# ---- the index follows the store ---------------------------------------------------------------

def test_an_ingest_lands_while_the_service_runs(films_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(films_store, store, ignore=shutil.ignore_patterns("filmgraph.lock"))
    live = LiveIndex(str(store), check_every=0.0)
    client = TestClient(app(live))
    assert _top(_ask(client, q=_film("Bleeder", 1999))["q"]) == (None, False)
    (tmp_path / "new.csv").write_text("title,year,directors,cast,countries,imdb,alternate\n"
                                      "Bleeder,1999,Nicolas Winding Refn,Kim Bodnia,DK,tt0161292,\n")
    result = run_cli("ingest", "--store", str(store), "--quiet", "--map", str(FIXTURES / "films.yaml"),
                     str(tmp_path / "new.csv"), env={"FILMGRAPH_LOCK_TIMEOUT": "5"})
    assert result.code == 0, result.err          # the service holds no lock between reads
    deadline = time.monotonic() + 30
    while _top(_ask(client, q=_film("Bleeder", 1999))["q"]) != ("film/bleeder-1999", True):
        assert time.monotonic() < deadline, live.error
        time.sleep(0.1)


def test_benchmark_runs_end_to_end(films_store, shared_data):
    """bench/reconcile.py at a tiny size on the test films (never a time asserted)."""
    import subprocess
    import sys

    bench = Path(__file__).resolve().parents[1] / "bench" / "reconcile.py"
    proc = subprocess.run([sys.executable, str(bench), "--store", str(films_store), "--queries", "12", "--no-vega"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| precision |" in proc.stdout and "| recall |" in proc.stdout and "| typo |" in proc.stdout


def test_reconcile_serve_refuses_bad_input_in_one_line(films_store, tmp_path):
    import socket

    result = run_cli("reconcile-serve", "--store", str(tmp_path / "none"))
    assert result.code == 2 and result.err.strip() == \
        f"filmgraph: no store at {tmp_path / 'none'} (create one with: filmgraph ingest --store {tmp_path / 'none'} PATH)"
    result = run_cli("reconcile-serve", "--store", str(films_store), "--view-url", "http://x/id/")
    assert result.code == 2 and "--view-url must contain {{id}}" in result.err
    with socket.create_server(("127.0.0.1", 0)) as busy:
        result = run_cli("reconcile-serve", "--store", str(films_store), "--port", str(busy.getsockname()[1]))
    assert result.code == 2 and "address already in use" in result.err and "Traceback" not in result.err
