"""Queries behind a tutor's review: who may be seen (a tutor's cohorts, every learner account),
assessment decisions, and internal quality assurance (cohorts sampled, reviews of the sample). One
account or cohort by name is :mod:`tutor.storage.account_queries`'."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from tutor.storage import tables as t

# -- learners and cohorts ------------------------------------------------------------------------


def tutor_learners(session: Session, tutor: str) -> list[str]:
    """The learners of a tutor's cohorts, each once, by name."""
    return list(session.exec(
        select(t.CohortMember.learner).join(t.Cohort, t.Cohort.id == t.CohortMember.cohort_id)
        .where(t.Cohort.tutor == tutor).distinct().order_by(t.CohortMember.learner)))


def learner_accounts(session: Session, role: str) -> list[str]:
    """The usernames of every account of a role, by name."""
    return list(session.exec(select(t.UserAccount.username).where(t.UserAccount.role == role)
                             .order_by(t.UserAccount.username)))


def learner_qualification(session: Session, learner: str) -> str | None:
    """The qualification of (the first) cohort the learner is in."""
    return session.exec(select(t.Cohort.qualification).join(
        t.CohortMember, t.CohortMember.cohort_id == t.Cohort.id)
        .where(t.CohortMember.learner == learner)).first()


def cohort_qualifications(session: Session) -> list[tuple[str, str]]:
    """(learner, qualification number) of every cohort membership, each pair once, by learner."""
    return list(session.exec(select(t.CohortMember.learner, t.Cohort.qualification)
                             .join(t.Cohort, t.Cohort.id == t.CohortMember.cohort_id).distinct()
                             .order_by(t.CohortMember.learner, t.Cohort.qualification)))


# -- assessment decisions ------------------------------------------------------------------------


def latest_decision_id(session: Session, learner: str, unit_ids: list[int],
                       criterion_ids: list[int] | None) -> int | None:
    """The latest decision on a criterion (any of its versions' ids) or, with None, on the whole unit
    (any of its versions' ids): the one a new decision corrects."""
    ad = t.AssessmentDecision
    scope = ad.criterion_id.in_(criterion_ids) if criterion_ids is not None else ad.criterion_id.is_(None)
    return session.exec(select(ad.id).where(ad.learner == learner, ad.unit_id.in_(unit_ids), scope)
                        .order_by(ad.id.desc())).first()


def learner_decisions(session: Session, learner: str) -> Iterable[t.AssessmentDecision]:
    """Every decision on a learner, oldest first."""
    return session.exec(select(t.AssessmentDecision).where(t.AssessmentDecision.learner == learner)
                        .order_by(t.AssessmentDecision.id))


# -- internal quality assurance ------------------------------------------------------------------


def learner_iqa_reviews(session: Session, learner: str) -> Iterable[t.IqaReview]:
    """Every quality-assurance review of a learner's units, oldest first."""
    return session.exec(select(t.IqaReview).where(t.IqaReview.learner == learner).order_by(t.IqaReview.id))


def latest_iqa_review_id(session: Session, plan_id: int, learner: str, unit_id: int) -> int | None:
    """The latest review of a sampled learner's unit under a plan (the one a new review corrects)."""
    return session.exec(select(t.IqaReview.id).where(
        t.IqaReview.plan_id == plan_id, t.IqaReview.learner == learner, t.IqaReview.unit_id == unit_id)
        .order_by(t.IqaReview.id.desc())).first()
