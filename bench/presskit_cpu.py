"""CPU cost of reading, mapping and ingesting press kits, two checkouts compared in one run (issue 11).

    python bench/presskit_cpu.py --base /work/wt/base-bab0afa --films 2000 --rounds 3

Each checkout runs with its own `.venv`, on the same kits (made once by bench/generate.py), in
alternating rounds (base, new, base, new ...), so both see the same machine load. CPU seconds, not
wall time: user + system of the process and of the worker processes it waited for (`getrusage`),
which a shared machine disturbs far less than the clock. Reported per checkout, as the median of the
rounds with every round's value beside it, and the load average at each round:

- `startup`: importing the readers and mapping, and reading and mapping the first kit, in a fresh process;
- `read`: reading every kit in one process (after the first), no workers;
- `map`: mapping the records just read;
- `ingest`: `filmgraph ingest` of the whole folder into a new store, the process and its workers;
  `ingest_workers` is the workers' part (reading and mapping), the rest is the main process (store
  writes, identities, validation);
- `ingest_nv`, `ingest_nv_workers`: the same with `--no-validate`;
- `ingest_wall`, `ingest_nv_wall`: the wall time of the two ingests, which sets bench/run.py's
  records per second (on a quiet machine only: other work changes it far more than CPU time).
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402

# Run inside each checkout's venv: CPU of the phases of reading and mapping in one process.
_IN_PROCESS = r"""
import json, sys, time
t0 = time.process_time()
from filmgraph.readers import expand_paths, read_file
from filmgraph.mapping import map_record
files = list(expand_paths([sys.argv[1]]))
first = read_file(files[0])
for r in first.records:
    map_record(r, "2026-01-01T00:00:00Z")
t1 = time.process_time()
records = []
for path in files[1:]:
    records.extend(read_file(path).records)
t2 = time.process_time()
triples = sum(map_record(r, "2026-01-01T00:00:00Z").size for r in records)
t3 = time.process_time()
print(json.dumps({"startup": t1 - t0, "read": t2 - t1, "map": t3 - t2, "records": len(records) + 1,
                  "triples": triples}))
"""


# `filmgraph ingest ...` run in process, then the CPU of the process itself and of its workers.
_INGEST = r"""
import json, resource, sys
from filmgraph.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"workers": workers.ru_utime + workers.ru_stime, "main": own.ru_utime + own.ru_stime}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """CPU seconds of a command and every process it waited for, its wall seconds, and its output."""
    before, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    spent = _children_cpu() - before
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return spent, wall, done.stdout


def measure(checkout: str, kits: str, work: str, env: dict[str, str], ingest_only: bool = False) -> dict[str, float]:
    python = os.path.join(checkout, ".venv", "bin", "python")
    result: dict[str, float] = {"startup": 0.0, "read": 0.0, "map": 0.0}
    if not ingest_only:
        _, _, out = _run([python, "-c", _IN_PROCESS, kits], env)
        result = json.loads(out.strip().splitlines()[-1])
    for name, extra in (("ingest", []), ("ingest_nv", ["--no-validate"])):
        store = tempfile.mkdtemp(prefix="store-", dir=work)
        shutil.rmtree(store)
        result[name], result[f"{name}_wall"], out = _run(
            [python, "-c", _INGEST, "ingest", "--quiet", "--store", store, *extra, kits], env)
        result[f"{name}_workers"] = json.loads(out.strip().splitlines()[-1])["workers"]
        shutil.rmtree(store, ignore_errors=True)
    result["load"] = os.getloadavg()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the checkout to compare with (its .venv is used)")
    parser.add_argument("--new", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the checkout measured (default: this one)")
    parser.add_argument("--films", type=int, default=2000, help="press kits to generate (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--work", help="folder for the kits and stores (default: a temporary folder)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--ingest-only", action="store_true", help="skip the in-process read and map phases")
    args = parser.parse_args(argv)
    work = args.work or tempfile.mkdtemp(prefix="presskit-cpu-")
    kits = os.path.join(work, "presskit")
    if not os.path.isdir(kits):
        generate.generate(args.films, work, formats=("presskit",))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("VIRTUAL_ENV", None)
    checkouts = {"base": os.path.abspath(args.base), "new": os.path.abspath(args.new)}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for i in range(args.rounds):
        for name, checkout in checkouts.items():
            rounds[name].append(measure(checkout, kits, work, env, args.ingest_only))
            r = rounds[name][-1]
            print(f"round {i + 1} {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.items() if k not in ("records", "triples")),
                  flush=True)
    metrics = ("startup", "read", "map", "ingest", "ingest_workers", "ingest_nv", "ingest_nv_workers",
               "ingest_wall", "ingest_nv_wall")
    print(f"\n{args.films} kits, CPU seconds, and wall seconds for `*_wall` (median of {args.rounds} rounds; "
          "every round in brackets)")
    print(f"{'':8}" + "".join(f"{m:>26}" for m in metrics))
    medians = {}
    for name in checkouts:
        medians[name] = {m: statistics.median(r[m] for r in rounds[name]) for m in metrics}
        cells = [f"{medians[name][m]:.2f} ({'/'.join(f'{r[m]:.2f}' for r in rounds[name])})" for m in metrics]
        print(f"{name:8}" + "".join(f"{c:>26}" for c in cells))
    ratio = {m: medians["new"][m] / medians["base"][m] for m in metrics if medians["base"][m]}
    print(f"{'new/base':8}" + "".join(f"{ratio.get(m, 0):>26.3f}" for m in metrics))
    # Each round's new against the base run just before it: the load drifts less within a pair.
    paired = {m: statistics.median(pairs) for m in metrics
              if (pairs := [n[m] / b[m] for b, n in zip(rounds["base"], rounds["new"]) if b[m]])}
    print(f"{'paired':8}" + "".join(f"{paired.get(m, 0):>26.3f}" for m in metrics) + "   (median of the rounds' new/base)")
    loads = [r["load"] for name in checkouts for r in rounds[name]]
    print(f"load average (1 min) during the rounds: {min(loads):.1f}-{max(loads):.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"films": args.films, "checkouts": checkouts, "rounds": rounds, "medians": medians,
                       "new_over_base": ratio, "paired_new_over_base": paired}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
