"""Benchmark filmgraph against a plain-rdflib pipeline on the same generated films, in one run.

    python bench/run.py --films 100000 --baseline            # writes bench/results.md and .json
    python bench/run.py --films 500 --out /tmp/bench         # a quick smoke run

Each measurement runs in its own process (this script with --phase) so that its peak RSS is its
own and one phase's caches do not flatter the next. The rdflib baseline holds every triple in
memory (about 1.6 KB a triple), so above --baseline-films it runs on the first --baseline-films
films and its memory is scaled linearly to N; the table says so on those rows. rdflib's
serialisers slow down as the graph grows, so they run on a 500-film subsample and their rates are
upper bounds. rdflib's SPARQL engine has no timeout: a query past 10 s is stopped by SIGALRM and
reported as a lower bound.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))

STAMP = "2026-01-01T00:00:00Z"
NEW_BATCH = 1000
NEW_BATCH_SEED = 7
SUBSAMPLE = 500
QUERY_RUNS = 30
POINT_QUERIES = ("director-filmography", "film-cast", "series-order")
QUERY_TIMEOUT_S = 60.0
BASELINE_QUERY_S = 10.0
JSONLD_GRAPHS = 10_000
BASELINE_SHACL_S = 600.0


# ---- helpers -------------------------------------------------------------------------------------

def peak_rss_mb(children: bool = True) -> float:
    """This process's peak RSS plus its largest child's (worker pools), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if children else 0
    return round((own + kids) / 1024, 1)


