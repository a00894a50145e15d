"""Queries on the stored catalogue: documents and their versions, qualifications, units, outcomes,
criteria, rules of combination and test specifications.

"Current" means in the current version of its document; a criterion's or unit's "versions" are the
rows of the same criterion or unit in every imported version of its document.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, or_
from sqlmodel import Session, select

from tutor.storage import tables as t

# -- documents and qualifications ----------------------------------------------------------------


def current_document(session: Session, identity: str) -> t.DocumentVersion | None:
    return session.exec(select(t.DocumentVersion).where(
        t.DocumentVersion.identity == identity, t.DocumentVersion.is_current)).first()


def current_documents(session: Session) -> list[t.DocumentVersion]:
    return list(session.exec(select(t.DocumentVersion).where(t.DocumentVersion.is_current)
                             .order_by(t.DocumentVersion.id)).all())


def row_counts(session: Session, models: tuple[type, ...]) -> dict[str, int]:
    """Rows in each table, by table name."""
    return {m.__tablename__: session.exec(select(func.count()).select_from(m)).one() for m in models}


def current_qualification(session: Session, number: str) -> t.Qualification | None:
    """The qualification of that number in the current version of its document."""
    return session.exec(select(t.Qualification).join(
        t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
        .where(t.DocumentVersion.is_current, t.Qualification.number == number)).first()


def document_qualifications(session: Session, document_id: int) -> list[t.Qualification]:
    return list(session.exec(select(t.Qualification).where(t.Qualification.document_id == document_id)
                             .order_by(t.Qualification.position)).all())


def outcome_counts(session: Session, qualification_id: int) -> list[tuple[str, int, int]]:
    """(outcome kind, outcomes, criteria) over the qualification's units."""
    return list(session.exec(
        select(t.Outcome.kind, func.count(func.distinct(t.Outcome.id)), func.count(t.Criterion.id))
        .join(t.UnitMembership, t.UnitMembership.unit_id == t.Outcome.unit_id)
        .join(t.Criterion, t.Criterion.outcome_id == t.Outcome.id)
        .where(t.UnitMembership.qualification_id == qualification_id)
        .group_by(t.Outcome.kind)).all())


def unit_count(session: Session, qualification_id: int) -> int:
    return session.exec(select(func.count()).select_from(t.UnitMembership)
                        .where(t.UnitMembership.qualification_id == qualification_id)).one()


def memberships(session: Session, qualification_id: int) -> list[t.UnitMembership]:
    """The qualification's units in table order."""
    return list(session.exec(select(t.UnitMembership).where(t.UnitMembership.qualification_id == qualification_id)
                             .order_by(t.UnitMembership.position)).all())


