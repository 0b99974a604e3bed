"""One long CSV: does `filmgraph ingest` stay linear in rows, with memory flat? (issue 17)

    python bench/csv_rows.py                          # 10k, 20k, 40k, 80k rows (about 10 minutes)
    python bench/csv_rows.py --rows 5000 10000        # a quick look

Each size is a fresh CSV of generated films (five columns, one cast member with a character, one
without) ingested with `--no-validate` into a fresh store by the `filmgraph` command, as a user runs
it. Measured per size: CPU seconds of the process and its children (`os.wait4`, so the machine's
other load does not count), wall seconds, peak RSS, and CPU per 1,000 rows. Time linear in rows
means CPU per 1,000 rows stays level as the rows double; memory bounded means peak RSS stays level.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FILMGRAPH = os.path.join(os.path.dirname(sys.executable), "filmgraph")


def write_csv(path: str, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("title,year,director,cast,country\n")
        for i in range(rows):
            f.write(f"Film number {i},{1900 + i % 120},Director {i % 997},Actor {i % 5003}=Hero {i}|"
                    f"Actor {(i + 1) % 5003},{('DK', 'GB', 'FR', 'DE', 'US')[i % 5]}\n")


def measure(rows: int, work: str, batch: int) -> dict:
    csv_path = os.path.join(work, f"rows{rows}.csv")
    store = os.path.join(work, f"store{rows}")
    write_csv(csv_path, rows)
    started = time.perf_counter()
    proc = subprocess.Popen([FILMGRAPH, "ingest", "-q", "--no-validate", "--batch-size", str(batch),
                             "--store", store, csv_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ingest of {rows} rows failed: {err.strip() or out.strip()}")
    shutil.rmtree(store, ignore_errors=True)
    os.remove(csv_path)
    cpu = usage.ru_utime + usage.ru_stime
    return {"rows": rows, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "cpu_ms_per_1000_rows": round(cpu / rows * 1_000_000, 1), "summary": out.strip().splitlines()[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 20_000, 40_000, 80_000])
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="fg-csv-rows-") as work:
        for rows in args.rows:
            load = os.getloadavg()[0]
            result = measure(rows, work, args.batch_size)
            result["load_average"] = round(load, 1)
            results.append(result)
            print(f"{rows:>9,} rows: {result['cpu_s']:8.2f} s CPU ({result['cpu_ms_per_1000_rows']:7.1f} ms per 1,000 "
                  f"rows), {result['wall_s']:8.2f} s wall, peak RSS {result['peak_rss_mb']:5d} MB, load {load:.1f}",
                  flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
