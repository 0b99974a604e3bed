"""Defaults in one place, each overridable by environment and then by flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

BASE_IRI = "https://w3id.org/filmgraph/id/"
ONTOLOGY_IRI = "https://w3id.org/filmgraph/ontology#"

# `filmgraph serve` defaults (docs/serve.md); each has a flag of the same name.
SERVE_TIMEOUT = 10.0  # seconds a SPARQL query may run
SERVE_RESULT_LIMIT = 10_000  # rows or triples in one answer; a cut answer says so
SERVE_REFRESH = 1.0  # seconds between looks for new records
SERVE_REMEMBER = 4096  # answers kept per checkpoint of the store
SERVE_MAX_BODY = 1 << 20  # bytes in a request body


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

    @property
    def user_agent(self) -> str:
        from filmgraph import __version__

        contact = f"; {self.contact}" if self.contact else ""
        return f"filmgraph/{__version__} (https://w3id.org/filmgraph{contact})"
