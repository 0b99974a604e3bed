"""The one SPARQL client's limits, and the one way query text is made (IRIs, strings, VALUES)."""

from __future__ import annotations

import http.server
import threading
import time

import pyoxigraph as ox
import pytest

from conftest import Reply
from filmgraph.errors import QueryError, UsageError
from filmgraph.sparql.client import SparqlClient
from filmgraph.sparql.text import inject_values, iri, is_iri, literal, query_form, values_clause

ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'


def test_an_answer_larger_than_the_limit_is_given_up(scripted_endpoint):
    scripted_endpoint.default = Reply(body=b" " * 5000 + ANSWER)
    client = SparqlClient(scripted_endpoint.url, max_bytes=4096, retries=0)
    with pytest.raises(QueryError, match="more than 4096 bytes"):
        client.select("SELECT ?x WHERE {}")
    assert SparqlClient(scripted_endpoint.url, max_bytes=1 << 20).select("SELECT ?x WHERE {}") == []


@pytest.fixture
def trickling():
    """A server that sends its answer a few bytes every 0.2 s: each read is quick, the whole is not."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            for i in range(0, len(ANSWER), 4):
                self.wfile.write(ANSWER[i:i + 4])
                self.wfile.flush()
                time.sleep(0.2)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def test_a_request_has_an_overall_deadline(trickling):
    client = SparqlClient(trickling, timeout=5, deadline=0.5, retries=3, sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises(QueryError, match="did not finish answering within 0.5 s"):
        client.select("SELECT ?x WHERE {}")
    assert client.requests == 1, "a deadline is not retried"
    assert time.monotonic() - started < 3


def test_credentials_go_basic_first_and_are_never_in_messages(scripted_endpoint):
    scripted_endpoint.default = Reply(401, body=b"no")
    client = SparqlClient(scripted_endpoint.url, auth=("ann", "s3cret"), retries=0)
    with pytest.raises(QueryError) as caught:
        client.select("SELECT ?x WHERE {}")
    assert "s3cret" not in str(caught.value) and "401" in str(caught.value)
    assert scripted_endpoint.seen[0]["headers"]["Authorization"].startswith("Basic ")


def test_iris_strings_and_values_have_one_form_each():
    assert iri("https://w3id.org/filmgraph/id/film/x") == "<https://w3id.org/filmgraph/id/film/x>"
    for bad in ("https://x> } DROP ALL {", "no scheme", "https://a b", 'https://"'):
        assert not is_iri(bad)
        with pytest.raises(QueryError):
            iri(bad)
    assert literal('say "hi"\n\\\x01', "da") == '"say \\"hi\\"\\n\\\\\\u0001"@da'
    assert str(ox.Literal('say "hi"\n\\\x01', language="da")) == literal('say "hi"\n\\\x01', "da")
    assert values_clause({"b": ox.Literal("x"), "a": [ox.NamedNode("http://e/1"), ox.NamedNode("http://e/2")]}) \
        == 'VALUES (?a ?b) { (<http://e/1> "x") (<http://e/2> "x") }'
    with pytest.raises(UsageError):
        values_clause({"a b": ox.Literal("x")})
    text = inject_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": ox.Literal("x")})
    assert text == 'SELECT ?s WHERE { VALUES (?o) { ("x") }  ?s ?p ?o }'
    assert query_form(text) == "select"
    with pytest.raises(QueryError, match=r"q.rq:1:\d+"):
        query_form("SELECT WHERE {", "q.rq")
