"""Queries on invigilated sittings as stored: a sitting's candidates and their attempts, the answers
an attempt holds (the latest one a question), and the events the sitting recorded.

The hot path of a live test (saving an answer, the heartbeat) does not come here: its statements are
in :mod:`tutor.storage.answer_writes`.
"""

from __future__ import annotations

from sqlmodel import Session, select

from tutor.storage import tables as t

# -- candidates and attempts ---------------------------------------------------------------------


def candidate(session: Session, sitting_id: int, number: str) -> t.Candidate | None:
    """The candidate registered in a sitting under that number."""
    return session.exec(select(t.Candidate).where(t.Candidate.sitting_id == sitting_id,
                                                  t.Candidate.number == number)).first()


def candidates(session: Session, sitting_id: int) -> list[t.Candidate]:
    """A sitting's candidates, by number."""
    return list(session.exec(select(t.Candidate).where(t.Candidate.sitting_id == sitting_id)
                             .order_by(t.Candidate.number)))


def attempt(session: Session, candidate_id: int) -> t.Attempt | None:
    """A candidate's attempt (a candidate has one at most), once they have started."""
    return session.exec(select(t.Attempt).where(t.Attempt.candidate_id == candidate_id)).first()


def attempt_statuses(session: Session, sitting_id: int) -> list[tuple[int, str]]:
    """(attempt id, status) of every attempt of a sitting."""
    return list(session.exec(select(t.Attempt.id, t.Attempt.status)
                             .join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
                             .where(t.Candidate.sitting_id == sitting_id)))


def latest_answers(session: Session, attempt_id: int) -> dict[int, tuple[str | None, bool]]:
    """Position -> (the item's own letter chosen or None, flagged) of the latest answer to each question."""
    latest: dict[int, tuple[str | None, bool]] = {}
    for answer in session.exec(select(t.AttemptAnswer).where(t.AttemptAnswer.attempt_id == attempt_id)
                               .order_by(t.AttemptAnswer.id)):
        latest[answer.position] = (answer.chosen, answer.flagged)
    return latest


# -- events --------------------------------------------------------------------------------------


def sitting_events(session: Session, sitting_id: int) -> list[t.TestEvent]:
    """Everything recorded of a sitting, oldest first."""
    return list(session.exec(select(t.TestEvent).where(t.TestEvent.sitting_id == sitting_id)
                             .order_by(t.TestEvent.id)))


def attempt_events(session: Session, attempt_id: int, kind: str) -> list[t.TestEvent]:
    """An attempt's events of one kind ("interrupted", "resumed" ...)."""
    return list(session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt_id,
                                                       t.TestEvent.kind == kind)).all())


def last_event(session: Session, attempt_id: int, kind: str) -> t.TestEvent | None:
    """An attempt's latest event of one kind."""
    return session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt_id, t.TestEvent.kind == kind)
                        .order_by(t.TestEvent.id.desc())).first()
