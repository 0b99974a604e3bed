"""The one read-and-map pipeline: typed outcomes per file, in file order, the same serial or parallel."""

from __future__ import annotations

import json
import os

import pytest

from filmgraph.errors import InputError
from filmgraph.pipeline import INPUT_ERRORS, PARALLEL_MIN_FILES, map_paths, read_paths

STAMP = "2026-01-01T00:00:00Z"


def write(path, **doc):
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_records_refusals_and_warnings_come_apart(tmp_path):
    write(tmp_path / "a.json", title="Alpha", year=2001)
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "c.csv").write_text("title,year\nGamma,2003\n,2004\n", encoding="utf-8")
    a, b, c = read_paths([str(tmp_path)])
    assert [r.title for r in a.records] == ["Alpha"] and not a.refusals
    assert not b.records and b.unreadable and b.refusals[0].reason.startswith(str(tmp_path / "b.json"))
    assert [r.title for r in c.records] == ["Gamma"]
    (row,) = c.refusals
    assert row.nonconforming and row.row is not None and not c.unreadable


def test_a_missing_path_is_an_input_error_before_anything_is_read(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_paths([str(tmp_path / "nowhere")]))
    assert InputError in INPUT_ERRORS


def test_workers_give_the_serial_outcome_in_file_order(tmp_path):
    for i in range(PARALLEL_MIN_FILES + 5):
        write(tmp_path / f"f{i:04d}.json", title=f"Film {i}", year=1950 + i % 70)
    (tmp_path / "f0100.json").write_text("[", encoding="utf-8")
    serial = list(map_paths([str(tmp_path)], generated_at=STAMP))
    parallel = list(map_paths([str(tmp_path)], generated_at=STAMP, workers=2))
    assert [o.path for o in parallel] == [o.path for o in serial]
    assert [[m.ntriples for m in o.records] for o in parallel] == [[m.ntriples for m in o.records] for o in serial]
    assert [[r.reason for r in o.refusals] for o in parallel] == [[r.reason for r in o.refusals] for o in serial]


def test_a_large_streamed_file_comes_in_parts_in_a_parallel_run_too(tmp_path, monkeypatch):
    """A worker hands a file back whole, so a large CSV is read here, part by part, in its place."""
    import filmgraph.pipeline as pipeline

    monkeypatch.setattr(pipeline, "STREAM_HERE_BYTES", 1000)
    for i in range(PARALLEL_MIN_FILES + 5):
        write(tmp_path / f"f{i:04d}.json", title=f"Film {i}", year=1950 + i % 70)
    rows = "".join(f"Row film {i},{1950 + i % 70}\n" for i in range(300))
    (tmp_path / "f0100.csv").write_text("title,year\n" + rows, encoding="utf-8")
    serial = list(map_paths([str(tmp_path)], generated_at=STAMP, rows=50))
    parallel = list(map_paths([str(tmp_path)], generated_at=STAMP, workers=2, rows=50))
    big = [o for o in parallel if o.path.endswith(".csv")]
    assert [o.part for o in big] == [0, 1, 2, 3, 4, 5] and all(len(o.records) == 50 for o in big)
    assert [(o.path, o.part) for o in parallel] == [(o.path, o.part) for o in serial]
    assert [[m.ntriples for m in o.records] for o in parallel] == [[m.ntriples for m in o.records] for o in serial]


def test_ingest_keeps_an_absolute_source_path_and_the_field_lines(tmp_path, monkeypatch):
    import filmgraph
    from filmgraph.terms import FG

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "rel.json", title="Relative", year=2002)
    settings = filmgraph.Settings(store=str(tmp_path / "s"))
    with filmgraph.open_store(settings.store, write=True) as store:
        filmgraph.ingest_paths(["rel.json"], store, settings=settings)
    with filmgraph.open_store(settings.store) as store:
        paths = {q.object.value for q in store.quads() if q.predicate.value == FG.sourcePath}
        absolute = {q.object.value for q in store.quads() if q.predicate.value == FG.absolutePath}
        lines = [json.loads(q.object.value) for q in store.quads() if q.predicate.value == FG.sourceLines]
    # The root-relative path names the record (issue 15); the absolute one finds the file from anywhere.
    assert paths == {"rel.json"} and absolute == {str(tmp_path / "rel.json")}
    assert lines == [{"title": 1, "year": 1}]


def test_a_setting_that_is_not_a_number_is_a_usage_error(cli):
    result = cli("stats", "--store", "nowhere", env={"FILMGRAPH_BATCH_SIZE": "lots"})
    assert result.code == 2 and "FILMGRAPH_BATCH_SIZE must be a number, not 'lots'" in result.err
    assert "Traceback" not in result.err


KIT = """Title: Lull of Brønshøj
Year: 2006
Director: Marta Szabek
Cast: Nils Hagski (Ines), Linnéa Dahlović (Vanja)
Country: Norway
Language: Norwegian (English subtitles)
Running time: 101 mins
UK Certificate: PG
Norway Release Date: 16 April 2006

LULL OF BRØNSHØJ (2006) is a film by Marta Szabek.
"""


def test_after_preload_reading_a_kit_imports_and_builds_nothing(tmp_path):
    """What workers would otherwise each import and build is done once by `preload`, before the fork."""
    import subprocess
    import sys

    kit = tmp_path / "kit.txt"
    kit.write_text(KIT, encoding="utf-8")
    script = (
        "import sys\n"
        "from filmgraph import codes\n"
        "from filmgraph.readers import preload, read_file\n"
        "from filmgraph.readers.presskit.vocab import vocab\n"
        f"preload([{str(kit)!r}])\n"
        "built = (vocab.cache_info().currsize, codes._territories.cache_info().currsize)\n"
        "before = set(sys.modules)\n"
        f"record = read_file({str(kit)!r}).records[0]\n"
        "print(sorted(set(sys.modules) - before), built, record.countries, record.languages)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] (1, 1) ['NO'] ['no']"


def test_workers_are_forked_after_the_readers_are_preloaded(tmp_path, monkeypatch):
    import filmgraph.pipeline as pipeline

    for i in range(PARALLEL_MIN_FILES):
        write(tmp_path / f"f{i:04d}.json", title=f"Film {i}", year=1950 + i % 70)
    calls = []
    monkeypatch.setattr(pipeline, "preload", lambda files: calls.append(len(files)))
    list(map_paths([str(tmp_path)], generated_at=STAMP))
    assert calls == []
    list(map_paths([str(tmp_path)], generated_at=STAMP, workers=2))
    assert calls == [PARALLEL_MIN_FILES]


def test_worker_tasks_hold_a_bounded_run_of_files(tmp_path, monkeypatch):
    """A task is at most CHUNK_FILES files and, past its first file, about CHUNK_BYTES of input: the
    tasks waiting for the caller hold a bounded amount whatever the files' sizes."""
    from filmgraph import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 1000)
    sizes = [10] * 130 + [600, 600, 600, 5000, 10]
    files = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"{i:03}.json"
        path.write_bytes(b" " * size)
        files.append(str(path))
    chunks = pipeline._chunks(files)
    assert [p for c in chunks for p in c] == files
    assert all(len(c) <= pipeline.CHUNK_FILES for c in chunks)
    assert all(sum(os.path.getsize(p) for p in c) <= 1000 or len(c) == 1 for c in chunks)
    assert [len(c) for c in chunks] == [64, 64, 3, 1, 1, 1, 1]
