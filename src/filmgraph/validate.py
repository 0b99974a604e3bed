"""SHACL validation of records before they land (issue: SHACL shapes). Placeholder until it lands."""

from __future__ import annotations


def ingest_validator():
    """The validator ingest runs on each batch; None means no validation yet."""
    return None
