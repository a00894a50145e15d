"""One parser per layout family, chosen by what the document looks like, never by its file name.

Each family module provides ``FAMILY`` (a short name), ``detect(doc) -> bool`` and
``parse(doc) -> SpecReading``.
"""

from __future__ import annotations

from types import ModuleType

from tutor.importer.errors import spec_error
from tutor.importer.parsers import cityguilds, gqa, highfield, pearson, ymca
from tutor.importer.text import SourceDocument

FAMILIES: tuple[ModuleType, ...] = (ymca, pearson, cityguilds, highfield, gqa)


def detect_family(doc: SourceDocument) -> ModuleType:
    matches = [family for family in FAMILIES if family.detect(doc)]
    if not matches:
        raise spec_error("layout", "unknown_layout_specification_format", line=1)
    if len(matches) > 1:
        names = ", ".join(f.FAMILY for f in matches)
        raise spec_error("layout", "ambiguous_layout_looks_like", line=1, names=names)
    return matches[0]
