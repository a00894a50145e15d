"""The bank as a whole: load it, generate practice items, check everything, and count coverage.

This is what ``tutor bank check``, ``stats`` and ``coverage`` report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.bank.catalogue_index import CatalogueIndex, load_bundled_index
from tutor.bank.checks import FormReport, Problem, check_bank, check_items, form_reports
from tutor.bank.generator import ItemGenerator
from tutor.bank.model import Bank, CriterionRef, Item, load_bank
from tutor.bank.prompts import OpenPrompt, open_prompt
from tutor.bank.secure_audit import PoolAudit, audit_secure_pool
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

    def secure_stats(self, qualification: str, unit: str) -> CueStats:
        key = unit_key(self.index, qualification, unit)
        return cue_stats([i for i in self.bank.items if i.use == "secure" and i.status == "approved"
                          and i.ref.qualification == qualification
                          and unit_key(self.index, qualification, i.ref.unit) == key])

    def secure_audits(self) -> list[PoolAudit]:
        """Per test specification: its approved secure pool audited against the unit's practice items."""
        audits = []
        for qualification, spec in self.index.test_specs:
            key = unit_key(self.index, qualification, spec.unit)
            unit_items = [i for i in self.all_items if i.ref.qualification == qualification
                          and unit_key(self.index, qualification, i.ref.unit) == key]
            secure = [i for i in unit_items if i.use == "secure" and i.status == "approved"
                      and i.kind in ("single_best", "negative")]
            practice = [i for i in unit_items if i.use == "practice"]
            audits.append(audit_secure_pool(spec.unit, secure, practice, spec.blueprint()))
        return audits

    def _key(self, ref: CriterionRef) -> tuple[str, str, str, str] | None:
        facts = self.index.criterion(ref.qualification, ref.unit, ref.outcome, ref.criterion)
        return (facts.qualification, facts.unit, facts.outcome, facts.criterion) if facts else None

    def coverage(self) -> list[CoverageRow]:
        def keys(refs: list[CriterionRef]) -> set:
            return {self._key(ref) for ref in refs}

        # A sheet or item written for one qualification's wording covers the same criterion of
        # every qualification that shares the unit (Pearson's three levels share their units).
        def spread(covered: set) -> set[tuple[str, str, str]]:
            return {key[1:] for key in covered if key}

        sheets = spread(keys([e.ref for e in self.bank.sheets]))
        authored = spread(keys([i.ref for i in self.bank.items]))
        generated = spread(keys([i.ref for i in self.generated]))
        prompted = {(p.criterion.qualification, p.criterion.unit, p.criterion.outcome, p.criterion.criterion)
                    for p in self.prompts}
        rows = []
        for number, scope in self.index.scopes.items():
            criteria = {(c.unit, c.outcome, c.criterion) for u in scope.unit_keys for c in scope.knowledge_criteria(u)}
            rows.append(CoverageRow(
                number, scope.title, len(criteria), len(criteria & sheets), len(criteria & authored),
                len(criteria & generated), len({(number, *c) for c in criteria} & prompted),
            ))
        return rows


def unit_key(index: CatalogueIndex, qualification: str, code: str) -> str | None:
    scope = index.scope(qualification)
    return scope.resolve(code) if scope else None


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
        [e for e in bank.sheets if index.criterion(e.ref.qualification, e.ref.unit, e.ref.outcome, e.ref.criterion)]
    )
    prompts = [open_prompt(c, index.scopes[c.qualification].units[c.unit], renderer) for c in index.knowledge_criteria()]
    return BankAudit(bank, index, generated, prompts)
