"""Virtuoso's silent truncations, met on the real server with a 12,000-triple graph, and caught.

Virtuoso (ResultSetMaxRows 10,000, its default) hands back 10,001 triples of the graph on a Graph
Store GET or a CONSTRUCT without a word, cuts a SELECT at 10,000 rows (saying so only in an
`X-SPARQL-MaxRows` header) and refuses an ORDER BY page past 10,000 rows (SR353). filmgraph reads
graphs by counted pages, and refuses an answer it cannot prove whole.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from conftest import run_cli
from filmgraph.errors import QueryError
from filmgraph.store import open_store
from filmgraph.store.remote import GRAPHS, forget_servers

pytestmark = pytest.mark.integration

BIG = f"{GRAPHS}test/twelve-thousand"
SIZE = 12_000


@pytest.fixture(scope="module")
def big(virtuoso):
    """Virtuoso holding one 12,000-triple filmgraph graph (and nothing else of ours)."""
    forget_servers()
    triples = [ox.Triple(ox.NamedNode(f"https://example.org/s/{i:05d}"), ox.NamedNode("https://example.org/p"),
                         ox.Literal(f"value {i}")) for i in range(SIZE)]
    with open_store(virtuoso.url, write=True) as store:
        store.remove_graphs(store.named_graphs())
        assert store.replace_graph(BIG, triples) == SIZE
    yield virtuoso, triples
    with open_store(virtuoso.url, write=True) as store:
        store.remove_graphs([BIG])


def test_the_traps_are_there(big):
    server, _ = big
    with open_store(server.url) as store:
        client = store.client
        got = client.send("GET", f"{store.server.store_url}?graph={BIG}", accept="application/n-triples")
        assert got.body.count(b"\n") == SIZE // 12 * 10 + 1 == 10_001, "GSP GET: 10,001 triples, status 200"
        select = client.query(f"SELECT * WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}",
                              "application/sparql-results+json", url=store.server.query_url)
        assert select.headers["X-SPARQL-MaxRows"] == "10000"
        with pytest.raises(QueryError, match="SR353"):
            client.query(f"SELECT * WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }} ORDER BY ?s OFFSET 10000 LIMIT 100",
                         "application/sparql-results+json", url=store.server.query_url)


def test_a_graph_larger_than_the_row_cap_is_exported_whole(big):
    """Counted, then paged without ORDER BY at the row cap; the distinct triples must add up."""
    server, triples = big
    result = run_cli("export", "--store", server.url, "--format", "nquads")
    assert result.code == 0, result.err
    assert result.out == "".join(sorted(f"{t} <{BIG}> .\n" for t in triples))


def test_a_capped_select_is_refused_not_passed_on(big):
    server, _ = big
    result = run_cli("query", "--store", server.url, "--sparql", f"SELECT * WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}")
    assert result.code == 2 and "cut the answer at 10000 rows" in result.err and "Traceback" not in result.err


def test_a_cut_construct_is_refused_not_passed_on(big):
    server, _ = big
    with open_store(server.url) as store, pytest.raises(QueryError, match="may be partial"):
        store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}")


def test_a_sorted_page_past_the_cap_is_one_clear_line(big):
    server, _ = big
    result = run_cli("query", "--store", server.url, "--sparql",
                     f"SELECT * WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }} ORDER BY ?s OFFSET 10000 LIMIT 10")
    assert result.code == 2 and "SR353" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_digest_credentials_are_answered(virtuoso):
    """/sparql-auth asks for digest: basic credentials are answered with digest from then on."""
    forget_servers()
    with open_store(f"{virtuoso.url}/sparql-auth", auth=("dba", "dba")) as store:
        assert bool(store.query("ASK { }")) is True
        assert store.client.auth_scheme == "digest"
    with open_store(f"{virtuoso.url}/sparql-auth", auth=("dba", "dba")) as again:
        assert again.client.auth_scheme == "digest", "remembered for the server"
        assert again.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    forget_servers()
    wrong = run_cli("stats", "--store", f"{virtuoso.url}/sparql-auth", "--auth", "dba:wrong")
    assert wrong.code == 2 and "401" in wrong.err and "wrong" not in wrong.err


def test_an_ask_is_a_boolean_though_virtuoso_answers_it_as_a_select(big):
    """Virtuoso answers ASK as a SELECT of `__ASK_RETVAL`: one row holding 1, or no row at all. Read
    as rows, a false ASK looked true, and an empty server looked full (so a first load missed the
    fast path, and a re-ingest past 10,000 record graphs met the row cap)."""
    server, triples = big
    from filmgraph.sparql.client import SparqlClient

    raw = SparqlClient(f"{server.url}/sparql").query("ASK { <https://example.org/none> ?p ?o }",
                                                    "application/sparql-results+json").body
    assert b"__ASK_RETVAL" in raw, "the trap is there"
    with open_store(server.url) as store:
        assert bool(store.query(f"ASK {{ GRAPH <{BIG}> {{ {triples[0]} }} }}")) is True
        assert bool(store.query("ASK { <https://example.org/none> ?p ?o }")) is False
        assert not store.is_empty()
        assert bool(store.query(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{GRAPHS}nothing/")) }}')) is False
