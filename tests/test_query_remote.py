"""The same named queries against a real Oxigraph server, with and without a union default graph."""

from __future__ import annotations

import base64
import json

import pytest

from conftest import Reply, run_cli, start_oxigraph, stop_server
from filmgraph import query
from filmgraph.errors import QueryError, StoreError
from filmgraph.store import open_store
from filmgraph.store.remote import RemoteStore, remote_select
from test_query import EXPECTED, INJECTION

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def servers(sample_store, tmp_path_factory):
    """The sample store exported to N-Quads and served twice: default graph empty, and the union."""
    folder = tmp_path_factory.mktemp("remote")
    dump = folder / "sample.nq"
    result = run_cli("export", "--store", str(sample_store), "--format", "nquads", "-o", str(dump))
    assert result.code == 0, result.err
    started = {}
    try:
        started["plain"] = start_oxigraph(folder / "plain", dump)
        started["union"] = start_oxigraph(folder / "union", dump, union_default_graph=True)
        yield started
    finally:
        for server in started.values():
            stop_server(server)


@pytest.fixture(scope="module")
def local(sample_store):
    with open_store(str(sample_store)) as store:
        yield store


@pytest.mark.parametrize("mode", ["plain", "union"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_named_query_gives_the_same_rows_remotely(servers, local, mode, name):
    params, _ = EXPECTED[name]
    named = query.library()[name]
    here = query.run(local, named, params)
    there = query.run(RemoteStore(servers[mode].query_url, timeout=30), named, params)
    assert there.variables == here.variables
    assert [tuple(map(str, r)) for r in there.rows] == [tuple(map(str, r)) for r in here.rows]
    assert there.rows, "every named query has rows on the sample records"


def test_a_server_keeps_the_query_timeout_itself_with_no_thread(servers, local, monkeypatch):
    """A request has its own deadline, so a query on a server is timed by it: starting a thread per
    query (what the embedded store needs) would cost a millisecond a query over HTTP."""
    def no_thread(*args, **kwargs):
        raise AssertionError("a query on a server went through a waiting thread")

    monkeypatch.setattr(query, "with_timeout", no_thread)
    params, _ = EXPECTED["film-cast"]
    named = query.library()["film-cast"]
    there = query.run(RemoteStore(servers["plain"].query_url), named, params, timeout=30)
    assert there.rows
    with pytest.raises(AssertionError, match="waiting thread"):
        query.run(local, named, params, timeout=30)


@pytest.mark.parametrize("mode", ["plain", "union"])
def test_injection_matches_nothing_on_the_server(servers, mode):
    url = servers[mode].query_url
    for name in ("film-cast", "director-filmography", "find"):
        named = query.library()[name]
        result = query.run(RemoteStore(url), named, {named.params[0].name: INJECTION})
        assert result.rows == [], name
    count = remote_select(url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(count[0]["n"].value) > 500, "the data is all still there"


def test_remote_select_binds_typed_terms(servers):
    import pyoxigraph as ox

    rows = remote_select(servers["plain"].query_url,
                         "PREFIX schema: <https://schema.org/> SELECT DISTINCT ?film WHERE { "
                         "GRAPH ?g { ?film schema:dateCreated ?year } }",
                         {"year": ox.Literal("2005", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))})
    assert rows == [{"film": ox.NamedNode("https://w3id.org/filmgraph/id/film/pusher-iii-im-the-angel-of-death-2005")}]


def test_cli_output_is_identical_locally_and_remotely(servers, sample_store):
    args = ("query", "release-timeline", "-p", "film=Pusher II")
    for fmt in ("json", "csv", "tsv", "xml", "table"):
        here = run_cli(*args, "--store", str(sample_store), "--format", fmt)
        there = run_cli(*args, "--endpoint", servers["plain"].query_url, "--format", fmt)
        assert (there.code, there.err) == (0, "")
        assert there.out == here.out, fmt


def test_construct_and_ask_remotely(servers, local):
    named = query.parse_query("CONSTRUCT { ?f <https://schema.org/name> ?t } WHERE { GRAPH ?g { "
                              "?f a <https://schema.org/Movie> ; <https://schema.org/name> ?t } }", "c", "c")
    here = query.run(local, named)
    there = query.run(RemoteStore(servers["plain"].query_url), named)
    assert [str(t) for t in there.triples] == [str(t) for t in here.triples]
    ask = query.parse_query("ASK { GRAPH ?g { ?s ?p ?o } }", "a", "a")
    assert query.run(RemoteStore(servers["plain"].query_url), ask).boolean is True


def test_writes_need_the_server_opened_for_writing(servers):
    with pytest.raises(StoreError, match="opened for reading: cannot write record graphs"):
        RemoteStore(servers["plain"].query_url).replace_graphs([])


def test_http_errors_are_clear_messages(servers):
    with pytest.raises(StoreError, match=r"no SPARQL endpoint found at .*/nothing-here: .*HTTP 404"):
        RemoteStore(servers["plain"].url + "/nothing-here").query("ASK {}")


_EMPTY = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'


def test_auth_headers_and_user_agent_are_sent(scripted_endpoint):
    scripted_endpoint.default = Reply(body=_EMPTY)
    r = run_cli("query", "--sparql", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", scripted_endpoint.url,
                "--auth", "ann:s3cret", "--header", "X-Api-Key: abc", "--format", "json")
    assert r.code == 1, r.err  # no rows
    assert json.loads(r.out) == {"head": {"vars": ["x"]}, "results": {"bindings": []}}
    headers = scripted_endpoint.seen[-1]["headers"]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert headers["X-Api-Key"] == "abc"
    assert headers["User-Agent"].startswith("filmgraph/")


@pytest.mark.parametrize("status, message", [
    (401, "refused the request (HTTP 401 unauthorized): check --auth"),
    (500, "failed (HTTP 500): it broke"),
    (503, "answered HTTP 503"),
])
def test_cli_reports_http_errors_without_traceback(scripted_endpoint, status, message):
    scripted_endpoint.default = Reply(status, body=b"it broke\n", content_type="text/plain")
    r = run_cli("query", "series-order", "-p", "series=Pusher", "--endpoint", scripted_endpoint.url)
    assert r.code == 2
    assert message in r.err and "Traceback" not in r.err


def test_the_two_servers_really_differ_in_their_default_graph_until_the_union_is_asked_for(servers):
    ask = "ASK { ?s ?p ?o }"
    assert bool(RemoteStore(servers["plain"].query_url).query(ask, union=False)) is False
    assert bool(RemoteStore(servers["union"].query_url).query(ask, union=False)) is True
    assert bool(RemoteStore(servers["plain"].query_url).query(ask)) is True, "Oxigraph is asked for the union"
