"""Benchmark `filmgraph serve` under a bounded load, and its SPARQL endpoint against Oxigraph's own
server on the same store, in one run.

    python bench/serve.py --films 20000                       # writes bench/serve-results.{md,json}
    python bench/serve.py --films 300 --duration 5 --out /tmp  # a quick smoke run

The store is made once from generated press kits (bench/generate.py; kept in --work). Then, on
127.0.0.1, `--clients` closed-loop clients send requests for `--duration` seconds in each of five
rounds:

1. filmgraph's site, on a freshly started server: a mix of film, person and series pages, a film
   as JSON-LD, and named queries (director-filmography, film-cast) through /queries/NAME; the
   first request for each answer computes it, repeats get it remembered;
2. the SPARQL mix: named queries with their parameters bound (as `filmgraph.query` binds them),
   POSTed to filmgraph's /sparql, which remembers answers per checkpoint;
3. and 4. the same two mixes on a server started with `--remember 0`: every page and every query
   computed for every request (the cold numbers, and the fair comparison with Oxigraph);
5. the SPARQL mix POSTed to `oxigraph serve-read-only --union-default-graph` on the same store.
   Rounds 4 and 5 take turns (SPARQL_TURNS of them, each a third of `--duration`, the two servers
   running side by side and loaded one at a time), so that a host whose speed drifts during the
   run (a virtual machine's neighbours) meets both alike.

The clients are one separate process (asyncio with httptools, keep-alive connections, each
sending its next request when the last is answered), the same for every server. Latency
percentiles are per kind; errors are non-200 answers or failed connections. Each round also
reports the servers' CPU time per request (from /proc), the clients' CPU time, the load average
and the share of the machine's CPU time the host stole for other machines (a virtual machine's
`steal`): on a shared machine the latencies depend on what else runs, the CPU cost much less.
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
# The SPARQL comparison's turns: filmgraph and Oxigraph take turns of duration / SPARQL_TURNS each.
SPARQL_TURNS = 3


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


def load(port: int, requests: dict[str, list], weights: list[tuple[str, int]], clients: int, duration: float,
         seed: int = SEED) -> dict:
    """Closed-loop load from a separate process (see `_drive`), so the clients' Python never
    shares a GIL with anything else; its own CPU time is reported beside the results. The raw
    answer: every latency per kind (`summarize` makes the table)."""
    spec = {"port": port, "requests": {k: [[m, p, a, b.decode() if b is not None else None] for m, p, a, b in v]
                                       for k, v in requests.items()},
            "weights": weights, "clients": clients, "duration": duration, "seed": seed}
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--drive"], input=json.dumps(spec),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load process failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _drive(spec: dict) -> dict:
    """The clients: one keep-alive connection each, on one asyncio loop (uvloop when installed)
    with httptools parsing the answers, both in C; each client sends its next request as soon as
    the last is answered. About 60 microseconds of client CPU per request."""
    import asyncio

    import httptools

    port, duration = spec["port"], spec["duration"]
    kinds = [k for k, w in spec["weights"] for _ in range(w)]
    wire: dict[str, list[bytes]] = {}
    for kind, reqs in spec["requests"].items():
        wire[kind] = []
        for method, path, accept, body in reqs:
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n"
            data = body.encode() if body is not None else b""
            if body is not None:
                head += f"Content-Type: application/sparql-query\r\nContent-Length: {len(data)}\r\n"
            wire[kind].append(head.encode("latin-1") + b"\r\n" + data)
    rngs = [random.Random(spec.get("seed", SEED) + number) for number in range(spec["clients"])]
    connections = [0]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: dict[str, str] = {}
    clock = time.perf_counter

    class Client(asyncio.Protocol):
        def __init__(self, number: int, finished: asyncio.Future):
            self.number = number
            self.rng = rngs[number]  # one sequence per client, kept across reconnections
            self.finished = finished
            self.transport = None
            self.kind = None

        def connection_made(self, transport) -> None:
            connections[0] += 1
            self.transport = transport
            self.send()

        def send(self) -> None:
            if clock() >= deadline:
                self.kind = None
                self.transport.close()
                return
            self.kind = self.rng.choice(kinds)
            self.request = self.rng.choice(wire[self.kind])
            self.parser = httptools.HttpResponseParser(self)
            self.status = 0
            self.body = []
            self.complete = False
            self.close = False
            self.started = clock()
            self.transport.write(self.request)

        def on_header(self, name: bytes, value: bytes) -> None:
            if name.lower() == b"connection" and value.strip().lower() == b"close":
                self.close = True

        def on_body(self, data: bytes) -> None:
            if len(self.body) < 1:
                self.body.append(data[:200])

        def on_message_complete(self) -> None:
            self.complete = True

        def data_received(self, data: bytes) -> None:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError as e:
                self.fail(f"unparsable answer: {e}")
                return
            if not self.complete:
                return
            status = self.parser.get_status_code()
            if status == 200:
                latencies[self.kind].append(clock() - self.started)
            else:
                errors[self.kind] += 1
                samples.setdefault(self.kind, f"{status} {self.request[:80]!r}: {b''.join(self.body)!r}")
            if not self.close:  # (httptools forgets keep-alive once a message is complete)
                self.send()
            else:
                self.kind = None
                self.transport.close()
                reconnect(self.number)

        def fail(self, why: str) -> None:
            if self.kind is not None:
                errors[self.kind] += 1
                samples.setdefault(self.kind, why)
                self.kind = None
            self.transport.close()

        def connection_lost(self, exc) -> None:
            if self.kind is not None:  # the server went away with a request unanswered
                errors[self.kind] += 1
                samples.setdefault(self.kind, f"connection lost: {exc}")
                self.kind = None
                reconnect(self.number)
                return
            if not self.finished.done() and clock() >= deadline:
                self.finished.set_result(None)

    async def connect(number: int) -> None:
        finished = futures[number]
        try:
            client = Client(number, finished)
            await loop.create_connection(lambda: client, "127.0.0.1", port)
        except OSError as e:
            errors["connect"] += 1
            samples.setdefault("connect", str(e))
            if clock() < deadline:
                await asyncio.sleep(0.01)
                loop.create_task(connect(number))
            elif not finished.done():
                finished.set_result(None)

    def reconnect(number: int) -> None:
        if clock() < deadline:
            loop.create_task(connect(number))
        elif not futures[number].done():
            futures[number].set_result(None)

    async def run() -> float:
        nonlocal deadline, futures, loop
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(spec["clients"])]
        began = clock()
        deadline = began + duration
        for number in range(spec["clients"]):
            loop.create_task(connect(number))
        await asyncio.wait_for(asyncio.gather(*futures), duration + 120)
        return clock() - began

    deadline = 0.0
    futures: list = []
    loop = None
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    cpu = time.process_time()
    elapsed = runner(run())
    cpu = time.process_time() - cpu
    return {"latencies": {k: [round(x, 6) for x in v] for k, v in latencies.items()}, "errors": dict(errors),
            "elapsed": elapsed, "error_samples": samples, "client_cpu": cpu, "connections": connections[0],
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def summarize(raws: list[dict]) -> dict:
    """One round's table from the load processes' raw answers (one, or the slices of an
    alternating round): requests, throughput and latency percentiles per kind, and errors."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: dict[str, str] = {}
    for raw in raws:
        for kind, values in raw["latencies"].items():
            latencies[kind].extend(values)
        for kind, count in raw["errors"].items():
            errors[kind] += count
        for kind, sample in raw["error_samples"].items():
            samples.setdefault(kind, sample)
    elapsed = sum(raw["elapsed"] for raw in raws)
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
            "elapsed_s": round(elapsed, 1), "error_samples": samples,
            "client_cpu_s": round(sum(raw["client_cpu"] for raw in raws), 1),
            "connections": sum(raw["connections"] for raw in raws), "load_average": raws[-1]["load_average"]}


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its children, from /proc: a
    cost per request that other work on a shared machine does not change much."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        children: dict[int, list[int]] = defaultdict(list)
        stats: dict[int, list[str]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry)] = fields
                children[int(fields[1])].append(int(entry))
        total, todo = 0.0, [pid]
        while todo:
            p = todo.pop()
            if p in stats:
                total += (int(stats[p][11]) + int(stats[p][12])) / tick
            todo.extend(children.get(p, []))
        return total
    except (OSError, ValueError):
        return 0.0


