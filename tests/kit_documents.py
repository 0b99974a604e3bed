"""Press kits as PDF and DOCX, built from their text at test time (no such file is committed).

`build_pdf` sets the text in a monospaced face (DejaVu Sans Mono, with the CID font STSong-Light
for Chinese characters), prose wrapped to the page width, tab-separated cells at aligned tab stops,
pages broken at a blank line when one is near. `build_typeset_pdf` sets it as a word processor
would: a proportional face (DejaVu Sans), each line a paragraph, tab blocks as tables, reportlab's
own page breaks. The DOCX holds one paragraph a
line; from Markdown, `#` headings become Word headings, `|` tables Word tables, `- ` items list
paragraphs, `**bold**` and `*italic*` bold and italic runs.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf")
SANS_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
SIZE, LEADING, MARGIN = 9, 11, 50
CJK = "STSong-Light"


def mono_font() -> str | None:
    return next((f for f in FONT_FILES if Path(f).exists()), None)


def sans_font() -> str | None:
    return next((f for f in SANS_FILES if Path(f).exists()), None)


def build_typeset_pdf(text: str, out: Path) -> Path:
    """`text` as a word processor sets it: proportional face, wrapped paragraphs, tab blocks as tables."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Sans", sans_font()))
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    glyphs = pdfmetrics.getFont("Sans").face.charToGlyph
    style = getSampleStyleSheet()["BodyText"]
    style.fontName = "Sans"

    def markup(line: str) -> str:
        """Escaped, runs of spaces kept (a paragraph would collapse them), Chinese in the CID font."""
        text = "".join(escape(ch) if ord(ch) in glyphs or ch == " " else f'<font name="{CJK}">{ch}</font>'
                       for ch in line)
        return text.replace("  ", " &nbsp;")

    def width(cell: str) -> float:
        return sum(pdfmetrics.stringWidth(ch, "Sans" if ord(ch) in glyphs else CJK, style.fontSize) for ch in cell)

    def paragraph(line: str) -> Paragraph:
        """Leading spaces as a left indent; a list item's later lines hang under its text."""
        indent = width(line[: len(line) - len(line.lstrip())])
        bullet = _BULLET.match(line)
        hang = width(bullet.group()) if bullet else 0
        shaped = ParagraphStyle("line", parent=style, leftIndent=indent + hang, firstLineIndent=-hang)
        return Paragraph(markup(line.strip()), shaped)

    story: list = []
    rows: list[list[str]] = []
    for line in text.split("\n") + [""]:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:  # as a word processor's table: cells as wide as their text, top-aligned
            columns = max(map(len, rows))
            widths = [max(width(r[c]) for r in rows if len(r) > c) + 14 for c in range(columns)]
            cells = [[Paragraph(markup(c), style) for c in row] + [""] * (columns - len(row)) for row in rows]
            story.append(Table(cells, colWidths=widths, hAlign="LEFT", style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])))
            rows = []
        story.append(paragraph(line) if line.strip() else Spacer(1, 8))
    SimpleDocTemplate(str(out), pagesize=A4, invariant=1).build(story)
    return out


