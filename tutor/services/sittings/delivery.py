"""Delivering a test to a candidate: starting (or coming back to) an attempt behind the start code,
drawing its form, what the candidate sees of it, saving and flagging answers, the clock's heartbeat,
and submitting.

Every answer is committed in its own write transaction before the caller is told it is saved (the
hot path is :mod:`tutor.storage.answer_writes`). The clock runs only while a client is attached and
heartbeating: a client that dies stops its attempt's clock at its last heartbeat, and the attempt
stays locked until an invigilator resumes it with the invigilator code.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session

from tutor.domain.access import START_CODE_LIMITS
from tutor.domain.testing import AttemptClock, Form, TestRuleError, assemble_form, form_from_json, form_to_json
from tutor.services import throttle
from tutor.services.sittings.base import (
    AttemptState,
    AttemptView,
    QuestionView,
    SavedAnswer,
    SittingError,
    attached,
    clock_of,
    code_matches,
    definition_of,
    reading,
    store_clock,
)
from tutor.services.sittings.marking import Marking
from tutor.storage import bank_queries, sitting_queries
from tutor.storage import tables as t
from tutor.storage.answer_writes import CoreAnswerTransaction, read_attempt_state
from tutor.storage.engine import as_utc


class Delivery(Marking):
    """The candidate's side of a sitting; an attempt that ends (submitted, or at its deadline) is marked
    by :class:`~tutor.services.sittings.marking.Marking`."""

    # -- starting ------------------------------------------------------------------------------

    def start(self, sitting_id: int, number: str, start_code: str, address: str | None = None) -> int:
        """Start (or return to) a candidate's attempt. Returns the attempt id.

        A first start draws the form and starts the clock. Coming back to an attempt whose
        client died finds it interrupted: it stays locked until the invigilator resumes it.
        Wrong start codes are counted per sitting and per client ``address`` (a browser session's
        computer, when known) and recorded in the sitting's events; past a limit
        (:data:`~tutor.domain.access.START_CODE_LIMITS`) every try is refused for a while, right or wrong.
        """
        with self._write("start the attempt") as session:
            sitting = self._sitting(session, sitting_id)
            target = f"sitting:{sitting.id}"
            try:
                throttle.check(session, throttle.START_CODE, target, address, START_CODE_LIMITS, self.now())
            except throttle.Throttled as exc:
                raise SittingError(str(exc)) from None
            if not code_matches(start_code, sitting.start_code_hash):
                throttle.record(session, throttle.START_CODE, target, address, self.now())
                self._event(session, sitting.id, None, number.strip()[:40] or "?", "candidate", "start_code_refused",
                            data={"number": number.strip()[:40], "address": address})
                session.commit()
                raise SittingError.of("wrong_start_code")
            candidate = self._candidate(session, sitting_id, number)
            attempt = self._attempt(session, candidate.id, missing_ok=True)
            if attempt is None:
                attempt = self._new_attempt(session, sitting, candidate)
            elif attempt.status == "in_progress" and attempt.running_since is not None:
                self._interrupt(session, sitting, attempt, candidate)
            session.commit()
            return attempt.id

    def attempt_id(self, sitting_id: int, number: str) -> int:
        """The attempt of a candidate who has started."""
        with Session(self.engine) as session:
            self._sitting(session, sitting_id)
            return self._attempt(session, self._candidate(session, sitting_id, number).id).id

    def test_total(self, sitting_id: int) -> int:
        with Session(self.engine) as session:
            return self._sitting(session, sitting_id).total_questions

    # -- what the candidate sees ---------------------------------------------------------------

    @reading("read the test")
    def sitting_of(self, attempt_id: int) -> int:
        with Session(self.engine) as session:
            return self._attempt_context(session, attempt_id)[2].id

    @reading("read the test")
    def view(self, attempt_id: int) -> AttemptView:
        with Session(self.engine) as session:
            attempt, candidate, sitting = self._attempt_context(session, attempt_id)
            form = form_from_json(attempt.form_seed, attempt.form)[0]
            latest = sitting_queries.latest_answers(session, attempt.id)
            items = self._form_items(session, form)
            questions = []
            for question in form.questions:
                body = items[(question.item_id, question.version)][1]
                chosen, flagged = latest.get(question.position, (None, False))
                questions.append(QuestionView(
                    question.position, body["stem"],
                    {shown: body["options"][own] for shown, own in zip("ABCD", question.option_order, strict=True)},
                    question.own_to_shown(chosen) if chosen else None, flagged,
                ))
            clock = clock_of(attempt)
            return AttemptView(attempt.id, candidate.name, candidate.number, sitting.test_code, sitting.test_title,
                               sitting.set_by, attempt.status, clock.remaining(self.now()), questions,
                               attempt.viewing or 1)

    # -- answering and flagging ----------------------------------------------------------------

    def save_answer(self, attempt_id: int, position: int, shown: str | None, flagged: bool | None = None) -> SavedAnswer:
        """Commit a choice (``shown`` is the letter on screen; None clears it). Returns only after commit.

        The hot path of a live test, one write transaction (see :mod:`tutor.storage.answer_writes`):
        read the attempt's clock, read the question's latest answer, move the clock, insert the
        answer, append it to the audit chain, commit (one fsync on SQLite). The form is parsed once
        per attempt and cached: it never changes after it is drawn.
        """
        if shown is not None and shown not in ("A", "B", "C", "D"):
            raise SittingError.of("not_a_letter", shown=shown)
        expired = False
        with self.answer_transaction(self.engine, "save the answer") as store:
            status, clock, now, number = self._stored_clock(store, attempt_id)
            if status == "in_progress" and clock.expired(now):
                expired = True
            else:
                if status != "in_progress":
                    raise SittingError.of("cannot_save", status=status)
                form, item_rows = self._cached_form(store, attempt_id)
                if not 1 <= position <= len(form.questions):
                    raise SittingError.of("no_question", position=position)
                question = form.questions[position - 1]
                previous_chosen, previous_flag = store.latest_answer(attempt_id, position) or (None, False)
                own = question.shown_to_own(shown) if shown else None
                if shown is None and flagged is not None:
                    own = previous_chosen  # flagging alone keeps the choice
                flag = previous_flag if flagged is None else flagged
                clock = attached(clock, now)
                store.move_clock(attempt_id, clock.active_seconds, clock.running_since, position)
                answer_id = store.insert_answer(attempt_id, position, item_rows[position - 1], own, flag, now,
                                                clock.active_seconds)
                store.append_audit(now, number, "test.answer", f"attempt:{attempt_id}",
                                   {"answer_id": answer_id, "position": position, "bank_item": item_rows[position - 1],
                                    "item": question.item_id, "version": question.version, "chosen": own,
                                    "flagged": flag, "active_seconds": round(clock.active_seconds, 3)})
                store.commit()
        if expired:
            self.heartbeat(attempt_id)  # submits the attempt at its deadline with every saved answer
            raise SittingError.of("time_up")
        return SavedAnswer(position, shown, now, clock.remaining(now))

    def _cached_form(self, store, attempt_id: int) -> tuple[Form, list[int]]:
        cached = self._forms.get(attempt_id)
        if cached is None:
            cached = self._forms[attempt_id] = form_from_json(*store.attempt_form(attempt_id))
        return cached

    # -- the clock -----------------------------------------------------------------------------

    def heartbeat(self, attempt_id: int, viewing: int | None = None) -> float:
        """A live client's tick: keeps the clock's checkpoint fresh, notes the question on screen (``viewing``),
        and submits at expiry. Returns time left (:meth:`beat` returns the status too)."""
        return self.beat(attempt_id, viewing).remaining_seconds

    def beat(self, attempt_id: int, viewing: int | None = None) -> AttemptState:
        """The heartbeat, returning the attempt's status and time left after it: all a running test's
        once-a-second tick needs.

        Every candidate's client sends one a second, so on a database server (the Core answer transaction) the
        running case is two statements that do not wait for the WAL flush (see
        :class:`~tutor.storage.answer_writes.CoreAnswerTransaction`); on SQLite, and at expiry, it is the
        ordinary write (which on SQLite also runs the WAL checkpoint that saves put off)."""
        if self.answer_transaction is CoreAnswerTransaction:
            left = self._running_heartbeat(attempt_id, viewing)
            if left is not None:
                return AttemptState("in_progress", left)
        with self._write("record the heartbeat") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            clock = clock_of(attempt)
            now = self.now()
            if attempt.status == "in_progress":
                if clock.expired(now):
                    self._finish(session, sitting, attempt, "system", "expired", finished_at=clock.deadline())
                else:
                    store_clock(attempt, attached(clock, now))
                    if viewing is not None and 1 <= viewing <= sitting.total_questions:
                        attempt.viewing = viewing
                    session.add(attempt)
                session.commit()
            return AttemptState(attempt.status, clock_of(attempt).remaining(now))

    def _stored_clock(self, store, attempt_id: int) -> tuple[str, AttemptClock, datetime, str]:
        """The attempt's status, its clock as stored, now, and the candidate's number, read in ``store``'s
        transaction (the answer and heartbeat hot paths)."""
        state = store.attempt_state(attempt_id)
        if state is None:
            raise SittingError.of("no_attempt", attempt_id=attempt_id)
        status, allowed, active, running_since, number = state
        return status, AttemptClock(allowed, active, as_utc(running_since)), self.now(), number

    def _running_heartbeat(self, attempt_id: int, viewing: int | None) -> float | None:
        """The heartbeat of a running attempt before its deadline, in one short transaction; None otherwise
        (the caller's ordinary write then submits at expiry, or reports a stopped clock)."""
        with CoreAnswerTransaction(self.engine, "record the heartbeat", durable=False) as store:
            status, clock, now, _ = self._stored_clock(store, attempt_id)
            if status != "in_progress" or clock.expired(now):
                return None
            questions = len(self._cached_form(store, attempt_id)[0].questions)
            clock = attached(clock, now)
            store.checkpoint_clock(attempt_id, clock.active_seconds, clock.running_since,
                                   viewing if viewing is not None and 1 <= viewing <= questions else None)
            store.commit()
            return clock.remaining(now)

    def state(self, attempt_id: int) -> AttemptState:
        """The attempt's status and time left: what a client's once-a-second tick follows (one short read;
        :meth:`view` reads the questions too)."""
        state = read_attempt_state(self.engine, attempt_id)
        if state is None:
            raise SittingError.of("no_attempt", attempt_id=attempt_id)
        status, allowed, active, running_since, _ = state
        return AttemptState(status, AttemptClock(allowed, active, as_utc(running_since)).remaining(self.now()))

    # -- submitting ----------------------------------------------------------------------------

    def submit(self, attempt_id: int, actor: str = "candidate") -> None:
        with self._write("submit the test") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if attempt.status == "submitted":
                return
            self._finish(session, sitting, attempt, actor, "submitted")
            session.commit()

    # -- drawing the form ----------------------------------------------------------------------

    def _new_attempt(self, session: Session, sitting: t.Sitting, candidate: t.Candidate) -> t.Attempt:
        test = definition_of(sitting)
        seed = secrets.randbits(31)
        earlier = bank_queries.earlier_attempts(session, sitting, candidate)
        seen = frozenset(q.item_id for a in earlier for q in form_from_json(a.form_seed, a.form)[0].questions)
        try:
            form = assemble_form(self._pool(test, session), test.blueprint, seed, avoid=seen)
        except TestRuleError as exc:
            raise SittingError(str(exc)) from None
        now = self.now()
        clock = AttemptClock.for_test(test, candidate.extra_time_percent).start(now)
        rows = {k: row_id for k, (row_id, _) in self._form_items(session, form, raw=True).items()}
        attempt = t.Attempt(candidate_id=candidate.id, form_seed=seed, form=form_to_json(form, rows),
                            status="in_progress", allowed_seconds=clock.allowed_seconds, started_at=now)
        store_clock(attempt, clock)
        session.add(attempt)
        session.flush()
        data = {"seed": seed, "allowed_seconds": clock.allowed_seconds}
        if earlier:
            data["earlier_attempts"] = [a.id for a in earlier]
        self._event(session, sitting.id, attempt.id, candidate.number, "candidate", "started", data=data)
        reused = sorted(q.item_id for q in form.questions if q.item_id in seen)
        if reused:
            # The pool could not give a resitting candidate a form of unseen items: say so, item by item.
            self._event(session, sitting.id, attempt.id, "system", "system", "resit_shortfall",
                        reason=f"{len(reused)} item(s) already seen in an earlier attempt",
                        data={"reused": reused, "earlier_attempts": [a.id for a in earlier]})
        return attempt
