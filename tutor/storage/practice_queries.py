"""Queries behind chat practice: a learner's exchanges, the criteria they have answered, where they
left off, and the review card (the fsrs schedule) of each criterion they practise."""

from __future__ import annotations

from sqlmodel import Session, select

from tutor.storage import tables as t
from tutor.storage.evidence_queries import RESPONSE_TURNS


def review_cards(session: Session, learner: str, qualification: str, unit: str) -> list[t.ReviewCard]:
    """A learner's review cards for one unit, soonest due first."""
    return list(session.exec(select(t.ReviewCard).where(
        t.ReviewCard.learner == learner, t.ReviewCard.qualification == qualification,
        t.ReviewCard.unit_key == unit).order_by(t.ReviewCard.due)).all())


def review_card(session: Session, learner: str, qualification: str, unit: str, criterion: str) -> t.ReviewCard | None:
    return session.exec(select(t.ReviewCard).where(
        t.ReviewCard.learner == learner, t.ReviewCard.qualification == qualification,
        t.ReviewCard.unit_key == unit, t.ReviewCard.criterion_number == criterion)).first()


def answered_criteria(session: Session, learner: str, qualification: str, unit: str) -> set[str]:
    """Criterion numbers of the unit the learner has responded to (not merely skipped)."""
    return set(session.exec(select(t.PracticeExchange.criterion_number).where(
        t.PracticeExchange.learner == learner, t.PracticeExchange.qualification == qualification,
        t.PracticeExchange.unit_key == unit, t.PracticeExchange.turn.in_(RESPONSE_TURNS))).all())


def last_unit(session: Session, learner: str) -> tuple[str, str] | None:
    """(qualification, unit) of the learner's latest exchange."""
    row = session.exec(select(t.PracticeExchange.qualification, t.PracticeExchange.unit_key)
                       .where(t.PracticeExchange.learner == learner)
                       .order_by(t.PracticeExchange.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def exchanges(session: Session, learner: str) -> list[t.PracticeExchange]:
    """Every exchange of a learner, oldest first."""
    return list(session.exec(select(t.PracticeExchange).where(t.PracticeExchange.learner == learner)
                             .order_by(t.PracticeExchange.id)))


def item_row_id(session: Session, item_id: str, version: str) -> int | None:
    """The stored row of one version of a bank item."""
    return session.exec(select(t.BankItem.id).where(
        t.BankItem.item_id == item_id, t.BankItem.version == version)).first()
