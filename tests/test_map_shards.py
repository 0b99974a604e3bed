"""`filmgraph map`: shards a server's own bulk loader loads into what `ingest` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import RECORDS, run_cli
from test_backends import CHANGED, NONCONFORMING

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


def _load_with_oxigraph(shards: Path, db: Path) -> None:
    """The way a cluster's output is loaded: Oxigraph's own loader, shard by shard."""
    manifest = json.loads((shards / "manifest.json").read_text())
    for shard in manifest["shards"]:
        subprocess.run([OXIGRAPH, "load", "--location", str(db), "--file", str(shards / shard["file"])],
                       check=True, capture_output=True)


def _export(store: Path) -> str:
    result = run_cli("export", "--store", str(store))
    assert result.code == 0, result.err
    return result.out


def test_shards_loaded_by_oxigraph_equal_what_ingest_writes(tmp_path, sample_store):
    shards = tmp_path / "shards"
    result = run_cli("map", str(RECORDS), "-o", str(shards), "--shard-size", "2")
    assert result.code == 0, result.err
    manifest = json.loads((shards / "manifest.json").read_text())
    assert [s["file"] for s in manifest["shards"]] == ["shard-00000.nq", "shard-00001.nq"]
    assert manifest["graphs"] == 4 and manifest["quads"] == sum(s["quads"] for s in manifest["shards"])
    for shard in manifest["shards"]:
        lines = (shards / shard["file"]).read_text().splitlines()
        assert lines == sorted(lines) and len(lines) == shard["quads"]
    _load_with_oxigraph(shards, tmp_path / "db")
    assert _export(tmp_path / "db") == _export(sample_store)


def test_a_film_met_again_replaces_its_graph_in_an_earlier_shard(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "bleeder.json").write_text(CHANGED.replace("Kitjo", "Kitjo the First"), encoding="utf-8")
    (tmp_path / "b" / "bleeder.json").write_text(CHANGED, encoding="utf-8")
    paths = [str(RECORDS), str(tmp_path / "a"), str(tmp_path / "b")]
    result = run_cli("map", *paths, "-o", str(tmp_path / "shards"), "--shard-size", "1")
    assert result.code == 0, result.err
    _load_with_oxigraph(tmp_path / "shards", tmp_path / "db")
    assert run_cli("ingest", "--store", str(tmp_path / "ingested"), *paths).code == 0
    assert _export(tmp_path / "db") == _export(tmp_path / "ingested")
    assert "Kitjo the First" not in _export(tmp_path / "db")


def test_refusals_and_a_used_folder_are_reported(tmp_path):
    result = run_cli("map", str(NONCONFORMING), "-o", str(tmp_path / "shards"))
    assert result.code == 1 and "does not conform" in result.err
    again = run_cli("map", str(RECORDS), "-o", str(tmp_path / "shards"))
    assert again.code == 2 and "already holds shards" in again.err
