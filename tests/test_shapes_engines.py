"""The Rust `shacl` engine may stand in for pySHACL only while both give the same report on every
shape fixture: same results, severities, focus nodes, paths, values, messages, shapes, components."""

from __future__ import annotations

import pytest

pytest.importorskip("shacl", reason="the Rust engine has no wheel for this platform (filmgraph uses pySHACL here)")

from test_shapes_fixtures import FIXTURES, RULES, fixture_report  # noqa: E402


def results(folder, which, tmp_path, engine):
    report = fixture_report(folder, which, tmp_path, engine)
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
        report = validate_paths([str(RECORDS)], engine=engine).report
        return sorted((p.severity, p.focus, p.path, str(p.value), p.message, p.field, p.line) for p in report.problems)

    assert problems("rust") == problems("pyshacl")
