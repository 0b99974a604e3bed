"""bench/serve.py runs end to end at a small N and writes its tables (never a time asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT


def test_the_serve_benchmark_runs_and_reports_every_round(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "serve.py"), "--films", "40", "--duration", "1",
                             "--clients", "2", "--workers", "1", "--work", str(tmp_path / "work"),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "serve-results.json").read_text())
    for round_ in ("site", "site_cold", "sparql_filmgraph_remembered", "sparql_filmgraph", "sparql_oxigraph"):
        assert results[round_]["errors"] == 0, results[round_]["error_samples"]
        assert sum(k["requests"] for k in results[round_]["kinds"].values()) > 0
        assert results[round_]["server_cpu_s"] >= 0
        if os.path.exists("/proc/stat"):  # what the host took is reported beside every round
            assert 0 <= results[round_]["steal_pct"] <= 100 and 0 <= results[round_]["idle_pct"] <= 100
    for round_ in ("site", "site_cold"):
        assert set(results[round_]["kinds"]) == {"film page", "person page", "series page", "film JSON-LD", "named query"}
    assert results["sparql_throughput_ratio"] > 0
    assert "sparql_cpu_ratio" in results  # (None when a 1 s round used under a clock tick of CPU)
    assert "SPARQL throughput" in (tmp_path / "out" / "serve-results.md").read_text()
