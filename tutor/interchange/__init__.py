"""Question interchange: GIFT, Aiken, Moodle XML and QTI 3.0, in and out. Pure (no database, no UI).

``read(data, name, fmt)`` gives a :class:`~tutor.interchange.model.Reading` of any of the four formats;
``write(fmt, items, facts)`` gives the bytes of an export. :func:`~tutor.interchange.model.to_item` turns a
read question into a draft item of this bank, or says why it cannot become one.
"""

from __future__ import annotations

import re

from tutor.bank.model import Item
from tutor.interchange.model import FORMATS, InterchangeError, Reading, UnitFacts, Written

_CLOZE = re.compile(r"\{\d*:(MULTICHOICE|MULTIRESPONSE|SHORTANSWER|NUMERICAL|MC|MR|SA|NM)(_[A-Z]+)?:", re.IGNORECASE)

__all__ = ["FORMATS", "InterchangeError", "detect", "read", "write"]


def detect(data: bytes, name: str) -> str:
    """The format of a file, from its content (the name's ending only to tell GIFT from Aiken)."""
    if data[:4] == b"PK\x03\x04":
        return "qti3"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head.startswith(b"<"):
        from tutor.interchange.safety import parse_xml

        root = parse_xml(data, name)
        if root.tag in ("quiz", "question"):
            return "moodle-xml"
        if isinstance(root.tag, str) and "imsqti" in root.tag:
            return "qti3"
        raise InterchangeError(f"{name}: an XML file that is neither Moodle XML (<quiz>) nor QTI 3.0")
    text = data.decode("utf-8", errors="replace")
    if _CLOZE.search(text):
        raise InterchangeError(f"{name}: Moodle's Cloze (embedded answers) text, not one of the formats read "
                               "(qti3, moodle-xml, gift, aiken); its questions cannot become items of this bank")
    if re.search(r"^\s*ANSWER:", text, re.MULTILINE) and not re.search(r"[^\\]\{", text):
        return "aiken"
    if re.search(r"(^|[^\\])\{", text) or "$CATEGORY:" in text:
        return "gift"
    raise InterchangeError(f"{name}: cannot tell its format: give --format (qti3, moodle-xml, gift or aiken)")


# Each format's reader and writer module, imported only when that format is used.
_READERS = {"gift": "gift", "aiken": "aiken", "moodle-xml": "moodle_xml", "qti3": "qti3_read"}
_WRITERS = {"gift": "gift", "aiken": "aiken", "moodle-xml": "moodle_xml", "qti3": "qti3"}


def _module(table: dict[str, str], fmt: str):
    from importlib import import_module

    if fmt not in table:
        raise InterchangeError(f"unknown format {fmt!r} (qti3, moodle-xml, gift or aiken)")
    return import_module(f"tutor.interchange.{table[fmt]}")


def read(data: bytes, name: str, fmt: str | None = None) -> Reading:
    return _module(_READERS, fmt or detect(data, name)).read(data, name)


def write(fmt: str, items: list[Item], facts: UnitFacts) -> Written:
    return _module(_WRITERS, fmt).write(items, facts)
