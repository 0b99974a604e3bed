"""Text extraction: a press-kit file (plain text, Markdown, PDF, DOCX) to lines of text.

Every later stage (sections, header fields, lists, prose) reads `ExtractedText.text` and cites
line numbers in it; `pages` turns a line number back into a page for paged formats. PDF text comes
from pypdf's layout mode (rows kept whole, column gaps kept as spaces, blank lines where the page
has vertical space, wrapped lines joined); DOCX from python-docx (headings as Markdown `#` lines,
list items as `- ` lines, emphasis as `*`/`**`, Word tables as rows of tab-separated cells).
Hostile files are bounded by the limits below. docs/records.md says what is kept, joined and dropped.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from filmgraph.errors import InputError, where
from filmgraph.settings import Limits

MAX_BYTES = 64 * 1024 * 1024
"""Largest PDF or DOCX file read; press kits with pictures run to a few megabytes."""
MAX_PAGES = 400
"""Most pages read from one PDF."""
MAX_TEXT = 4 * 1024 * 1024
"""Most characters of text taken from one file (a DOCX's unzipped XML is held to 16 times this)."""

MIN_MEASURE = 50
"""Narrowest text column (in characters) in which lines are taken to be wrapped by the typesetter."""
MEASURE_SLACK = 0.12
"""Share of the column by which a proportional face's line lengths, counted in characters, vary."""

_GAP = re.compile(r"\S {3,}\S")
# A line that is an entry of its own: `Label:` (`Label :` in French), `Label — value`, a dotted leader,
# a bullet, a heading, a table row or border.
_ENTRY = re.compile(r"^\s*(?:[*_]{0,2}[^\W\d_a-z][^\s:]*(?: [^\s:]+){0,5} ?:(?:\s|$)"
                    r"|[^\W\d_a-z][^—–:]{0,40}\s[—–]\s|.*\.{4,}|.*…{2,}"
                    r"|[-*+•·]\s|#|[|+┌├└│╔╠╚║]|\d+[.)]\s)")
_BULLET = re.compile(r"(?P<indent>\s*)[-*+•·]\s+")
_MD_HEADING = re.compile(r"^#{1,6} \S", re.M)
_MD_MARK = re.compile(r"\*\*\S[^*\n]*\*\*|(?<![*\w])\*\S[^*\n]*\*(?![*\w])|^\|?\s*:?-{3,}:?\s*\||^#{2,6} \S", re.M)
# A line that ends a sentence or an entry.
_ENDS = tuple(".!?:;\"'»”)")


@dataclass(slots=True)
class ExtractedText:
    """The text of one file, `\\n`-separated; `pages` holds the first line of each page (paged formats)."""

    text: str
    kind: str
    pages: list[int] | None = None

    @property
    def markdown(self) -> bool:
        """Read as Markdown: a .md file, or a PDF or DOCX whose text has Markdown's structure (a DOCX's
        Word headings and emphasis come out as `#` lines and `*`/`**` runs)."""
        if self.kind == "markdown":
            return True
        return self.kind in ("pdf", "docx") and bool(_MD_HEADING.search(self.text) and _MD_MARK.search(self.text))

    def where(self, line: int) -> str:
        """`line 12`, or `page 2, line 5` for a paged source."""
        return where(line, self.pages)


def extract_text(path: str, data: bytes, limits: Limits | None = None) -> ExtractedText:
    """The file's text by its extension; `InputError` (one line, naming the file) for a file that holds none."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".pdf":
        return bounded(path, _pdf(path, _bounded(path, data)), limits)
    if ext == ".docx":
        return bounded(path, _docx(path, _bounded(path, data)), limits)
    kind = "markdown" if ext in (".md", ".markdown") else "text"
    return bounded(path, ExtractedText(decode(path, data), kind), limits)


def bounded(path: str, extracted: ExtractedText, limits: Limits | None = None) -> ExtractedText:
    """The text, if within `Limits.lines` lines of at most `Limits.line_chars` characters: what a
    press kit holds, while a machine-made file past them would cost the grammar time and memory
    out of all proportion (a 100,000-name cast list, a 30,000-space run)."""
    limits = limits or Limits()
    text = extracted.text
    lines = text.count("\n") + 1
    if lines > limits.lines:
        raise InputError(f"{lines} lines is more than a press kit may hold ({limits.lines}, "
                         "FILMGRAPH_MAX_LINES); give a long list as CSV", path=path)
    lengths = [len(line) for line in text.split("\n")]
    if max(lengths) > limits.line_chars:
        number = next(i for i, n in enumerate(lengths, 1) if n > limits.line_chars)
        raise InputError(f"a line of {lengths[number - 1]} characters is more than a press kit line may hold "
                         f"({limits.line_chars}, FILMGRAPH_MAX_LINE_CHARS)", path=path, line=number)
    return extracted


@contextmanager
def cite_pages(extracted: ExtractedText, warnings: list) -> Iterator[None]:
    """Make the warnings and the refusal raised inside cite page and line when the source is paged."""
    try:
        yield
    except InputError as e:
        e.pages = extracted.pages
        raise
    finally:
        for warning in warnings:
            if getattr(warning, "pages", None) is None and hasattr(warning, "pages"):
                warning.pages = extracted.pages


def decode(path: str, data: bytes) -> str:
    """UTF-8 first (BOM stripped), then cp1252 so Latin-1 kits keep their letters; NFC, `\\n` endings."""
    if b"\x00" in data:
        raise InputError("binary file, not a press kit", path=path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if not text.strip():
        raise InputError("empty file, not a press kit", path=path)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _bounded(path: str, data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise InputError(f"file of {_size(len(data))} is larger than the {_size(MAX_BYTES)} read", path=path)
    return data


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


def _finish(path: str, lines: list[str], kind: str, pages: list[int] | None = None) -> ExtractedText:
    text = unicodedata.normalize("NFC", "\n".join(lines))
    if not text.strip():
        raise InputError(f"no text in this {kind.upper()} (scanned pages need OCR first)", path=path)
    return ExtractedText(text, kind, pages)


# ---- PDF ------------------------------------------------------------------------------------------

def _pdf(path: str, data: bytes) -> ExtractedText:
    """Each page in layout mode; soft wraps joined (across pages too); a page break between paragraphs is a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF file (no %PDF- header)", path=path)
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf logs every repaired xref; the user gets one line or nothing
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError("encrypted PDF: save it without a password first", path=path)
        if len(reader.pages) > MAX_PAGES:
            raise InputError(f"PDF of {len(reader.pages)} pages; at most {MAX_PAGES} are read", path=path)
        pages = _without_furniture([_page_lines(_page_text(page)) for page in reader.pages])
    except InputError:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise InputError("encrypted PDF: save it without a password first", path=path) from None
    except RecursionError:
        raise InputError("not a readable PDF (objects nest without end)", path=path) from None
    except Exception as e:  # noqa: BLE001 - pypdf raises many types on a broken file; each is one refusal
        raise InputError(f"not a readable PDF ({type(e).__name__}: {_first_line(e)})", path=path) from None
    finally:
        log.setLevel(level)
    if sum(len(line) for page in pages for line in page) > MAX_TEXT:
        raise InputError(f"more than {MAX_TEXT} characters of text; not a press kit", path=path)
    width = max((len(line) for page in pages for line in page if not _GAP.search(line)), default=0)
    if width < MIN_MEASURE:
        width = 10**9  # too narrow to tell a wrapped line from a short one: nothing is joined
    lines: list[str] = []
    starts: list[int] = []
    last = ""  # the physical line that ends lines[-1]
    for page in pages:
        carried = bool(lines and page and _carried(last, page[0]))
        if lines and page and not carried and not _continues(lines[-1], last, page[0], width) \
                and not _same_list(last, page[0]):
            lines.append("")  # a page break between paragraphs is a paragraph break
        starts.append(len(lines) + 1)
        for i, line in enumerate(page):
            if lines and (i == 0 and carried or _continues(lines[-1], last, line, width)):
                lines[-1] += line.lstrip() if last.endswith("-") else f" {line.lstrip()}"
            else:
                lines.append(line)
            last = line
    return _finish(path, lines, "pdf", starts)


def _page_text(page) -> str:
    """Layout mode; plain mode for a page whose fonts or operators layout mode cannot place."""
    try:
        return page.extract_text(extraction_mode="layout")
    except (KeyError, ValueError, TypeError, IndexError, ZeroDivisionError, AttributeError):
        return page.extract_text()


_DIGITS = re.compile(r"\d+")


def _without_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Running headers and footers dropped: a first or last line set apart by space from the page's body
    that recurs (numbers aside) on most pages."""
    if len(pages) < 3:
        return pages
    for end, inner in ((0, 1), (-1, -2)):
        def key(page: list[str]) -> str | None:
            if len(page) > 2 and not page[inner].strip():
                return _DIGITS.sub("#", " ".join(page[end].split()))
            return None

        counts = Counter(k for k in map(key, pages) if k)
        furniture = {k for k, n in counts.items() if n >= max(3, 0.6 * len(pages))}
        for page in pages:
            if key(page) in furniture:
                del page[end]
                while page and not page[end].strip():
                    del page[end]
    return pages


def _page_lines(text: str) -> list[str]:
    """A page's lines: trailing spaces and the blank margin lines gone, the common indent removed."""
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line), default=0)
    return [line[indent:] for line in lines]


