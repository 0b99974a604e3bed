"""The Rust `shacl` engine may stand in for pySHACL only while both give the same report on every
shape fixture: same results, severities, focus nodes, paths, values, messages, shapes, components."""

from __future__ import annotations

import pytest

pytest.importorskip("shacl", reason="the Rust engine has no wheel for this platform (filmgraph uses pySHACL here)")

from test_shapes_fixtures import FIXTURES, RULES, views_of  # noqa: E402
from filmgraph.mapping import map_record  # noqa: E402
from filmgraph.readers import read_file  # noqa: E402
from filmgraph.store.embedded import EmbeddedStore  # noqa: E402
from filmgraph.validate import neighbourhood, validate_views  # noqa: E402

STAMP = "2026-01-01T00:00:00Z"


def results(folder, which, tmp_path, engine):
    views = views_of(next(folder.glob(f"{which}.*")))
    context: list = []
    if (folder / "store").is_dir():
        with EmbeddedStore(str(tmp_path / f"store-{which}-{engine}"), write=True) as store:
            store.replace_graphs(map_record(r, STAMP) for f in sorted((folder / "store").glob("*.json"))
                                 for r in read_file(str(f)).records)
            context = neighbourhood(store, views)
    report = validate_views(views, context, engine=engine)
    return sorted((p.severity, p.focus, p.path, str(p.value) if p.value is not None else None, p.message, p.shape,
                   p.constraint, p.field, p.line) for p in report.problems)


@pytest.mark.parametrize("which", ["pass", "fail"])
@pytest.mark.parametrize("rule", RULES)
def test_rust_engine_gives_the_same_report(rule, which, tmp_path):
    folder = FIXTURES / rule
    assert results(folder, which, tmp_path, "rust") == results(folder, which, tmp_path, "pyshacl")


def test_rust_engine_agrees_on_the_sample_records():
    from conftest import RECORDS
    from filmgraph.validate import validate_paths

    def problems(engine):
        report, _, _ = validate_paths([str(RECORDS)], engine=engine)
        return sorted((p.severity, p.focus, p.path, str(p.value), p.message, p.field, p.line) for p in report.problems)

    assert problems("rust") == problems("pyshacl")
