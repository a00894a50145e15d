"""Marking: a finished attempt scored from its stored answers and the versioned keys, each question
recorded as evidence against the criterion its item tests, marking again, and the results of a sitting
once the invigilator releases them.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from tutor.domain.testing import TestResult, form_from_json, score
from tutor.services.sittings.base import (
    CandidateResult,
    SittingBase,
    SittingError,
    clock_of,
    definition_of,
    reading,
    store_clock,
)
from tutor.storage import bank_queries, sitting_queries
from tutor.storage import tables as t


class Marking(SittingBase):
    """Marking attempts and releasing a sitting's results."""

    # -- results -------------------------------------------------------------------------------

    def release_results(self, sitting_id: int, actor: str) -> None:
        with self._write("release the results") as session:
            sitting = self._sitting(session, sitting_id)
            sitting.results_released_at = self.now()
            sitting.released_by = actor
            session.add(sitting)
            self._event(session, sitting_id, None, actor, "invigilator", "results_released")
            session.commit()

    @reading("read the results")
    def results(self, sitting_id: int, released_only: bool = True) -> list[CandidateResult]:
        with Session(self.engine) as session:
            sitting = self._sitting(session, sitting_id)
            if released_only and sitting.results_released_at is None:
                raise SittingError.of("not_released", sitting_id=sitting_id)
            out = []
            for candidate in sitting_queries.candidates(session, sitting_id):
                attempt = self._attempt(session, candidate.id, missing_ok=True)
                result = None
                if attempt is not None and attempt.status == "submitted" and attempt.raw_score is not None:
                    per = {o: tuple(v) for o, v in json.loads(attempt.per_outcome or "{}").items()}
                    result = TestResult(attempt.raw_score, sitting.total_questions, sitting.pass_mark,
                                        bool(attempt.passed), per)
                out.append(CandidateResult(candidate.number, candidate.name,
                                           attempt.status if attempt else "not started", result,
                                           attempt.active_seconds if attempt else None))
            return out

    def rescore(self, attempt_id: int) -> TestResult:
        """Mark an attempt again from its stored answers and the versioned keys alone."""
        with Session(self.engine) as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            return self._score(session, sitting, attempt)

    # -- marking -------------------------------------------------------------------------------

    def _finish(self, session: Session, sitting: t.Sitting, attempt: t.Attempt, actor: str, kind: str,
                finished_at: datetime | None = None) -> None:
        self._move(attempt, "submitted")
        end = finished_at or self.now()
        store_clock(attempt, clock_of(attempt).stop(end) if attempt.running_since else clock_of(attempt))
        attempt.finished_at = end
        result = self._score(session, sitting, attempt)
        attempt.raw_score, attempt.passed = result.raw, result.passed
        attempt.per_outcome = json.dumps({o: list(v) for o, v in result.per_outcome.items()})
        session.add(attempt)
        evidence = self._record_evidence(session, attempt, result, end)
        learner = session.get(t.Candidate, attempt.candidate_id).learner  # whose portfolio the evidence joins
        self._event(session, sitting.id, attempt.id, actor, "system" if actor == "system" else "candidate", kind,
                    data={"finished_at": end.isoformat(), "raw_score": result.raw, "evidence": evidence,
                          "learner": learner})

    def _record_evidence(self, session: Session, attempt: t.Attempt, result: TestResult, end: datetime) -> list:
        """Every question of the finished attempt, as marked, against the criterion its item tests; returns
        the rows as the audit entry records them: [id, position, bank item, criterion, chosen, correct]."""
        candidate = session.get(t.Candidate, attempt.candidate_id)
        form, item_rows = form_from_json(attempt.form_seed, attempt.form)
        answers = sitting_queries.latest_answers(session, attempt.id)
        items = bank_queries.items_by_row(session, set(item_rows))
        rows = []
        for question, row_id in zip(form.questions, item_rows, strict=True):
            chosen = answers.get(question.position, (None, False))[0]
            item = items[row_id]
            rows.append(t.TestEvidence(
                attempt_id=attempt.id, learner=candidate.learner, candidate_number=candidate.number,
                criterion_id=item.criterion_id, bank_item_id=row_id, position=question.position, chosen=chosen,
                correct=chosen is not None and chosen == json.loads(item.body)["key"], at=end))
        session.add_all(rows)
        session.flush()
        return [[r.id, r.position, r.bank_item_id, r.criterion_id, r.chosen, r.correct] for r in rows]

    def _score(self, session: Session, sitting: t.Sitting, attempt: t.Attempt) -> TestResult:
        form = form_from_json(attempt.form_seed, attempt.form)[0]
        keys = {k: json.loads(body)["key"] for k, (_, body) in self._form_items(session, form, raw=True).items()}
        answers = {p: chosen for p, (chosen, _) in sitting_queries.latest_answers(session, attempt.id).items() if chosen}
        return score(form, answers, keys, definition_of(sitting))