def _continues(joined: str, last: str, line: str, width: int) -> bool:
    """Whether the typesetter broke this line: its next line's first word would not have fitted on it.

    Widths are counted in characters of the layout grid, so a proportional face's lines vary in
    length; `MEASURE_SLACK` of the column allows for that.

    A blank line, a next line with a column gap, indented deeper, or starting an entry of its own
    (`Label:`, a bullet, a heading) is never joined, so lists and tables keep one entry a line; a
    line that hangs under a list item's text always is. A line ending in a hyphen joins without a space.
    """
    if not last.strip() or not line.strip() or _GAP.search(line):
        return False
    indent = len(line) - len(line.lstrip())
    bullet = _BULLET.match(joined)
    marker = len(bullet["indent"]) if bullet else 0
    if bullet and marker < indent <= bullet.end() and len(last) - len(last.lstrip()) in (indent, marker):
        return True  # a list item's later lines hang under its text
    if _ENTRY.match(line) or indent > len(joined) - len(joined.lstrip()):
        return False
    word = line.split()[0]
    return len(last) + (0 if last.endswith("-") else 1) + len(word) > width * (1 - MEASURE_SLACK)


def _carried(last: str, first: str) -> bool:
    """A sentence carried over a page break: the page ends mid-sentence and the next starts in lower case."""
    return bool(last.strip()) and not last.rstrip().endswith(_ENDS) and first.lstrip()[:1].islower() \
        and not _GAP.search(first)


