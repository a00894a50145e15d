"""One parser per layout family, chosen by what the document looks like, never by its file name.

Each family module provides ``FAMILY`` (a short name), ``detect(doc) -> bool`` and
``parse(doc) -> SpecReading``.
"""

from __future__ import annotations

from types import ModuleType

from tutor.importer.errors import SpecError
from tutor.importer.parsers import cityguilds, gqa, highfield, pearson, ymca
from tutor.importer.text import SourceDocument

FAMILIES: tuple[ModuleType, ...] = (ymca, pearson, cityguilds, highfield, gqa)


def detect_family(doc: SourceDocument) -> ModuleType:
    matches = [family for family in FAMILIES if family.detect(doc)]
    if not matches:
        raise SpecError("unknown layout: this is not a specification format tutor can read", line=1)
    if len(matches) > 1:
        names = ", ".join(f.FAMILY for f in matches)
        raise SpecError(f"ambiguous layout: the document looks like several families ({names})", line=1)
    return matches[0]
