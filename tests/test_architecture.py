"""The layout holds: imports point down the layers docs/architecture.md lists, with no circle.

Imports are read from the source (lazy ones inside functions count the same), so a test fails the
day a room reaches up, not the day the circle bites at import time.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src"
PACKAGE = SRC / "filmgraph"


def layers() -> dict[str, int]:
    """Room -> layer number (1 is the top), from the ```layers block of docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md must hold a ```layers block"
    out: dict[str, int] = {}
    for line in block.group(1).splitlines():
        number, _, names = line.partition(".")
        for name in names.split():
            assert name not in out, f"{name} is listed twice in docs/architecture.md"
            out[name] = int(number)
    return out


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = SRC / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports() -> dict[str, set[str]]:
    """Module -> the filmgraph modules it imports, anywhere in its body."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[module].update(a.name for a in node.names if a.name.split(".")[0] == "filmgraph")
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                if base.split(".")[0] != "filmgraph":
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    graph[module].add(target if is_module(target) else base)
    return graph


def room(module: str) -> str:
    """`filmgraph.validation.engine` -> `validation`; the package itself is `filmgraph`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "filmgraph"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_room_has_a_layer():
    order = layers()
    rooms = {room(module_name(p)) for p in PACKAGE.rglob("*.py")}
    missing = sorted(rooms - set(order))
    assert not missing, f"add these rooms to the layers in docs/architecture.md: {missing}"


def test_no_import_points_up():
    order = layers()
    upward = sorted(f"{module} imports {target} ({room(module)} is layer {order[room(module)]}, "
                    f"{room(target)} is layer {order[room(target)]})"
                    for module, targets in imports().items() for target in targets
                    if room(target) != room(module) and order[room(target)] < order[room(module)])
    assert not upward, "\n".join(upward)


def test_no_circle_between_rooms():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in imports().items():
        graph[room(module)].update(room(t) for t in targets if room(t) != room(module))
    assert not cycles(graph), cycles(graph)


KNOWN_MODULE_CIRCLES: list[list[str]] = []


def test_no_circle_between_modules():
    found = [c for c in cycles(imports()) if c not in KNOWN_MODULE_CIRCLES]
    assert not found, found


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}}, []),
])
def test_the_circle_finder_finds_circles(graph, expected):
    assert cycles(graph) == expected


def test_the_record_fields_are_declared_once():
    """Readers, the mapping spec and validation name record fields the JSON Schema declares."""
    from filmgraph.readers import mapping_spec
    from filmgraph.record import FIELDS, LIST_FIELDS, SCHEMA
    from filmgraph.validation import FILM_FIELDS

    assert list(FIELDS) == [name for name, spec in SCHEMA["properties"].items()
                            if not name.startswith("$") and not spec.get("readOnly")]  # provenance is readOnly
    assert {re.sub(r"\[\d+\]$", "", name) for name in FILM_FIELDS.values()} <= set(FIELDS)
    assert mapping_spec.LIST_FIELDS <= LIST_FIELDS and mapping_spec.ITEM_FIELDS <= LIST_FIELDS
    assert {"cast", "runtimes", "notes"} <= LIST_FIELDS and not {"title", "year", "series", "ids"} & LIST_FIELDS


def test_no_vocabulary_iri_outside_terms():
    """schema.org and fg: IRIs are written once, in terms.py (and settings.py for the namespaces)."""
    written = re.compile(r"https://schema\.org/\w|https://w3id\.org/filmgraph/ontology#\w")
    found = [f"{path.relative_to(SRC)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
             if path.name not in ("terms.py", "settings.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if written.search(line)]
    assert not found, found
