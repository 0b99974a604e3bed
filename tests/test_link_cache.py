"""Etiquette toward public services: a contact, Retry-After, back-off, and a cache that makes a re-run free."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Reply

from filmgraph.errors import QueryError, UsageError
from filmgraph.link import LINKS_GRAPH, load_profile, open_client
from filmgraph.sparql.client import SparqlClient, retry_after
from filmgraph.sparql.text import literal
from filmgraph.mapping import map_record
from filmgraph.record import CastMember, FilmRecord, Source
from filmgraph.store import open_store

FIXTURE = Path(__file__).parent / "fixtures" / "link" / "wikidata-mini.ttl"
ANSWER = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}})


@pytest.fixture
def endpoint(scripted_endpoint):
    scripted_endpoint.default = Reply(body=ANSWER.encode())
    return scripted_endpoint


def _slow_down(status: int, **headers) -> Reply:
    return Reply(status, headers, b"slow down")


def _client(url, tmp_path, waits, **options):
    return SparqlClient(url, user_agent="filmgraph/test (https://w3id.org/filmgraph; ops@example.org)",
                        cache_dir=str(tmp_path / "cache"), sleep=waits.append, **options)


def test_retry_after_and_backoff_are_honoured(endpoint, tmp_path):
    waits: list[float] = []
    endpoint.script = [_slow_down(429, **{"Retry-After": "7"}), _slow_down(503), _slow_down(502)]
    client = _client(endpoint.url, tmp_path, waits)
    assert client.select("SELECT ?x WHERE {}") == [{"x": "1"}]
    assert waits == [7.0, 2.0, 4.0], "Retry-After when given, else back-off doubling per attempt"
    assert client.requests == 4
    assert all("ops@example.org" in seen["headers"]["User-Agent"] for seen in endpoint.seen)


def test_a_second_run_is_answered_from_the_cache(endpoint, tmp_path):
    waits: list[float] = []
    first = _client(endpoint.url, tmp_path, waits)
    first.select("SELECT ?x WHERE {}")
    again = _client(endpoint.url, tmp_path, waits)
    assert again.select("SELECT ?x WHERE {}") == [{"x": "1"}]
    assert (again.requests, again.cached, len(endpoint.seen)) == (0, 1, 1)


def test_too_long_a_wait_and_hard_errors_are_reported(endpoint, tmp_path):
    endpoint.script = [_slow_down(429, **{"Retry-After": "3600"}), _slow_down(400)]
    client = _client(endpoint.url, tmp_path, [])
    with pytest.raises(QueryError, match="asks to wait 3600 s"):
        client.select("SELECT ?x WHERE {}")
    with pytest.raises(QueryError, match="HTTP 400"):
        client.select("SELECT ?y WHERE {}")


def test_retry_after_accepts_an_http_date():
    assert retry_after("Wed, 21 Oct 2026 07:28:10 GMT", now=1792567680.0) == 10.0
    assert retry_after("soon") is None


def test_literals_are_escaped():
    assert literal('say "hi"\n\\', "en") == '"say \\"hi\\"\\n\\\\"@en'


def test_the_public_endpoint_needs_a_contact(monkeypatch, cli, tmp_path):
    monkeypatch.delenv("FILMGRAPH_CONTACT", raising=False)
    with pytest.raises(UsageError, match="FILMGRAPH_CONTACT"):
        open_client(load_profile("wikidata"))
    client = open_client(load_profile("wikidata"), contact="ops@example.org", cache_dir=str(tmp_path))
    assert "ops@example.org" in client.user_agent and client.min_interval >= 1.0
    result = cli("link", "--store", str(tmp_path), "--target", "wikidata", env={"FILMGRAPH_CONTACT": ""})
    assert result.code == 2 and "FILMGRAPH_CONTACT" in result.err and "Traceback" not in result.err


@pytest.mark.integration
def test_rerun_with_the_cache_makes_no_requests(oxigraph_server, cli, tmp_path):
    store = tmp_path / "store"
    record = FilmRecord(title="Three Colours: Red", year=1994, source=Source("red.txt", "presskit", sha256="0" * 64),
                        directors=["Krzysztof Kieslowski"], cast=[CastMember("Irene Jacob", 1)])
    with open_store(str(store), write=True) as s:
        s.replace_graphs([map_record(record, "2026-01-01T00:00:00Z")])
    server = oxigraph_server(FIXTURE)
    args = ("link", "--store", str(store), "--target", "wikidata", "--endpoint", server.query_url,
            "--cache", str(tmp_path / "cache"))
    first = cli(*args)
    assert first.code == 0, first.err
    assert "0 answered from the cache" in first.out

    def links():
        with open_store(str(store)) as s:
            return sorted(str(q) for q in s.oxigraph.quads_for_pattern(None, None, None, None)
                          if q.graph_name.value == LINKS_GRAPH)

    before = links()
    server.process.terminate()
    server.process.wait(timeout=10)
    second = cli(*args)
    assert second.code == 0, second.err
    assert " 0 request(s)" in second.out, second.out
    assert links() == before and before
