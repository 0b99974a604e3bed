"""`filmgraph read`: every fact with its line and rule, warnings, refusals; JSON that follows the record schema.

The same facts come out of a press kit's PDF and DOCX versions (built here from the text, none
committed) as out of its text: for the press-kit corpus in ../shared/presskits (skipped when absent),
the records/ press kits and the fixture kits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import PRESSKITS, RECORDS, ROOT, run_cli
from kit_documents import build_docx, build_pdf, build_typeset_pdf, mono_font, sans_font

from filmgraph.errors import where
from filmgraph.read import facts
from filmgraph.readers import read_file

SCHEMA = json.loads((ROOT / "src" / "filmgraph" / "record.schema.json").read_text(encoding="utf-8"))
FIXTURE_KITS = [ROOT / "tests" / "fixtures" / "presskit" / n for n in ("chungking-express-1994.txt", "variants.txt")]
OWN_KITS = sorted(RECORDS.glob("*.txt")) + FIXTURE_KITS
PROVENANCE = ("source", "lines", "rules", "notes")

needs_font = pytest.mark.skipif(mono_font() is None or sans_font() is None,
                                reason="no DejaVu or Liberation TrueType fonts (Mono and Sans) on this machine")


def corpus_kits() -> list[Path]:
    if not PRESSKITS.is_dir():
        return []
    return sorted(p for p in PRESSKITS.iterdir() if p.suffix in (".txt", ".md") and p.name != "README.md")


def read_json(paths: list[Path]) -> tuple[dict[str, list[dict]], dict[str, str], int]:
    """One `read --format json` run: record documents and refusal lines by file, and the exit code."""
    result = run_cli("read", "--format", "json", *map(str, paths))
    assert "Traceback" not in result.err
    documents: dict[str, list[dict]] = {}
    for doc in json.loads(result.out):
        documents.setdefault(doc["source"]["path"], []).append(doc)
    refusals = {}
    for line in result.err.splitlines():
        if line.startswith("filmgraph: refused "):
            reason = line.removeprefix("filmgraph: refused ")
            refusals[next(str(p) for p in paths if reason.startswith(f"{p}:"))] = reason
    return documents, refusals, result.code


def stated(doc: dict) -> dict:
    """A record document without where its facts came from."""
    return {k: v for k, v in doc.items() if k not in PROVENANCE}


def refusal_reason(path: Path, reason: str) -> str:
    """A refusal without its file and line numbers (which differ between a text and its PDF)."""
    reason = reason.removeprefix(f"{path}")
    return re.sub(r"(page \d+, )?lines? \d+((, | and )\d+)*", "line #", reason.lstrip(":")).removeprefix("line #: ")


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict[str, list[Path]]:
    """Each kit as given, as a monospaced PDF, as a DOCX and as a PDF in a proportional face."""
    out = tmp_path_factory.mktemp("kits")
    kits = {}
    for kit in corpus_kits() + OWN_KITS:
        text = kit.read_text(encoding="utf-8")
        stem = f"{kit.parent.name}-{kit.stem}"
        kits[kit.name] = [kit, build_pdf(text, out / f"{stem}.pdf"),
                          build_docx(text, out / f"{stem}.docx", markdown=kit.suffix == ".md"),
                          build_typeset_pdf(text, out / f"{stem}-typeset.pdf")]
    return kits


@pytest.fixture(scope="module")
def readings(versions):
    return read_json([p for paths in versions.values() for p in paths])


@needs_font
@pytest.mark.parametrize("name", [k.name for k in OWN_KITS + corpus_kits()])
def test_pdf_and_docx_give_the_facts_the_text_gives(versions, readings, name):
    documents, refusals, _ = readings
    text, *others = versions[name]
    if str(text) in refusals:  # refused for what it says, so the other versions are refused alike
        assert str(text) not in documents
        expected = refusal_reason(text, refusals[str(text)])
        for version in others:
            assert str(version) in refusals, f"{version.name} was read but its text was refused: {expected}"
            assert refusal_reason(version, refusals[str(version)]) == expected
        return
    expected = [stated(d) for d in documents[str(text)]]
    assert expected and expected[0]["title"]
    for version in others:
        assert str(version) not in refusals, refusals.get(str(version))
        assert [stated(d) for d in documents[str(version)]] == expected, version.name


def test_corpus_present_or_skipped():
    if not corpus_kits():
        pytest.skip(f"press-kit corpus not found at {PRESSKITS} (only CI and developer machines have it)")
    assert len(corpus_kits()) == 16


@needs_font
def test_json_validates_against_the_record_schema(versions, readings):
    documents, _, _ = readings
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert documents
    for path, docs in documents.items():
        for doc in docs:
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
            assert not errors, f"{path}: {errors}"
    pdf = next(d for p, docs in documents.items() if p.endswith("chungking-express-1994.pdf") for d in docs)
    assert pdf["source"]["pages"] == [1] and pdf["lines"]["year"] == 1


def test_json_reads_back_as_the_same_record(tmp_path):
    out = run_cli("read", "--format", "json", str(RECORDS / "pusher-ii-2004.txt"))
    assert out.code == 0, out.err
    again = tmp_path / "pusher-ii.json"
    again.write_text(out.out, encoding="utf-8")
    back = run_cli("read", "--format", "json", str(again))
    assert back.code == 0, back.err
    assert [stated(d) for d in json.loads(back.out)] == [stated(d) for d in json.loads(out.out)]


def test_read_prints_every_fact_with_its_line(tmp_path):
    paths = OWN_KITS + corpus_kits() + [ROOT / "tests" / "fixtures" / "structured" / "every-field.yaml"]
    result = run_cli("read", *map(str, paths))
    assert result.code == 0, result.err
    blocks = dict(re.findall(r"^(\S.*?): \d+ records?.*\n((?:  .*\n?)*)", result.out, re.M))
    assert set(blocks) == {str(p) for p in paths}
    for path in paths:
        for record in read_file(str(path)).records:
            for fact in facts(record):
                assert fact.line, f"{path}: {fact.path} has no line"
                shown = re.compile(rf"^  {re.escape(where(fact.line, record.source.pages))} +"
                                   rf"{re.escape(fact.path)} +{re.escape(fact.value)}(   \[.*\])?$", re.M)
                assert shown.search(blocks[str(path)]), f"{path}: {fact.path} = {fact.value} not shown"


@needs_font
def test_read_cites_page_and_line_and_the_rule(tmp_path, monkeypatch):
    kit = FIXTURE_KITS[0].read_text(encoding="utf-8").replace("Running time: 102 mins", "Running time: 102 mins\nCatering: Harbour Foods")
    pdf = build_pdf(kit, tmp_path / "kit.pdf", lines_per_page=6)
    result = run_cli("read", str(pdf))
    assert result.code == 0, result.err
    assert re.search(r"^  page 2, line 1 +runtimes\[0\] +minutes: 102(   \[.+\])?$", result.out, re.M)
    assert f"  warning: {pdf}:page 2, line 2: could not place 'Catering: Harbour Foods'; kept as a note" in result.out
    record = read_file(str(pdf)).records[0]
    record.rules["year"] = "header: Year label"
    from filmgraph.read import FileReading, text_report

    report = text_report(FileReading(str(pdf), [record]))
    assert any(re.fullmatch(r"  page 1, line 1 +year +1994   \[header: Year label\]", line) for line in report), report


def test_refusals_and_exit_codes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    store = tmp_path / "store"
    result = run_cli("read", str(RECORDS / "pusher-1996.txt"), str(empty), env={"FILMGRAPH_STORE": str(store)})
    assert result.code == 2
    assert result.err == f"filmgraph: refused {empty}: empty file, not a press kit\n"
    assert f"{empty}: refused, nothing read" in result.out and "records/pusher-1996.txt: 1 record" in result.out
    assert not store.exists(), "read touches no store"
    rows = run_cli("read", str(ROOT / "tests" / "fixtures" / "structured" / "bad-rows.csv"))
    assert rows.code == 1
    assert "1 row refused (see standard error)" in rows.out
    assert rows.err.count("filmgraph: refused ") == 3 and "row 3, column 'year'" in rows.err


def test_folders_are_walked_and_readmes_skipped(tmp_path):
    (tmp_path / "README.md").write_text("# About these kits\n")
    (tmp_path / "pusher.txt").write_text((RECORDS / "pusher-1996.txt").read_text(encoding="utf-8"))
    result = run_cli("read", str(tmp_path))
    assert result.code == 0, result.err
    assert result.out.startswith(f"{tmp_path / 'pusher.txt'}: 1 record") and "README" not in result.out


def test_help_has_examples():
    result = run_cli("read", "--help")
    assert result.code == 0
    assert "filmgraph read new/pans-labyrinth.pdf" in result.out and "exit codes" in result.out


def test_read_takes_a_column_mapping():
    structured = ROOT / "tests" / "fixtures" / "structured"
    result = run_cli("read", "--map", str(structured / "mappings" / "spreadsheet.yaml"), str(structured / "spreadsheet.csv"))
    assert result.code == 1  # a row is refused
    assert "  record row 2: Harbour Nights (2001)" in result.out
    assert re.search(r"^  line 2 +releases\[0\] +territory: US, medium: cinema, date: 2001-09-28$", result.out, re.M)
    assert "row 4, column 'Released'" in result.err