def _same_list(last: str, first: str) -> bool:
    """Two lines either side of a page break that belong to one list (label lines, bullets, columns)."""
    return bool(_ENTRY.match(last) and _ENTRY.match(first)) or bool(_GAP.search(last) and _GAP.search(first))


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or ["broken file"])[0][:200]


# ---- DOCX -----------------------------------------------------------------------------------------

def _docx(path: str, data: bytes) -> ExtractedText:
    """Body paragraphs and tables in document order: headings as `#` lines, table rows as tab-separated cells."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("not a DOCX file (not a zip archive); save it from Word as .docx", path=path) from None
    if "word/document.xml" not in {m.filename for m in members}:
        raise InputError("not a DOCX file (no word/document.xml inside)", path=path)
    if sum(m.file_size for m in members) > 16 * MAX_TEXT + MAX_BYTES:
        raise InputError("DOCX unzips to more than a press kit holds; refused", path=path)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        styles = {style.style_id: style.name or "" for style in document.styles}  # looked up once, not per paragraph
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            else:
                lines.extend(_paragraph_lines(block, styles))
    except Exception as e:  # noqa: BLE001 - python-docx and lxml raise many types on a broken package
        raise InputError(f"not a readable DOCX ({type(e).__name__}: {_first_line(e)})", path=path) from None
    if sum(len(line) for line in lines) > MAX_TEXT:
        raise InputError(f"more than {MAX_TEXT} characters of text; not a press kit", path=path)
    return _finish(path, [line.rstrip() for line in lines], "docx")


_HEADING = re.compile(r"(?:heading|überschrift|titre)\s*(\d)", re.IGNORECASE)


def _paragraph_lines(paragraph, styles: dict[str, str]) -> list[str]:
    text = paragraph.text.replace("\r", "")
    style = styles.get(paragraph._p.style or "", "")
    if not text.strip():
        return [""]
    m = _HEADING.match(style)
    if m or style.lower() == "title":
        return ["#" * (int(m[1]) if m else 1) + " " + " ".join(text.split())]
    text = _emphasised(paragraph).replace("\r", "")
    pPr = paragraph._p.pPr
    if style.lower().startswith("list") or (pPr is not None and pPr.numPr is not None):
        return [f"- {text.strip()}"]
    return text.split("\n")


def _emphasised(paragraph) -> str:
    """The paragraph's text with bold runs as `**…**` and italic runs as `*…*` (titles are often set in italics)."""
    from docx.text.run import Run

    groups: list[tuple[int, str]] = []  # (emphasis: 0 none, 1 italic, 2 bold, 3 both; text)
    for item in paragraph.iter_inner_content():
        runs = [item] if isinstance(item, Run) else list(getattr(item, "runs", []))
        for run in runs:
            mark = (2 if run.bold else 0) + (1 if run.italic else 0)
            if groups and groups[-1][0] == mark:
                groups[-1] = (mark, groups[-1][1] + run.text)
            else:
                groups.append((mark, run.text))
    out = []
    for mark, text in groups:
        core = text.strip()
        if not mark or not core or "\t" in core or "\n" in core:
            out.append(text)
            continue
        stars = "*" * mark
        out.append(text[: len(text) - len(text.lstrip())] + stars + core + stars + text[len(text.rstrip()):])
    return "".join(out)


def _table_rows(table) -> list[str]:
    """Rows of tab-separated cells; a table whose first row is a header (Word's "repeat as header row",
    or every cell bold) as a Markdown table, so the header is not read as an entry."""
    rows = []
    for row in table.rows:
        seen: list = []
        cells = []
        for cell in row.cells:
            if any(cell._tc is s for s in seen):  # a merged cell repeats across the columns it spans
                continue
            seen.append(cell._tc)
            cells.append(cell)
        rows.append(cells)
    if not rows:
        return []
    texts = [[" ".join(cell.text.split()) for cell in row] for row in rows]
    if len(rows) > 1 and _is_header(table.rows[0], rows[0]):
        def pipe(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        return [pipe(texts[0]), pipe(["---"] * len(texts[0]))] + [pipe(r) for r in texts[1:]]
    return ["\t".join(r) for r in texts]


def _is_header(row, cells: list) -> bool:
    from docx.oxml.ns import qn

    trPr = row._tr.trPr
    if trPr is not None and trPr.find(qn("w:tblHeader")) is not None:
        return True
    runs = [run for cell in cells for p in cell.paragraphs for run in p.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs)
