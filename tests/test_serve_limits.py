"""The query threads of `filmgraph serve` (`endpoint.Limits`): the timeout, queries abandoned past
it, and the refusal while too many of them still run; without a server, on an event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from filmgraph.serve.endpoint import Limits, Refused


def test_an_answer_and_an_error_come_back_from_the_query_threads():
    limits = Limits(timeout=5, result_limit=10)

    def fails():
        raise Refused(400, "bad query")

    async def main():
        assert await limits.run(lambda: threading.current_thread().name, 5) != threading.current_thread().name
        with pytest.raises(Refused) as refused:
            await limits.run(fails, 5)
        return refused.value.status

    try:
        assert asyncio.run(main()) == 400
    finally:
        limits.close()


def test_a_query_past_its_timeout_is_abandoned_counted_and_then_forgotten():
    limits = Limits(timeout=5, result_limit=10, max_abandoned=1, threads=2)
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "late"

    async def main():
        with pytest.raises(Refused) as late:
            await limits.run(slow, 0.1)
        assert late.value.status == 503 and "timeout" in late.value.message
        assert started.is_set() and limits.abandoned() == 1
        with pytest.raises(Refused) as busy:  # while it still runs, new queries are refused
            await limits.run(lambda: "fast", 5)
        assert busy.value.status == 503 and "still running" in busy.value.message
        release.set()
        for _ in range(100):
            if limits.abandoned() == 0:
                break
            await asyncio.sleep(0.02)
        assert limits.abandoned() == 0
        return await limits.run(lambda: "fast", 5)

    try:
        assert asyncio.run(main()) == "fast"
    finally:
        release.set()
        limits.close()


def test_a_query_still_queued_at_its_timeout_never_runs():
    limits = Limits(timeout=5, result_limit=10, threads=1)
    release = threading.Event()
    ran = []

    async def main():
        blocker = asyncio.ensure_future(limits.run(lambda: release.wait(10), 5))
        await asyncio.sleep(0.05)  # the blocker is taken by the one query thread
        with pytest.raises(Refused):
            await limits.run(lambda: ran.append(True), 0.1)  # behind the blocker on the one thread
        assert limits.abandoned() == 0  # it never began, so it is not counted
        release.set()
        await blocker
        assert await limits.run(lambda: "after", 5) == "after"

    try:
        asyncio.run(main())
    finally:
        release.set()
        limits.close()
    assert ran == []


@pytest.mark.parametrize("inline", [True, False])
def test_a_query_known_to_be_quick_on_the_checkpoint_runs_on_the_event_loop(sample_store, monkeypatch, inline):
    """With `inline` (a server process per core), a query that ran quickly on this checkpoint before
    runs on the event loop; one never seen, or asked for with a timeout too short to be sure of,
    goes to a query thread, where the timeout can give up on it. Without `inline`, every query does."""
    from starlette.testclient import TestClient

    from filmgraph.serve import app as serve_app
    from filmgraph.serve import endpoint

    where = []
    answer = endpoint.answer

    def recording(*args, **kwargs):
        where.append(threading.current_thread().name.startswith("filmgraph-query"))
        return answer(*args, **kwargs)

    monkeypatch.setattr(endpoint, "answer", recording)
    query = "SELECT ?film WHERE { ?film a <https://schema.org/Movie> } ORDER BY ?film LIMIT 3"
    accept = {"Accept": "application/sparql-results+json"}
    with TestClient(serve_app.create_app(str(sample_store), remember=0, reconcile=False, inline=inline)) as client:
        answers = [client.get("/sparql", params={"query": query}, headers=accept) for _ in range(3)]
        short = client.get("/sparql", params={"query": query, "timeout": "0.00001"}, headers=accept)
    assert all(a.status_code == 200 for a in answers) and answers[0].content == answers[2].content
    assert where[:3] == ([True, False, False] if inline else [True, True, True])
    assert False not in where[3:]  # the short timeout: on a query thread (or given up on before it began)
    assert short.status_code in (200, 503)


def test_a_new_query_text_is_parsed_once_and_a_syntax_error_still_comes_first(sample_store, monkeypatch):
    """A query whose form the text states is parsed only by its evaluation (not first on an empty
    store to learn its form); a syntax error is still told with its line and column, and before
    any other refusal (here a 406)."""
    from starlette.testclient import TestClient

    from filmgraph import query as fq
    from filmgraph.serve import app as serve_app

    parsed = []
    form = fq.query_form

    def counting(text, source="the query"):
        parsed.append(text)
        return form(text, source)

    monkeypatch.setattr(fq, "query_form", counting)
    good = "PREFIX schema: <https://schema.org/>\n# films\nSELECT ?film WHERE { ?film a schema:Movie } LIMIT 2"
    bad = "PREFIX schema: <https://schema.org/>\nSELECT ?film WHERE {\n  ?film a schema:Movie .\n  FILTER( }"
    json_ = {"Accept": "application/sparql-results+json"}
    with TestClient(serve_app.create_app(str(sample_store), remember=0, reconcile=False)) as client:
        answer = client.get("/sparql", params={"query": good}, headers=json_)
        assert answer.status_code == 200 and len(answer.json()["results"]["bindings"]) == 2
        assert parsed == []
        refused = client.get("/sparql", params={"query": bad}, headers=json_)
        assert refused.status_code == 400 and refused.text.startswith("400: query:4:")
        refused = client.get("/sparql", params={"query": bad}, headers={"Accept": "text/turtle"})
        assert refused.status_code == 400 and refused.text.startswith("400: query:4:")
        refused = client.get("/sparql", params={"query": good}, headers={"Accept": "text/turtle"})
        assert refused.status_code == 406
