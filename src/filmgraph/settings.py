"""Defaults in one place, each overridable by environment and then by flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

BASE_IRI = "https://w3id.org/filmgraph/id/"
ONTOLOGY_IRI = "https://w3id.org/filmgraph/ontology#"


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(slots=True)
class Settings:
    """`FILMGRAPH_STORE`, `FILMGRAPH_QUERY_TIMEOUT`, `FILMGRAPH_CONTACT`, `FILMGRAPH_LOCK_TIMEOUT`,
    `FILMGRAPH_SHACL_ENGINE` (empty: the Rust engine where installed, else pySHACL; validate.py)."""

    store: str = field(default_factory=lambda: _env("FILMGRAPH_STORE", "filmgraph-store"))
    query_timeout: float = field(default_factory=lambda: float(_env("FILMGRAPH_QUERY_TIMEOUT", "30")))
    lock_timeout: float = field(default_factory=lambda: float(_env("FILMGRAPH_LOCK_TIMEOUT", "600")))
    contact: str = field(default_factory=lambda: _env("FILMGRAPH_CONTACT", ""))
    shacl_engine: str = field(default_factory=lambda: _env("FILMGRAPH_SHACL_ENGINE", ""))
    cache_dir: str = field(default_factory=lambda: _env("FILMGRAPH_CACHE", os.path.expanduser("~/.cache/filmgraph")))
    batch_size: int = 500
    limits: "Limits" = field(default_factory=lambda: Limits())

    @property
    def user_agent(self) -> str:
        from filmgraph import __version__

        contact = f"; {self.contact}" if self.contact else ""
        return f"filmgraph/{__version__} (https://w3id.org/filmgraph{contact})"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one input may cost, each with the variable that raises it (docs/reliability.md).

    A file, line, list, cell or nesting past a bound is refused with a message naming the bound;
    CSV files stream, so only their cells and columns are bounded, not their length."""

    file_bytes: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_FILE_BYTES", 64 * 1024 * 1024))
    lines: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_LINES", 20_000))
    line_chars: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_LINE_CHARS", 20_000))
    list_items: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_LIST_ITEMS", 5_000))
    cell_chars: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_CELL_CHARS", 65_536))
    columns: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_COLUMNS", 1_000))
    depth: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_DEPTH", 32))
    yaml_alias_nodes: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_YAML_ALIAS_NODES", 10_000))
    errors_per_file: int = field(default_factory=lambda: _env_int("FILMGRAPH_MAX_ERRORS_PER_FILE", 20))
