"""The catalogue's domain model: what a specification document says, as plain dataclasses.

A parser turns one document into a :class:`SpecReading`; the storage layer turns a reading
into rows. ``SpecReading.to_reference_dict`` gives the JSON shape of the hand-checked
reference readings, which is also what ``tutor spec parse`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeKind = Literal["knowledge", "competence"]
KNOWLEDGE: OutcomeKind = "knowledge"
COMPETENCE: OutcomeKind = "competence"


@dataclass(frozen=True)
class Criterion:
    """One assessment criterion, e.g. ``1.2 Describe ...``."""

    id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text}


@dataclass
class Outcome:
    """A learning outcome and its criteria; ``kind`` says whether questions can assess it."""

    id: str
    text: str
    kind: OutcomeKind
    criteria: list[Criterion] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "criteria": [c.to_dict() for c in self.criteria],
        }


@dataclass
class Unit:
    """A unit specification as printed in the document.

    ``ref`` is the regulator's unit reference (``A/506/2130``) where the document gives one;
    ``local_id`` is the awarding body's own code (``2794-201``, ``CS1``, ``Unit 1``).
    ``group`` is the reference reading's one-line description of the unit's place in the
    structure; the exact memberships are on :class:`Qualification`.
    """

    ref: str | None
    local_id: str | None
    title: str
    level: int | None
    glh: int | None
    credit: int | None
    group: str
    assessment_methods: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    range: dict[str, list[str]] = field(default_factory=dict)
    guidance: str = ""
    source_line: int | None = None

    @property
    def key(self) -> str:
        """The unit's identity: regulator reference where one exists, else the body's own code."""
        key = self.ref or self.local_id
        if not key:
            raise ValueError(f"unit {self.title!r} has neither a reference nor a code")
        return key

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "local_id": self.local_id,
            "title": self.title,
            "level": self.level,
            "glh": self.glh,
            "credit": self.credit,
            "group": self.group,
            "assessment_methods": list(self.assessment_methods),
            "outcomes": [o.to_dict() for o in self.outcomes],
            "range": {k: list(v) for k, v in self.range.items()},
            "guidance": self.guidance,
        }


@dataclass
class Membership:
    """A unit's place in one qualification: its group there and how the table printed it."""

    ref: str  # the unit's key (see Unit.key)
    group: str  # e.g. "A", "C1", "mandatory", "Optional Group B"
    group_kind: Literal["mandatory", "optional"]
    table_line: int | None = None
    table_ref: str | None = None  # the reference as the table printed it, when it differs
    table_credit: int | None = None  # the credit as the table printed it, when it differs

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.ref,
            "group": self.group,
            "group_kind": self.group_kind,
            "table_line": self.table_line,
        }
        if self.table_ref is not None:
            out["table_ref"] = self.table_ref
        if self.table_credit is not None:
            out["table_credit"] = self.table_credit
        return out


@dataclass
class RuleGroup:
    """One group of the rules of combination, with the limits the document states for it."""

    name: str
    kind: Literal["mandatory", "optional"]
    min_credits: int | None = None
    max_credits: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    text: str = ""  # the rule as the document words it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "min_credits": self.min_credits,
            "max_credits": self.max_credits,
            "min_units": self.min_units,
            "max_units": self.max_units,
            "text": self.text,
        }


@dataclass
class Qualification:
    """A qualification: its headline facts, rules of combination and unit memberships."""

    title: str
    number: str
    awarding_body: str
    level: int | None
    glh: int | None
    tqt: int | None
    credits: int | None
    rules_of_combination: str
    accreditation_start: str | None = None
    rule_groups: list[RuleGroup] = field(default_factory=list)
    units: list[Membership] = field(default_factory=list)

    def to_dict(self, with_units: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "number": self.number,
            "awarding_body": self.awarding_body,
            "level": self.level,
            "glh": self.glh,
            "tqt": self.tqt,
            "credits": self.credits,
        }
        if self.accreditation_start is not None:
            out["accreditation_start"] = self.accreditation_start
        out["rules_of_combination"] = self.rules_of_combination
        out["rule_groups"] = [g.to_dict() for g in self.rule_groups]
        if with_units:
            out["units"] = [m.to_dict() for m in self.units]
        return out


@dataclass
class TestOutcomeShare:
    """How many questions of a test come from one learning outcome (the blueprint)."""

    outcome: str
    title: str
    questions: int
    percentage: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "title": self.title,
            "questions": self.questions,
            "percentage": self.percentage,
        }


@dataclass
class TestSpec:
    """An externally set test, e.g. the 2794-210 online multiple-choice test."""

    __test__ = False  # not a pytest test class

    unit: str
    unit_title: str
    format: str
    duration_minutes: int
    total_questions: int
    pass_mark: int
    pass_mark_text: str
    grading: str
    where_to_obtain_materials: str | None
    outcomes: list[TestOutcomeShare] = field(default_factory=list)
    total_percentage: int = 100

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "unit_title": self.unit_title,
            "format": self.format,
            "duration_minutes": self.duration_minutes,
            "total_questions": self.total_questions,
            "pass_mark": self.pass_mark,
            "pass_mark_text": self.pass_mark_text,
            "grading": self.grading,
            "where_to_obtain_materials": self.where_to_obtain_materials,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "total_percentage": self.total_percentage,
        }

    def blueprint(self) -> dict[str, int]:
        return {o.outcome: o.questions for o in self.outcomes}


@dataclass
class SpecReading:
    """Everything one specification document says that the catalogue keeps.

    A document may hold several qualifications sharing one pool of units (Pearson).
    ``primary`` indexes the qualification the reference reading puts first.
    """

    family: str
    qualifications: list[Qualification]
    units: list[Unit]
    test_specs: list[TestSpec] = field(default_factory=list)
    primary: int = 0
    extras: dict[str, Any] = field(default_factory=dict)
    errata_applied: list[str] = field(default_factory=list)

    def unit(self, key: str) -> Unit:
        for unit in self.units:
            if unit.key == key or unit.local_id == key:
                return unit
        raise KeyError(key)

    def to_reference_dict(self, seed: str | None = None) -> dict[str, Any]:
        """The reading in the shape of the reference JSON files."""
        out: dict[str, Any] = {}
        if seed is not None:
            out["seed"] = seed
        out["family"] = self.family
        multi = len(self.qualifications) > 1
        out["qualification"] = self.qualifications[self.primary].to_dict(with_units=False)
        if multi:
            out["qualifications"] = [q.to_dict(with_units=True) for q in self.qualifications]
        if self.test_specs:
            out["test_spec"] = self.test_specs[0].to_dict()
        out.update(self.extras)
        out["units"] = [u.to_dict() for u in self.units]
        return out

    def counts(self) -> dict[str, int]:
        outcomes = [o for u in self.units for o in u.outcomes]
        return {
            "units": len(self.units),
            "outcomes": len(outcomes),
            "criteria": sum(len(o.criteria) for o in outcomes),
        }
