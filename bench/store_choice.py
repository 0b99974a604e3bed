"""Measure the candidate embedded engines on the same film quads: load time, peak memory, a point query.

    python bench/store_choice.py --films 5000

Each engine runs in its own process so that peak RSS is its own. Results feed docs/store.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

FILMOGRAPHY = """PREFIX schema: <https://schema.org/>
SELECT ?title ?year WHERE { ?f schema:director ?d ; schema:name ?title ; schema:dateCreated ?year .
  ?d schema:name "Director 7" } ORDER BY ?year"""


def synthetic_records(n: int):
    from filmgraph.record import CastMember, FilmRecord, Release, Runtime, Source

    rng = random.Random(7)
    actors = [f"Actor {i}" for i in range(max(50, n * 3))]
    for i in range(n):
        yield FilmRecord(
            title=f"Film {i}", year=1950 + i % 70, source=Source(f"film-{i}.txt", "presskit", sha256=f"{i:064x}"),
            directors=[f"Director {i // 10}"], writers=[f"Writer {i // 7}"],
            cast=[CastMember(a, k) for k, a in enumerate(rng.sample(actors, 10), 1)],
            countries=["GB"], languages=["en"], runtimes=[Runtime(90 + i % 60)],
            releases=[Release("GB", "cinema", None), Release("US", "dvd", None)],
        )


def write_nquads(n: int, path: str) -> int:
    from filmgraph.mapping import map_record

    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for record in synthetic_records(n):
            for quad in map_record(record, "2026-01-01T00:00:00Z").quads():
                out.write(f"{quad} .\n")
                count += 1
    return count


def run_engine(engine: str, nquads: str, workdir: str) -> dict:
    start = time.perf_counter()
    if engine == "rdflib-memory":
        import rdflib

        ds = rdflib.Dataset(default_union=True)
        ds.parse(nquads, format="nquads")
        loaded = time.perf_counter()
        query = lambda: list(ds.query(FILMOGRAPHY))  # noqa: E731
    else:
        import pyoxigraph as ox

        store = ox.Store(os.path.join(workdir, "oxigraph"))
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()
        loaded = time.perf_counter()
        query = lambda: list(store.query(FILMOGRAPHY, use_default_graph_as_union=True))  # noqa: E731
    times = []
    for _ in range(20):
        t = time.perf_counter()
        query()
        times.append(time.perf_counter() - t)
    times.sort()
    return {"engine": engine, "load_s": round(loaded - start, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "query_p50_ms": round(times[len(times) // 2] * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=5000)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--nquads", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(run_engine(args.engine, args.nquads, args.workdir)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        nquads = os.path.join(tmp, "films.nq")
        quads = write_nquads(args.films, nquads)
        print(f"{args.films} films, {quads} quads")
        for engine in ("pyoxigraph", "rdflib-memory"):
            out = subprocess.run([sys.executable, __file__, "--engine", engine, "--nquads", nquads, "--workdir", tmp],
                                 capture_output=True, text=True, check=True).stdout
            result = json.loads(out)
            result["quads_per_s"] = round(quads / result["load_s"]) if result["load_s"] else None
            print(json.dumps(result))


if __name__ == "__main__":
    main()
