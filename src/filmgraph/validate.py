"""The `validate` verb: record files (with the store as context) or the whole store, against the shapes.

Files go through the one pipeline (read and map, as ingest does); the validation room checks the
mapped graphs. Nothing is written. Rendering is report.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from filmgraph.pipeline import Refusal, map_paths
from filmgraph.record import ReaderWarning
from filmgraph.settings import Settings
from filmgraph.validation import Report, choose_engine, validate_batch

__all__ = ["PathsReport", "validate_paths"]


@dataclass
class PathsReport:
    """What `validate PATHS` found: the shapes' report and the files or rows that never got that far."""

    report: Report
    refusals: list[Refusal] = field(default_factory=list)
    skipped: list[ReaderWarning] = field(default_factory=list)
    """What the walk left out: special files (FIFOs, devices, dangling links)."""

    @property
    def unreadable(self) -> list[str]:
        """Files that could not be read, each a line naming file (and line)."""
        return [r.reason for r in self.refusals if not r.nonconforming]

    @property
    def refused_rows(self) -> list[str]:
        """Rows a reader refused (many-record files), each as a curator reads it."""
        return [f"refused {r.row}" for r in self.refusals if r.row is not None]


def validate_paths(paths: list[str], store=None, engine: str | None = None, settings: Settings | None = None,
                   **reader_options) -> PathsReport:
    """Validate record files without writing anything, with the store (if any) as context."""
    settings = settings or Settings()
    engine = engine or choose_engine(settings.shacl_engine)
    mapped, refusals, skipped = [], [], []
    for outcome in map_paths(paths, generated_at=settings.now(), skipped=skipped, limits=settings.limits,
                             **reader_options):
        mapped.extend(outcome.records)
        refusals.extend(outcome.refusals)
    return PathsReport(validate_batch(mapped, store, engine), refusals, skipped)
