"""Validation end to end: the shapes themselves, the sample records, ingest refusing broken records
with the store unchanged, `filmgraph validate` formats and exit codes, and incremental context."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
import rdflib

from filmgraph.mapping import map_record
from filmgraph.record import CastMember, FilmRecord, SeriesRef, Source
from filmgraph.store.embedded import EmbeddedStore
from filmgraph.validate import validate_paths
from filmgraph.validation import RecordView, choose_engine, neighbourhood, shapes_graph, validate_batch

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
PRESSKIT = ROOT / "tests" / "fixtures" / "presskit"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
STAMP = "2026-01-01T00:00:00Z"


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` containing `text` (sample records change)."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def export(cli, store: Path) -> str:
    result = cli("export", "--store", str(store), "--format", "nquads")
    assert result.code == 0, result.err
    return result.out


def write_json(path: Path, **record) -> Path:
    path.write_text(json.dumps({"directors": ["Nicolas Winding Refn"], "cast": ["Mads Mikkelsen=Tonny"], **record}))
    return path


def test_shapes_conform_to_shacl_for_shacl():
    """The W3C SHACL-for-SHACL shapes, from the copy pySHACL ships (nothing fetched)."""
    import pyshacl

    meta = rdflib.Graph().parse(str(files("pyshacl") / "assets" / "shacl-shacl.ttl"), format="turtle")
    conforms, _graph, text = pyshacl.validate(shapes_graph(), shacl_graph=meta)
    assert conforms, text


def test_sample_records_conform():
    found = validate_paths([str(RECORDS)])
    report, unreadable, refused = found.report, found.unreadable, found.refused_rows
    assert not unreadable and not refused
    assert len(report.records) == len(list(RECORDS.glob("*.txt"))) + len(list(RECORDS.glob("*.json")))
    assert report.conforms
    assert report.counts()["Warning"] == 0


def test_problems_carry_record_field_and_line(tmp_path):
    kit = tmp_path / "pusher-ii-2004.txt"
    seed = (RECORDS / "pusher-ii-2004.txt").read_text(encoding="utf-8")
    kit.write_text(seed.replace("Certificate: 18", "Certificate: 19"), encoding="utf-8")
    report = validate_paths([str(kit)]).report
    (problem,) = [p for p in report.problems if p.severity == "Violation"]
    assert (problem.field, problem.line, problem.shown) == ("certificates[0]", line_of(kit, "Certificate: 19"), '"19"')
    assert problem.about == "film Pusher II: With Blood on My Hands (2004)"
    assert problem.message == "19 is not a certificate the BBFC issues"


def test_a_role_problem_points_at_its_cast_line():
    record = FilmRecord("Dup", Source("dup.json", "json"), year=2001, directors=["A B"],
                        cast=[CastMember("Bo Actor", 1, "Hero"), CastMember("Bo Actor", 2, "Villain")],
                        lines={"title": 1, "cast": 3, "cast[1]": 5})
    report = validate_batch([map_record(record, STAMP)])
    (problem,) = report.problems
    assert (problem.severity, problem.shown, problem.field, problem.line) == ("Warning", "Bo Actor", "cast", 3)


@pytest.mark.parametrize("case", ["certificate-19", "sequel-older", "duplicate-position"])
def test_ingest_refuses_a_nonconforming_record_and_leaves_the_store_unchanged(case, cli, store_copy, tmp_path):
    if case == "certificate-19":
        path = tmp_path / "pusher-ii-2004.txt"
        path.write_text((RECORDS / "pusher-ii-2004.txt").read_text(encoding="utf-8")
                        .replace("Certificate: 18", "Certificate: 19"), encoding="utf-8")
        line = line_of(path, "Certificate: 19")
        expect = f"19 is not a certificate the BBFC issues (value \"19\")  [{path}:{line}]"
    elif case == "sequel-older":
        path = write_json(tmp_path / "pusher-iv.json", title="Pusher IV", year=2000,
                          series={"name": "Pusher", "position": 4})
        expect = "is at position 4 of its series but Pusher III: I'm the Angel of Death (2005) is at position 3"
    else:
        path = write_json(tmp_path / "pusher-4.json", title="Pusher 4", year=2008,
                          series={"name": "Pusher", "position": 3})
        expect = "position 3 in the series is also held by Pusher III: I'm the Angel of Death"
    before = export(cli, store_copy)
    result = cli("ingest", "--store", str(store_copy), str(path))
    assert result.code == 1, result.err
    assert f"refused {path}" in result.err and "does not conform" in result.err
    assert expect in result.err
    assert "Traceback" not in result.err
    assert export(cli, store_copy) == before


@pytest.mark.parametrize("name, message", [("bad-date.txt", "impossible date '31 February 2006'"),
                                           ("bad-runtime.txt", "runtime 'ninety-six mins' is not a number of minutes")])
def test_unreadable_values_are_reported_by_ingest_and_validate(name, message, cli, store_copy):
    path = PRESSKIT / name
    before = export(cli, store_copy)
    ingested = cli("ingest", "--store", str(store_copy), str(path))
    checked = cli("validate", "--store", str(store_copy), str(path))
    for result in (ingested, checked):
        assert result.code == 2
        assert f"{path}:3: {message}" in result.err
        assert "Traceback" not in result.err
    assert export(cli, store_copy) == before


def test_the_first_film_of_a_series_may_arrive_alone(cli, tmp_path):
    """Pusher III before Pusher and Pusher II: a gap is an info, not a refusal."""
    path = write_json(tmp_path / "pusher-iii.json", title="Pusher III", year=2005,
                      series={"name": "Pusher", "position": 3})
    store = tmp_path / "store"
    result = cli("ingest", "--store", str(store), str(path))
    assert result.code == 0, result.err
    checked = cli("validate", "--store", str(store))
    assert checked.code == 0
    assert "Info      no film at position 2 of this series is known yet" in checked.out


def test_warnings_print_and_the_record_lands(cli, tmp_path):
    path = write_json(tmp_path / "short.json", title="Short", year=2001, runtimes=30)
    store = tmp_path / "store"
    result = cli("ingest", "--store", str(store), str(path))
    assert result.code == 0, result.err
    assert "warning:" in result.err and "under 40 or over 400 minutes" in result.err
    assert "1 added" in result.out


def test_validate_paths_writes_nothing_and_exits_1_on_violations(cli, store_copy, tmp_path):
    path = write_json(tmp_path / "pusher-4.json", title="Pusher 4", year=2008, series={"name": "Pusher", "position": 3})
    before = export(cli, store_copy)
    result = cli("validate", "--store", str(store_copy), str(path))
    assert result.code == 1
    assert "Pusher 4 (2008): does not conform" in result.out
    assert export(cli, store_copy) == before


def test_validate_turtle_is_a_shacl_validation_report(cli, tmp_path):
    path = write_json(tmp_path / "bad.json", title="Bad", year=2001, certificates=[{"territory": "GB", "value": "19"}])
    result = cli("validate", "--store", str(tmp_path / "none"), "--format", "turtle", str(path))
    assert result.code == 1
    graph = rdflib.Graph().parse(data=result.out, format="turtle")
    (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == rdflib.Literal(False)
    (result_node,) = graph.objects(report, SH.result)
    assert graph.value(result_node, SH.resultSeverity) == SH.Violation
    assert str(graph.value(result_node, SH.focusNode)).endswith("/film/bad-2001/rating/GB")


def test_validate_json_follows_the_documented_schema(cli, tmp_path):
    path = write_json(tmp_path / "bad.json", title="Bad", year=2001, certificates=[{"territory": "GB", "value": "19"}])
    result = cli("validate", "--store", str(tmp_path / "none"), "--format", "json", str(path))
    assert result.code == 1
    data = json.loads(result.out)
    assert data["conforms"] is False and data["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    (record,) = data["records"]
    assert record["source"] == str(path) and record["conforms"] is False
    (problem,) = record["results"]
    assert problem == {
        "severity": "Violation", "message": "19 is not a certificate the BBFC issues", "about": "film Bad (2001)",
        "focus": "https://w3id.org/filmgraph/id/film/bad-2001/rating/GB", "path": "https://schema.org/ratingValue",
        "value": "19", "shown": '"19"', "field": "certificates[0]", "line": 1,
        "shape": "https://w3id.org/filmgraph/shapes#CertificateScheme",
        "constraint": "SPARQLConstraintComponent",
    }


def test_whole_store_lines_come_from_the_stored_graphs(cli, sample_store, tmp_path):
    result = cli("validate", "--store", str(sample_store))
    assert result.code == 0, result.err
    seed = RECORDS / "pusher-ii-2004.txt"
    assert f"[{seed}:{line_of(seed, 'DVD Release Date: tbc')}]" in result.out
    gone = write_json(tmp_path / "gone.json", title="Gone", year=2001, releases=[{"territory": "GB", "date": None}])
    store = tmp_path / "store"
    assert cli("ingest", "--store", str(store), str(gone)).code == 0
    gone.unlink()
    result = cli("validate", "--store", str(store))
    assert result.code == 0
    assert f"[{gone}:1]" in result.out  # the graph keeps its lines (fg:sourceLines): no file needed


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("validate", "--store", str(tmp_path / "missing")).code == 2
    assert cli("validate", "--format", "xml", "records").code == 2


def _film(n: int, series: str, position: int, year: int) -> FilmRecord:
    return FilmRecord(f"Film {n}", Source(f"f{n}.json", "json"), year=year, directors=["D"],
                      cast=[CastMember("A", 1)], series=SeriesRef(series, position))


def test_context_is_the_neighbourhood_not_the_store(tmp_path):
    """Only the members of the series the batch touches come from the store, without their types."""
    with EmbeddedStore(str(tmp_path / "store"), write=True) as store:
        store.replace_graphs(map_record(_film(i, f"Saga {i // 3}", i % 3 + 1, 1990 + i % 3), STAMP) for i in range(60))
        batch = [map_record(_film(100, "Saga 7", 4, 1995), STAMP)]
        context = neighbourhood(store, [RecordView.of(m) for m in batch])
        assert {t.subject.value.rsplit("/", 1)[-1] for t in context} == {"film-21-1990", "film-22-1991", "film-23-1992"}
        assert not any(t.predicate.value.endswith("#type") for t in context)
        report = validate_batch(batch, store)
    assert report.conforms and [(p.severity, p.message) for p in report.problems] == []


@pytest.mark.parametrize("engine", ["pyshacl", "rust"])
def test_either_engine_refuses_the_same_way(cli, store_copy, tmp_path, engine):
    if engine == "rust":
        pytest.importorskip("shacl")
    path = write_json(tmp_path / "pusher-4.json", title="Pusher 4", year=2008, series={"name": "Pusher", "position": 3})
    result = cli("ingest", "--store", str(store_copy), str(path), env={"FILMGRAPH_SHACL_ENGINE": engine})
    assert result.code == 1
    assert "position 3 in the series is also held by Pusher III: I'm the Angel of Death" in result.err
    assert cli("validate", "records", env={"FILMGRAPH_SHACL_ENGINE": "jena"}).code == 2


def test_the_default_engine_is_rust_where_installed_else_pyshacl(monkeypatch):
    from filmgraph.settings import Settings

    monkeypatch.delenv("FILMGRAPH_SHACL_ENGINE", raising=False)
    assert choose_engine(Settings().shacl_engine, rust_installed=False) == "pyshacl"
    assert choose_engine(Settings().shacl_engine, rust_installed=True) == "rust"
    monkeypatch.setenv("FILMGRAPH_SHACL_ENGINE", "pyshacl")
    assert choose_engine(Settings().shacl_engine, rust_installed=True) == "pyshacl"


def test_the_same_film_twice_in_a_batch_is_validated_as_two_writes():
    """Two rows for one named graph: validated in turn, as ingest writes them, not as one graph."""
    first = FilmRecord("Twice", Source("a.csv", "csv", row=2), year=2001, directors=["D"], cast=[CastMember("A", 1)])
    second = FilmRecord("Twice", Source("a.csv", "csv", row=3), year=2001, directors=["D"], cast=[CastMember("B", 1)])
    report = validate_batch([map_record(first, STAMP), map_record(second, STAMP)])
    assert report.conforms and report.problems == []
    assert [rr.view.row for rr in report.records] == [2, 3]
    graph = report.graph
    assert len(list(graph.subjects(rdflib.RDF.type, SH.ValidationReport))) == 1


def test_whole_store_validation_finds_what_no_validate_let_in(cli, tmp_path):
    kit = tmp_path / "pusher-ii-2004.txt"
    kit.write_text((RECORDS / "pusher-ii-2004.txt").read_text(encoding="utf-8")
                   .replace("Certificate: 18", "Certificate: 19"), encoding="utf-8")
    store = tmp_path / "store"
    assert cli("ingest", "--no-validate", "--store", str(store), str(kit)).code == 0
    result = cli("validate", "--store", str(store))
    assert result.code == 1
    line = line_of(kit, "Certificate: 19")
    assert f"19 is not a certificate the BBFC issues (value \"19\")  [{kit}:{line}]" in result.out
    assert "1 record: 1 does not conform" in result.out


@pytest.mark.parametrize("engine", ["pyshacl", "rust"])
def test_the_report_graph_is_built_only_when_asked_for(engine):
    """Ingest reads results, never the report graph; `--format turtle` asks for it and gets it."""
    if engine == "rust":
        pytest.importorskip("shacl")
    record = FilmRecord("Bare", Source("a.csv", "csv", row=2), year=2001)
    report = validate_batch([map_record(record, STAMP)], engine=engine)
    assert report.problems, "a record without a cast or director has something to report"
    if engine == "rust":
        assert callable(report.report_graph)
    graph = report.graph
    assert not callable(report.report_graph)
    results = list(graph.subjects(rdflib.RDF.type, SH.ValidationResult))
    assert len(results) == len(report.problems)
