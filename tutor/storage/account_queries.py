"""Queries on accounts and cohorts: whether any account exists, one account by name, every account,
a cohort by name, the cohorts someone may see, a cohort's members."""

from __future__ import annotations

from sqlmodel import Session, func, select

from tutor.storage import tables as t

# -- accounts ------------------------------------------------------------------------------------


def account_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(t.UserAccount)).one()


def first_accounts(session: Session, limit: int) -> list[t.UserAccount]:
    """Up to ``limit`` accounts (two tell whether there is exactly one)."""
    return list(session.exec(select(t.UserAccount).limit(limit)).all())


def account(session: Session, username: str) -> t.UserAccount | None:
    return session.exec(select(t.UserAccount).where(t.UserAccount.username == username)).first()


def all_accounts(session: Session) -> list[t.UserAccount]:
    """Every account, by role and then name."""
    return list(session.exec(select(t.UserAccount).order_by(t.UserAccount.role, t.UserAccount.username)).all())


# -- cohorts -------------------------------------------------------------------------------------


def cohort_named(session: Session, name: str) -> t.Cohort | None:
    return session.exec(select(t.Cohort).where(t.Cohort.name == name)).first()


def cohorts(session: Session, tutor: str | None = None, learner: str | None = None) -> list[t.Cohort]:
    """Cohorts by name: all of them, or a tutor's, or those a learner is in."""
    query = select(t.Cohort).order_by(t.Cohort.name)
    if tutor is not None:
        query = query.where(t.Cohort.tutor == tutor)
    if learner is not None:
        query = query.join(t.CohortMember, t.CohortMember.cohort_id == t.Cohort.id).where(
            t.CohortMember.learner == learner)
    return list(session.exec(query).all())


def is_member(session: Session, cohort_id: int, learner: str) -> bool:
    return session.exec(select(t.CohortMember).where(t.CohortMember.cohort_id == cohort_id,
                                                     t.CohortMember.learner == learner)).first() is not None


def members(session: Session, cohort_id: int) -> list[str]:
    """The learners of a cohort, by name."""
    return list(session.exec(select(t.CohortMember.learner).where(t.CohortMember.cohort_id == cohort_id)
                             .order_by(t.CohortMember.learner)).all())
