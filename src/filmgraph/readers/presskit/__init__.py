"""Press-kit reader: text (txt, md; pdf and docx via readers.text) -> sections -> header fields, lists
and prose -> one `FilmRecord` with every fact's line and rule, plus warnings.

The modules follow the data flow: `sections` (headings and blank-line blocks) -> `fields` (one line as
label + value) and `values` (dates, runtimes, certificates, technical details) -> `lists` (cast, crew,
filmography rows) and `prose` (titles in capitals, names, series cues) -> the reading pass `reader`,
made of `header` (fields into the record), `title` (the title decided on evidence), `people` (cast,
characters, roles) and `films` (related films, series, unread cues). Label vocabularies, section
names and phrases are data: vocab/*.csv.
"""

from __future__ import annotations

import hashlib

from filmgraph.errors import InputError
from filmgraph.readers.presskit.reader import Reader
from filmgraph.readers.text import cite_pages, extract_text
from filmgraph.record import FilmRecord, ReaderWarning
from filmgraph.settings import Limits

__all__ = ["preload", "read_presskit", "title_case"]


def preload() -> None:
    """Load what reading any kit needs (vocabularies, compiled cue patterns, country and language
    tables) before a process forks its workers, so they inherit it rather than each building it."""
    from filmgraph import codes
    from filmgraph.readers.presskit import prose
    from filmgraph.readers.presskit.vocab import vocab

    vocab()
    prose.abbreviations()
    prose._sequel_pattern()
    prose._more_patterns()
    prose._cue_patterns()
    prose.role_cues()
    prose.aka_pattern()
    prose._numbered_title()
    prose._series_after()
    codes.preload()


def read_presskit(path: str, data: bytes | None = None, limits: Limits | None = None
                  ) -> tuple[list[FilmRecord], list[ReaderWarning]]:
    """Read one press kit into one record plus warnings; `data` saves a second read of the file;
    `limits` bound its lines (the run's `Settings.limits`)."""
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror}", path=path) from None
    extracted = extract_text(path, data, limits)
    reader = Reader(path, extracted.text, extracted.markdown)
    reader.record.source.pages = extracted.pages
    reader.record.source.sha256 = hashlib.sha256(data).hexdigest()
    with cite_pages(extracted, reader.warnings):
        reader.read()
    return [reader.record], reader.warnings


def title_case(text: str) -> str:
    """`PUSHER III: I'M THE ANGEL OF DEATH` -> `Pusher III: I'm the Angel of Death`; mixed case is kept."""
    from filmgraph.readers.presskit.prose import _title_case

    return _title_case(text)
