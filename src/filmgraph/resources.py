"""Find the editable data files (ontology, shapes, queries) whether installed or run from a checkout.

A wheel carries them under ``filmgraph/_data``; a checkout keeps them at the top of the repository,
where people edit them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder `name` (``ontology``, ``shapes``, ``queries``), installed copy first."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"filmgraph data folder {name!r} not found (looked beside {_PACKAGE})")


def data_file(folder: str, filename: str) -> Path:
    return data_dir(folder) / filename
