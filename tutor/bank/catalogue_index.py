"""A read-only index of the catalogue that the bank is checked against, built from readings.

The bank checks need only a few facts: which criteria exist, which are knowledge criteria,
which units a qualification holds, each unit's range, how many lines its document has, and
the test specifications. Building them from the parsed documents keeps the checks pure and
fast, with no database needed.

Facts are scoped by qualification: the same regulated unit (one reference) can be printed by
two awarding bodies with slightly different wording (Highfield and Pearson both print
F/601/1609), and an item or sheet names the qualification whose wording it follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.domain.catalogue import SpecReading, TestSpec, Unit


@dataclass(frozen=True)
class CriterionFacts:
    qualification: str
    unit: str
    outcome: str
    criterion: str
    text: str
    kind: str
    outcome_text: str


@dataclass
class QualificationScope:
    """One qualification's units as its own document prints them."""

    number: str
    title: str
    unit_keys: list[str]
    mandatory: list[str]
    units: dict[str, Unit]
    lines: int  # lines in the qualification's document
    criteria: dict[tuple[str, str, str], CriterionFacts] = field(default_factory=dict)

    def resolve(self, code: str) -> str | None:
        if code in self.units:
            return code
        matches = [u.key for u in self.units.values() if u.local_id == code]
        return matches[0] if len(matches) == 1 else None

    def knowledge_criteria(self, unit_key: str) -> list[CriterionFacts]:
        return [c for c in self.criteria.values() if c.unit == unit_key and c.kind == "knowledge"]


@dataclass
class CatalogueIndex:
    scopes: dict[str, QualificationScope] = field(default_factory=dict)
    test_specs: list[tuple[str, TestSpec]] = field(default_factory=list)  # (qualification, spec)

    @classmethod
    def from_readings(cls, readings: list[tuple[SpecReading, int]]) -> CatalogueIndex:
        """``readings`` pairs each reading with the number of lines of its document."""
        index = cls()
        for reading, lines in readings:
            units = {u.key: u for u in reading.units}
            for qual in reading.qualifications:
                members = [m.ref for m in qual.units]
                scope = QualificationScope(
                    qual.number, qual.title, members,
                    [m.ref for m in qual.units if m.group_kind == "mandatory"],
                    {key: units[key] for key in members}, lines,
                )
                for key in members:
                    for outcome in units[key].outcomes:
                        for criterion in outcome.criteria:
                            scope.criteria[(key, outcome.id, criterion.id)] = CriterionFacts(
                                qual.number, key, outcome.id, criterion.id, criterion.text, outcome.kind, outcome.text)
                index.scopes[qual.number] = scope
                for spec in reading.test_specs:
                    if scope.resolve(spec.unit):
                        index.test_specs.append((qual.number, spec))
        return index

    def scope(self, qualification: str) -> QualificationScope | None:
        return self.scopes.get(qualification)

    def criterion(self, qualification: str, unit: str, outcome: str, criterion: str) -> CriterionFacts | None:
        scope = self.scopes.get(qualification)
        key = scope.resolve(unit) if scope else None
        return scope.criteria.get((key, outcome, criterion)) if key else None

    def knowledge_criteria(self) -> list[CriterionFacts]:
        """Every knowledge criterion of every qualification (a shared unit counts in each)."""
        return [c for s in self.scopes.values() for c in s.criteria.values() if c.kind == "knowledge"]



def document_lines(path: Path) -> int:
    """Lines in a document as an editor numbers them (what a ``spec_line`` refers to)."""
    return path.read_bytes().count(b"\n") + 1


def load_bundled_index(bank: Path) -> CatalogueIndex:
    """Parse the bank's bundled specifications into an index (about a tenth of a second)."""
    from tutor.importer import parse_path

    readings = []
    for path in sorted((bank / "specifications").glob("*.txt")):
        reading = parse_path(path, bank / "errata")
        readings.append((reading, document_lines(path)))
    return CatalogueIndex.from_readings(readings)
