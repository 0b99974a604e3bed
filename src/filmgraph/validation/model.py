"""What a validation found: problems, by record, with the engine's `sh:ValidationReport`.

Plain values: the validation room builds them, ingest and the renderers (report.py) read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from filmgraph.validation.records import RecordView

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class Problem:
    """One validation result, attributed to a record and, where known, a source line."""

    severity: str
    focus: str
    path: str | None
    value: Any
    message: str
    shape: str | None
    constraint: str
    about: str = ""
    field: str | None = None
    line: int | None = None
    shown: str = ""


@dataclass
class RecordReport:
    view: RecordView
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(p.severity == "Violation" for p in self.problems)


@dataclass
class Report:
    """What a validation found, by record, and the engine's `sh:ValidationReport` as an rdflib graph."""

    records: list[RecordReport]
    report_graph: Any
    """The graph, or a function that builds it: only `--format turtle` reads it, so ingest never pays."""
    unattributed: list[Problem] = field(default_factory=list)

    @property
    def graph(self) -> Any:
        if callable(self.report_graph):
            self.report_graph = self.report_graph()
        return self.report_graph

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.records for p in r.problems] + self.unattributed

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for p in self.problems:
            counts[p.severity] += 1
        return counts
