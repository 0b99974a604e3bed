"""One small exception tree; the CLI maps it to exit codes in one place.

    FilmgraphError            exit 2 unless a subclass says otherwise
    ├── UsageError            bad flags or arguments
    ├── InputError            a record or file that cannot be read (names file and line)
    ├── StoreError            the store cannot be opened, locked or written
    ├── QueryError            a query that does not parse, times out or fails remotely
    └── NonConformingError    data that does not conform to the shapes (exit 1)
"""

from __future__ import annotations

import bisect


def where(line: int, pages: list[int] | None = None) -> str:
    """How a line is cited: `line 12`, or `page 2, line 5` when `pages` holds each page's first line."""
    if not pages:
        return f"line {line}"
    page = max(bisect.bisect_right(pages, line), 1)
    return f"page {page}, line {line - pages[page - 1] + 1}"


class FilmgraphError(Exception):
    exit_code = 2


class UsageError(FilmgraphError):
    pass


class InputError(FilmgraphError):
    """A source that cannot be read; carries the file and, when known, the line and column.

    `pages` (each page's first line, set for paged sources such as PDF) makes the line read as page + line.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None, column: int | None = None,
                 pages: list[int] | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.pages = pages
        super().__init__(str(self))

    def __reduce__(self):
        """Whole across processes (ingest reads in workers), pages included."""
        return (type(self), (self.message, self.path, self.line, self.column, self.pages))

    def __str__(self) -> str:
        place = self.path or ""
        if self.line is not None:
            if self.pages:
                place += f":{where(self.line, self.pages)}"
            else:
                place += f":{self.line}"
                if self.column is not None:
                    place += f":{self.column}"
        return f"{place}: {self.message}" if place else self.message


class StoreError(FilmgraphError):
    pass


class QueryError(FilmgraphError):
    pass


class NonConformingError(FilmgraphError):
    exit_code = 1