def build_pdf(text: str, out: Path, *, lines_per_page: int | None = None, furniture: str | None = None) -> Path:
    """`text` typeset on A4 pages; `lines_per_page` forces short pages (to test page + line);
    `furniture` is a running header, set with a `Page N of M` footer on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font_file = mono_font()
    if "Mono" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Mono", font_file))
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    glyphs = pdfmetrics.getFont("Mono").face.charToGlyph
    width, height = A4
    advance = pdfmetrics.stringWidth("M", "Mono", SIZE)
    columns = int((width - 2 * MARGIN) / advance)
    per_page = lines_per_page or int((height - 2 * MARGIN) / LEADING)
    physical = _typeset(text.split("\n"), columns)
    pdf = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    pages = _paginate(physical, per_page)
    for number, page in enumerate(pages, 1):
        if furniture:
            _draw(pdf, MARGIN, height - MARGIN / 2, furniture, glyphs)
            _draw(pdf, width / 2, MARGIN / 2, f"Page {number} of {len(pages)}", glyphs)
        y = height - MARGIN
        for cells in page:
            for cell, stop in cells:
                _draw(pdf, MARGIN + stop * advance, y, cell, glyphs)
            y -= LEADING
        pdf.showPage()
    pdf.save()
    return out


def _typeset(lines: list[str], columns: int) -> list[list[tuple[str, int]]]:
    """Physical lines as (cell, start column) runs: prose wrapped, each block's tab cells aligned."""
    out: list[list[tuple[str, int]]] = []
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            block = []
            while i < len(lines) and "\t" in lines[i]:
                block.append(lines[i].split("\t"))
                i += 1
            widths = [max(len(row[c]) for row in block if len(row) > c) for c in range(max(map(len, block)))]
            stops = [sum(w + 4 for w in widths[:c]) for c in range(len(widths))]
            out.extend([(cell, stops[c]) for c, cell in enumerate(row) if cell] for row in block)
            continue
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        bullet = _BULLET.match(line)
        hang = " " * (bullet.end() if bullet else indent)  # a list item's later lines hang under its text
        wrapped = textwrap.wrap(line, columns, subsequent_indent=hang, break_long_words=False,
                                break_on_hyphens=False) if line.strip() else []
        out.extend([(w, 0)] for w in wrapped) if wrapped else out.append([])
        i += 1
    return out


_BULLET = re.compile(r"\s*[-*+•]\s+")


def _paginate(lines: list, per_page: int) -> list[list]:
    """Pages of at most `per_page` lines, broken at the last blank line in the page's last third."""
    pages = []
    while lines:
        cut = min(per_page, len(lines))
        if cut < len(lines):
            blank = max((j for j in range(cut * 2 // 3, cut) if not lines[j]), default=None)
            cut = blank if blank else cut
        page, lines = lines[:cut], lines[cut:]
        while lines and not lines[0]:
            lines = lines[1:]
        pages.append(page)
    return pages


def _draw(pdf, x: float, y: float, text: str, glyphs) -> None:
    """One run of text; characters the monospaced face lacks are set in the CJK font."""
    obj = pdf.beginText(x, y)
    run, font = "", None
    for ch in text:
        want = "Mono" if ord(ch) in glyphs or ch == " " else CJK
        if want != font and run:
            obj.setFont(font, SIZE)
            obj.textOut(run)
            run = ""
        font = want
        run += ch
    if run:
        obj.setFont(font, SIZE)
        obj.textOut(run)
    pdf.drawText(obj)


_EMPHASIS = re.compile(r"\*\*(?P<bold>.+?)\*\*|(?<![*\w])\*(?P<italic>[^*\s][^*]*?)\*(?![*\w])")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def build_docx(text: str, out: Path, *, markdown: bool = False) -> Path:
    """One paragraph a line (tabs kept); with `markdown`, headings, tables, lists and bold as Word has them."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if markdown and line.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                if not _TABLE_RULE.match(lines[i].strip()):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            table = document.add_table(rows=len(rows), cols=max(map(len, rows)))
            header = table.rows[0]._tr.get_or_add_trPr()  # Markdown's first row is a header: "repeat as header row"
            header.append(header.makeelement(qn("w:tblHeader"), {}))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    _runs(table.cell(r, c).paragraphs[0], cell)
            continue
        heading = re.match(r"(#{1,6})\s+(.*)", line) if markdown else None
        item = re.match(r"\s*[-*+]\s+(.*)", line) if markdown else None
        if heading:
            document.add_heading(heading[2].strip(), level=len(heading[1]))
        elif item:
            _runs(document.add_paragraph(style="List Bullet"), item[1])
        else:
            _runs(document.add_paragraph(), line)
        i += 1
    document.save(str(out))
    return out


def _runs(paragraph, text: str) -> None:
    """Text with `**bold**` and `*italic*` spans as bold and italic runs (and tabs as Word tabs)."""
    pos = 0
    for m in _EMPHASIS.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos:m.start()])
        if m["bold"]:
            paragraph.add_run(m["bold"]).bold = True
        else:
            paragraph.add_run(m["italic"]).italic = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])
