"""The bank as a whole: load it, generate practice items, check everything, and count coverage.

This is what ``tutor bank check``, ``stats`` and ``coverage`` report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.bank.catalogue_index import CatalogueIndex, CriterionFacts, load_bundled_index
from tutor.bank.checks import FormReport, Problem, check_bank, check_items, form_reports
from tutor.bank.generator import ItemGenerator
from tutor.bank.model import Bank, CriterionRef, Item, SheetEntry, load_bank
from tutor.bank.prompts import OpenPrompt, open_prompt
from tutor.bank.secure_audit import PoolAudit, audit_secure_pool, exposing_items
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
    # (unit key, outcome, criterion) -> the sheet entries written for it, in any qualification's wording
    _sheets: dict[tuple[str, str, str], list[SheetEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._sheets:
            self._sheets = index_sheets(self.bank.sheets, self.index)

    def sheet_for(self, facts: CriterionFacts) -> SheetEntry | None:
        """The sheet entry the chat uses for this criterion of this qualification: one written for the
        qualification's own wording if there is one, else one written for the same unit (same regulated
        reference or code) in another qualification that contains it."""
        return pick_sheet(self._sheets, facts)

    def items_for(self, entry: SheetEntry) -> list[Item]:
        """The generated practice items made from ``entry``."""
        return [i for i in self.generated if i.ref == entry.ref]

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
        """Per qualification, its knowledge criteria and how many the chat can practise with a sheet
        (counting only the sheet it actually uses there), authored items, generated items and prompts."""
        def keys(refs: list[CriterionRef]) -> set:
            return {self._key(ref) for ref in refs}

        # An authored item written for one qualification's wording covers the same criterion of
        # every qualification that shares the unit (Pearson's three levels share their units).
        authored = {key[1:] for key in keys([i.ref for i in self.bank.items]) if key}
        with_items = {i.ref for i in self.generated}
        prompted = {(p.criterion.qualification, p.criterion.unit, p.criterion.outcome, p.criterion.criterion)
                    for p in self.prompts}
        rows = []
        for number, scope in self.index.scopes.items():
            criteria = [c for u in scope.unit_keys for c in scope.knowledge_criteria(u)]
            served = [self.sheet_for(c) for c in criteria]
            rows.append(CoverageRow(
                number, scope.title, len(criteria),
                sum(1 for e in served if e is not None),
                sum(1 for c in criteria if (c.unit, c.outcome, c.criterion) in authored),
                sum(1 for e in served if e is not None and e.ref in with_items),
                sum(1 for c in criteria if (number, c.unit, c.outcome, c.criterion) in prompted),
            ))
        return rows


def index_sheets(entries: list[SheetEntry], index: CatalogueIndex) -> dict[tuple[str, str, str], list[SheetEntry]]:
    """Sheet entries by the (unit key, outcome, criterion) they are written for."""
    out: dict[tuple[str, str, str], list[SheetEntry]] = {}
    for entry in entries:
        facts = index.criterion(entry.ref.qualification, entry.ref.unit, entry.ref.outcome, entry.ref.criterion)
        if facts is not None:
            out.setdefault((facts.unit, facts.outcome, facts.criterion), []).append(entry)
    return out


def pick_sheet(sheets: dict[tuple[str, str, str], list[SheetEntry]], facts: CriterionFacts) -> SheetEntry | None:
    candidates = sheets.get((facts.unit, facts.outcome, facts.criterion), [])
    own = [e for e in candidates if e.ref.qualification == facts.qualification]
    return (own or candidates or [None])[0]


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
    # A generated item that would show one of its unit's secure options (in any wording) is never made:
    # secure items stay secure (the audit's exposure check, applied at the source).
    secure_by_unit: dict[tuple[str, str], list[Item]] = {}
    for item in bank.items:
        if item.use == "secure" and item.status != "retired":
            secure_by_unit.setdefault((item.ref.qualification, item.ref.unit), []).append(item)
    exposing: set[str] = set()
    for (qualification, unit), secure in secure_by_unit.items():
        key = unit_key(index, qualification, unit)
        practice = [i for i in generated if unit_key(index, i.ref.qualification, i.ref.unit) == key]
        exposing |= exposing_items(secure, practice)
    generated = [i for i in generated if i.id not in exposing]
    sheets = index_sheets(bank.sheets, index)
    prompts = [open_prompt(c, index.scopes[c.qualification].units[c.unit], renderer, pick_sheet(sheets, c))
               for c in index.knowledge_criteria()]
    return BankAudit(bank, index, generated, prompts, sheets)
