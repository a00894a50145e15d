"""Queries on the question bank as stored: a test's secure pool, items sent back to review, the items a
candidate has already sat, the stored versions of a form's items, the rows a bank load compares against,
and every marked response to a test's items."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from tutor.storage import tables as t


@dataclass(frozen=True)
class PoolRow:
    item_id: str
    version: str
    outcome: str
    criterion: str
    enemies: frozenset[str]


def statuses(session: Session) -> dict[str, t.ItemStatusChange]:
    """Each item's latest status change (items never changed have none)."""
    latest: dict[str, t.ItemStatusChange] = {}
    for row in session.exec(select(t.ItemStatusChange).order_by(t.ItemStatusChange.id)):
        latest[row.item_id] = row
    return latest


def in_review(session: Session) -> set[str]:
    return {item_id for item_id, row in statuses(session).items() if row.status == "review"}


def secure_pool(session: Session, unit_keys: set[str]) -> list[PoolRow]:
    """The current approved secure items of a unit, without those sent back to review."""
    rows = session.exec(select(t.BankItem).where(
        t.BankItem.is_current, t.BankItem.use == "secure", t.BankItem.status == "approved",
        t.BankItem.unit_key.in_(unit_keys))).all()
    held = in_review(session)
    return [PoolRow(r.item_id, r.version, r.outcome_number, r.criterion_number,
                    frozenset(json.loads(r.body).get("enemies", [])))
            for r in rows if r.item_id not in held]


def current_item(session: Session, item_id: str) -> t.BankItem | None:
    return session.exec(select(t.BankItem).where(t.BankItem.item_id == item_id, t.BankItem.is_current)).first()


def item_versions(session: Session, item_ids: set[str]) -> list[t.BankItem]:
    """Every stored version of the named items (a form picks its own versions out of them)."""
    return list(session.exec(select(t.BankItem).where(t.BankItem.item_id.in_(item_ids))).all())


def items_by_row(session: Session, row_ids: set[int]) -> dict[int, t.BankItem]:
    """Stored item versions by row id."""
    return {r.id: r for r in session.exec(select(t.BankItem).where(t.BankItem.id.in_(row_ids)))}


def earlier_attempts(session: Session, sitting: t.Sitting, candidate: t.Candidate) -> list[t.Attempt]:
    """The same person's attempts at the same test in other sittings: matched by learner account when
    the candidate has one, else by candidate number (a centre's numbers are its candidates')."""
    query = (select(t.Attempt).join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
             .join(t.Sitting, t.Sitting.id == t.Candidate.sitting_id)
             .where(t.Sitting.test_code == sitting.test_code, t.Sitting.unit_key == sitting.unit_key,
                    t.Candidate.id != candidate.id))
    if candidate.learner:
        query = query.where(t.Candidate.learner == candidate.learner)
    else:
        query = query.where(t.Candidate.number == candidate.number)
    return list(session.exec(query.order_by(t.Attempt.id)))


@dataclass(frozen=True)
class ResponseRow:
    attempt_id: int
    item_id: str
    version: str
    outcome: str
    criterion: str
    chosen: str | None
    correct: bool
    body: str


def test_responses(session: Session, test_code: str | None = None) -> list[ResponseRow]:
    """Every marked question of every submitted attempt (voided ones left out), optionally of one test."""
    query = (select(t.TestEvidence.attempt_id, t.BankItem.item_id, t.BankItem.version, t.BankItem.outcome_number,
                    t.BankItem.criterion_number, t.TestEvidence.chosen, t.TestEvidence.correct, t.BankItem.body)
             .join(t.Attempt, t.Attempt.id == t.TestEvidence.attempt_id)
             .join(t.BankItem, t.BankItem.id == t.TestEvidence.bank_item_id)
             .where(t.Attempt.status == "submitted"))
    if test_code:
        query = (query.join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
                 .join(t.Sitting, t.Sitting.id == t.Candidate.sitting_id).where(t.Sitting.test_code == test_code))
    return [ResponseRow(*row) for row in session.exec(query.order_by(t.TestEvidence.attempt_id, t.TestEvidence.position))]


def unit_items(session: Session, unit_keys: set[str]) -> list[t.BankItem]:
    """The current version of every item of a unit (any use, any status), by id."""
    return list(session.exec(select(t.BankItem).where(t.BankItem.is_current, t.BankItem.unit_key.in_(unit_keys))
                             .order_by(t.BankItem.item_id)))


def stored_ids(session: Session) -> tuple[set[str], dict[str, str]]:
    """Every item id ever stored, and the current versions (version -> item id) of the whole bank."""
    ids: set[str] = set()
    current: dict[str, str] = {}
    for item_id, version, is_current in session.exec(select(t.BankItem.item_id, t.BankItem.version,
                                                            t.BankItem.is_current)):
        ids.add(item_id)
        if is_current:
            current.setdefault(version, item_id)
    return ids, current


def test_plan(session: Session, unit_keys: set[str]) -> tuple[t.TestSpecification, list[t.TestBlueprintRow]] | None:
    """A unit's current test specification and its blueprint, if it has one."""
    spec = session.exec(
        select(t.TestSpecification).join(t.Qualification, t.Qualification.id == t.TestSpecification.qualification_id)
        .join(t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
        .where(t.DocumentVersion.is_current, t.TestSpecification.unit_key.in_(unit_keys))).first()
    if spec is None:
        return None
    rows = session.exec(select(t.TestBlueprintRow).where(t.TestBlueprintRow.test_id == spec.id)
                        .order_by(t.TestBlueprintRow.position)).all()
    return spec, list(rows)


def criterion_ids(session: Session, unit_keys: set[str]) -> dict[str, int]:
    """Criterion number -> row id, for the current version of a unit (by any of its names)."""
    rows = session.exec(
        select(t.Criterion.number, t.Criterion.id).join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
        .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
        .join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
        .where(t.DocumentVersion.is_current, t.Unit.key.in_(unit_keys) | t.Unit.local_id.in_(unit_keys))).all()
    return {number: criterion_id for number, criterion_id in rows}


# -- loading the bank ----------------------------------------------------------------------------


def current_items(session: Session) -> dict[str, t.BankItem]:
    """Each item's current version, by item id."""
    return {row.item_id: row for row in session.exec(select(t.BankItem).where(t.BankItem.is_current))}


def stored_items(session: Session) -> dict[tuple[str, str], t.BankItem]:
    """Every stored version of every item, by (item id, version)."""
    return {(row.item_id, row.version): row for row in session.exec(select(t.BankItem))}


def criterion_index(session: Session) -> dict[tuple[str, str, str], int]:
    """(unit key, outcome, criterion) -> criterion row id over the current catalogue; a unit's own code
    (its local id) stands for it too, unless a key already does."""
    rows = session.exec(
        select(t.Unit.key, t.Unit.local_id, t.Outcome.number, t.Criterion.number, t.Criterion.id)
        .join(t.Outcome, t.Outcome.unit_id == t.Unit.id)
        .join(t.Criterion, t.Criterion.outcome_id == t.Outcome.id)
        .join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
        .where(t.DocumentVersion.is_current)
    ).all()
    ids: dict[tuple[str, str, str], int] = {}
    for key, local_id, outcome, criterion, criterion_id in rows:
        ids[(key, outcome, criterion)] = criterion_id
        if local_id:
            ids.setdefault((local_id, outcome, criterion), criterion_id)
    return ids
