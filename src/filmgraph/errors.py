"""One small exception tree, and the exit codes, in one place (the CLI maps errors to them here).

    EXIT_OK 0             done; rows found; the data conforms
    EXIT_NONCONFORMING 1  data does not conform, or no match (no rows, nothing linked)
    EXIT_INPUT 2          usage or input error: bad flags, unreadable file, store or query error
    EXIT_INTERRUPTED 130  interrupted (Ctrl-C), as shells report SIGINT
    EXIT_TERMINATED 143   terminated (SIGTERM: docker stop, systemd, CI), as shells report it

    FilmgraphError            exit 2 unless a subclass says otherwise
    ├── UsageError            bad flags or arguments
    ├── InputError            a record or file that cannot be read (names file and line)
    ├── StoreError            the store cannot be opened, locked or written
    ├── QueryError            a query that does not parse, times out or fails remotely
    └── NonConformingError    data that does not conform to the shapes (exit 1)
"""

from __future__ import annotations

import bisect

EXIT_OK, EXIT_NONCONFORMING, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_USAGE = EXIT_INPUT
EXIT_TERMINATED = 143

def where(line: int, pages: list[int] | None = None) -> str:
    """How a line is cited: `line 12`, or `page 2, line 5` when `pages` holds each page's first line."""
    if not pages:
        return f"line {line}"
    page = max(bisect.bisect_right(pages, line), 1)
    return f"page {page}, line {line - pages[page - 1] + 1}"


class FilmgraphError(Exception):
    exit_code = EXIT_INPUT


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
    exit_code = EXIT_NONCONFORMING