def folder_mb(path: str) -> float:
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return round(total / 2**20, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed_runs(work, runs: int, budget_s: float = 20.0) -> list[float]:
    """Up to `runs` timings of `work()` in ms, fewer when one run is slow (stops after `budget_s`)."""
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(runs):
        t = time.perf_counter()
        work()
        times.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - start > budget_s and len(times) >= 3:
            break
    return times


class Deadline(Exception):
    pass


def within(seconds: float, work):
    """`work()`'s value, or None when it runs past `seconds` (SIGALRM: rdflib is pure Python)."""
    import signal

    def expire(*_):
        raise Deadline()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    except Deadline:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def presskit_files(work: str) -> list[str]:
    from filmgraph.readers import expand_paths

    return list(expand_paths([os.path.join(work, "presskit")]))


def query_plan(n: int) -> list[tuple[str, dict[str, str]]]:
    """The named queries and the parameter values the generated films give them."""
    import generate

    director = film = series = None
    for f in generate.films(n):
        director = director or f.director
        film = film or (f.title if f.index == 1 else None)
        if f.series and not series:
            series = f.series[0]
        if director and film and series:
            break
    series = series or "none"
    return [
        ("director-filmography", {"director": director}),
        ("film-cast", {"film": film}),
        ("series-order", {"series": series}),
        ("recurring-characters", {"series": series}),
        ("data-quality-gaps", {}),
    ]


def validator_or_reason():
    """filmgraph's ingest validator, or (None, why not)."""
    try:
        from filmgraph.ingest import ingest_validator
    except ImportError as e:
        return None, f"filmgraph.ingest.ingest_validator not importable ({e})"
    return ingest_validator(), ""


def shapes_path() -> str | None:
    path = os.path.join(ROOT, "shapes", "filmgraph-shapes.ttl")
    return path if os.path.exists(path) else None


# ---- phases (each runs in its own process) --------------------------------------------------------

def phase_generate(args) -> dict:
    import generate

    t = time.perf_counter()
    generate.generate(args.films, args.work, formats=("presskit",))
    generate.generate(args.batch_films, os.path.join(args.work, "new"), seed=NEW_BATCH_SEED, formats=("presskit",))
    return {"generate_s": time.perf_counter() - t}


def phase_ingest(args) -> dict:
    from filmgraph.ingest import ingest
    from filmgraph.store import open_store

    validator = None
    if args.validate:
        validator, why = validator_or_reason()
        if validator is None:
            return {"skipped": why}
    store_dir = args.store
    shutil.rmtree(store_dir, ignore_errors=True)
    files = presskit_files(args.work)[: args.limit or None]
    t = time.perf_counter()
    with open_store(store_dir, write=True) as store:
        report = ingest(files, store, validator=validator)
    elapsed = time.perf_counter() - t
    return {"records": report.records, "triples": report.written.triples, "seconds": elapsed,
            "refused": len(report.refused), "store_mb": folder_mb(store_dir), "peak_rss_mb": peak_rss_mb()}


def phase_raw_load(args) -> dict:
    """pyoxigraph's own limit: bulk-load the same quads from an N-Quads file (the sorted export)
    into an empty store, and compact it as ingest does."""
    import pyoxigraph as ox

    nquads = os.path.join(args.work, "raw.nq")
    target = os.path.join(args.work, "raw-store")
    shutil.rmtree(target, ignore_errors=True)
    store = ox.Store(target)
    t = time.perf_counter()
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.optimize()  # ingest compacts after a bulk load too: the same end state
    store.flush()
    elapsed = time.perf_counter() - t
    with open(nquads, "rb") as f:
        count = sum(1 for _ in f)
    del store
    shutil.rmtree(target, ignore_errors=True)
    os.remove(nquads)
    return {"seconds": elapsed, "quads": count, "peak_rss_mb": peak_rss_mb()}


def phase_queries(args) -> dict:
    from filmgraph import query as fq
    from filmgraph.store import open_store

    out = {}
    library = fq.library()
    with open_store(args.store) as store:
        for name, values in query_plan(args.films):
            if args.point_only and name not in POINT_QUERIES:
                continue
            if name not in library:
                out[name] = {"skipped": f"queries/{name}.rq not found"}
                continue
            q = library[name]
            try:
                rows = len(fq.run(store, q, values, timeout=QUERY_TIMEOUT_S).rows)
            except fq.QueryTimeout:
                out[name] = {"skipped": f"timed out after {QUERY_TIMEOUT_S:g} s"}
                continue
            times = timed_runs(lambda: fq.run(store, q, values, timeout=0), QUERY_RUNS, budget_s=10)
            out[name] = {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "rows": rows,
                         "runs": len(times)}
    return out


def _mapped_batch(work: str):
    from filmgraph.pipeline import map_paths

    return [m for outcome in map_paths([os.path.join(work, "new", "presskit")], generated_at=STAMP)
            for m in outcome.records]


def phase_batch_validate(args) -> dict:
    """A 1,000-record batch: filmgraph's validator against the N-film store and an empty one; the
    `shacl` package and pyshacl on the batch alone."""
    from filmgraph.store import open_store

    batch = _mapped_batch(args.work)
    out: dict = {"records": len(batch)}
    validator, why = validator_or_reason()
    if validator is None:
        out["skipped"] = why
    else:
        with open_store(args.store) as store:
            t = time.perf_counter()
            checked = validator(batch, store)
            out["into_store_s"] = time.perf_counter() - t
            out["refused"] = sum(1 for c in checked if c.refused)
        empty = os.path.join(args.work, "empty-store")
        shutil.rmtree(empty, ignore_errors=True)
        with open_store(empty, write=True) as store:
            t = time.perf_counter()
            validator(batch, store)
            out["into_empty_s"] = time.perf_counter() - t
        shutil.rmtree(empty, ignore_errors=True)
    shapes = shapes_path()
    if shapes is None:
        out["shapes_skipped"] = "shapes/filmgraph-shapes.ttl not found"
        return out
    text = "".join(m.ntriples for m in batch)
    try:
        import shacl

        compiled = shacl.Shapes.from_file(shapes)
        t = time.perf_counter()
        compiled.validate_text(text, format="ntriples")
        out["shacl_pkg_s"] = time.perf_counter() - t
    except Exception as e:  # the optional `bench` extra; report, do not fail the run
        out["shacl_pkg_skipped"] = f"{type(e).__name__}: {e}"
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=text, format="nt")
    shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
    t = time.perf_counter()
    pyshacl.validate(data, shacl_graph=shapes_graph, inference="none")
    out["pyshacl_s"] = time.perf_counter() - t
    return out


class _FirstGraphs:
    """A store seen through its first `limit` named graphs (JSON-LD export timing on big stores)."""

    def __init__(self, store, limit: int):
        self.store, self.limit = store, limit

    def graphs(self):
        for name in self.store.named_graphs()[: self.limit]:
            yield name, self.store.graph_triples(name)


