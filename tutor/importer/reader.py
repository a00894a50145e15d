"""Reading a document: decode, normalise, detect its layout family, correct, parse, check."""

from __future__ import annotations

from pathlib import Path

from tutor.domain.catalogue import SpecReading
from tutor.importer.errata import ErrataFile, apply_errata, load_errata_dir
from tutor.importer.errors import SpecError, spec_error
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
        raise spec_error("reader", "no_qualification_in", line=end)
    if not reading.units:
        raise spec_error("reader", "no_unit_specifications", line=end)
    keys = {u.key for u in reading.units}
    for qual in reading.qualifications:
        for member in qual.units:
            if member.ref not in keys:
                raise spec_error("reader", "unit_in_structure_missing", line=member.table_line or end, member=member,
                                 qual=qual)
    for unit in reading.units:
        if not unit.outcomes:
            raise spec_error("reader", "unit_no_learning_outcomes", line=unit.source_line or end, unit=unit)
        for outcome in unit.outcomes:
            if not outcome.criteria:
                raise spec_error("reader", "unit_outcome_no_assessment", line=unit.source_line or end, unit=unit,
                                 outcome=outcome)


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
        raise spec_error("reader", "no_such_file", path=str(path)) from None
    except IsADirectoryError:
        raise spec_error("reader", "is_a_directory", path=str(path)) from None
    except OSError as exc:
        raise spec_error("reader", "cannot_read", path=str(path), exc=exc) from None
    errata = load_errata_dir(errata_dir) if errata_dir is not None else []
    return parse_bytes(data, errata, path=str(path))
