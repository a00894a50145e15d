"""The one error the importer raises: a defect of the input, told in one line."""

from __future__ import annotations


class SpecError(Exception):
    """A specification document could not be read.

    ``str(error)`` is the one line the CLI prints: ``PATH:LINE: message`` (or ``PATH: message``
    when no line applies). ``path`` is filled in by the reader, so parsers only give a line.
    """

    def __init__(self, message: str, line: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def __str__(self) -> str:
        where = self.path or "<document>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
