"""filmgraph on SPARQL servers (issue 13): ingest vs each server's own bulk loader, point queries
over HTTP, export vs the embedded store, all in one run on the same films.

    python bench/servers.py --films 20000                 # Oxigraph server and Virtuoso
    python bench/servers.py --films 2000 --engines oxigraph

Targets: ingest >= 0.5 of the server's bulk loader's speed on the same N-Quads (`oxigraph load`;
Virtuoso's `ld_dir` + `rdf_loader_run`), point-query p50 <= 5 ms over HTTP, export within 2x of
the embedded store. Ingest runs with --no-validate, as a bulk loader does not validate either.
Prints a Markdown table and writes bench/servers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "src"), os.path.join(ROOT, "tests")]

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONPATH": os.path.join(ROOT, "src")}


def load() -> float:
    """The 1-minute load average: the machine is shared, so every number is recorded beside it."""
    return round(os.getloadavg()[0], 1)


VIRTUOSO_BUFFERS = 170_000
"""Virtuoso's NumberOfBuffers (8 KB pages; MaxDirtyBuffers three quarters of it) as its ini guidance
gives for 2 GB of RAM: a 20,000-film database (about 0.5 GB) stays in memory. The same server
configuration takes filmgraph's ingest and Virtuoso's own bulk loader."""


def children_cpu() -> float:
    """CPU seconds of the processes this one has waited for (a CLI run and its mapping workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu(pid: int) -> float:
    """CPU seconds a server process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def filmgraph(*args: str) -> float:
    """Wall seconds of one CLI run (as a user runs it)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "filmgraph", *args], env=ENV, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"filmgraph {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - started


