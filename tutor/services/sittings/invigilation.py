"""Invigilating: the test a sitting is for (the awarding body's, or a centre's own), creating the
sitting, registering candidates with their access arrangements, pausing and resuming attempts (one or
the whole room), rest breaks, extra time, voiding, and the centre's overview of a sitting and its events.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from tutor.domain.testing import AWARDING_BODY, CENTRE, TestDefinition, TestRuleError, centre_blueprint
from tutor.services.sittings.base import (
    CandidateStatus,
    SittingBase,
    SittingError,
    clock_of,
    code_matches,
    hash_code,
    is_stale,
    new_code,
    reading,
    store_clock,
)
from tutor.storage import catalogue_queries, sitting_queries
from tutor.storage import tables as t
from tutor.storage.engine import as_utc


class Invigilation(SittingBase):
    """The invigilator's side of a sitting."""

    # -- the test ------------------------------------------------------------------------------

    def test_definition(self, code: str) -> TestDefinition:
        """The awarding body's test for a unit, from the current catalogue's test specification."""
        with Session(self.engine) as session:
            row = catalogue_queries.current_test(session, code.strip())
            if row is None:
                raise SittingError.of("no_test_specification", code=code)
            spec, qualification = row
            unit = session.get(t.Unit, spec.unit_id) if spec.unit_id else None
            blueprint = catalogue_queries.blueprint_rows(session, spec.id)
            return TestDefinition(
                spec.unit_key, spec.unit_title, unit.key if unit else spec.unit_key, qualification,
                spec.total_questions, spec.duration_minutes, spec.pass_mark,
                {r.outcome_number: r.questions for r in blueprint}, AWARDING_BODY,
            )

    def centre_test(self, unit_ref: str, questions: int, minutes: int, pass_mark: int) -> TestDefinition:
        """A centre's own test of any unit with knowledge criteria; always labelled centre-set."""
        with Session(self.engine) as session:
            unit = catalogue_queries.current_unit(session, unit_ref)
            if unit is None:
                raise SittingError.of("no_unit", unit=unit_ref)
            counts: dict[str, int] = {}
            for outcome in catalogue_queries.unit_outcomes(session, unit.id):
                counts[outcome.number] = (catalogue_queries.criterion_count(session, outcome.id)
                                          if outcome.kind == "knowledge" else 0)
            qualification = catalogue_queries.unit_qualification(session, unit.id)
        try:
            blueprint = centre_blueprint(counts, questions)
            return TestDefinition(unit.local_id or unit.key, f"{unit.title} (centre-set)", unit.key, qualification or "",
                                  questions, minutes, pass_mark, blueprint, CENTRE)
        except TestRuleError as exc:
            raise SittingError.of("unit_problem", unit=unit_ref, problem=exc) from None

    # -- set-up --------------------------------------------------------------------------------

    def create_sitting(self, test: TestDefinition, invigilator: str) -> tuple[int, str, str]:
        """Returns the sitting id, the candidates' start code and the invigilator's code (shown once)."""
        if not invigilator.strip():
            raise SittingError.of("needs_invigilator")
        self._pool(test)  # refuse a sitting the bank cannot supply
        start_code, invigilator_code = new_code(), new_code()
        with self._write("create the sitting") as session:
            sitting = t.Sitting(
                test_code=test.code, test_title=test.title, set_by=test.set_by, qualification=test.qualification,
                unit_key=test.unit_key, total_questions=test.total_questions, duration_minutes=test.duration_minutes,
                pass_mark=test.pass_mark, blueprint=json.dumps(test.blueprint), invigilator=invigilator.strip(),
                start_code_hash=hash_code(start_code), invigilator_code_hash=hash_code(invigilator_code),
                created_at=self.now(),
            )
            session.add(sitting)
            session.flush()
            self._event(session, sitting.id, None, invigilator, "invigilator", "sitting_created",
                        data={"test": test.code, "set_by": test.set_by, "questions": test.total_questions,
                              "minutes": test.duration_minutes, "pass_mark": test.pass_mark})
            session.commit()
            return sitting.id, start_code, invigilator_code

    def register_candidate(self, sitting_id: int, number: str, name: str, actor: str, extra_time_percent: int = 0,
                           extra_time_reason: str = "", rest_breaks: bool = False, rest_breaks_reason: str = "",
                           learner: str | None = None) -> None:
        """Register a candidate with any access arrangements; arrangements need a reason and
        must be made before the candidate starts."""
        if not number.strip() or not name.strip():
            raise SittingError.of("needs_number_and_name")
        if not 0 <= extra_time_percent <= 100:
            raise SittingError.of("extra_time_percent")
        if extra_time_percent and not extra_time_reason.strip():
            raise SittingError.of("extra_time_arrangement_reason")
        if rest_breaks and not rest_breaks_reason.strip():
            raise SittingError.of("rest_breaks_reason")
        with self._write("register the candidate") as session:
            sitting = self._sitting(session, sitting_id)
            existing = self._candidate(session, sitting_id, number, missing_ok=True)
            if existing is not None:
                if self._attempt(session, existing.id, missing_ok=True) is not None:
                    raise SittingError.of("candidate_started", number=number)
                candidate = existing
            else:
                candidate = t.Candidate(sitting_id=sitting.id, number=number.strip(), name=name.strip())
            candidate.name = name.strip()
            candidate.extra_time_percent = extra_time_percent
            candidate.extra_time_reason = extra_time_reason.strip()
            candidate.rest_breaks_allowed = rest_breaks
            candidate.rest_breaks_reason = rest_breaks_reason.strip()
            candidate.learner = learner.strip() if learner else None
            session.add(candidate)
            self._event(session, sitting_id, None, actor, "invigilator", "candidate_registered",
                        reason=extra_time_reason or rest_breaks_reason,
                        data={"number": candidate.number, "extra_time_percent": extra_time_percent,
                              "rest_breaks": rest_breaks, "learner": candidate.learner})
            session.commit()

    # -- actions -------------------------------------------------------------------------------

    def pause(self, attempt_id: int, actor: str, reason: str = "", kind: str = "paused") -> None:
        """Stop an attempt's clock: an invigilator's pause, or a supervised rest break."""
        with self._write("pause the attempt") as session:
            attempt, candidate, sitting = self._attempt_context(session, attempt_id)
            if kind == "rest_break" and not candidate.rest_breaks_allowed:
                raise SittingError.of("no_rest_breaks", number=candidate.number)
            self._move(attempt, "paused")
            store_clock(attempt, clock_of(attempt).stop(self.now()))
            session.add(attempt)
            self._event(session, sitting.id, attempt.id, actor, "invigilator", kind, reason)
            session.commit()

    def resume(self, attempt_id: int, actor: str, invigilator_code: str, reason: str = "") -> None:
        """Restart a paused or interrupted attempt's clock; needs the invigilator's code."""
        with self._write("resume the attempt") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if not code_matches(invigilator_code, sitting.invigilator_code_hash):
                raise SittingError.of("wrong_invigilator_code")
            self._settle(session, sitting, attempt)
            was = attempt.status
            self._move(attempt, "in_progress")
            now = self.now()
            # The clock stays stopped until the candidate's client is back: its next heartbeat
            # or answer starts it, so time spent walking back to the desk is not lost.
            store_clock(attempt, clock_of(attempt).stop(now) if attempt.running_since else clock_of(attempt))
            session.add(attempt)
            data = {}
            if was == "interrupted":
                # The interruption began at the dead client's last checkpoint, not when it was noticed.
                event = sitting_queries.last_event(session, attempt.id, "interrupted")
                since = datetime.fromisoformat(json.loads(event.data)["since"]) if event else now
                data["interruption_seconds"] = (now - since).total_seconds()
            self._event(session, sitting.id, attempt.id, actor, "invigilator", "resumed", reason, data)
            session.commit()

    def add_time(self, attempt_id: int, minutes: float, actor: str, reason: str) -> None:
        if not reason.strip():
            raise SittingError.of("extra_time_reason")
        with self._write("add time") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if attempt.status in ("submitted", "voided"):
                raise SittingError.of("cannot_add_time", status=attempt.status)
            try:
                store_clock(attempt, clock_of(attempt).add_time(minutes * 60))
            except TestRuleError as exc:
                raise SittingError(str(exc)) from None
            session.add(attempt)
            self._event(session, sitting.id, attempt.id, actor, "invigilator", "time_added", reason, {"minutes": minutes})
            session.commit()

    def void(self, attempt_id: int, actor: str, reason: str) -> None:
        """Void an attempt for good: it is never marked or released. Cannot be undone."""
        if not reason.strip():
            raise SittingError.of("void_reason")
        with self._write("void the attempt") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            self._move(attempt, "voided")
            if attempt.running_since is not None:
                store_clock(attempt, clock_of(attempt).stop(self.now()))
            session.add(attempt)
            self._event(session, sitting.id, attempt.id, actor, "invigilator", "voided", reason)
            session.commit()

    def pause_all(self, sitting_id: int, actor: str, reason: str = "") -> int:
        ids = [a for a, status in self._attempt_ids(sitting_id) if status == "in_progress"]
        for attempt_id in ids:
            self.pause(attempt_id, actor, reason)
        return len(ids)

    def resume_all(self, sitting_id: int, actor: str, invigilator_code: str, reason: str = "") -> int:
        ids = [a for a, status in self._attempt_ids(sitting_id) if status in ("paused", "interrupted")]
        for attempt_id in ids:
            self.resume(attempt_id, actor, invigilator_code, reason)
        return len(ids)

    # -- the room ------------------------------------------------------------------------------

    @reading("read the sitting")
    def status(self, sitting_id: int) -> list[CandidateStatus]:
        with Session(self.engine) as session:
            self._sitting(session, sitting_id)
            now, rows = self.now(), []
            for candidate in sitting_queries.candidates(session, sitting_id):
                attempt = self._attempt(session, candidate.id, missing_ok=True)
                if attempt is None:
                    rows.append(CandidateStatus(candidate.number, candidate.name, "not started", 0, None, 0, 0.0,
                                                candidate.extra_time_percent))
                    continue
                answered = sum(1 for chosen, _ in sitting_queries.latest_answers(session, attempt.id).values() if chosen)
                if is_stale(attempt, now):
                    since = as_utc(attempt.running_since)
                    attempt = attempt.model_copy(update={"status": "interrupted", "running_since": None,
                                                         "active_seconds": clock_of(attempt).stop(since).active_seconds})
                resumed = sitting_queries.attempt_events(session, attempt.id, "resumed")
                lengths = [json.loads(e.data).get("interruption_seconds") for e in resumed]
                interruptions = sitting_queries.attempt_events(session, attempt.id, "interrupted")
                rows.append(CandidateStatus(
                    candidate.number, candidate.name, attempt.status, answered, clock_of(attempt).remaining(now),
                    len(interruptions), sum(x for x in lengths if x), candidate.extra_time_percent))
            return rows

    @reading("read the sitting's events")
    def events(self, sitting_id: int) -> list[t.TestEvent]:
        with Session(self.engine) as session:
            return sitting_queries.sitting_events(session, sitting_id)

    def _attempt_ids(self, sitting_id: int) -> list[tuple[int, str]]:
        with Session(self.engine) as session:
            return sitting_queries.attempt_statuses(session, sitting_id)
