"""Queries on a learner's evidence: practice responses and test answers bearing on criteria, the
tutor's judgements of them, and the marks and decisions that make up the coverage matrix.

``since``/``until`` bound a response's time (from ``since``, before ``until``); either may be None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from tutor.domain.portfolio import RESPONSE_TURNS
from tutor.storage import tables as t

CORRECT_VERDICTS = ("secure", "right")

LONG_IN_LIST = 900
"""Above this many learners, a query reads everyone's rows and keeps the wanted ones in Python:
a long IN list costs more than it saves."""


def _dated(query, column, since: datetime | None, until: datetime | None):
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


# -- the coverage matrix -------------------------------------------------------------------------


def _marks(session: Session, learner, criterion, query, learners: list[str],
           since: datetime | None, until: datetime | None, at) -> Iterator[tuple[str, int, bool]]:
    query = query.group_by(learner, criterion)
    if len(learners) <= LONG_IN_LIST:
        query = query.where(learner.in_(learners))
    wanted = set(learners)
    for name, criterion_id, right in session.exec(_dated(query, at, since, until)):
        if name in wanted:
            yield name, criterion_id, bool(right)


def practice_marks(session: Session, learners: list[str], criterion_ids: list[int], since: datetime | None,
                   until: datetime | None) -> Iterator[tuple[str, int, bool]]:
    """(learner, criterion id, any response correct) for every criterion a learner answered in practice."""
    pe = t.PracticeExchange
    correct = func.max(case((pe.verdict.in_(CORRECT_VERDICTS), 1), else_=0))
    query = select(pe.learner, pe.criterion_id, correct).where(pe.criterion_id.in_(criterion_ids),
                                                               pe.turn.in_(RESPONSE_TURNS))
    return _marks(session, pe.learner, pe.criterion_id, query, learners, since, until, pe.at)


def test_marks(session: Session, learners: list[str], criterion_ids: list[int], since: datetime | None,
               until: datetime | None) -> Iterator[tuple[str, int, bool]]:
    """(learner, criterion id, any answer correct) for every criterion a learner met in a test."""
    te = t.TestEvidence
    correct = func.max(case((te.correct, 1), else_=0))
    query = select(te.learner, te.criterion_id, correct).where(te.criterion_id.in_(criterion_ids))
    return _marks(session, te.learner, te.criterion_id, query, learners, since, until, te.at)


def accepted(session: Session, learners: list[str], criterion_ids: list[int]) -> Iterable[tuple[str, int]]:
    """(learner, criterion id) where a response stands accepted as evidence (not since corrected)."""
    ed = t.EvidenceDecision
    superseded = select(ed.supersedes_id).where(ed.supersedes_id.is_not(None))
    return session.exec(select(ed.learner, ed.criterion_id).where(
        ed.learner.in_(learners), ed.criterion_id.in_(criterion_ids), ed.accepted,
        ed.id.not_in(superseded)).distinct())


def criterion_decisions(session: Session, learners: list[str],
                        criterion_ids: list[int]) -> Iterable[tuple[str, int, str]]:
    """(learner, criterion id, decision) of every criterion decision not since corrected, in id order."""
    ad = t.AssessmentDecision
    superseded = select(ad.supersedes_id).where(ad.supersedes_id.is_not(None))
    return session.exec(select(ad.learner, ad.criterion_id, ad.decision).where(
        ad.learner.in_(learners), ad.criterion_id.in_(criterion_ids), ad.id.not_in(superseded)).order_by(ad.id))


# -- one learner's responses ---------------------------------------------------------------------


def practice_responses(session: Session, learner: str, criterion_ids: list[int], since: datetime | None = None,
                       until: datetime | None = None) -> Iterable[t.PracticeExchange]:
    """A learner's practice responses on any of the criteria, oldest first."""
    pe = t.PracticeExchange
    return session.exec(_dated(select(pe).where(pe.learner == learner, pe.criterion_id.in_(criterion_ids),
                                                pe.turn.in_(RESPONSE_TURNS)).order_by(pe.id), pe.at, since, until))


def test_answers(session: Session, learner: str, criterion_ids: list[int], since: datetime | None = None,
                 until: datetime | None = None) -> Iterable[t.TestEvidence]:
    """A learner's marked test answers on any of the criteria, oldest first."""
    te = t.TestEvidence
    return session.exec(_dated(select(te).where(te.learner == learner, te.criterion_id.in_(criterion_ids))
                               .order_by(te.id), te.at, since, until))


def judgement_rows(session: Session, learner: str, criterion_ids: list[int]) -> Iterable[t.EvidenceDecision]:
    """Every judgement of a learner's responses on the criteria, oldest first (a later one corrects an earlier)."""
    ed = t.EvidenceDecision
    return session.exec(select(ed).where(ed.learner == learner, ed.criterion_id.in_(criterion_ids)).order_by(ed.id))


def latest_judgement_id(session: Session, learner: str, criterion_ids: list[int], source: str,
                        source_id: int) -> int | None:
    """The latest judgement of one response (the one a new judgement corrects), if any."""
    ed = t.EvidenceDecision
    return session.exec(select(ed.id).where(ed.learner == learner, ed.criterion_id.in_(criterion_ids),
                                            ed.source == source, ed.source_id == source_id)
                        .order_by(ed.id.desc())).first()


# -- a sitting's answers -------------------------------------------------------------------------


def sitting_answers(session: Session, sitting_id: int) -> list[tuple[t.TestEvidence, str, str, str, str, int]]:
    """(evidence, item id, item version, outcome, criterion, candidate id) of every marked answer of
    the sitting's submitted attempts (voided ones left out)."""
    return list(session.exec(
        select(t.TestEvidence, t.BankItem.item_id, t.BankItem.version, t.BankItem.outcome_number,
               t.BankItem.criterion_number, t.Attempt.candidate_id)
        .join(t.Attempt, t.Attempt.id == t.TestEvidence.attempt_id)
        .join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
        .join(t.BankItem, t.BankItem.id == t.TestEvidence.bank_item_id)
        .where(t.Candidate.sitting_id == sitting_id, t.Attempt.status == "submitted")).all())
