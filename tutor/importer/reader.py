"""Reading a document: decode, normalise, detect its layout family, correct, parse, check."""

from __future__ import annotations

from pathlib import Path

from tutor.domain.catalogue import SpecReading
from tutor.importer.errata import ErrataFile, apply_errata, load_errata_dir
from tutor.importer.errors import SpecError
from tutor.importer.parsers import detect_family
from tutor.importer.text import SourceDocument, decode, normalise


def read_document(data: bytes) -> SourceDocument:
    return normalise(decode(data))


def parse_document(doc: SourceDocument, errata: list[ErrataFile]) -> SpecReading:
    family = detect_family(doc)
    applied: list[str] = []
    for errata_file in errata:
        if errata_file.applies_to(doc):
            doc, notes = apply_errata(doc, errata_file)
            applied.extend(notes)
    reading = family.parse(doc)
    reading.errata_applied = applied
    check_reading(reading, doc)
    return reading


def check_reading(reading: SpecReading, doc: SourceDocument) -> None:
    """Checks every family's reading must pass: a truncated or garbled document fails here."""
    end = doc.last_line_no()
    if not reading.qualifications:
        raise SpecError("no qualification found in the document", line=end)
    if not reading.units:
        raise SpecError("no unit specifications found (is the document truncated?)", line=end)
    keys = {u.key for u in reading.units}
    for qual in reading.qualifications:
        for member in qual.units:
            if member.ref not in keys:
                raise SpecError(
                    f"unit {member.ref} is listed in the structure of {qual.number} but its "
                    "specification is missing (is the document truncated?)",
                    line=member.table_line or end,
                )
    for unit in reading.units:
        if not unit.outcomes:
            raise SpecError(f"unit {unit.key} has no learning outcomes", line=unit.source_line or end)
        for outcome in unit.outcomes:
            if not outcome.criteria:
                raise SpecError(
                    f"unit {unit.key} outcome {outcome.id} has no assessment criteria",
                    line=unit.source_line or end,
                )


def parse_bytes(data: bytes, errata: list[ErrataFile] | None = None, path: str | None = None) -> SpecReading:
    try:
        return parse_document(read_document(data), errata or [])
    except SpecError as exc:
        exc.path = exc.path or path
        raise


def parse_path(path: Path, errata_dir: Path | None = None) -> SpecReading:
    """Parse the document at ``path``, applying the errata in ``errata_dir`` that match it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise SpecError("is a directory, not a specification text", path=str(path)) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", path=str(path)) from None
    errata = load_errata_dir(errata_dir) if errata_dir is not None else []
    return parse_bytes(data, errata, path=str(path))