def machine_times() -> list[int]:
    """The machine's CPU time so far by state (user, nice, system, idle, iowait, irq, softirq,
    steal), from /proc/stat; empty where there is none."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def host_shares(before: list[int], after: list[int]) -> dict[str, float]:
    """What share of the machine's CPU time in a round was idle, and stolen by the host for other
    machines: a round the host slowed shows it here, not only in its latencies."""
    if len(before) < 8 or len(after) < 8:
        return {}
    spent = [b - a for a, b in zip(before, after)]
    total = sum(spent) or 1
    return {"idle_pct": round(100 * spent[3] / total, 1), "steal_pct": round(100 * spent[7] / total, 1)}


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
    if sys.argv[1:] == ["--drive"]:  # the load process `load` starts
        json.dump(_drive(json.load(sys.stdin)), sys.stdout)
        return 0
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
                     "sparql_turns": SPARQL_TURNS,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}

    def start(*options: str) -> tuple[int, subprocess.Popen]:
        port = free_port()
        serve = subprocess.Popen([sys.executable, "-m", "filmgraph", "serve", "--store", store, "--port", str(port),
                                  "--workers", str(args.workers), *options],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return port, serve

    sparql_requests = {k: [(m, "/sparql", a, b) for m, _, a, b in v] for k, v in sparql_kinds.items()}
    sparql_weights = [(k, 1) for k in sparql_requests]
    site = site_requests(chosen, "/")

    def measure(key: str, title: str, port: int, process: subprocess.Popen, requests: dict, weights: list) -> None:
        print(f"round: {title}", file=sys.stderr)
        alternate([(key, port, process, requests)], weights, 1)

    def alternate(servers: list[tuple[str, int, subprocess.Popen, dict]], weights: list, slices: int) -> None:
        """Each server loaded for `args.duration` in all, in `slices` turns taken one after the
        other, so that a host that speeds up or slows down during the run meets every server alike."""
        raws: dict[str, list[dict]] = defaultdict(list)
        used: dict[str, float] = defaultdict(float)
        spent: dict[str, list[int]] = defaultdict(lambda: [0] * 8)  # machine CPU time by state, summed over turns
        for turn in range(slices):
            for key, port, process, requests in servers:
                cpu, times = process_cpu(process.pid), machine_times()
                raws[key].append(load(port, requests, weights, args.clients, args.duration / slices,
                                      seed=SEED + 1000 * turn))
                used[key] += process_cpu(process.pid) - cpu
                after = machine_times()
                if len(times) == len(after) == 8:
                    spent[key] = [total + b - a for total, a, b in zip(spent[key], times, after)]
        for key, _, _, _ in servers:
            results[key] = summarize(raws[key])
            results[key].update(host_shares([0] * 8, spent[key]) if any(spent[key]) else {})
            done = sum(k["requests"] for k in results[key]["kinds"].values())
            results[key]["server_cpu_s"] = round(used[key], 1)
            results[key]["server_cpu_ms_per_request"] = round(1000 * used[key] / done, 2) if done else None

    port, serve = start()
    try:
        results["serve_start_s"] = round(wait_ready(port, "/search", serve, "filmgraph serve"), 2)
        measure("site", "site mix on a fresh server (answers remembered as they are made)", port, serve, site,
                SITE_MIX)
        measure("sparql_filmgraph_remembered", "SPARQL mix on /sparql, answers remembered", port, serve,
                sparql_requests, sparql_weights)
    finally:
        stop(serve)
    # Nothing remembered: every page and every query computed, as Oxigraph computes every query.
    port, serve = start("--remember", "0")
    binary = shutil.which("oxigraph") or os.path.join(os.path.dirname(sys.executable), "oxigraph")
    oxigraph_port = free_port()
    oxigraph = None
    try:
        wait_ready(port, "/search", serve, "filmgraph serve")
        measure("site_cold", "site mix, --remember 0", port, serve, site, SITE_MIX)
        oxigraph = subprocess.Popen([binary, "serve-read-only", "--location", store, "--bind",
                                     f"127.0.0.1:{oxigraph_port}", "--union-default-graph"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_ready(oxigraph_port, "/query?query=ASK%7B%7D", oxigraph, "oxigraph serve-read-only")
        requests = {k: [(m, "/query", a, b) for m, _, a, b in v] for k, v in sparql_kinds.items()}
        print(f"round: SPARQL mix on /sparql (--remember 0) and on oxigraph serve-read-only, "
              f"{SPARQL_TURNS} turns each", file=sys.stderr)
        alternate([("sparql_filmgraph", port, serve, sparql_requests),
                   ("sparql_oxigraph", oxigraph_port, oxigraph, requests)], sparql_weights, SPARQL_TURNS)
    finally:
        stop(serve)
        if oxigraph is not None:
            stop(oxigraph)

    ours, theirs = results["sparql_filmgraph"]["total_per_s"], results["sparql_oxigraph"]["total_per_s"]
    results["sparql_throughput_ratio"] = round(ours / theirs, 2) if theirs else None
    # Oxigraph's CPU per request over filmgraph's: what the throughput ratio tends to when both are
    # held by CPU, and steadier than it on a shared machine.
    ours, theirs = (results[k]["server_cpu_ms_per_request"] for k in ("sparql_filmgraph", "sparql_oxigraph"))
    results["sparql_cpu_ratio"] = round(theirs / ours, 2) if ours and theirs else None
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
    for key, title in (("site", "filmgraph serve: the site mix, on a fresh server (answers remembered as they are made)"),
                       ("site_cold", "filmgraph serve: the site mix, --remember 0 (every page computed)"),
                       ("sparql_filmgraph_remembered", "SPARQL mix: filmgraph /sparql, answers remembered"),
                       ("sparql_filmgraph", "SPARQL mix: filmgraph /sparql, --remember 0 (every query evaluated)"),
                       ("sparql_oxigraph", "SPARQL mix: oxigraph serve-read-only")):
        r = results[key]
        load_average = "/".join(f"{x:g}" for x in r.get("load_average", []))
        host = (f"; machine idle {r['idle_pct']} %, stolen by the host {r['steal_pct']} %"
                if "steal_pct" in r else "")
        lines += [f"**{title}** — {r['total_per_s']} requests/s, {r['errors']} errors; server CPU "
                  f"{r.get('server_cpu_ms_per_request')} ms per request, clients' CPU {r.get('client_cpu_s')} s; "
                  f"load average after the round {load_average}{host}", "",
                  "| kind | requests | per s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
        for kind, row in r["kinds"].items():
            lines.append(f"| {kind} | {row['requests']} | {row['per_s']} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} |")
        lines.append("")
        for kind, sample in r.get("error_samples", {}).items():
            lines.append(f"- first error for {kind}: `{sample}`")
    lines.append(f"The last two rounds took {results.get('sparql_turns', 1)} turns each, one server loaded at a time. "
                 f"SPARQL throughput, filmgraph (--remember 0) / oxigraph: **{results['sparql_throughput_ratio']}**; "
                 f"server CPU per request, oxigraph / filmgraph: **{results.get('sparql_cpu_ratio')}**")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