def phase_export(args) -> dict:
    from filmgraph.export import export, write_jsonld_graphs
    from filmgraph.store import open_store

    out = {}
    with open_store(args.store) as store:
        for fmt in ("nquads", "turtle"):
            target = os.path.join(args.work, f"export.{fmt}")
            t = time.perf_counter()
            with open(target, "wb") as f:
                export(store, fmt, f)
            out[fmt] = {"seconds": time.perf_counter() - t, "mb": round(os.path.getsize(target) / 2**20, 1)}
            if fmt == "nquads":
                with open(target, "rb") as f:
                    out["quads"] = sum(1 for _ in f)
                os.replace(target, os.path.join(args.work, "raw.nq"))  # the raw-load phase reads it
            else:
                os.remove(target)
        graphs = len(store.named_graphs())
        view = _FirstGraphs(store, JSONLD_GRAPHS)
        target = os.path.join(args.work, "export.jsonld")
        t = time.perf_counter()
        with open(target, "wb") as f:
            write_jsonld_graphs(view, f)
        seconds = time.perf_counter() - t
        os.remove(target)
        share = min(1.0, JSONLD_GRAPHS / graphs) if graphs else 1.0
        out["jsonld"] = {"seconds": seconds / share, "graphs": min(graphs, JSONLD_GRAPHS), "of": graphs}
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def phase_baseline(args) -> dict:
    """The plain-rdflib pipeline: the same reader and mapping, triples into an in-memory rdflib
    Dataset, the same query texts on rdflib's SPARQL engine, pyshacl over the whole graph."""
    import rdflib
    from rdflib.plugins.sparql import prepareQuery  # noqa: F401  (load the engine before timing)

    from filmgraph import query as fq
    from filmgraph.pipeline import read_paths
    from filmgraph.mapping import map_record
    from filmgraph.sparql.text import inject_values

    files = presskit_files(args.work)[: args.limit]
    out: dict = {"films": len(files)}
    t = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    triples = 0
    for result in read_paths(files):
        for record in result.records:
            m = map_record(record, STAMP)
            ds.graph(rdflib.URIRef(m.graph.value)).parse(data=m.ntriples, format="nt")
            triples += m.size
    out["ingest_s"] = time.perf_counter() - t
    out["triples"] = triples
    out["ingest_rss_mb"] = peak_rss_mb(children=False)

    library = fq.library()
    queries = {}
    for name, values in query_plan(args.films_total):
        if name not in library:
            continue
        q = library[name]
        text = inject_values(q.text, fq.bind(q, values))
        times = within(BASELINE_QUERY_S, lambda: timed_runs(lambda: list(ds.query(text)), 10, budget_s=30))
        if times is None:
            queries[name] = {"skipped": f"rdflib ran past {BASELINE_QUERY_S:g} s"}
            continue
        queries[name] = {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "runs": len(times)}
    out["queries"] = queries

    shapes = shapes_path()
    if shapes is not None:
        import pyshacl

        union = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
        t = time.perf_counter()
        if within(BASELINE_SHACL_S, lambda: pyshacl.validate(union, shacl_graph=shapes_graph, inference="none")):
            out["pyshacl_whole_s"] = time.perf_counter() - t
        else:
            out["pyshacl_whole_skipped"] = f"pyshacl ran past {BASELINE_SHACL_S:g} s"
        del union

    # rdflib's serialisers on a subsample: N-Quads runs at a steady rate, Turtle and JSON-LD slow
    # down as the graph grows, so their subsample rates are upper bounds.
    sub = rdflib.Dataset(default_union=True)
    graphs = sorted({c.identifier for c in ds.contexts() if isinstance(c.identifier, rdflib.URIRef)})[:SUBSAMPLE]
    for g in graphs:
        for tr in ds.graph(g):
            sub.graph(g).add(tr)
    union = rdflib.Graph()
    for s, p, o, _ in sub.quads((None, None, None, None)):
        union.add((s, p, o))
    t = time.perf_counter()
    buf = io.BytesIO()
    sub.serialize(buf, format="nquads")
    out["nquads_s"] = time.perf_counter() - t
    out["nquads_quads"] = buf.getvalue().count(b"\n")
    del buf
    out["subsample_films"] = len(graphs)
    out["subsample_triples"] = len(union)
    t = time.perf_counter()
    union.serialize(format="turtle")
    out["turtle_s"] = time.perf_counter() - t
    t = time.perf_counter()
    sub.serialize(format="json-ld")
    out["jsonld_s"] = time.perf_counter() - t
    out["subsample_quads"] = sum(1 for _ in sub.quads((None, None, None, None)))
    out["peak_rss_mb"] = peak_rss_mb(children=False)
    return out


