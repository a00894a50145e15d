"""A read-only index of the catalogue that the bank is checked against, built from readings.

The bank checks need only a few facts: which criteria exist, which are knowledge criteria,
which qualifications a unit sits in, each unit's range, how many lines its document has, and
the test specifications. Building them from the parsed documents keeps the checks pure and
fast, with no database needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.domain.catalogue import SpecReading, TestSpec, Unit


@dataclass(frozen=True)
class CriterionFacts:
    unit: str
    outcome: str
    criterion: str
    text: str
    kind: str
    outcome_text: str


@dataclass
class CatalogueIndex:
    criteria: dict[tuple[str, str, str], CriterionFacts] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    unit_qualifications: dict[str, set[str]] = field(default_factory=dict)
    qualification_titles: dict[str, str] = field(default_factory=dict)
    qualification_units: dict[str, list[str]] = field(default_factory=dict)  # number -> unit keys
    mandatory_units: dict[str, list[str]] = field(default_factory=dict)
    document_lines: dict[str, int] = field(default_factory=dict)  # unit key -> lines in its document
    test_specs: list[tuple[str, TestSpec]] = field(default_factory=list)  # (qualification, spec)

    @classmethod
    def from_readings(cls, readings: list[tuple[SpecReading, int]]) -> CatalogueIndex:
        """``readings`` pairs each reading with the number of lines of its document."""
        index = cls()
        for reading, lines in readings:
            for unit in reading.units:
                index.units[unit.key] = unit
                index.document_lines[unit.key] = lines
                for outcome in unit.outcomes:
                    for criterion in outcome.criteria:
                        index.criteria[(unit.key, outcome.id, criterion.id)] = CriterionFacts(
                            unit.key, outcome.id, criterion.id, criterion.text, outcome.kind, outcome.text)
            for qual in reading.qualifications:
                index.qualification_titles[qual.number] = qual.title
                index.qualification_units[qual.number] = [m.ref for m in qual.units]
                index.mandatory_units[qual.number] = [m.ref for m in qual.units if m.group_kind == "mandatory"]
                for member in qual.units:
                    index.unit_qualifications.setdefault(member.ref, set()).add(qual.number)
                for spec in reading.test_specs:
                    keys = {u.key for u in reading.units if spec.unit in (u.key, u.local_id)}
                    if keys & set(index.qualification_units[qual.number]):
                        index.test_specs.append((qual.number, spec))
        return index

    def resolve_unit(self, code: str) -> str | None:
        """A unit's key from its key or its awarding body's code."""
        if code in self.units:
            return code
        matches = [u.key for u in self.units.values() if u.local_id == code]
        return matches[0] if len(matches) == 1 else None

    def knowledge_criteria(self, unit_key: str) -> list[CriterionFacts]:
        return [c for c in self.criteria.values() if c.unit == unit_key and c.kind == "knowledge"]


def load_bundled_index(bank: Path) -> CatalogueIndex:
    """Parse the bank's bundled specifications into an index (about a tenth of a second)."""
    from tutor.importer import parse_path

    readings = []
    for path in sorted((bank / "specifications").glob("*.txt")):
        reading = parse_path(path, bank / "errata")
        readings.append((reading, path.read_bytes().count(b"\n") + 1))
    return CatalogueIndex.from_readings(readings)
