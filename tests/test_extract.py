"""Text extraction (readers/text.py): PDF and DOCX press kits built here from text give that text back.

PDF: rows stay whole, tab columns come back as space columns, soft wraps are joined, pages cited as
page + line. DOCX: paragraphs as lines, headings as `#` lines, tables as tab-separated rows. Hostile
files (encrypted, broken, not a zip, too large, too many pages) are refused in one line naming the file.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import RECORDS, ROOT, run_cli
from kit_documents import build_docx, build_pdf, build_typeset_pdf, mono_font, sans_font

from filmgraph.errors import InputError
from filmgraph.readers import read_file, text
from filmgraph.readers.text import extract_text

pytestmark = pytest.mark.skipif(mono_font() is None, reason="no monospaced TrueType font (DejaVu or Liberation Mono)")

KIT = ROOT / "tests" / "fixtures" / "presskit" / "chungking-express-1994.txt"

PROSE = ("In the second a uniformed policeman known only by his number, 663 (Tony Leung Chiu-wai), is left by "
         "his air hostess girlfriend (Valerie Chow), and Faye (Faye Wong), who works at the snack bar, begins to "
         "let herself into his flat while he is on duty, rearranging it a little more every day.")


def extracted(path):
    return extract_text(str(path), path.read_bytes())


def test_pdf_gives_the_text_back_line_for_line(tmp_path):
    source = KIT.read_text(encoding="utf-8")
    pdf = extracted(build_pdf(source, tmp_path / "kit.pdf"))
    assert pdf.kind == "pdf"
    assert pdf.text.split("\n") == source.rstrip("\n").split("\n")  # prose paragraphs wrapped, then joined
    assert pdf.pages == [1]


@pytest.mark.skipif(sans_font() is None, reason="no proportional TrueType font (DejaVu or Liberation Sans)")
def test_pdf_in_a_proportional_face_gives_the_text_back(tmp_path):
    source = KIT.read_text(encoding="utf-8").replace("\n\nWong", "\n\nCast, in order of appearance\nWong")
    pdf = extracted(build_typeset_pdf(source, tmp_path / "kit.pdf"))
    assert pdf.text.split("\n") == source.rstrip("\n").split("\n")


def test_pdf_keeps_rows_whole_and_columns_apart(tmp_path):
    rows = ["CAST", "", "Claudia Cardinale\tJill McBain", "Henry Fonda\tFrank", "Jason Robards\tCheyenne", "",
            "Actor .......... Character", "Zhang Ziyi ..... Jen Yu 玉嬌龍", "", PROSE]
    pdf = extracted(build_pdf("\n".join(rows), tmp_path / "cols.pdf"))
    lines = pdf.text.split("\n")
    assert lines[:2] == ["CAST", ""]
    cells = [line.split("  ") for line in lines[2:5]]
    assert [(c[0], c[-1].strip()) for c in cells] == [("Claudia Cardinale", "Jill McBain"), ("Henry Fonda", "Frank"),
                                                     ("Jason Robards", "Cheyenne")]
    starts = {line.index(c[-1].strip()) for line, c in zip(lines[2:5], cells)}
    assert len(starts) == 1, "the character column starts at one position"
    assert lines[6:] == ["Actor .......... Character", "Zhang Ziyi ..... Jen Yu 玉嬌龍", "", PROSE]


def test_pdf_running_headers_and_footers_are_dropped(tmp_path):
    source = KIT.read_text(encoding="utf-8")
    pdf = extracted(build_pdf(source, tmp_path / "kit.pdf", lines_per_page=8, furniture="CHUNGKING EXPRESS  Press notes"))
    assert len(pdf.pages) >= 3
    assert pdf.text.split("\n") == source.rstrip("\n").split("\n")


def test_pdf_pages_cite_page_and_line(tmp_path):
    body = "\n".join(f"Line {i:02d} of the kit." for i in range(1, 13))
    pdf = extracted(build_pdf(body, tmp_path / "paged.pdf", lines_per_page=5))
    assert pdf.pages == [1, 7, 13]  # a blank line between pages
    lines = pdf.text.split("\n")
    assert lines[6] == "Line 06 of the kit."
    assert pdf.where(7) == "page 2, line 1"
    assert pdf.where(lines.index("Line 12 of the kit.") + 1) == "page 3, line 2"


def test_pdf_warnings_and_refusals_cite_page_and_line(tmp_path):
    kit = KIT.read_text(encoding="utf-8").replace("Running time: 102 mins", "Running time: 102 mins\nCatering: Harbour Foods")
    result = read_file(str(build_pdf(kit, tmp_path / "kit.pdf", lines_per_page=6)))
    assert [str(w) for w in result.warnings] == [f"{tmp_path / 'kit.pdf'}:page 2, line 2: could not place "
                                                 "'Catering: Harbour Foods'; kept as a note"]
    assert result.records[0].source.pages == [1, 7, 11, 13]
    broken = kit.replace("Year: 1994", "Year: 1994\nYear: 1995")
    with pytest.raises(InputError) as e:
        read_file(str(build_pdf(broken, tmp_path / "twice.pdf", lines_per_page=6)))
    assert str(e.value).startswith(f"{tmp_path / 'twice.pdf'}:page 1, line 2: duplicate 'Year' label")


def test_docx_paragraphs_headings_lists_and_tables(tmp_path):
    md = ("# Pan's Labyrinth\n\n**Director:** Guillermo del Toro\n\n## Cast\n\n| Actor | Role |\n|---|---|\n"
          "| Ivana Baquero | Ofelia |\n| Sergi López | Captain Vidal |\n\n- **UK:** 15\n\nBaquero\tOfelia")
    docx = extracted(build_docx(md, tmp_path / "kit.docx", markdown=True))
    assert docx.kind == "docx" and docx.pages is None
    assert docx.text.split("\n") == ["# Pan's Labyrinth", "", "**Director:** Guillermo del Toro", "", "## Cast", "",
                                     "| Actor | Role |", "| --- | --- |", "| Ivana Baquero | Ofelia |",
                                     "| Sergi López | Captain Vidal |", "",
                                     "- **UK:** 15", "", "Baquero\tOfelia"]
    assert docx.markdown


def test_docx_merged_cells_count_once(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "CAST"
    for c, value in enumerate(("Ivana Baquero", "Ofelia", "lead")):
        table.cell(1, c).text = value
    document.save(tmp_path / "merged.docx")
    assert extracted(tmp_path / "merged.docx").text.split("\n") == ["CAST", "Ivana Baquero\tOfelia\tlead"]


# ---- hostile input ------------------------------------------------------------------------------

def _encrypted(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = build_pdf(KIT.read_text(encoding="utf-8"), tmp_path / "plain.pdf")
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    return tmp_path / "locked.pdf"


def _zip(tmp_path, name, members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    (tmp_path / name).write_bytes(buf.getvalue())
    return tmp_path / name


HOSTILE = {
    "encrypted.pdf": (_encrypted, "encrypted PDF: save it without a password first"),
    "truncated.pdf": (lambda t: _write(t, "truncated.pdf", build_pdf(KIT.read_text(), t / "x.pdf").read_bytes()[:900]),
                      "not a readable PDF"),
    "notpdf.pdf": (lambda t: _write(t, "notpdf.pdf", b"Year: 1994\n"), "not a PDF file (no %PDF- header)"),
    "blank.pdf": (lambda t: build_pdf("", t / "blank.pdf"), "no text in this PDF (scanned pages need OCR first)"),
    "notzip.docx": (lambda t: _write(t, "notzip.docx", b"Year: 1994\n"), "not a DOCX file (not a zip archive)"),
    "nodoc.docx": (lambda t: _zip(t, "nodoc.docx", {"word/other.xml": "<x/>"}), "not a DOCX file (no word/document.xml"),
    "badxml.docx": (lambda t: _zip(t, "badxml.docx", {"[Content_Types].xml": "<Types", "word/document.xml": "<w:"}),
                    "not a readable DOCX"),
}


def _write(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    return tmp_path / name


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_in_one_line(tmp_path, name):
    make, message = HOSTILE[name]
    path = make(tmp_path)
    with pytest.raises(InputError) as e:
        extracted(path)
    assert str(e.value).startswith(f"{path}: {message}") and "\n" not in str(e.value)


def test_read_refuses_hostile_files_without_a_traceback(tmp_path):
    paths = [make(tmp_path) for make, _ in HOSTILE.values()]
    result = run_cli("read", str(KIT), *map(str, paths))
    assert result.code == 2 and "Traceback" not in result.err
    refusals = result.err.splitlines()
    assert len(refusals) == len(paths)
    for path, line, (_, message) in zip(paths, refusals, HOSTILE.values()):
        assert line.startswith(f"filmgraph: refused {path}: {message}")
    assert f"{KIT}: 1 record" in result.out


def test_size_and_page_limits(tmp_path, monkeypatch):
    pdf = build_pdf("\n".join(f"Line {i}" for i in range(30)), tmp_path / "long.pdf", lines_per_page=10)
    monkeypatch.setattr(text, "MAX_PAGES", 2)
    with pytest.raises(InputError, match=r"long\.pdf: PDF of 3 pages; at most 2 are read"):
        extracted(pdf)
    monkeypatch.setattr(text, "MAX_PAGES", 400)
    monkeypatch.setattr(text, "MAX_BYTES", 100)
    with pytest.raises(InputError, match=rf"long\.pdf: file of {pdf.stat().st_size} bytes is larger than the 100 bytes"):
        extracted(pdf)
    monkeypatch.setattr(text, "MAX_BYTES", 10**8)
    monkeypatch.setattr(text, "MAX_TEXT", 50)
    with pytest.raises(InputError, match=r"more than 50 characters of text"):
        extracted(pdf)
    docx = build_docx("x" * 100, tmp_path / "big.docx")
    with pytest.raises(InputError, match=r"big\.docx: more than 50 characters of text"):
        extracted(docx)
    monkeypatch.setattr(text, "MAX_BYTES", docx.stat().st_size)  # a zip bomb: small file, large XML
    with pytest.raises(InputError, match=r"big\.docx: DOCX unzips to more than a press kit holds"):
        extracted(docx)


def test_refusal_keeps_its_pages_across_processes():
    import pickle

    e = InputError("duplicate 'Year' label", path="kit.pdf", line=9, pages=[1, 8])
    again = pickle.loads(pickle.dumps(e))
    assert str(again) == str(e) == "kit.pdf:page 2, line 2: duplicate 'Year' label"


def test_a_pdf_kit_lands_in_the_store_like_its_text(tmp_path):
    """Through mapping and SHACL validation: the PDF's record graph is the text's, provenance aside."""
    kit = RECORDS / "pusher-1996.txt"
    pdf = build_pdf(kit.read_text(encoding="utf-8"), tmp_path / "pusher-1996.pdf")
    dumps = []
    for source in (kit, pdf):
        store = tmp_path / f"store-{source.suffix[1:]}"
        result = run_cli("ingest", "--store", str(store), str(source))
        assert result.code == 0, result.err
        assert "1 records from 1 files: 1 added" in result.out
        out = run_cli("export", "--store", str(store), "--format", "nquads")
        provenance = ("/id/source/", "#contentHash", "#sourceLines", "prov#")  # where, when, which lines; the hash
        dumps.append({line for line in out.out.splitlines() if not any(p in line for p in provenance)})
    assert dumps[0] == dumps[1]


def test_docx_table_with_a_bold_first_row_keeps_it_as_a_header(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    for r, (actor, role) in enumerate((("Actor", "Character"), ("Henry Fonda", "Frank"), ("Jack | Elam", "Snaky"))):
        table.cell(r, 0).paragraphs[0].add_run(actor).bold = r == 0
        table.cell(r, 1).paragraphs[0].add_run(role).bold = r == 0
    document.save(tmp_path / "header.docx")
    assert extracted(tmp_path / "header.docx").text.split("\n") == [
        "| Actor | Character |", "| --- | --- |", "| Henry Fonda | Frank |", "| Jack \\| Elam | Snaky |"]


def test_pdf_joins_an_indented_list_item_s_hanging_lines(tmp_path):
    source = f"Awards\n\n   - {PROSE}\n   - Hong Kong Film Awards 1995 – Best Picture\n   • {PROSE}"
    pdf = extracted(build_pdf(source, tmp_path / "list.pdf"))
    assert pdf.text.split("\n") == source.split("\n")
