"""The one error the importer raises: a defect of the input, told in one line.

Its words are in ``templates/errors/importer/<family>.j2`` (one template for each reader or parser
module, a message for each ``problem``); :func:`spec_error` renders them through
:func:`tutor.rendering.bundled_text`, which needs only jinja2, so the importer stays pure.
"""

from __future__ import annotations

from typing import Any

from tutor.rendering import bundled_text


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


def spec_error(family: str, problem: str, /, line: int | None = None, path: str | None = None,
               **context: Any) -> SpecError:
    """The SpecError whose message is ``problem`` of ``templates/errors/importer/<family>.j2``, rendered with
    ``context``."""
    return SpecError(bundled_text(f"errors/importer/{family}.j2", problem=problem, **context), line, path)