def point_queries(location: str, films: list[str], runs: int = 200) -> dict:
    """film-cast for `runs` films, one HTTP request (or embedded query) each: p50 and p95 in ms."""
    from filmgraph import query
    from filmgraph.store import open_store

    named = query.library()["film-cast"]
    times = []
    with open_store(location) as store:
        query.run(store, named, {"film": films[0]})
        for title in (films * (runs // max(1, len(films)) + 1))[:runs]:
            started = time.perf_counter()
            result = query.run(store, named, {"film": title})
            times.append((time.perf_counter() - started) * 1000)
            assert result.rows, title
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}


def bulk_oxigraph(dump: str, work: str) -> tuple[float, float]:
    """Wall and CPU seconds of `oxigraph load`."""
    binary = shutil.which("oxigraph") or os.path.join(os.path.dirname(sys.executable), "oxigraph")
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run([binary, "load", "--location", os.path.join(work, "oxigraph-bulk"), "--file", dump], check=True,
                   capture_output=True)
    return time.perf_counter() - started, children_cpu() - cpu


def bulk_virtuoso(dump: str, work: str) -> tuple[float, float]:
    """Wall and server CPU seconds of `ld_dir` + `rdf_loader_run` + `checkpoint`."""
    from sparql_servers import start_virtuoso, stop_server

    server = start_virtuoso(Path(work) / "virtuoso-bulk", load_dirs=(Path(os.path.dirname(dump)),),
                            buffers=VIRTUOSO_BUFFERS)
    try:
        started, cpu = time.perf_counter(), server_cpu(server.process.pid)
        server.isql(f"ld_dir('{os.path.dirname(dump)}', '{os.path.basename(dump)}', 'https://w3id.org/filmgraph/id/graph/bulk')",
                    "rdf_loader_run()", "checkpoint")
        seconds = time.perf_counter() - started
        cpu = server_cpu(server.process.pid) - cpu
        from filmgraph.store import open_store

        with open(dump, "rb") as f:
            expected = f.read().count(b"\n")
        with open_store(server.url) as store:
            loaded = sum(store.graph_counts().values())
        if loaded != expected:
            raise SystemExit(f"Virtuoso's bulk loader loaded {loaded} of {expected} quads")
        return seconds, cpu
    finally:
        stop_server(server)


def start(engine: str, work: str):
    from sparql_servers import start_virtuoso, start_writable_oxigraph

    if engine == "oxigraph":
        return start_writable_oxigraph(Path(work) / "oxigraph-db")
    return start_virtuoso(Path(work) / "virtuoso-db", buffers=VIRTUOSO_BUFFERS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=20_000)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--out", default=os.path.join(HERE, "servers.json"))
    args = parser.parse_args(argv)
    import generate
    from sparql_servers import stop_server

    from filmgraph.store.remote import forget_servers

    work = args.work or tempfile.mkdtemp(prefix="filmgraph-servers-")
    results: dict = {"films": args.films, "engines": {}, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        generate.generate(args.films, work, formats=("presskit",))
        films = [f.title for _, f in zip(range(50), generate.films(args.films))]
        papers = os.path.join(work, "presskit")
        embedded = os.path.join(work, "embedded")
        dump = os.path.join(work, "dump", "films.nq")
        # A reused --work keeps its press kits; every store and dump starts again from nothing.
        for stale in (embedded, os.path.dirname(dump), *(os.path.join(work, d) for d in (
                "oxigraph-db", "oxigraph-bulk", "virtuoso-db", "virtuoso-bulk"))):
            shutil.rmtree(stale, ignore_errors=True)
        os.makedirs(os.path.dirname(dump))
        results["embedded"] = {
            "ingest_s": round(filmgraph("ingest", "--no-validate", "-q", "--store", embedded, papers), 2),
            "export_s": round(filmgraph("export", "--store", embedded, "-o", dump), 2),
            **point_queries(embedded, films),
            "load": load(),
        }
        with open(dump, "rb") as f:
            reference = f.read()
        results["quads"] = reference.count(b"\n")
        for engine in args.engines.split(","):
            server = start(engine, work)
            forget_servers()
            try:
                cpu, served = children_cpu(), server_cpu(server.process.pid)
                out: dict = {"ingest_s": round(filmgraph("ingest", "--no-validate", "-q", "--store", server.url,
                                                         papers), 2), "load_ingest": load()}
                out["ingest_client_cpu_s"] = round(children_cpu() - cpu, 2)
                out["ingest_server_cpu_s"] = round(server_cpu(server.process.pid) - served, 2)
                exported = os.path.join(work, f"{engine}.nq")
                out["export_s"] = round(filmgraph("export", "--store", server.url, "-o", exported), 2)
                with open(exported, "rb") as f:
                    out["export_identical"] = f.read() == reference
                out.update(point_queries(server.url, films))
            finally:
                stop_server(server)
            out["load_queries_export"] = load()
            seconds, cpu = bulk_oxigraph(dump, work) if engine == "oxigraph" else bulk_virtuoso(dump, work)
            out["bulk_loader_s"], out["bulk_loader_cpu_s"] = round(seconds, 2), round(cpu, 2)
            out["load_bulk"] = load()
            out["ingest_vs_bulk"] = round(out["bulk_loader_s"] / out["ingest_s"], 2)
            out["ingest_vs_bulk_cpu"] = round(out["bulk_loader_cpu_s"] / (out["ingest_client_cpu_s"]
                                                                       + out["ingest_server_cpu_s"]), 2)
            out["export_vs_embedded"] = round(out["export_s"] / results["embedded"]["export_s"], 2)
            results["engines"][engine] = out
            print(json.dumps({engine: out}), flush=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print(table(results))
    return 0


def table(r: dict) -> str:
    e = r["embedded"]
    rows = [f"{r['films']} films, {r['quads']} quads, started {r.get('started', '?')} (machine shared; ingest "
            "with --no-validate; load = 1-minute load average after ingest / after queries and export / after "
            "the bulk loader)", "",
            "| backend | ingest s | bulk loader s | ingest/bulk speed (target >= 0.5) | CPU s ingest (client + server) "
            "/ bulk loader | export s | export vs embedded (target <= 2) | point query p50 ms (target <= 5) | p95 ms "
            "| export identical | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            f"| embedded | {e['ingest_s']} | | | | {e['export_s']} | 1 | {e['p50_ms']} | {e['p95_ms']} | | "
            f"{e.get('load', '')} |"]
    for name, o in r["engines"].items():
        loads = " / ".join(str(o.get(k, "?")) for k in ("load_ingest", "load_queries_export", "load_bulk"))
        cpu = (f"{o['ingest_client_cpu_s']} + {o['ingest_server_cpu_s']} / {o['bulk_loader_cpu_s']}"
               if "bulk_loader_cpu_s" in o else "")
        rows.append(f"| {name} server | {o['ingest_s']} | {o['bulk_loader_s']} | {o['ingest_vs_bulk']} | {cpu} | "
                    f"{o['export_s']} | {o['export_vs_embedded']} | {o['p50_ms']} | {o['p95_ms']} | "
                    f"{o['export_identical']} | {loads} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
