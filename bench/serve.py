"""Benchmark `filmgraph serve` under a bounded load, and its SPARQL endpoint against Oxigraph's own
server on the same store, in one run.

    python bench/serve.py --films 20000                       # writes bench/serve-results.{md,json}
    python bench/serve.py --films 300 --duration 5 --out /tmp  # a quick smoke run

The store is made once from generated press kits (bench/generate.py; kept in --work). Then, on
127.0.0.1, `--clients` closed-loop clients (threads with keep-alive connections, in this process)
send requests for `--duration` seconds each in three rounds:

1. filmgraph's site: a mix of film, person and series pages, a film as JSON-LD, and named queries
   (director-filmography, film-cast, series-order) through /queries/NAME;
2. the SPARQL mix: the same named queries with their parameters bound (as `filmgraph.query` binds
   them), POSTed to filmgraph's /sparql, which remembers answers per checkpoint;
3. the same with `--remember 0`, so every query is evaluated (the fair comparison);
4. the same SPARQL mix POSTed to `oxigraph serve-read-only --union-default-graph` on the same store.

Latency percentiles are per kind; errors are non-200 answers or failed connections. The clients
run on the same machine as the servers, so they take CPU the servers would otherwise have.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))

SEED = 20261130
SAMPLE = 400  # entities of each kind drawn for the request mix
SITE_MIX = [("film page", 4), ("person page", 2), ("series page", 1), ("film JSON-LD", 2), ("named query", 2)]
NAMED = ("director-filmography", "film-cast", "series-order")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_store(films: int, work: str) -> str:
    """Generated press kits ingested into a store (kept for the next run)."""
    import generate

    store = os.path.join(work, f"store-{films}")
    if os.path.isdir(store):
        return store
    kits = os.path.join(work, f"kits-{films}")
    if not os.path.isdir(kits):
        generate.generate(films, kits, formats=("presskit",))
    subprocess.run([sys.executable, "-m", "filmgraph", "ingest", "--quiet", "--no-validate", "--store", store,
                    os.path.join(kits, "presskit")], check=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    return store


def entities(store: str) -> dict[str, list[str]]:
    """Films, directors and series to ask about, drawn with a fixed seed."""
    from filmgraph.store import open_store

    queries = {
        "film": "SELECT DISTINCT ?x ?name WHERE { ?x a <https://schema.org/Movie> ; <https://schema.org/name> ?name }",
        "director": "SELECT DISTINCT ?x ?name WHERE { ?f <https://schema.org/director> ?x . ?x <https://schema.org/name> ?name }",
        "series": "SELECT DISTINCT ?x ?name WHERE { ?x a <https://schema.org/MovieSeries> ; <https://schema.org/name> ?name }",
    }
    rng = random.Random(SEED)
    out = {}
    with open_store(store) as backend:
        for kind, sparql in queries.items():
            rows = sorted({(s["x"].value, s["name"].value) for s in backend.query(sparql)})
            out[kind] = rng.sample(rows, min(SAMPLE, len(rows)))
    return out


def sparql_mix(chosen: dict[str, list]) -> list[tuple[str, str]]:
    """(kind, SPARQL text) for the named queries with parameters bound as filmgraph.query binds them."""
    from filmgraph import query as fq
    from filmgraph.store.remote import inject_values

    library = fq.library()
    mix = []
    params = {"director-filmography": ("director", "director"), "film-cast": ("film", "film"),
              "series-order": ("series", "series")}
    for name in NAMED:
        named = library[name]
        param, kind = params[name]
        for _, label in chosen[kind][:100]:
            bound = fq.bind(named, {param: label})
            # a title binds to one term per language; the plain literal is what the CLI tries first
            bound = {k: (v[0] if isinstance(v, tuple) else v) for k, v in bound.items()}
            mix.append((name, inject_values(named.text, bound)))
    return mix


def site_requests(chosen: dict[str, list], prefix: str) -> dict[str, list[tuple[str, str, str, bytes | None]]]:
    """Per kind: (method, path, accept, body) requests."""
    def path(iri: str) -> str:
        return prefix + "id/" + iri.split("/id/", 1)[1]

    named = []
    for _, name in chosen["director"][:100]:
        named.append(("GET", prefix + "queries/director-filmography?" + urllib.parse.urlencode({"director": name}),
                      "application/sparql-results+json", None))
    for _, name in chosen["film"][:100]:
        named.append(("GET", prefix + "queries/film-cast?" + urllib.parse.urlencode({"film": name}),
                      "application/sparql-results+json", None))
    return {
        "film page": [("GET", path(iri), "text/html", None) for iri, _ in chosen["film"]],
        "person page": [("GET", path(iri), "text/html", None) for iri, _ in chosen["director"]],
        "series page": [("GET", path(iri), "text/html", None) for iri, _ in chosen["series"]],
        "film JSON-LD": [("GET", path(iri), "application/ld+json", None) for iri, _ in chosen["film"]],
        "named query": named,
    }


def load(port: int, requests: dict[str, list], weights: list[tuple[str, int]], clients: int, duration: float) -> dict:
    """Closed-loop load: each client sends its next request when the last is answered."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: dict[str, str] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    kinds = [k for k, w in weights for _ in range(w)]

    def client(number: int) -> None:
        rng = random.Random(SEED + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, list[float]] = defaultdict(list)
        bad: dict[str, int] = defaultdict(int)
        while time.monotonic() < deadline:
            kind = rng.choice(kinds)
            method, path, accept, body = rng.choice(requests[kind])
            headers = {"Accept": accept}
            if body is not None:
                headers["Content-Type"] = "application/sparql-query"
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.status != 200:
                    bad[kind] += 1
                    with lock:
                        samples.setdefault(kind, f"{response.status} {path[:80]}: {data[:200]!r}")
                    continue
            except (OSError, http.client.HTTPException) as e:
                bad[kind] += 1
                with lock:
                    samples.setdefault(kind, f"{type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine[kind].append(time.perf_counter() - start)
        conn.close()
        with lock:
            for k, v in mine.items():
                latencies[k].extend(v)
            for k, v in bad.items():
                errors[k] += v

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    rows = {}
    for kind in sorted(set(latencies) | set(errors)):
        values = sorted(latencies.get(kind, []))
        rows[kind] = {
            "requests": len(values), "errors": errors.get(kind, 0),
            "per_s": round(len(values) / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(values), 1) if values else None,
            "p99_ms": round(1000 * values[min(len(values) - 1, int(0.99 * len(values)))], 1) if values else None,
        }
    total = sum(len(v) for v in latencies.values())
    return {"kinds": rows, "total_per_s": round(total / elapsed, 1), "errors": sum(errors.values()),
            "elapsed_s": round(elapsed, 1), "error_samples": samples}


def wait_ready(port: int, path: str, process: subprocess.Popen, what: str) -> float:
    start = time.monotonic()
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return time.monotonic() - start
        except OSError:
            if process.poll() is not None or time.monotonic() - start > 120:
                raise RuntimeError(f"{what} did not start: {process.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=20_000, help="films in the generated store (default 20000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per round (default 30)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="filmgraph serve --workers (default: one per core)")
    parser.add_argument("--work", default=os.path.join(ROOT, "bench", "work"), help="folder for kits and stores (kept)")
    parser.add_argument("--out", default=HERE, help="folder for serve-results.md and .json (default bench/)")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    t = time.perf_counter()
    store = make_store(args.films, args.work)
    print(f"store ready in {time.perf_counter() - t:.0f} s: {store}", file=sys.stderr)
    chosen = entities(store)
    sparql = [("POST", "{path}", "application/sparql-results+json", text.encode()) for _, text in sparql_mix(chosen)]
    sparql_kinds = {}
    for (name, _), request in zip(sparql_mix(chosen), sparql):
        sparql_kinds.setdefault(f"SPARQL {name}", []).append(request)

    results: dict = {"films": args.films, "clients": args.clients, "duration_s": args.duration, "workers": args.workers,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}

    def start(*options: str) -> tuple[int, subprocess.Popen]:
        port = free_port()
        serve = subprocess.Popen([sys.executable, "-m", "filmgraph", "serve", "--store", store, "--port", str(port),
                                  "--workers", str(args.workers), *options],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return port, serve

    sparql_requests = {k: [(m, "/sparql", a, b) for m, _, a, b in v] for k, v in sparql_kinds.items()}
    port, serve = start()
    try:
        results["serve_start_s"] = round(wait_ready(port, "/search", serve, "filmgraph serve"), 2)
        print("round 1: filmgraph site mix", file=sys.stderr)
        results["site"] = load(port, site_requests(chosen, "/"), SITE_MIX, args.clients, args.duration)
        print("round 2: SPARQL mix on filmgraph /sparql, answers remembered", file=sys.stderr)
        results["sparql_filmgraph_remembered"] = load(port, sparql_requests, [(k, 1) for k in sparql_requests],
                                                      args.clients, args.duration)
    finally:
        stop(serve)
    # The comparison with Oxigraph, which remembers nothing: every query evaluated.
    port, serve = start("--remember", "0")
    try:
        wait_ready(port, "/search", serve, "filmgraph serve")
        print("round 3: SPARQL mix on filmgraph /sparql, --remember 0", file=sys.stderr)
        results["sparql_filmgraph"] = load(port, sparql_requests, [(k, 1) for k in sparql_requests],
                                           args.clients, args.duration)
    finally:
        stop(serve)

    binary = shutil.which("oxigraph") or os.path.join(os.path.dirname(sys.executable), "oxigraph")
    port = free_port()
    oxigraph = subprocess.Popen([binary, "serve-read-only", "--location", store, "--bind", f"127.0.0.1:{port}",
                                 "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(port, "/query?query=ASK%7B%7D", oxigraph, "oxigraph serve-read-only")
        print("round 4: SPARQL mix on oxigraph serve-read-only", file=sys.stderr)
        requests = {k: [(m, "/query", a, b) for m, _, a, b in v] for k, v in sparql_kinds.items()}
        results["sparql_oxigraph"] = load(port, requests, [(k, 1) for k in requests], args.clients, args.duration)
    finally:
        stop(oxigraph)

    ours, theirs = results["sparql_filmgraph"]["total_per_s"], results["sparql_oxigraph"]["total_per_s"]
    results["sparql_throughput_ratio"] = round(ours / theirs, 2) if theirs else None
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "serve-results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    table = render(results)
    with open(os.path.join(args.out, "serve-results.md"), "w") as f:
        f.write(table)
    print(table)
    return 0


def render(results: dict) -> str:
    lines = [f"`bench/serve.py --films {results['films']}`: {results['clients']} clients, "
             f"{results['duration_s']:g} s per round, {results['machine']}; filmgraph serve with "
             f"{results['workers']} worker(s), answering in "
             f"{results['serve_start_s']} s.", ""]
    for key, title in (("site", "filmgraph serve: the site mix"),
                       ("sparql_filmgraph_remembered", "SPARQL mix: filmgraph /sparql, answers remembered"),
                       ("sparql_filmgraph", "SPARQL mix: filmgraph /sparql, --remember 0 (every query evaluated)"),
                       ("sparql_oxigraph", "SPARQL mix: oxigraph serve-read-only")):
        r = results[key]
        lines += [f"**{title}** — {r['total_per_s']} requests/s, {r['errors']} errors", "",
                  "| kind | requests | per s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
        for kind, row in r["kinds"].items():
            lines.append(f"| {kind} | {row['requests']} | {row['per_s']} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} |")
        lines.append("")
        for kind, sample in r.get("error_samples", {}).items():
            lines.append(f"- first error for {kind}: `{sample}`")
    lines.append(f"SPARQL throughput, filmgraph (--remember 0) / oxigraph: **{results['sparql_throughput_ratio']}**")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