def phase_cli(args) -> dict:
    """Cold starts: `filmgraph --help`, and a first query on an existing store, as a user runs them."""
    exe = [sys.executable, "-m", "filmgraph"]
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")}

    def wall(cmd: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - t

    help_s = statistics.median(wall(exe + ["--help"]) for _ in range(5))
    name, values = query_plan(args.films)[0]
    cmd = exe + ["query", name, "--store", args.store] + [f"--param={k}={v}" for k, v in values.items()]
    first_query_s = statistics.median(wall(cmd) for _ in range(3))
    return {"help_s": help_s, "first_query_s": first_query_s}


PHASES = {
    "generate": phase_generate, "ingest": phase_ingest, "raw-load": phase_raw_load, "queries": phase_queries,
    "batch-validate": phase_batch_validate, "export": phase_export, "baseline": phase_baseline, "cli": phase_cli,
}


def run_phase(name: str, work: str, films: int, **options) -> dict:
    """One phase in a fresh interpreter; its answer is the JSON on the last line of its output."""
    cmd = [sys.executable, os.path.abspath(__file__), "--phase", name, "--work", work, "--films", str(films)]
    for key, value in options.items():
        if value is True:
            cmd.append(f"--{key}")
        elif value not in (None, False):
            cmd += [f"--{key}", str(value)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        print(f"  phase {name} failed: {tail}", file=sys.stderr)
        return {"failed": tail.splitlines()[-1] if tail else f"exit {proc.returncode}"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name} {options.get('store', '') and os.path.basename(options['store'])}: "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return result


# ---- the table --------------------------------------------------------------------------------

def _ratio(fg, base, higher_is_better: bool):
    if not isinstance(fg, (int, float)) or not isinstance(base, (int, float)) or not fg or not base:
        return None
    return round(fg / base if higher_is_better else base / fg, 2)


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, metric: str, unit: str, filmgraph, baseline=None, *, note: str = "", target: str = "",
            met: bool | None = None, higher_is_better: bool = True) -> None:
        self.rows.append({
            "metric": metric, "unit": unit, "filmgraph": _round(filmgraph), "baseline": _round(baseline),
            "ratio": _ratio(filmgraph, baseline, higher_is_better), "target": target,
            "met": met, "note": note,
        })


def _round(value):
    if isinstance(value, float):
        return round(value, 3) if abs(value) < 10 else round(value, 1)
    return value


def _get(d: dict, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def build_table(n: int, r: dict, baseline_films: int | None) -> Table:
    t = Table()
    ing, val, small = r["ingest"], r.get("ingest_validated", {}), r.get("ingest_small", {})
    base = r.get("baseline") or {}
    scale = (n / base["films"]) if base.get("films") else None
    scaled_note = f"baseline run on {base.get('films')} films, scaled ×{scale:g} to N" if scale and scale != 1 else ""

    rate = ing["records"] / ing["seconds"] if "seconds" in ing else None
    base_rate = base["films"] / base["ingest_s"] if base.get("ingest_s") else None
    t.add("ingest_records_per_s", "records/s", rate, base_rate, target="≥ 3,000", met=bool(rate and rate >= 3000),
          note="press kits read and mapped on all cores, bulk-loaded into an empty store")
    t.add("ingest_triples_per_s", "triples/s", ing["triples"] / ing["seconds"] if rate else None,
          base["triples"] / base["ingest_s"] if base_rate else None)
    if "seconds" in val:
        vrate = val["records"] / val["seconds"]
        vbase = None
        if base.get("pyshacl_whole_s") and base_rate:
            vbase = base["films"] / (base["ingest_s"] + base["pyshacl_whole_s"])
        note = "baseline: rdflib add + pyshacl over the whole graph"
        if val["records"] < n:
            note += f"; filmgraph measured on the first {val['records']:,} films"
        if base.get("pyshacl_whole_skipped"):
            note += f"; {base['pyshacl_whole_skipped']}"
        t.add("ingest_validated_records_per_s", "records/s", vrate, vbase, target="≥ 10× baseline",
              met=bool(vbase and vrate >= 10 * vbase), note=note)
    else:
        t.add("ingest_validated_records_per_s", "records/s", "n/a", note=val.get("skipped") or val.get("failed", ""))
    raw = r.get("raw_load", {})
    if raw.get("seconds") and rate:
        ratio = raw["seconds"] / ing["seconds"]
        t.add("raw_load_quads_per_s", "quads/s", raw["quads"] / raw["seconds"],
              note="pyoxigraph bulk_load (+ optimize) of the same quads from an N-Quads file")
        t.add("ingest_vs_raw_load", "fraction", ratio, target="≥ 0.5", met=ratio >= 0.5,
              note="raw load time / ingest time")
    base_rss = base.get("peak_rss_mb") and base["ingest_rss_mb"] * (scale or 1)
    t.add("peak_rss_mb", "MB", ing.get("peak_rss_mb"), base_rss, higher_is_better=False,
          target="< ¼ of baseline", met=bool(base_rss and ing.get("peak_rss_mb", 1e9) < base_rss / 4),
          note="ingest: main process + largest worker" + (f"; {scaled_note}" if scaled_note else ""))
    t.add("store_size_mb", "MB", ing.get("store_mb"))
    if small.get("seconds"):
        factor = ing["seconds"] / (small["seconds"] * n / small["records"])
        t.add("ingest_scaling", "× linear", factor, target="≤ 1.2", met=factor <= 1.2, higher_is_better=False,
              note=f"ingest time at N / (N/{n // small['records']} time × {n // small['records']})")

    bq = base.get("queries", {})
    sq = r.get("queries_small", {})
    for name, res in r.get("queries", {}).items():
        if "p50_ms" not in res:
            t.add(f"query_p50_ms:{name}", "ms", "n/a", note=res.get("skipped", ""))
            continue
        point = name in POINT_QUERIES
        target = "< 1 ms, flat" if point else "< 500 ms"
        met = res["p50_ms"] < (1 if point else 500)
        note = f"{res['rows']} rows"
        if point and _get(sq, name, "p50_ms"):
            flat = res["p50_ms"] / sq[name]["p50_ms"]
            met = met and flat <= 1.5
            note += f"; ×{flat:.2f} of the p50 at N/10"
        b50, b95 = _get(bq, name, "p50_ms"), _get(bq, name, "p95_ms")
        if _get(bq, name, "skipped"):
            b50 = b95 = BASELINE_QUERY_S * 1000
            note += f"; rdflib did not finish in {BASELINE_QUERY_S:g} s (baseline and ratio are lower bounds)"
        t.add(f"query_p50_ms:{name}", "ms", res["p50_ms"], b50, higher_is_better=False,
              target=target, met=met, note=note)
        t.add(f"query_p95_ms:{name}", "ms", res["p95_ms"], b95, higher_is_better=False)

    bv = r.get("batch_validate", {})
    if "into_store_s" in bv:
        into, empty = bv["into_store_s"], bv["into_empty_s"]
        shacl_s = bv.get("shacl_pkg_s")
        t.add("batch_validate_1000_s", "s", into, bv.get("pyshacl_s"), higher_is_better=False,
              target="≤ 5× shacl pkg", met=bool(shacl_s) and into <= 5 * shacl_s,
              note=f"{bv['records']} new records into the N-film store; baseline: pyshacl on the batch alone"
                   + (f"; ×{into / shacl_s:.1f} of the shacl package" if shacl_s else ""))
        t.add("batch_validate_1000_empty_store_s", "s", empty, higher_is_better=False,
              target="into N-film store ≤ 2× this", met=into <= 2 * empty,
              note=f"into the N-film store: ×{into / empty:.2f}")
    else:
        t.add("batch_validate_1000_s", "s", "n/a", bv.get("pyshacl_s"), note=bv.get("skipped", bv.get("failed", "")))
    if "shacl_pkg_s" in bv:
        t.add("shacl_pkg_validate_1000_s", "s", bv["shacl_pkg_s"], bv.get("pyshacl_s"), higher_is_better=False,
              note="the Rust `shacl` package on the batch alone, beside pyshacl")

    ex = r.get("export", {})
    quads = ex.get("quads")
    for fmt, target, floor in (("nquads", "≥ 500,000", 500_000), ("turtle", "≥ 300,000", 300_000), ("jsonld", "", None)):
        if not quads or fmt not in ex:
            continue
        rate = quads / ex[fmt]["seconds"]
        brate, note = None, ""
        if base.get(f"{fmt}_s"):
            count = {"nquads": base["nquads_quads"], "turtle": base["subsample_triples"]}.get(fmt, base["subsample_quads"])
            brate = count / base[f"{fmt}_s"]
            note = f"baseline: rdflib on a {base['subsample_films']}-film subsample (an upper bound on its rate)"
        if fmt == "jsonld" and ex[fmt].get("graphs", 0) < ex[fmt].get("of", 0):
            note = (f"timed on the first {ex[fmt]['graphs']:,} of {ex[fmt]['of']:,} graphs, scaled; " + note).rstrip("; ")
        metric = f"export_{fmt}_triples_per_s"
        t.add(metric, "triples/s", rate, brate, target=target, met=(rate >= floor) if floor else None,
              note=note or ("sorted" if fmt == "nquads" else ""))
    cli = r.get("cli", {})
    if cli:
        t.add("cli_help_s", "s", cli["help_s"], higher_is_better=False, target="< 0.3", met=cli["help_s"] < 0.3)
        t.add("cli_first_query_s", "s", cli["first_query_s"], higher_is_better=False)
    return t


def write_results(out: str, n: int, table: Table, meta: dict) -> None:
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"films": n, **meta, "rows": table.rows}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    lines = [f"# filmgraph benchmark: {n:,} films", "",
             f"{meta['machine']}; {meta['date']}; `python bench/run.py {meta['command']}`", "",
             "| metric | unit | filmgraph | baseline | ratio | target | met | note |",
             "|---|---|---:|---:|---:|---|---|---|"]
    for row in table.rows:
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        cells = [row["metric"], row["unit"], _fmt(row["filmgraph"]), _fmt(row["baseline"]),
                 f"{row['ratio']}×" if row["ratio"] else "", row["target"], met, row["note"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "Ratio: how many times better filmgraph is (higher is better for rates, lower for times).", ""]
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


# ---- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="filmgraph benchmarks against a plain-rdflib pipeline")
    parser.add_argument("--films", type=int, default=10_000, help="number of films N (default 10000)")
    parser.add_argument("--baseline", action="store_true", help="also run the plain-rdflib baseline")
    parser.add_argument("--baseline-films", type=int, default=5_000,
                        help="run the baseline on at most this many films and scale to N (default 5000)")
    parser.add_argument("--validated-films", type=int, default=10_000,
                        help="measure validated ingest on at most this many films (default 10000)")
    parser.add_argument("--out", default=HERE, help="folder for results.md and results.json (default bench/)")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the N/10 ingest and queries")
    parser.add_argument("--batch-films", type=int, default=NEW_BATCH,
                        help=f"size of the new batch validated against the store (default {NEW_BATCH})")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--validate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--point-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--films-total", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        result = PHASES[args.phase](args)
        print(json.dumps(result), flush=True)
        sys.stderr.flush()
        os._exit(0)  # a timed-out query's thread may still run; do not wait for it

    n = args.films
    work = args.work or tempfile.mkdtemp(prefix="filmgraph-bench-")
    os.makedirs(work, exist_ok=True)
    started = time.perf_counter()
    try:
        results: dict = {}
        store = os.path.join(work, "store")
        run_phase("generate", work, n, **{"batch-films": args.batch_films})
        results["ingest"] = run_phase("ingest", work, n, store=store)
        results["ingest_validated"] = run_phase("ingest", work, n, store=os.path.join(work, "store-validated"),
                                                validate=True, limit=min(n, args.validated_films))
        shutil.rmtree(os.path.join(work, "store-validated"), ignore_errors=True)
        results["queries"] = run_phase("queries", work, n, store=store)
        results["batch_validate"] = run_phase("batch-validate", work, n, store=store)
        results["export"] = run_phase("export", work, n, store=store)
        results["raw_load"] = run_phase("raw-load", work, n, store=store)
        results["cli"] = run_phase("cli", work, n, store=store)
        if not args.no_scaling and n >= 1000:
            small_store = os.path.join(work, "store-small")
            results["ingest_small"] = run_phase("ingest", work, n, store=small_store, limit=n // 10)
            results["queries_small"] = run_phase("queries", work, n, store=small_store, **{"point-only": True})
            shutil.rmtree(small_store, ignore_errors=True)
        baseline_films = None
        if args.baseline:
            baseline_films = min(n, args.baseline_films)
            results["baseline"] = run_phase("baseline", work, n, limit=baseline_films, **{"films-total": n})
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    table = build_table(n, results, baseline_films)
    import pyoxigraph

    meta = {
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join(sys.argv[1:] if argv is None else argv),
        "wall_s": round(time.perf_counter() - started, 1),
        "raw": results,
    }
    write_results(args.out, n, table, meta)
    print(f"wrote {os.path.join(args.out, 'results.md')} ({meta['wall_s']} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
