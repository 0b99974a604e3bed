"""Defaults in one place, each overridable by environment and then by flags (docs/settings.md).

The CLI builds one `Settings` per run and passes it down; nothing below it reads the environment.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

VERSION = "0.1.0"
BASE_IRI = "https://w3id.org/filmgraph/id/"
ONTOLOGY_IRI = "https://w3id.org/filmgraph/ontology#"
SHACL_ENGINES = ("pyshacl", "rust")
DEFAULT_QUERY_TIMEOUT = 30.0

# `filmgraph serve` defaults (docs/serve.md); each has a flag of the same name.
SERVE_TIMEOUT = 10.0  # seconds a SPARQL query may run
SERVE_RESULT_LIMIT = 10_000  # rows or triples in one answer; a cut answer says so
SERVE_REFRESH = 1.0  # seconds between looks for new records
SERVE_REMEMBER = 4096  # answers kept per checkpoint of the store
SERVE_MAX_BODY = 1 << 20  # bytes in a request body


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _number(name: str, default: str, kind: type = float):
    """A numeric setting from the environment; a value that is not one is a usage error, not a traceback."""
    value = _env(name, default)
    try:
        return kind(value)
    except ValueError:
        from filmgraph.errors import UsageError

        raise UsageError(f"{name} must be a number, not {value!r}") from None


def _workers() -> int:
    value = os.environ.get("FILMGRAPH_WORKERS", "")
    return max(1, int(value)) if value.isdigit() else (os.cpu_count() or 1)


@dataclass(slots=True)
class Settings:
    """Every setting, its environment variable and its default; docs/settings.md is the table."""

    store: str = field(default_factory=lambda: _env("FILMGRAPH_STORE", "filmgraph-store"))
    query_timeout: float = field(default_factory=lambda: _number("FILMGRAPH_QUERY_TIMEOUT", str(DEFAULT_QUERY_TIMEOUT)))
    lock_timeout: float = field(default_factory=lambda: _number("FILMGRAPH_LOCK_TIMEOUT", "600"))
    contact: str = field(default_factory=lambda: _env("FILMGRAPH_CONTACT", ""))
    shacl_engine: str = field(default_factory=lambda: _env("FILMGRAPH_SHACL_ENGINE", ""))
    """Empty: the Rust `shacl` engine where installed, else pySHACL (validation/engine.py)."""
    cache_dir: str = field(default_factory=lambda: _env("FILMGRAPH_CACHE", os.path.expanduser("~/.cache/filmgraph")))
    workers: int = field(default_factory=_workers)
    """Processes that read and map records during ingest; default one per core."""
    batch_size: int = field(default_factory=lambda: max(1, _number("FILMGRAPH_BATCH_SIZE", "500", int)))
    """Records per store transaction (and per validation batch) during ingest."""
    source_date_epoch: str = field(default_factory=lambda: _env("SOURCE_DATE_EPOCH", ""))
    """Seconds since 1970 to stamp ingests with instead of now (reproducible builds' convention)."""
    request_deadline: float = field(default_factory=lambda: _number("FILMGRAPH_REQUEST_DEADLINE", "600"))
    """Seconds one HTTP request to a SPARQL server may take in all, answer included."""
    max_response_bytes: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_RESPONSE_BYTES", str(1 << 30), int))
    """The largest answer read from a SPARQL server, in bytes."""
    auth: str = field(default_factory=lambda: _env("FILMGRAPH_AUTH", ""))
    """USER:PASS for a SPARQL server given as --store (basic, or digest when asked); never printed."""
    limits: "Limits" = field(default_factory=lambda: Limits())
    """Bounds on what one input may cost (docs/reliability.md)."""

    @property
    def user_agent(self) -> str:
        contact = f"; {self.contact}" if self.contact else ""
        return f"filmgraph/{VERSION} (https://w3id.org/filmgraph{contact})"

    def now(self) -> str:
        """The time a run stamps its graphs with: now in UTC, or `SOURCE_DATE_EPOCH` when set."""
        return timestamp(self.source_date_epoch or None)


def timestamp(epoch: str | int | None = None) -> str:
    """An xsd:dateTime in UTC to the second: `epoch` (seconds) when given, else now."""
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one input may cost, each with the variable that raises it (docs/reliability.md).

    A file, line, list, cell or nesting past a bound is refused with a message naming the bound;
    CSV files stream, so only their cells and columns are bounded, not their length."""

    file_bytes: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_FILE_BYTES", str(64 * 1024 * 1024), int))
    lines: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_LINES", "20000", int))
    line_chars: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_LINE_CHARS", "20000", int))
    list_items: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_LIST_ITEMS", "5000", int))
    cell_chars: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_CELL_CHARS", "65536", int))
    columns: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_COLUMNS", "1000", int))
    depth: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_DEPTH", "32", int))
    yaml_alias_nodes: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_YAML_ALIAS_NODES", "10000", int))
    errors_per_file: int = field(default_factory=lambda: _number("FILMGRAPH_MAX_ERRORS_PER_FILE", "20", int))
