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
    `FILMGRAPH_SHACL_ENGINE` (empty: the Rust engine where installed, else pySHACL; validate.py),
    `FILMGRAPH_REQUEST_DEADLINE`, `FILMGRAPH_MAX_RESPONSE_BYTES`, `FILMGRAPH_AUTH` (a SPARQL server's USER:PASS)."""

    store: str = field(default_factory=lambda: _env("FILMGRAPH_STORE", "filmgraph-store"))
    query_timeout: float = field(default_factory=lambda: float(_env("FILMGRAPH_QUERY_TIMEOUT", "30")))
    lock_timeout: float = field(default_factory=lambda: float(_env("FILMGRAPH_LOCK_TIMEOUT", "600")))
    contact: str = field(default_factory=lambda: _env("FILMGRAPH_CONTACT", ""))
    shacl_engine: str = field(default_factory=lambda: _env("FILMGRAPH_SHACL_ENGINE", ""))
    cache_dir: str = field(default_factory=lambda: _env("FILMGRAPH_CACHE", os.path.expanduser("~/.cache/filmgraph")))
    batch_size: int = 500
    # One HTTP request to a SPARQL server: the whole answer within this many seconds, and no larger.
    request_deadline: float = field(default_factory=lambda: float(_env("FILMGRAPH_REQUEST_DEADLINE", "600")))
    max_response_bytes: int = field(default_factory=lambda: int(_env("FILMGRAPH_MAX_RESPONSE_BYTES", str(1 << 30))))
    # USER:PASS for a SPARQL server given as --store; never printed.
    auth: str = field(default_factory=lambda: _env("FILMGRAPH_AUTH", ""))

    @property
    def user_agent(self) -> str:
        from filmgraph import __version__

        contact = f"; {self.contact}" if self.contact else ""
        return f"filmgraph/{__version__} (https://w3id.org/filmgraph{contact})"
