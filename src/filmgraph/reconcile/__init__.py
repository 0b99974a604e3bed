"""Reconciling in: the store as a W3C Reconciliation Service (API 0.2) for OpenRefine and friends.

    index.py    a snapshot of the store's films, people, series and characters, kept current
    service.py  the API without HTTP: manifest, query batches, suggest, preview, data extension
    web.py      the Starlette app (mountable: `Mount("/reconcile", app=reconcile.app(store))`)

Scoring is the linker's (`link/scoring.py`): one set of rules for linking out and reconciling in.
"""

from __future__ import annotations

from filmgraph.reconcile.index import Index, LiveIndex, build
from filmgraph.reconcile.service import Options, ServiceError
from filmgraph.reconcile.web import app

__all__ = ["Index", "LiveIndex", "Options", "ServiceError", "app", "build"]
