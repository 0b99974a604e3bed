"""SHACL validation: mapped record graphs (with the store as context) in, a `Report` out.

This room reads no files and renders nothing: line numbers come from the records' provenance (the
record as read, or `fg:sourceLines` in a stored graph); report.py renders; ingest decides what a
violation means for a write (refuse, warn).

    shapes.py   the shapes files, loaded once
    records.py  `RecordView`: one record graph, and which field and line a result is about
    model.py    `Report`, `RecordReport`, `Problem`
    engine.py   the two engines (Rust `shacl`, pySHACL) and results given to records
    context.py  a batch with its store neighbourhood; every record graph in a store
"""

from __future__ import annotations

from filmgraph.validation.context import neighbourhood, stored_view, validate_batch, validate_store
from filmgraph.validation.engine import choose_engine, results_of, rust_available, validate_views
from filmgraph.validation.model import SEVERITIES, Problem, RecordReport, Report
from filmgraph.validation.records import FILM_FIELDS, RecordView
from filmgraph.validation.shapes import SH, shapes_graph

__all__ = [
    "FILM_FIELDS", "SEVERITIES", "SH", "Problem", "RecordReport", "RecordView", "Report", "choose_engine",
    "neighbourhood", "results_of", "rust_available", "shapes_graph", "stored_view", "validate_batch",
    "validate_store", "validate_views",
]
