"""One small exception tree; the CLI maps it to exit codes in one place.

    FilmgraphError            exit 2 unless a subclass says otherwise
    ├── UsageError            bad flags or arguments
    ├── InputError            a record or file that cannot be read (names file and line)
    ├── StoreError            the store cannot be opened, locked or written
    ├── QueryError            a query that does not parse, times out or fails remotely
    └── NonConformingError    data that does not conform to the shapes (exit 1)
"""

from __future__ import annotations


class FilmgraphError(Exception):
    exit_code = 2


class UsageError(FilmgraphError):
    pass


class InputError(FilmgraphError):
    """A source that cannot be read; carries the file and, when known, the line and column."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None, column: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}" if where else self.message


class StoreError(FilmgraphError):
    pass


class QueryError(FilmgraphError):
    pass


class NonConformingError(FilmgraphError):
    exit_code = 1
