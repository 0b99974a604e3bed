"""`filmgraph ingest` as a user meets it: bad input gets one clear line, and the store stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import RECORDS, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "presskit"
SEED = RECORDS / "pusher-ii-2004.txt"


def _nquads(store: Path) -> str:
    result = run_cli("export", "--store", str(store), "--format", "nquads")
    assert result.code == 0, result.err
    return result.out


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _seed_with(**replace: str) -> bytes:
    text = SEED.read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text.encode()


BAD_INPUTS = {
    "empty": ("empty.txt", b"", "empty"),
    "blank": ("blank.txt", b"\n   \n\n", "empty"),
    "binary": ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "binary"),
    "header-only": ("header.txt", b"Year: 2004\nDirector: Nicolas Winding Refn\n", "title"),
    "duplicate-year": ("dup.txt", _seed_with(**{"Year: 2004": "Year: 2004\nYear: 2005"}), "Year"),
    "impossible-date": ("date.txt", _seed_with(**{"16 September 2005": "31 February 2005"}), "date"),
    "runtime-not-a-number": ("runtime.txt", _seed_with(**{"96 mins": "ninety-six mins"}), "runtime"),
    "unknown-format": ("film.xlsx", b"PK\x03\x04", "unknown record format"),
    "broken-docx": ("film.docx", b"PK\x03\x04", "not a DOCX file"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_the_store_is_unchanged(case, store_copy, tmp_path):
    name, data, words = BAD_INPUTS[case]
    path = _write(tmp_path, name, data)
    before = _nquads(store_copy)
    result = run_cli("ingest", "--store", str(store_copy), str(path))
    assert result.code == 2, result
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("filmgraph:")]
    assert len(errors) == 1, result.err
    assert str(path) in errors[0] and words.lower() in errors[0].lower(), errors[0]
    assert _nquads(store_copy) == before


def test_line_numbers_are_named(tmp_path, store_copy):
    path = _write(tmp_path, "date.txt", _seed_with(**{"16 September 2005": "31 February 2005"}))
    result = run_cli("ingest", "--store", str(store_copy), str(path))
    assert f"{path}:11" in result.err, result.err


def test_a_bad_file_does_not_stop_the_good_ones(tmp_path):
    bad = _write(tmp_path, "bad.txt", b"")
    store = tmp_path / "store"
    result = run_cli("ingest", "--store", str(store), str(bad), str(SEED))
    assert result.code == 2
    assert "1 records from 2 files: 1 added" in result.out
    assert "Pusher II" in _nquads(store)


def test_latin1_file_keeps_its_letters(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("Karsten Schroder", "Karsten Schrøder").replace(
        "Anne Sorensen", "Anne Sørensen")
    path = _write(tmp_path, "latin1.txt", text.encode("cp1252"))
    store = tmp_path / "store"
    result = run_cli("ingest", "--store", str(store), str(path))
    assert result.code == 0, result.err
    out = _nquads(store)
    assert '"Karsten Schrøder"' in out and '"Anne Sørensen"' in out


def test_leftover_lines_are_warned_with_their_line(tmp_path):
    result = run_cli("ingest", "--store", str(tmp_path / "s"), str(SEED))
    assert result.code == 0
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert any(f"{SEED}:14" in w and "US Distributor" in w for w in warnings), result.err
    assert any(f"{SEED}:15" in w and "(in Danish)" in w for w in warnings), result.err


def test_ingest_twice_reports_unchanged(tmp_path):
    store = tmp_path / "s"
    assert run_cli("ingest", "--store", str(store), str(RECORDS)).code == 0
    before = _nquads(store)
    again = run_cli("ingest", "--store", str(store), str(RECORDS))
    assert again.code == 0 and " 0 added, 0 replaced" in again.out
    assert _nquads(store) == before


def test_store_from_environment(tmp_path):
    store = tmp_path / "env-store"
    result = run_cli("ingest", str(SEED), env={"FILMGRAPH_STORE": str(store)})
    assert result.code == 0, result.err
    assert (store / "filmgraph.lock").exists()


def test_missing_path_and_missing_store(tmp_path):
    result = run_cli("ingest", "--store", str(tmp_path / "s"), str(tmp_path / "nope.txt"))
    assert result.code == 2 and "no such file" in result.err and "Traceback" not in result.err
    result = run_cli("export", "--store", str(tmp_path / "absent"), "--format", "turtle")
    assert result.code == 2 and "no store at" in result.err and "Traceback" not in result.err


def test_stats(sample_store):
    result = run_cli("stats", "--store", str(sample_store))
    assert result.code == 0
    counts = dict(line.rsplit(None, 1) for line in result.out.splitlines())
    sample_files = [p for p in RECORDS.iterdir() if p.suffix in {".txt", ".json", ".yaml", ".csv"}]
    assert int(counts["record graphs"]) == len(sample_files), "each sample file holds one record"
    assert int(counts["films"]) >= 5
