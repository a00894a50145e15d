"""Decoding and normalising the text of a specification document.

The seed texts were pulled out of PDFs. The same document may reach us with a byte-order
mark, CRLF endings, trailing spaces or doubled blank lines; all of these must give the
same reading, so normalisation removes them here, once, and parsers never see them.

Each kept line remembers its line number in the file as given, so errors and errata can
name the line a person would open the file at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tutor.importer.errors import spec_error

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class SourceLine:
    """One line of the normalised document and its 1-based line number in the file."""

    no: int
    text: str


@dataclass
class SourceDocument:
    """A decoded, normalised document: blank-line runs collapsed to one empty line."""

    lines: list[SourceLine]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def fingerprint(self) -> str:
        """A hash of the normalised text: unchanged by BOMs, CRLF, trailing spaces, blank runs."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def last_line_no(self) -> int:
        return self.lines[-1].no if self.lines else 0


def decode(data: bytes) -> str:
    """Decode a document's bytes, refusing what is not text."""
    if not data.strip():
        raise spec_error("text", "empty_file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise spec_error("text", "not_valid_after_byte_order_mark", encoding=encoding, exc=exc) from None
    if b"\x00" in data[:8192]:
        raise spec_error("text", "binary_file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise spec_error("text", "not_utf8", line=line, byte=data[exc.start]) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise spec_error("text", "binary_file")
    return text


def normalise(text: str) -> SourceDocument:
    """Split into lines, drop trailing whitespace and collapse runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines: list[SourceLine] = []
    previous_blank = True  # drop leading blank lines too
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.rstrip().replace("\ufeff", "")
        blank = not stripped.strip()
        if blank:
            if not previous_blank:
                lines.append(SourceLine(number, ""))
        else:
            lines.append(SourceLine(number, stripped))
        previous_blank = blank
    while lines and not lines[-1].text:
        lines.pop()
    if not lines:
        raise spec_error("text", "empty_file")
    return SourceDocument(lines)
