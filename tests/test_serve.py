"""`filmgraph serve` as a real process on 127.0.0.1: content negotiation, the SPARQL endpoint, the
named queries, limits, safety, and an ingest landing while the server runs."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import FIXED_EPOCH, run_cli, start_filmgraph_server, stop_filmgraph_server

ID = "https://w3id.org/filmgraph/id/"
PUSHER_II = "film/pusher-ii-with-blood-on-my-hands-2004"
HOSTILE = {"title": "<script>alert(1)</script>", "year": 2021, "directors": ["Nicolas Winding Refn"],
           "cast": ["Mads Mikkelsen=</td><script>alert(2)</script>"], "runtimes": 90}
RESULT_LIMIT = 50


def get(url: str, accept: str | None = None, data: bytes | None = None, headers: dict | None = None,
        method: str | None = None):
    """(status, headers, body) of one request; error statuses are answers too."""
    request = urllib.request.Request(url, data=data, method=method, headers={**({"Accept": accept} if accept else {}),
                                                                            **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def served(sample_store, tmp_path_factory):
    """The sample store plus a record with a hostile title, served; stopped after the module."""
    store = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(sample_store, store, ignore=shutil.ignore_patterns("filmgraph.lock"))
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.json"
    hostile.write_text(json.dumps(HOSTILE), encoding="utf-8")
    result = run_cli("ingest", "--store", str(store), str(hostile))
    assert result.code == 0, result.err
    write_link(store)
    server = start_filmgraph_server(store, "--result-limit", str(RESULT_LIMIT))
    yield server
    stop_filmgraph_server(server)


def write_link(store) -> None:
    """An accepted link with its score, as `filmgraph link` writes it to the links graph."""
    import pyoxigraph as ox

    from filmgraph.link import LINKS_GRAPH
    from filmgraph.store import open_store

    n, lit = ox.NamedNode, ox.Literal
    film, target = n(ID + "film/pusher-1996"), n("http://www.wikidata.org/entity/Q2310453")
    node = n(ID + "link/wikidata/0123456789abcdef0123")
    part = n(node.value + "/part/title")
    rdf, fg, xsd = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "https://w3id.org/filmgraph/ontology#", \
        "http://www.w3.org/2001/XMLSchema#"
    triples = [ox.Triple(film, n("http://www.w3.org/2002/07/owl#sameAs"), target),
               ox.Triple(film, n("https://schema.org/sameAs"), target),
               ox.Triple(node, n(rdf + "type"), n(rdf + "Statement")), ox.Triple(node, n(rdf + "subject"), film),
               ox.Triple(node, n(rdf + "predicate"), n("http://www.w3.org/2002/07/owl#sameAs")),
               ox.Triple(node, n(rdf + "object"), target),
               ox.Triple(node, n(fg + "linkScore"), lit("0.93", datatype=n(xsd + "decimal"))),
               ox.Triple(node, n(fg + "linkMethod"), lit("title+year+director")),
               ox.Triple(node, n(fg + "scorePart"), part), ox.Triple(part, n(fg + "criterion"), lit("title")),
               ox.Triple(part, n(fg + "partScore"), lit("1.0", datatype=n(xsd + "decimal")))]
    with open_store(str(store), write=True) as backend:
        backend.replace_graph(LINKS_GRAPH, triples)


RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}
SUFFIX = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}


@pytest.mark.parametrize("path", [PUSHER_II, "person/zlatko-buric", "series/pusher", "graph/file/records/pusher-1996.txt"])
def test_each_rdf_format_gives_the_same_triples(served, path):
    graphs = []
    for media, parser in RDF_FORMATS.items():
        status, headers, body = get(served.url + "id/" + path, accept=media)
        assert status == 200, body
        assert headers["Content-Type"].startswith(media)
        assert "Accept" in headers["Vary"]
        graph = rdflib.Graph().parse(data=body, format=parser)
        assert len(graph) > 0
        graphs.append(graph)
        status, _, by_suffix = get(served.url + f"id/{path}.{SUFFIX[media]}")
        assert status == 200
        assert isomorphic(rdflib.Graph().parse(data=by_suffix, format=parser), graph)
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    assert (rdflib.URIRef(ID + path), None, None) in graphs[0] or (None, None, rdflib.URIRef(ID + path)) in graphs[0]


def test_a_film_description_gathers_every_record_and_keeps_which_states_what(served):
    status, _, body = get(served.url + "id/" + PUSHER_II, accept="application/n-quads")
    assert status == 200
    dataset = rdflib.Dataset()
    dataset.parse(data=body, format="nquads")
    film = rdflib.URIRef(ID + PUSHER_II)
    duration = rdflib.URIRef("https://schema.org/duration")
    by_graph = {str(g): str(o) for _, _, o, g in dataset.quads((film, duration, None, None))}
    assert by_graph == {ID + "graph/file/records/pusher-ii-2004.txt": "PT1H36M",
                        ID + "graph/file/records/pusher-ii-2004.json": "PT1H40M"}


def test_html_is_the_default_for_browsers_and_unknown_or_unacceptable_is_refused(served):
    status, headers, body = get(served.url + "id/" + PUSHER_II, accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Pusher II" in body
    for path in ("id/film/no-such-film-1900", "id/film/a%20b", "id/film/%3Cx%3E", "id/series/a%20b/timeline.svg"):
        status, headers, _ = get(served.url + path, accept="text/turtle")
        assert status == 404, path
    status, headers, body = get(served.url + "id/" + PUSHER_II, accept="image/png")
    assert status == 406 and b"text/turtle" in body
    assert "Accept" in headers["Vary"]


def test_the_film_page_shows_the_records_disagreeing_side_by_side(served):
    _, _, body = get(served.url + "id/" + PUSHER_II, accept="text/html")
    page = body.decode()
    sources = page[page.index('id="sources"'):]
    assert "96 min" in sources and "100 min" in sources
    assert "Zlatko" in sources
    billing = sources[sources.index("Zlatko"):]
    assert ">3</b>" in billing and ">9</b>" in billing, "both billings are shown, each with its record"
    assert "records/pusher-ii-2004.json" in sources and "records/pusher-ii-2004.txt" in sources


def test_the_embedded_json_ld_is_the_export_film_object(served):
    _, _, body = get(served.url + "id/" + PUSHER_II, accept="text/html")
    page = body.decode()
    start = page.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    embedded = json.loads(page[start:page.index("</script>", start)])
    result = run_cli("export", "--store", str(served.store), "--format", "jsonld", "--film",
                     "Pusher II: With Blood on My Hands")
    assert result.code == 0, result.err
    assert json.loads(result.out) == embedded
    assert embedded["@type"] == "Movie" and embedded["@id"] == ID + PUSHER_II
    assert [r["actor"]["name"] for r in embedded["actor"]][:2] == ["Mads Mikkelsen", "Leif Sylvester"]
    assert all(r["@type"] == "PerformanceRole" for r in embedded["actor"])
    text = json.dumps(embedded)
    assert "contentHash" not in text and "RecordGraph" not in text and "sourcePath" not in text
    graph = rdflib.Graph().parse(data=json.dumps(embedded), format="json-ld")
    assert (rdflib.URIRef(ID + PUSHER_II), rdflib.RDF.type, rdflib.URIRef("https://schema.org/Movie")) in graph


def test_a_film_page_shows_its_links_with_their_scores(served):
    _, _, body = get(served.url + "id/film/pusher-1996", accept="text/html")
    page = body.decode()
    assert "http://www.wikidata.org/entity/Q2310453" in page
    assert "score 0.93 (title+year+director): title 1<" in page
    result = run_cli("export", "--store", str(served.store), "--format", "jsonld", "--film", "Pusher (1996)")
    assert result.code == 0, result.err
    assert "http://www.wikidata.org/entity/Q2310453" in json.loads(result.out)["sameAs"]


def test_export_film_refuses_an_unknown_or_ambiguous_title(served):
    result = run_cli("export", "--store", str(served.store), "--format", "jsonld", "--film", "No Such Film")
    assert result.code == 2 and "no film" in result.err and "Traceback" not in result.err
    result = run_cli("export", "--store", str(served.store), "--format", "turtle", "--film", "Pusher")
    assert result.code == 2 and "--format jsonld" in result.err


def test_a_hostile_title_is_escaped(served):
    _, _, body = get(served.url + "search?q=" + urllib.parse.quote("<script>"), accept="text/html")
    page = body.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    film = "film/script-alert-1-script-2021"
    status, _, body = get(served.url + "id/" + film, accept="text/html")
    page = body.decode()
    assert status == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<script>alert(2)" not in page
    _, _, svg = get(served.url + "id/person/nicolas-winding-refn/timeline.svg")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in svg and b"<script" not in svg
    head = page[page.index('<script type="application/ld+json">'):]
    assert "</script>" not in head[len('<script type="application/ld+json">'):head.index("</script>")]


def test_search_ignores_case_and_accents(served):
    for text in ("buric", "BURIĆ", "zlatko bur"):
        _, _, body = get(served.url + "search?q=" + urllib.parse.quote(text), accept="text/html")
        assert "/id/person/zlatko-buric" in body.decode(), text


def test_pages_for_person_series_character_record_and_home(served):
    for path, expected in [("id/person/nicolas-winding-refn", "Director"), ("id/series/pusher", "Recurring characters"),
                           ("id/character/pusher/milo", "Zlatko"), ("id/graph/file/records/pusher-1996.txt", "records/pusher-1996.txt"),
                           ("id/graph/file/records/pusher-1996.txt", "<b>conforms</b> to the shapes"),
                           ("id/graph/links", "linkScore"), ("", "Named queries")]:
        status, _, body = get(served.url + path, accept="text/html")
        assert status == 200 and expected in body.decode(), path


def test_home_counts_what_the_store_holds(served):
    for _ in range(100):
        _, _, body = get(served.url, accept="text/html")
        if b'id="counting"' not in body:
            break
        time.sleep(0.1)
    page = body.decode()
    assert "<th>films</th><td>6</td>" in page and "<th>record graphs</th><td>5</td>" in page


def test_pictures_are_svg_files(served):
    for path in ("id/series/pusher/timeline.svg", "id/series/pusher/cast.svg", "id/person/nicolas-winding-refn/timeline.svg"):
        status, headers, body = get(served.url + path)
        assert status == 200 and headers["Content-Type"].startswith("image/svg+xml"), path
        assert b"<svg" in body and b"Pusher" in body
    status, _, _ = get(served.url + "id/series/nothing/timeline.svg")
    assert status == 404


def test_no_path_outside_the_site_resolves_to_a_file(served):
    for path in ("static/../../../../etc/passwd", "static/%2e%2e/%2e%2e/app.py", "id/../../etc/passwd",
                 "static/..%2fapp.py"):
        status, _, body = get(served.url + path)
        assert status in (400, 404), path
        assert b"root:" not in body and b"import" not in body


def cli_rows(store, name, *params):
    result = run_cli("query", "--store", str(store), name, *[f"--param={p}" for p in params], "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)["results"]["bindings"]


def test_named_queries_bind_as_the_cli_does(served):
    expected = cli_rows(served.store, "director-filmography", "director=nicolas winding refn")
    url = served.url + "queries/director-filmography?" + urllib.parse.urlencode({"director": "nicolas winding refn"})
    status, headers, body = get(url, accept="application/sparql-results+json")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert json.loads(body)["results"]["bindings"] == expected
    status, _, body = get(served.url + "queries/director-filmography?nope=1", accept="application/sparql-results+json")
    assert status == 400 and b"no parameter nope" in body
    status, _, _ = get(served.url + "queries/no-such-query", accept="text/csv")
    assert status == 404


FILMS_BY_YEAR = ("PREFIX schema: <https://schema.org/> SELECT DISTINCT ?film ?year WHERE { ?film a schema:Movie ; "
                 "schema:dateCreated ?year } ORDER BY ?film")


def test_sparqlwrapper_and_rdflib_sparqlstore_get_the_cli_rows(served):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    expected = run_cli("query", "--store", str(served.store), "--sparql", FILMS_BY_YEAR, "--format", "json")
    rows = json.loads(expected.out)["results"]["bindings"]
    assert len(rows) >= 4
    for method in ("GET", POST):
        client = SPARQLWrapper(served.url + "sparql")
        client.setQuery(FILMS_BY_YEAR)
        client.setReturnFormat(JSON)
        client.setMethod(method)
        assert client.query().convert()["results"]["bindings"] == rows
    store = SPARQLStore(served.url + "sparql", returnFormat="xml")
    got = [(str(r.film), str(r.year)) for r in store.query(FILMS_BY_YEAR)]
    assert got == [(r["film"]["value"], r["year"]["value"]) for r in rows]


def test_sparql_formats_and_protocol_forms(served):
    for accept, marker in (("application/sparql-results+xml", b"<sparql"), ("text/csv", b"film,year"),
                           ("text/tab-separated-values", b"?film\t?year")):
        status, headers, body = get(served.url + "sparql?query=" + urllib.parse.quote(FILMS_BY_YEAR), accept=accept)
        assert status == 200 and headers["Content-Type"].startswith(accept) and marker in body, accept
    status, _, body = get(served.url + "sparql", data=FILMS_BY_YEAR.encode(), accept="application/sparql-results+json",
                          headers={"Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["results"]["bindings"]
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://schema.org/MovieSeries> ; ?p ?o }"
    status, headers, body = get(served.url + "sparql?query=" + urllib.parse.quote(construct), accept="text/turtle")
    assert status == 200 and len(rdflib.Graph().parse(data=body, format="turtle")) > 0
    status, headers, _ = get(served.url + "sparql?query=" + urllib.parse.quote(FILMS_BY_YEAR), method="GET",
                             headers={"Origin": "http://example.org"}, accept="application/sparql-results+json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, _, body = get(served.url + "sparql?query=SELEC", accept="application/sparql-results+json")
    assert status == 400
    status, headers, _ = get(served.url + "sparql?query=" + urllib.parse.quote(FILMS_BY_YEAR), accept="*/*")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")


def test_sparql_answers_past_the_router_match_the_router_s(served):
    """A SPARQL request for results is answered before Starlette's middleware and routing; one
    whose Accept also names HTML goes through them (and, given format=, gets results too). Both
    give the same bytes and headers (CORS included); a refusal has the same status and CORS headers."""
    def both(query: str, fmt: str, accept: str):
        url = served.url + "sparql?" + urllib.parse.urlencode({"query": query, "format": fmt})
        answers = []
        for header in (accept, "text/html;q=0.1, " + accept):
            status, headers, body = get(url, accept=header, headers={"Origin": "http://example.org"})
            kept = {k.lower(): v for k, v in headers.items() if k.lower() not in ("date", "server")}
            answers.append((status, kept, body))
        return answers

    for fmt, accept in (("json", "application/sparql-results+json"), ("csv", "text/csv"), ("xml", "application/xml")):
        lean, routed = both(FILMS_BY_YEAR, fmt, accept)
        assert lean[0] == 200 and lean == routed, fmt
        assert lean[1]["access-control-allow-origin"] == "*" and lean[1]["vary"] == "Accept, Origin"
    lean, routed = both("SELECT * WHERE { ?s ?p ?o } LIMIT 100", "json", "application/sparql-results+json")
    assert lean == routed and lean[1]["filmgraph-truncated"].startswith("true")
    lean, routed = both("SELEC", "json", "application/sparql-results+json")  # (the routed one is an HTML page)
    cors = ("access-control-allow-origin", "access-control-expose-headers", "vary")
    assert lean[0] == routed[0] == 400 and b"query:1:" in lean[2] and lean[1]["content-type"].startswith("text/plain")
    assert [lean[1][k] for k in cors] == [routed[1][k] for k in cors]


def test_a_remembered_resource_is_sent_as_the_one_just_made(served):
    """A resource's answer is made on its first request (through Starlette's routing) and sent from
    memory before the routing on the next ones (`Site.remembered_resource`): the same status,
    headers (CORS included) and bytes, on a server under a --base path too; a conditional GET sent
    from memory is the same 304 as a conditional HEAD, which the routes answer."""
    prefixed = start_filmgraph_server(served.store, "--base", "https://example.org/films/")
    try:
        for root in (served.url, prefixed.url + "films/"):
            for path, accept, origin in (("id/film/pusher-1996", "text/html", {"Origin": "http://example.org"}),
                                         ("id/" + PUSHER_II, "application/n-triples", {}),
                                         ("id/person/mads-mikkelsen.ttl", None, {"Origin": "http://example.org"})):
                answers = []
                for _ in range(2):
                    status, headers, body = get(root + path, accept=accept, headers=origin)
                    answers.append((status, {k.lower(): v for k, v in headers.items()
                                             if k.lower() not in ("date", "server")}, body))
                made, remembered = answers
                assert made[0] == 200 and made == remembered, (root, path)
                assert made[1]["vary"] == "Accept, Origin"
                assert ("access-control-allow-origin" in made[1]) == bool(origin)
                conditional = {**origin, "If-None-Match": made[1]["etag"]}
                sent = [get(root + path, accept=accept, headers=conditional, method=method)[:2] for method in ("GET", "HEAD")]
                (status, headers), (head_status, head_headers) = sent
                assert status == head_status == 304
                assert ({k.lower(): v for k, v in headers.items() if k.lower() not in ("date", "server")}
                        == {k.lower(): v for k, v in head_headers.items() if k.lower() not in ("date", "server")})
    finally:
        stop_filmgraph_server(prefixed)


def test_service_is_refused_and_nothing_leaves(served):
    """A public endpoint must not become a relay: a SERVICE query is refused before it runs."""
    import http.server
    import threading

    hits = []

    class Count(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Count)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.server_port}/sparql> {{ ?s ?p ?o }} }}"
        status, _, body = get(served.url + "sparql?query=" + urllib.parse.quote(query),
                              accept="application/sparql-results+json")
    finally:
        listener.shutdown()
    assert status == 403 and b"SERVICE" in body
    assert hits == []


def test_updates_are_refused(served):
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    answers = [
        get(served.url + "sparql", data=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        get(served.url + "sparql", data=urllib.parse.urlencode({"update": update}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}),
        get(served.url + "sparql?query=" + urllib.parse.quote(update)),
    ]
    assert [status for status, _, _ in answers] == [403, 403, 403]
    status, _, body = get(served.url + "sparql?query=" + urllib.parse.quote("ASK { <http://example.org/a> ?p ?o }"),
                          accept="application/sparql-results+json")
    assert json.loads(body)["boolean"] is False


def test_the_result_cap_says_when_it_cuts(served):
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    status, headers, body = get(served.url + "sparql?query=" + urllib.parse.quote(everything),
                                accept="application/sparql-results+json")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == RESULT_LIMIT
    assert headers["Filmgraph-Truncated"].startswith("true")
    status, headers, body = get(served.url + "sparql?query=" + urllib.parse.quote(everything), accept="text/html")
    assert 'id="truncated"' in body.decode()
    _, headers, _ = get(served.url + "sparql?query=" + urllib.parse.quote(FILMS_BY_YEAR),
                        accept="application/sparql-results+json")
    assert "Filmgraph-Truncated" not in headers


def test_a_query_past_its_timeout_is_stopped(served):
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } "
            "GRAPH ?g3 { ?x a <https://schema.org/Movie> } }")
    status, headers, body = get(served.url + "sparql?timeout=0.2&query=" + urllib.parse.quote(slow),
                                accept="application/sparql-results+json")
    assert status == 503 and b"timeout" in body


def test_request_bodies_are_bounded(served):
    """A body over the limit is refused from its declared length, before it is read."""
    import socket

    host, port = urllib.parse.urlsplit(served.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 3000000\r\n\r\nSELECT * WHERE { ?s ?p ?o } #")
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def test_an_ingest_while_the_server_runs_lands_and_shows(store_copy, tmp_path):
    server = start_filmgraph_server(store_copy, "--refresh", "0.2")
    try:
        status, _, body = get(server.url + "search?q=serving", accept="text/html")
        assert status == 200 and b"Serving Beside Writing" not in body
        record = tmp_path / "new.json"
        record.write_text(json.dumps({"title": "Serving Beside Writing", "year": 2026, "directors": ["Ada Lovelace"]}))
        # The ingest is not blocked by the running server (it would wait for the lock and fail after 5 s).
        result = subprocess.run([sys.executable, "-m", "filmgraph", "ingest", "--store", str(store_copy), str(record)],
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "FILMGRAPH_LOCK_TIMEOUT": "5"})
        assert result.returncode == 0, result.stderr
        for _ in range(100):
            status, _, body = get(server.url + "id/film/serving-beside-writing-2026", accept="text/html")
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200 and b"Ada Lovelace" in body
        _, _, body = get(server.url + "search?q=serving", accept="text/html")
        assert b"Serving Beside Writing" in body
    finally:
        stop_filmgraph_server(server)


def test_serve_refuses_a_missing_store_an_unreadable_one_and_a_busy_port(tmp_path, served):
    result = run_cli("serve", "--store", str(tmp_path / "nothing"), "--port", "1")
    assert result.code == 2 and "no store" in result.err and "Traceback" not in result.err
    (tmp_path / "empty").mkdir()
    result = run_cli("serve", "--store", str(tmp_path / "empty"), "--port", "1", timeout=60)
    assert result.code == 2 and "no store" in result.err and "the folder is empty" in result.err
    assert "Traceback" not in result.err
    others = tmp_path / "others"  # a folder of someone's files is refused as the other verbs refuse it, and left as it was
    others.mkdir()
    (others / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("serve", "--store", str(others), "--port", "1", "--workers", "2", timeout=60)
    assert result.code == 2 and "a folder of other files" in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in others.iterdir()) == ["notes.txt"]
    busy = urllib.parse.urlsplit(served.url).port
    result = run_cli("serve", "--store", str(served.store), "--port", str(busy), timeout=60)
    assert result.code == 2 and "cannot listen" in result.err and "Traceback" not in result.err



@pytest.mark.parametrize("workers", ["1", "2"])
def test_port_0_serves_on_a_free_port_and_says_which(store_copy, workers):
    """`--port 0` lets the system choose; the URL printed is the port it chose (it said `:0`)."""
    import re

    process = subprocess.Popen([sys.executable, "-m", "filmgraph", "serve", "--store", str(store_copy), "--port", "0",
                                "--workers", workers], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        assert port != 0
        assert get(f"http://127.0.0.1:{port}/id/series/pusher", accept="text/turtle")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize("accept, expected", [
    (None, "text/html"),
    ("", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/ld+json", "application/ld+json"),
    ("text/turtle;q=0.9, application/n-triples", "application/n-triples"),
    ("text/*;q=0.5, text/turtle", "text/turtle"),
    ("*/*;q=0.1, text/html;q=0", "text/turtle"),
    ("image/png", None),
    ("text/turtle;q=0", None),
])
def test_content_negotiation_follows_accept(accept, expected):
    from filmgraph.serve.negotiation import choose

    assert choose(accept, ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]) == expected


def test_another_service_mounts_beside_the_site(sample_store, tmp_path):
    """A Reconciliation service (or any ASGI app) joins at /reconcile without shadowing a page."""
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from conftest import free_port
    from filmgraph.serve import create_app

    store = tmp_path / "store"
    shutil.copytree(sample_store, store, ignore=shutil.ignore_patterns("filmgraph.lock"))
    manifest = Starlette(routes=[Route("/", lambda request: JSONResponse({"view": {"url": "/id/{{id}}"}}))])
    app = create_app(str(store), routes=[Mount("/reconcile", app=manifest)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/"
        status, _, body = get(url + "reconcile/")
        assert status == 200 and json.loads(body) == {"view": {"url": "/id/{{id}}"}}
        status, _, body = get(url + "id/film/pusher-1996", accept="text/html")
        assert status == 200 and b"Pusher" in body
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_workers_share_the_port_and_stop_with_the_server(store_copy):
    server = start_filmgraph_server(store_copy, "--workers", "2")
    try:
        for _ in range(100):
            try:
                status, _, body = get(server.url + "id/series/pusher", accept="text/turtle")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert status == 200 and b"Pusher" in body
        children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2
    finally:
        stop_filmgraph_server(server)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _running(pid)], "worker processes outlived the server"


def _sockets_on(port: int, state: str) -> dict[int, str]:
    """Inode -> remote address of this machine's TCP sockets on local `port` in `state` (`0A`
    listening, `01` established), from /proc/net/tcp."""
    found = {}
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
                found[int(fields[9])] = fields[2]
    return found


def _owned_sockets(pid: str) -> set[int]:
    owned = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                owned.add(int(target[8:-1]))
    return owned


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads sockets from Linux's /proc")
def test_each_worker_listens_on_its_own_socket_and_connections_spread_over_them(store_copy):
    """With one socket shared by the workers, the first to wake accepted a burst of connections
    alone (16 of 16 in one start); each worker now has its own (SO_REUSEPORT) and the kernel
    spreads the connections."""
    import socket

    server = start_filmgraph_server(store_copy, "--workers", "2")
    clients = []
    try:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                                 text=True).stdout.split()
        listening = _sockets_on(port, "0A")
        own = {pid: _owned_sockets(pid) & set(listening) for pid in workers}
        own = {pid: inodes for pid, inodes in own.items() if inodes}
        assert len(own) == 2 and len(set.union(*own.values())) == 2, own
        for _ in range(16):
            client = socket.create_connection(("127.0.0.1", port), timeout=30)
            client.sendall(b"GET /id/series/pusher HTTP/1.1\r\nHost: x\r\nAccept: text/turtle\r\n\r\n")
            assert client.recv(12).startswith(b"HTTP/1.1 200")
            clients.append(client)
        established = set(_sockets_on(port, "01"))
        held = {pid: len(_owned_sockets(pid) & established) for pid in own}
        assert sum(held.values()) == 16 and min(held.values()) >= 1, held
    finally:
        for client in clients:
            client.close()
        stop_filmgraph_server(server)


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads sockets from Linux's /proc")
def test_where_sockets_are_not_balanced_the_workers_share_one(store_copy):
    """Off Linux, SO_REUSEPORT does not spread connections, so the workers share the supervisor's
    socket (`processes.BALANCED`); here that path is taken by turning the flag off."""
    from conftest import free_port

    port = free_port()
    program = ("import sys; from filmgraph.serve import processes, serve_store; processes.BALANCED = False; "
               f"serve_store({str(store_copy)!r}, port={port}, workers=2, announce=lambda line: print(line, flush=True))")
    process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert f"127.0.0.1:{port}/" in process.stdout.readline()
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        listening = set(_sockets_on(port, "0A"))
        held = [_owned_sockets(pid) & listening for pid in children]
        held = [inodes for inodes in held if inodes]
        assert len(held) == 2 and held[0] == held[1] and len(listening) == 1, held
        assert get(f"http://127.0.0.1:{port}/id/series/pusher", accept="text/turtle")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads sockets from Linux's /proc")
def test_a_worker_that_dies_is_replaced(store_copy):
    """A worker killed outright (out of memory, a crash) is started again by the supervisor, and
    the worker left answers meanwhile. (What the killed one held is lost: its requests in flight,
    and with a socket of its own, the connections waiting on it.)"""
    import signal

    server = start_filmgraph_server(store_copy, "--workers", "2")
    try:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))

        def workers() -> set[str]:
            children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                                      text=True).stdout.split()
            return {pid for pid in children if _owned_sockets(pid) & set(_sockets_on(port, "0A"))}

        first = workers()
        assert len(first) == 2
        victim = sorted(first)[0]
        its_socket = _owned_sockets(victim) & set(_sockets_on(port, "0A"))
        os.kill(int(victim), signal.SIGKILL)
        deadline = time.monotonic() + 10  # until the kernel has closed its socket (and reset what waited there)
        while time.monotonic() < deadline and its_socket & set(_sockets_on(port, "0A")):
            time.sleep(0.01)
        status, _, _ = get(server.url + "id/series/pusher", accept="text/turtle")
        assert status == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (len(workers()) < 2 or victim in workers()):
            time.sleep(0.2)
        now = workers()
        assert len(now) == 2 and victim not in now, now
        assert get(server.url + "id/series/pusher", accept="text/turtle")[0] == 200
    finally:
        stop_filmgraph_server(server)


def _running(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_serve_answers_reconciliation_at_reconcile(served):
    """`filmgraph serve` carries the OpenRefine service: its manifest points views at the served
    pages, and a title with a typo and a dropped subtitle finds the film."""
    status, _, body = get(served.url + "reconcile/")
    manifest = json.loads(body)
    assert status == 200 and manifest["view"]["url"] == served.url + "id/{{id}}"
    queries = json.dumps({"q0": {"query": "Pusher II", "type": "Film",
                                 "properties": [{"pid": "year", "v": "2004"}]}})
    status, _, body = get(served.url + "reconcile/", data=urllib.parse.urlencode({"queries": queries}).encode())
    best = json.loads(body)["q0"]["result"][0]
    assert status == 200 and best["id"] == "film/pusher-ii-with-blood-on-my-hands-2004"
    status, _, page = get(served.url + best["id"].join(["id/", ""]), accept="text/html")
    assert status == 200 and b"With Blood on My Hands" in page


def test_worker_processes_share_the_answers_they_make(sample_store, tmp_path):
    """Two checkpoints of one store state (two `--workers`) read each other's answers from the
    shared folder: the second never makes what the first made; a 404 is not shared."""
    from filmgraph.serve.snapshots import Snapshots

    shared = tmp_path / "answers"
    first = Snapshots(str(sample_store), answers=16, shared=str(shared))
    second = Snapshots(str(sample_store), answers=16, shared=str(shared))
    try:
        a, b = first.current, second.current
        assert a.tag == b.tag and a.generation == b.generation == 1
        assert a.remember(("resource", "x"), lambda: b"made once") == b"made once"
        assert b.recall(("resource", "x")) == b"made once"
        assert b.remember(("resource", "x"), lambda: pytest.fail("made twice")) == b"made once"
        assert a.remember(("resource", "gone"), lambda: None) is None
        assert b.recall(("resource", "gone")) is None
    finally:
        first.close()
        second.close()
    assert not list(shared.glob("*/*"))  # each checkpoint's answers go with it


def test_a_server_killed_outright_leaves_its_checkpoints_and_the_next_one_removes_them(store_copy, tmp_path,
                                                                                        monkeypatch):
    """SIGKILL gives a server no chance to delete its checkpoint folder; the next server to start
    removes folders of its own naming whose process is gone, and nothing else."""
    import signal

    scratch = tmp_path / "tmp"  # the servers' temporary folder (TMPDIR), on the store's file system
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))

    def folders(pid: int) -> list:
        return [p for p in (*scratch.iterdir(), *store_copy.parent.iterdir())
                if p.name.lstrip(".").startswith(f"filmgraph-serve-{pid}-")]

    first = start_filmgraph_server(store_copy)
    try:
        left = folders(first.process.pid)
        assert len(left) == 1 and any(left[0].iterdir())  # a checkpoint inside
    finally:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    assert left[0].exists()
    alive = scratch / f"filmgraph-serve-{os.getpid()}-kept"  # a running process's folder
    other = scratch / "filmgraph-serve-notapid"  # not of the server's naming
    alive.mkdir()
    other.mkdir()
    second = start_filmgraph_server(store_copy)
    try:
        assert not left[0].exists()
        assert alive.exists() and other.exists()
        assert len(folders(second.process.pid)) == 1
    finally:
        stop_filmgraph_server(second)
    assert folders(second.process.pid) == []