def qualification_units(session: Session, qualification_id: int) -> list[tuple[str, str]]:
    """(unit key, unit title) of the qualification's units in table order."""
    return list(session.exec(select(t.Unit.key, t.Unit.title).join(
        t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
        .where(t.UnitMembership.qualification_id == qualification_id).order_by(t.UnitMembership.position)).all())


def rule_groups(session: Session, qualification_id: int) -> list[t.RuleGroup]:
    return list(session.exec(select(t.RuleGroup).where(t.RuleGroup.qualification_id == qualification_id)
                             .order_by(t.RuleGroup.position)).all())


def test_specifications(session: Session, qualification_id: int) -> list[t.TestSpecification]:
    return list(session.exec(select(t.TestSpecification)
                             .where(t.TestSpecification.qualification_id == qualification_id)).all())


def current_test(session: Session, unit_key: str) -> tuple[t.TestSpecification, str] | None:
    """The awarding body's test specification of a unit in the current catalogue, with the number of its
    qualification."""
    return session.exec(
        select(t.TestSpecification, t.Qualification.number)
        .join(t.Qualification, t.Qualification.id == t.TestSpecification.qualification_id)
        .join(t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
        .where(t.DocumentVersion.is_current, t.TestSpecification.unit_key == unit_key)
    ).first()


def blueprint_rows(session: Session, test_id: int) -> list[t.TestBlueprintRow]:
    return list(session.exec(select(t.TestBlueprintRow).where(t.TestBlueprintRow.test_id == test_id)
                             .order_by(t.TestBlueprintRow.position)).all())


# -- units ---------------------------------------------------------------------------------------


def document_units(session: Session, document_id: int) -> list[t.Unit]:
    return list(session.exec(select(t.Unit).where(t.Unit.document_id == document_id)).all())


def _current_units():
    current_docs = select(t.DocumentVersion.id).where(t.DocumentVersion.is_current)
    return select(t.Unit).where(t.Unit.document_id.in_(current_docs))


def current_unit(session: Session, reference: str) -> t.Unit | None:
    """A current unit whose regulator reference or body's own code is exactly ``reference``."""
    return session.exec(
        select(t.Unit).join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
        .where(t.DocumentVersion.is_current, (t.Unit.key == reference) | (t.Unit.local_id == reference))
    ).first()


def current_units_named(session: Session, reference: str) -> list[t.Unit]:
    """Current units whose regulator reference or body's own code is ``reference`` (any case)."""
    wanted = reference.lower()
    return list(session.exec(_current_units().where(
        (func.lower(t.Unit.key) == wanted) | (func.lower(t.Unit.local_id) == wanted))).all())


def current_units_matching(session: Session, text: str, limit: int) -> list[t.Unit]:
    """Current units whose key, code or title contains ``text`` (any case), in document order."""
    like = f"%{text.lower()}%"
    return list(session.exec(_current_units().where(
        func.lower(t.Unit.key).like(like)
        | func.lower(t.Unit.title).like(like)
        | func.lower(func.coalesce(t.Unit.local_id, "")).like(like)
    ).order_by(t.Unit.document_id, t.Unit.position).limit(limit)).all())


def outcome_sizes(session: Session, document_id: int) -> list[tuple[int, str, int]]:
    """(unit id, outcome kind, criteria) of every outcome of a document."""
    return list(session.exec(
        select(t.Outcome.unit_id, t.Outcome.kind, func.count(t.Criterion.id))
        .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
        .join(t.Criterion, t.Criterion.outcome_id == t.Outcome.id, isouter=True)
        .where(t.Unit.document_id == document_id)
        .group_by(t.Outcome.id)).all())


def unit_outcomes(session: Session, unit_id: int) -> list[t.Outcome]:
    return list(session.exec(select(t.Outcome).where(t.Outcome.unit_id == unit_id)
                             .order_by(t.Outcome.position)).all())


def outcome_criteria(session: Session, outcome_id: int) -> list[t.Criterion]:
    return list(session.exec(select(t.Criterion).where(t.Criterion.outcome_id == outcome_id)
                             .order_by(t.Criterion.position)).all())


def range_terms(session: Session, unit_id: int) -> list[t.RangeTerm]:
    return list(session.exec(select(t.RangeTerm).where(t.RangeTerm.unit_id == unit_id)
                             .order_by(t.RangeTerm.position)).all())


def assessment_methods(session: Session, unit_id: int) -> list[str]:
    return list(session.exec(select(t.AssessmentMethod.text).where(t.AssessmentMethod.unit_id == unit_id)
                             .order_by(t.AssessmentMethod.position)).all())


def placements(session: Session, unit_id: int) -> list[tuple[t.UnitMembership, t.Qualification]]:
    """Where a unit stands in its document's qualifications, in qualification order."""
    return list(session.exec(
        select(t.UnitMembership, t.Qualification)
        .join(t.Qualification, t.Qualification.id == t.UnitMembership.qualification_id)
        .where(t.UnitMembership.unit_id == unit_id)
        .order_by(t.Qualification.position)).all())


def unit_qualification(session: Session, unit_id: int) -> str | None:
    """The number of the first qualification (in qualification order) the unit belongs to."""
    placed = placements(session, unit_id)
    return placed[0][1].number if placed else None


def criterion_count(session: Session, outcome_id: int) -> int:
    """How many criteria an outcome has."""
    return session.exec(select(func.count()).select_from(t.Criterion).where(t.Criterion.outcome_id == outcome_id)).one()


def unit_versions(session: Session, unit: t.Unit) -> list[int]:
    """The ids of one unit in every imported version of its document (itself included)."""
    identity = select(t.DocumentVersion.identity).where(t.DocumentVersion.id == unit.document_id).scalar_subquery()
    ids = session.exec(select(t.Unit.id).join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
                       .where(t.DocumentVersion.identity == identity, t.Unit.key == unit.key)).all()
    return sorted(set(ids) | {unit.id})


# -- criteria ------------------------------------------------------------------------------------


class CriterionRow(NamedTuple):
    criterion_id: int
    unit_id: int
    unit_key: str
    unit_local_id: str | None
    outcome: str
    number: str
    kind: str
    text: str


def qualification_criteria(session: Session, qualification_id: int, unit: str | None = None,
                           number: str | None = None) -> list[CriterionRow]:
    """The qualification's criteria in order; or one unit's (by key or code, any case), or one
    criterion of it (by number)."""
    query = (select(t.Criterion.id, t.Unit.id, t.Unit.key, t.Unit.local_id, t.Outcome.number, t.Criterion.number,
                    t.Outcome.kind, t.Criterion.text)
             .join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
             .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
             .join(t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
             .where(t.UnitMembership.qualification_id == qualification_id)
             .order_by(t.UnitMembership.position, t.Outcome.position, t.Criterion.position))
    if unit is not None:
        wanted = unit.lower()
        query = query.where(or_(func.lower(t.Unit.key) == wanted, func.lower(t.Unit.local_id) == wanted))
    if number is not None:
        query = query.where(t.Criterion.number == number)
    return [CriterionRow(*row) for row in session.exec(query).all()]


def _criteria_in_documents(*columns):
    """A select of ``columns`` over criteria joined to their outcome, unit and document version."""
    return (select(*columns).select_from(t.Criterion).join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
            .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
            .join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id))


def earlier_criteria(session: Session, document: t.DocumentVersion,
                     unit_keys: set[str]) -> list[tuple[int, int, str, str, str]]:
    """(criterion id, unit id, unit key, outcome number, criterion number) of the named units in every
    other imported version of a document."""
    return list(session.exec(_criteria_in_documents(t.Criterion.id, t.Unit.id, t.Unit.key, t.Outcome.number,
                                                    t.Criterion.number)
                             .where(t.DocumentVersion.identity == document.identity,
                                    t.DocumentVersion.id != document.id, t.Unit.key.in_(unit_keys))))


def criterion_versions(session: Session, criterion_id: int) -> dict[int, str]:
    """One criterion in every imported version of its document (itself included): id -> wording."""
    row = session.exec(_criteria_in_documents(t.Unit.key, t.Outcome.number, t.Criterion.number,
                                              t.DocumentVersion.identity)
                       .where(t.Criterion.id == criterion_id)).first()
    if row is None:
        return {criterion_id: ""}
    unit_key, outcome, number, identity = row
    return dict(session.exec(_criteria_in_documents(t.Criterion.id, t.Criterion.text)
                             .where(t.DocumentVersion.identity == identity, t.Unit.key == unit_key,
                                    t.Outcome.number == outcome, t.Criterion.number == number)).all())


def criterion_texts(session: Session, criterion_ids: list[int]) -> dict[int, str]:
    """Each criterion's wording, by id."""
    return dict(session.exec(select(t.Criterion.id, t.Criterion.text).where(t.Criterion.id.in_(criterion_ids))).all())


def unit_has_criterion(session: Session, unit_id: int, criterion_id: int) -> bool:
    return session.exec(select(t.Criterion.id).join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
                        .where(t.Criterion.id == criterion_id, t.Outcome.unit_id == unit_id)).first() is not None


def current_criterion_id(session: Session, qualification: str, unit: str, outcome: str,
                         criterion: str) -> int | None:
    """A criterion of the current catalogue by qualification number, unit (key or code), outcome
    and criterion number."""
    return session.exec(
        select(t.Criterion.id)
        .join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
        .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
        .join(t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
        .join(t.Qualification, t.Qualification.id == t.UnitMembership.qualification_id)
        .join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
        .where(t.DocumentVersion.is_current, t.Qualification.number == qualification,
               (t.Unit.key == unit) | (t.Unit.local_id == unit),
               t.Outcome.number == outcome, t.Criterion.number == criterion)
    ).first()
