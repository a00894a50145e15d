"""The bank as a whole: load it, generate practice items, check everything, and count coverage.

This is what ``tutor bank check``, ``stats`` and ``coverage`` report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.bank.catalogue_index import CatalogueIndex, load_bundled_index
from tutor.bank.checks import FormReport, Problem, check_bank, check_items, form_reports
from tutor.bank.generator import ItemGenerator
from tutor.bank.model import Bank, Item, load_bank
from tutor.bank.prompts import OpenPrompt, open_prompt
from tutor.bank.stats import CueStats, cue_stats
from tutor.rendering import TextRenderer


@dataclass(frozen=True)
class CoverageRow:
    qualification: str
    title: str
    knowledge_criteria: int
    with_sheet: int
    with_authored_items: int
    with_generated_items: int
    with_open_prompt: int


@dataclass
class BankAudit:
    bank: Bank
    index: CatalogueIndex
    generated: list[Item]
    prompts: list[OpenPrompt]

    @property
    def all_items(self) -> list[Item]:
        return self.bank.items + self.generated

    def problems(self) -> list[Problem]:
        return check_bank(self.bank, self.index) + _generated_problems(self.bank.items, self.generated, self.index)

    def forms(self) -> list[FormReport]:
        return form_reports(self.bank.items, self.index)

    def secure_stats(self, unit: str) -> CueStats:
        key = self.index.resolve_unit(unit)
        return cue_stats([i for i in self.bank.items if i.use == "secure" and self.index.resolve_unit(i.ref.unit) == key])

    def coverage(self) -> list[CoverageRow]:
        def keys(items: list[Item]) -> set[tuple[str, str, str]]:
            return {(self.index.resolve_unit(i.ref.unit) or "", i.ref.outcome, i.ref.criterion) for i in items}

        sheets = {(self.index.resolve_unit(e.ref.unit) or "", e.ref.outcome, e.ref.criterion) for e in self.bank.sheets}
        authored, generated = keys(self.bank.items), keys(self.generated)
        prompted = {(p.criterion.unit, p.criterion.outcome, p.criterion.criterion) for p in self.prompts}
        rows = []
        for number, units in self.index.qualification_units.items():
            criteria = {(c.unit, c.outcome, c.criterion) for u in units for c in self.index.knowledge_criteria(u)}
            rows.append(CoverageRow(
                number, self.index.qualification_titles[number], len(criteria), len(criteria & sheets),
                len(criteria & authored), len(criteria & generated), len(criteria & prompted),
            ))
        return rows


def _generated_problems(authored: list[Item], generated: list[Item], index: CatalogueIndex) -> list[Problem]:
    """Generated items pass the same checks as authored ones, against the authored bank."""
    secure = [i for i in authored if i.use == "secure"]
    ids = {i.id for i in secure}
    return [p for p in check_items(secure + generated, index) if p.item not in ids]


def audit_bank(bank_dir: Path, templates: Path, index: CatalogueIndex | None = None) -> BankAudit:
    index = index or load_bundled_index(bank_dir)
    bank = load_bank(bank_dir)
    renderer = TextRenderer(templates)
    generated = ItemGenerator(renderer).generate_all(
        [e for e in bank.sheets if index.criteria.get((index.resolve_unit(e.ref.unit) or "", e.ref.outcome, e.ref.criterion))]
    )
    prompts = [
        open_prompt(criterion, index.units[criterion.unit], renderer)
        for criterion in index.criteria.values() if criterion.kind == "knowledge"
    ]
    return BankAudit(bank, index, generated, prompts)
