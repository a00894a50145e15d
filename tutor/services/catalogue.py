"""The catalogue service: store a document's reading, and read the current catalogue back.

One document is stored in one transaction: either every row of its reading is written or
none is. Readers get plain dataclasses, never live ORM rows, so the UI needs no session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from tutor.domain import catalogue as domain
from tutor.storage import catalogue_queries as q
from tutor.storage import tables as t
from tutor.storage.engine import describe_db_error, storage_error
from tutor.storage.first_screen import QualificationCounts  # the home screen's rows, read before this loads


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``new``, ``new version`` or ``unchanged``, and the counts it holds."""

    status: str
    identity: str
    version: int
    qualifications: list[QualificationCounts]


@dataclass(frozen=True)
class UnitSummary:
    key: str
    local_id: str | None
    title: str
    level: int | None
    credit: int | None
    glh: int | None
    outcomes: int
    knowledge_outcomes: int
    criteria: int


@dataclass(frozen=True)
class GroupView:
    name: str
    kind: str
    rule: str
    units: list[UnitSummary]


@dataclass(frozen=True)
class QualificationView:
    number: str
    title: str
    awarding_body: str
    level: int | None
    glh: int | None
    tqt: int | None
    credits: int | None
    rules_text: str
    groups: list[GroupView]
    tests: list[domain.TestSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Placement:
    qualification_number: str
    qualification_title: str
    group: str
    group_kind: str


@dataclass
class UnitView(domain.Unit):
    """A unit as the catalogue holds it (its ``key``: the regulator reference, else the body's code), with
    where it sits in each qualification that contains it."""

    placements: list[Placement] = field(default_factory=list)


class NotFound(LookupError):
    """No current qualification or unit has that reference."""


def reading_fingerprint(reading: domain.SpecReading) -> str:
    """A hash of what the catalogue would hold: unchanged by line numbers or line endings."""
    data = reading.to_reference_dict()
    for qual in data.get("qualifications", []):
        for member in qual["units"]:
            member.pop("table_line", None)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_identity(reading: domain.SpecReading) -> str:
    return ",".join(q.number for q in reading.qualifications)


class CatalogueService:
    """Catalogue operations over one engine; ``now`` is the injected clock."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    # -- writing -------------------------------------------------------------------------

    def import_reading(self, reading: domain.SpecReading, source_name: str) -> ImportResult:
        identity = document_identity(reading)
        fingerprint = reading_fingerprint(reading)
        try:
            with Session(self.engine) as session:
                current = q.current_document(session, identity)
                if current is not None and current.fingerprint == fingerprint:
                    return ImportResult("unchanged", identity, current.version, self._counts(session, current.id))
                version = 1
                if current is not None:
                    current.is_current = False
                    session.add(current)
                    version = current.version + 1
                document = t.DocumentVersion(
                    identity=identity,
                    version=version,
                    family=reading.family,
                    title=reading.qualifications[reading.primary].title,
                    fingerprint=fingerprint,
                    source_name=source_name,
                    errata_applied=len(reading.errata_applied),
                    imported_at=self.now(),
                )
                session.add(document)
                session.flush()
                _write_reading(session, document.id, reading)
                session.commit()
                status = "new" if version == 1 else "new version"
                return ImportResult(status, identity, version, self._counts(session, document.id))
        except SQLAlchemyError as exc:
            raise storage_error("use", "save", what=source_name, reason=describe_db_error(exc)) from None

    # -- reading -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with Session(self.engine) as session:
            row = session.get(t.Meta, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        try:
            with Session(self.engine) as session:
                row = session.get(t.Meta, key) or t.Meta(key=key, value=value)
                row.value = value
                session.add(row)
                session.commit()
        except SQLAlchemyError as exc:
            raise storage_error("use", "save", what=key, reason=describe_db_error(exc)) from None

    def table_counts(self) -> dict[str, int]:
        """Row counts of every catalogue table (used to show re-imports change nothing)."""
        models = (
            t.DocumentVersion, t.Qualification, t.RuleGroup, t.Unit, t.UnitMembership,
            t.AssessmentMethod, t.Outcome, t.Criterion, t.RangeTerm, t.TestSpecification,
            t.TestBlueprintRow,
        )
        with Session(self.engine) as session:
            return q.row_counts(session, models)

    def qualifications(self) -> list[QualificationCounts]:
        with Session(self.engine) as session:
            return [c for d in q.current_documents(session) for c in self._counts(session, d.id)]

    def qualification(self, number: str) -> QualificationView:
        with Session(self.engine) as session:
            qual = self._current_qualification(session, number)
            units = {u.id: u for u in q.document_units(session, qual.document_id)}
            stats = self._unit_stats(session, qual.document_id)
            members = q.memberships(session, qual.id)
            rule_groups = q.rule_groups(session, qual.id)
            by_group: dict[str, list[UnitSummary]] = {}
            kinds: dict[str, str] = {}
            for member in members:
                unit = units[member.unit_id]
                by_group.setdefault(member.group_name, []).append(_unit_summary(unit, stats.get(unit.id)))
                kinds.setdefault(member.group_name, member.group_kind)
            groups = [
                GroupView(g.name, g.kind, g.text, by_group.pop(g.name, [])) for g in rule_groups
            ] + [GroupView(name, kinds[name], "", us) for name, us in by_group.items()]
            tests = [self._test_spec(session, spec) for spec in q.test_specifications(session, qual.id)]
            return QualificationView(
                qual.number, qual.title, qual.awarding_body, qual.level, qual.glh, qual.tqt,
                qual.credits, qual.rules_text, groups, tests,
            )

    def unit(self, reference: str) -> UnitView:
        """The current version of a unit, by regulator reference or by the body's own code."""
        wanted = reference.strip()
        with Session(self.engine) as session:
            candidates = q.current_units_named(session, wanted)
            if not candidates:
                raise NotFound(f"no unit {reference!r} in the catalogue (try `tutor quals`, then a unit's reference)")
            if len({c.key for c in candidates}) > 1:
                keys = ", ".join(sorted({c.key for c in candidates}))
                raise NotFound(f"{reference!r} names several units ({keys}); give the regulator reference")
            unit = candidates[0]
            return self._unit_view(session, unit)

    def units_matching(self, text: str, limit: int = 50) -> list[tuple[str, str, str]]:
        """(key, local id, title) of current units whose key, code or title contains ``text``."""
        with Session(self.engine) as session:
            rows = q.current_units_matching(session, text, limit)
            return [(u.key, u.local_id or "", u.title) for u in rows]

    # -- helpers -------------------------------------------------------------------------

    def _current_qualification(self, session: Session, number: str) -> t.Qualification:
        qual = q.current_qualification(session, number.strip())
        if qual is None:
            raise NotFound(f"no qualification {number!r} in the catalogue")
        return qual

    def _unit_stats(self, session: Session, document_id: int) -> dict[int, tuple[int, int, int]]:
        """unit id -> (outcomes, knowledge outcomes, criteria)."""
        stats: dict[int, list[int]] = {}
        for unit_id, kind, criteria in q.outcome_sizes(session, document_id):
            entry = stats.setdefault(unit_id, [0, 0, 0])
            entry[0] += 1
            entry[1] += kind == domain.KNOWLEDGE
            entry[2] += criteria
        return {k: (v[0], v[1], v[2]) for k, v in stats.items()}

    def _counts(self, session: Session, document_id: int) -> list[QualificationCounts]:
        out = []
        for qual in q.document_qualifications(session, document_id):
            rows = q.outcome_counts(session, qual.id)
            units = q.unit_count(session, qual.id)
            outcomes = sum(r[1] for r in rows)
            criteria = sum(r[2] for r in rows)
            knowledge = sum(r[2] for r in rows if r[0] == domain.KNOWLEDGE)
            out.append(QualificationCounts(
                qual.number, qual.title, qual.awarding_body, qual.level, units, outcomes, criteria, knowledge
            ))
        return out

    def _unit_view(self, session: Session, unit: t.Unit) -> UnitView:
        outcomes = []
        for outcome in q.unit_outcomes(session, unit.id):
            criteria = q.outcome_criteria(session, outcome.id)
            outcomes.append(domain.Outcome(
                outcome.number, outcome.text, outcome.kind,  # type: ignore[arg-type]
                [domain.Criterion(c.number, c.text) for c in criteria],
            ))
        range_terms: dict[str, list[str]] = {}
        for term in q.range_terms(session, unit.id):
            range_terms.setdefault(term.heading, []).append(term.text)
        methods = q.assessment_methods(session, unit.id)
        placements = [Placement(qual.number, qual.title, m.group_name, m.group_kind)
                      for m, qual in q.placements(session, unit.id)]
        # Its key is domain.Unit.key, the rule the stored key was written by (reference, else the body's code).
        return UnitView(unit.ref, unit.local_id, unit.title, unit.level, unit.glh, unit.credit, group="",
                        assessment_methods=list(methods), outcomes=outcomes, range=range_terms,
                        guidance=unit.guidance, placements=placements)

    def _test_spec(self, session: Session, spec: t.TestSpecification) -> domain.TestSpec:
        rows = q.blueprint_rows(session, spec.id)
        return domain.TestSpec(
            spec.unit_key, spec.unit_title, spec.format, spec.duration_minutes, spec.total_questions,
            spec.pass_mark, spec.pass_mark_text, spec.grading, spec.materials,
            [domain.TestOutcomeShare(r.outcome_number, r.title, r.questions, r.percentage) for r in rows],
            sum(r.percentage for r in rows),
        )


def _unit_summary(unit: t.Unit, stats: tuple[int, int, int] | None) -> UnitSummary:
    outcomes, knowledge, criteria = stats or (0, 0, 0)
    return UnitSummary(unit.key, unit.local_id, unit.title, unit.level, unit.credit, unit.glh,
                       outcomes, knowledge, criteria)


def _write_reading(session: Session, document_id: int, reading: domain.SpecReading) -> None:
    """Add every row of a reading under one document version (the caller commits)."""
    unit_ids: dict[str, int] = {}
    for position, unit in enumerate(reading.units):
        row = t.Unit(
            document_id=document_id, position=position, key=unit.key, ref=unit.ref, local_id=unit.local_id,
            title=unit.title, level=unit.level, glh=unit.glh, credit=unit.credit, group_text=unit.group,
            guidance=unit.guidance, source_line=unit.source_line,
        )
        session.add(row)
        session.flush()
        unit_ids[unit.key] = row.id
        session.add_all(_unit_children(row.id, unit))
        for number, outcome in enumerate(unit.outcomes):
            orow = t.Outcome(unit_id=row.id, position=number, number=outcome.id, text=outcome.text, kind=outcome.kind)
            session.add(orow)
            session.flush()
            session.add_all(
                t.Criterion(outcome_id=orow.id, position=i, number=c.id, text=c.text)
                for i, c in enumerate(outcome.criteria)
            )
    for position, qual in enumerate(reading.qualifications):
        qrow = t.Qualification(
            document_id=document_id, position=position, number=qual.number, title=qual.title,
            awarding_body=qual.awarding_body, level=qual.level, glh=qual.glh, tqt=qual.tqt,
            credits=qual.credits, accreditation_start=qual.accreditation_start,
            rules_text=qual.rules_of_combination,
        )
        session.add(qrow)
        session.flush()
        session.add_all(
            t.RuleGroup(qualification_id=qrow.id, position=i, name=g.name, kind=g.kind,
                        min_credits=g.min_credits, max_credits=g.max_credits,
                        min_units=g.min_units, max_units=g.max_units, text=g.text)
            for i, g in enumerate(qual.rule_groups)
        )
        session.add_all(
            t.UnitMembership(qualification_id=qrow.id, unit_id=unit_ids[m.ref], position=i,
                             group_name=m.group, group_kind=m.group_kind, table_line=m.table_line,
                             table_ref=m.table_ref, table_credit=m.table_credit)
            for i, m in enumerate(qual.units)
        )
        member_keys = {m.ref for m in qual.units}
        for spec in reading.test_specs:
            if spec.unit in member_keys or any(
                u.local_id == spec.unit and u.key in member_keys for u in reading.units
            ):
                _write_test_spec(session, qrow.id, unit_ids, reading, spec)


def _unit_children(unit_id: int, unit: domain.Unit) -> Iterable[object]:
    for i, method in enumerate(unit.assessment_methods):
        yield t.AssessmentMethod(unit_id=unit_id, position=i, text=method)
    position = 0
    for heading, terms in unit.range.items():
        for term in terms:
            yield t.RangeTerm(unit_id=unit_id, position=position, heading=heading, text=term)
            position += 1


def _write_test_spec(session: Session, qual_id: int, unit_ids: dict[str, int],
                     reading: domain.SpecReading, spec: domain.TestSpec) -> None:
    unit = next((u for u in reading.units if spec.unit in (u.key, u.local_id)), None)
    row = t.TestSpecification(
        qualification_id=qual_id, unit_id=unit_ids.get(unit.key) if unit else None, unit_key=spec.unit,
        unit_title=spec.unit_title, format=spec.format, duration_minutes=spec.duration_minutes,
        total_questions=spec.total_questions, pass_mark=spec.pass_mark, pass_mark_text=spec.pass_mark_text,
        grading=spec.grading, materials=spec.where_to_obtain_materials,
    )
    session.add(row)
    session.flush()
    session.add_all(
        t.TestBlueprintRow(test_id=row.id, position=i, outcome_number=o.outcome, title=o.title,
                           questions=o.questions, percentage=o.percentage)
        for i, o in enumerate(spec.outcomes)
    )
