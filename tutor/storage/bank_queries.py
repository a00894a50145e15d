"""Queries on the question bank as stored: a test's secure pool, items sent back to review, the items a
candidate has already sat, and every marked response to a test's items."""

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
