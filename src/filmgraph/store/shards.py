"""A folder of sorted N-Quads shards and a manifest: records turned into RDF without a store.

A write-only backend, so that `filmgraph map` is ingest's own read -> map -> validate run with
another sink: many machines can each map a slice of the records, and a server's bulk loader
(`oxigraph load`, Virtuoso's `ld_dir` + `rdf_loader_run`) loads the shards. Each shard holds whole
record graphs, its lines sorted; a graph met again later in the run replaces the earlier one, as
ingest would, so the shards hold what an ingest of the same paths writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from filmgraph.errors import StoreError
from filmgraph.store.base import WRITE, Backend, WriteStats

MANIFEST = "manifest.json"


class ShardWriter(Backend):
    capabilities = frozenset({WRITE})

    def __init__(self, folder: str, *, shard_size: int = 10_000, stamp: str = ""):
        if shard_size < 1:
            raise StoreError("--shard-size must be at least 1")
        self.location = folder
        self.shard_size = shard_size
        self.stamp = stamp
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create {folder}: {e.strerror}") from None
        if any(name.endswith(".nq") or name == MANIFEST for name in os.listdir(folder)):
            raise StoreError(f"{folder} already holds shards; give an empty folder")
        self._open: dict[str, str] = {}
        self._where: dict[str, int] = {}
        self._superseded: dict[int, set[str]] = {}
        self._shards: list[str] = []

    def replace_graphs(self, records: Iterable[Any]) -> WriteStats:
        stats = WriteStats()
        for mapped in records:
            graph = mapped.graph.value
            earlier = self._where.get(graph)
            if earlier is not None and earlier < len(self._shards):
                self._superseded.setdefault(earlier, set()).add(graph)
            if graph in self._open or earlier is not None:
                stats.replaced += 1
            else:
                stats.added += 1
            stats.triples += mapped.size
            stats.graphs.append(graph)
            self._open[graph] = mapped.nquads()
            self._where[graph] = len(self._shards)
            if len(self._open) >= self.shard_size:
                self._write_shard()
        return stats

    def _path(self, index: int) -> str:
        return os.path.join(self.location, f"shard-{index:05d}.nq")

    def _write_shard(self) -> None:
        lines = sorted(line for text in self._open.values() for line in text.splitlines(keepends=True))
        path = self._path(len(self._shards))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(lines)
        self._shards.append(path)
        self._open.clear()

    def close(self) -> None:
        """Write the last shard, drop superseded graphs from earlier shards, then the manifest."""
        if self._open:
            self._write_shard()
        for index, graphs in self._superseded.items():
            ends = tuple(f" <{g}> .\n" for g in graphs if self._where[g] != index)
            if not ends:
                continue
            with open(self._path(index), encoding="utf-8") as f:
                kept = [line for line in f if not line.endswith(ends)]
            with open(self._path(index), "w", encoding="utf-8", newline="\n") as f:
                f.writelines(kept)
        shards = []
        for index, path in enumerate(self._shards):
            with open(path, "rb") as f:
                data = f.read()
            graphs = sum(1 for g, i in self._where.items() if i == index)
            shards.append({"file": os.path.basename(path), "graphs": graphs, "quads": data.count(b"\n"),
                           "sha256": hashlib.sha256(data).hexdigest()})
        manifest = {
            "format": "application/n-quads",
            "sorted": True,
            "ingest_time": self.stamp,
            "graphs": sum(s["graphs"] for s in shards),
            "quads": sum(s["quads"] for s in shards),
            "shards": shards,
        }
        with open(os.path.join(self.location, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.write("\n")
        self._shards = []
        self._where = {}
