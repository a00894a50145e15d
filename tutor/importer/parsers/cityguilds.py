"""Parser for the cityguilds layout family (stub: being written)."""

from __future__ import annotations

from tutor.domain.catalogue import SpecReading
from tutor.importer.errors import SpecError
from tutor.importer.text import SourceDocument

FAMILY = "cityguilds"


def detect(doc: SourceDocument) -> bool:
    return False


def parse(doc: SourceDocument) -> SpecReading:
    raise SpecError("not implemented")
