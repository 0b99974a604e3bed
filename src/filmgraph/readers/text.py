"""Text extraction: a press-kit file (plain text, Markdown; PDF and DOCX to come) to lines of text.

Every later stage (sections, header fields, lists, prose) reads `ExtractedText.text` and cites
line numbers in it; `pages` turns a line number back into a page for paged formats.
"""

from __future__ import annotations

import bisect
import codecs
import os
import unicodedata
from dataclasses import dataclass

from filmgraph.errors import InputError


@dataclass(slots=True)
class ExtractedText:
    """The text of one file, `\\n`-separated; `pages` holds the first line of each page (paged formats)."""

    text: str
    kind: str
    pages: list[int] | None = None

    def where(self, line: int) -> str:
        """`line 12`, or `page 2, line 5` for a paged source."""
        if not self.pages:
            return f"line {line}"
        page = bisect.bisect_right(self.pages, line)
        return f"page {page}, line {line - self.pages[page - 1] + 1}"


def extract_text(path: str, data: bytes) -> ExtractedText:
    """The file's text by its extension; `InputError` for a file that holds none."""
    ext = os.path.splitext(path)[1].lower()
    kind = "markdown" if ext in (".md", ".markdown") else "text"
    return bounded(path, ExtractedText(decode(path, data), kind))


def bounded(path: str, extracted: ExtractedText) -> ExtractedText:
    """The text, if within `Limits.lines` lines of at most `Limits.line_chars` characters: what a
    press kit holds, while a machine-made file past them would cost the grammar time and memory
    out of all proportion (a 100,000-name cast list, a 30,000-space run)."""
    from filmgraph.settings import Limits

    limits = Limits()
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
