"""The benchmark harness runs end to end at a small N and writes both tables (never a time asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
sys.path.insert(0, BENCH)

import generate  # noqa: E402

REQUIRED = ["ingest_records_per_s", "ingest_validated_records_per_s", "batch_validate_1000_s",
            "export_nquads_triples_per_s", "peak_rss_mb", "ingest_vs_raw_load"]


def test_generator_is_deterministic_and_the_reader_parses_it(tmp_path):
    from filmgraph.readers import expand_paths, read_file

    first = [generate.presskit(f) for f in generate.films(60)]
    assert first == [generate.presskit(f) for f in generate.films(60)]
    folders = generate.generate(60, str(tmp_path), formats=("presskit", "json"))
    files = list(expand_paths([folders["presskit"]]))
    assert len(files) == 60
    films = list(generate.films(60))
    for path, film in zip(files, films):
        record = read_file(path).records[0]
        assert (record.title, record.year, record.directors) == (film.title, film.year, [film.director])
        assert len(record.cast) == len(film.cast) and 8 <= len(record.cast) <= 15
        assert 2 <= len(record.releases) <= 4
    doc = json.loads(open(os.path.join(folders["json"], generate.file_name(films[0], "json")), encoding="utf-8").read())
    assert doc["title"] == films[0].title and doc["cast"][0]["billing"] == 1


def test_series_and_recurring_characters_survive_the_reader(tmp_path):
    from filmgraph.readers.presskit import read_presskit

    members = [f for f in generate.films(400) if f.series]
    assert members, "about 5% of films are in series"
    for film in members[:6]:
        path = tmp_path / "kit.txt"
        path.write_text(generate.presskit(film), encoding="utf-8")
        record = read_presskit(str(path))[0][0]
        assert record.series is not None and (record.series.name, record.series.position) == film.series


def test_harness_writes_its_tables(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, os.path.join(BENCH, "run.py"), "--films", "500", "--out", str(out),
           "--batch-films", "50", "--no-scaling"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["films"] == 500
    metrics = {row["metric"] for row in results["rows"]}
    assert set(REQUIRED) <= metrics, set(REQUIRED) - metrics
    assert any(m.startswith("query_p50_ms:") for m in metrics)
    for row in results["rows"]:
        assert {"metric", "unit", "filmgraph", "baseline"} <= set(row)
    table = (out / "results.md").read_text(encoding="utf-8")
    assert "| metric | unit | filmgraph | baseline |" in table
    assert "ingest_records_per_s" in table
