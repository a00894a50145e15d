"""Invigilated sittings: create, register candidates, deliver attempts, invigilate, mark, release.

Every answer is committed in its own write transaction before the caller is told it is saved.
The clock runs only while a client is attached and heartbeating: a client that dies stops its
attempt's clock at its last heartbeat, and the attempt stays locked until an invigilator resumes
it with the invigilator code. Every action is recorded as a :class:`~tutor.storage.tables.TestEvent`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from tutor.domain.access import START_CODE_LIMITS
from tutor.domain.testing import (
    AWARDING_BODY,
    CENTRE,
    AttemptClock,
    Form,
    PoolItem,
    TestDefinition,
    TestResult,
    TestRuleError,
    assemble_form,
    centre_blueprint,
    check_transition,
    form_from_json,
    form_to_json,
    score,
)
from tutor.services import throttle
from tutor.storage import audit_log, bank_queries
from tutor.storage import tables as t
from tutor.storage.answer_writes import CoreAnswerTransaction, answer_transaction_kind, read_attempt_state
from tutor.storage.engine import StorageError, WriteTransaction, as_utc, describe_db_error

STALE_SECONDS = 15
"""A running attempt with no heartbeat for this long has lost its client (clients beat every second)."""


class SittingError(Exception):
    """A request the sitting cannot accept; the message is one line for people."""


@dataclass(frozen=True)
class QuestionView:
    """What a candidate may see of a question: never the key, the rationale or the source."""

    position: int
    stem: str
    options: dict[str, str]  # shown letter -> text
    chosen: str | None  # shown letter
    flagged: bool


@dataclass(frozen=True)
class AttemptView:
    attempt_id: int
    candidate: str
    candidate_number: str
    test_code: str
    test_title: str
    set_by: str
    status: str
    remaining_seconds: float
    questions: list[QuestionView]
    viewing: int = 1  # the question the candidate last had on screen (where a resumed test reopens)


@dataclass(frozen=True)
class AttemptState:
    status: str
    remaining_seconds: float


@dataclass(frozen=True)
class SavedAnswer:
    position: int
    chosen: str | None
    saved_at: datetime
    remaining_seconds: float


@dataclass(frozen=True)
class CandidateStatus:
    number: str
    name: str
    status: str
    answered: int
    remaining_seconds: float | None
    interruptions: int
    interrupted_seconds: float
    extra_time_percent: int


@dataclass(frozen=True)
class CandidateResult:
    number: str
    name: str
    status: str
    result: TestResult | None
    time_used_seconds: float | None


def _reading(what: str):
    """A read method whose database failure (a server restarting, say) is a one-line StorageError, as a
    write's is: a client's tick reports it and tries again a second later."""

    def wrap(method):
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except SQLAlchemyError as exc:
                raise StorageError(f"could not {what}: {describe_db_error(exc)}") from None

        return read

    return wrap


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(_hash_code(code), stored_hash)


def new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    return "".join(secrets.choice(alphabet) for _ in range(6))


class SittingService:
    """Sitting operations over one engine; ``now`` is the injected clock (aware UTC datetimes)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now
        self._forms: dict[int, tuple[Form, list[int]]] = {}  # attempt id -> its form (never changes once drawn)
        # The write transaction of the answer hot path: sqlite3 directly on SQLite, Core elsewhere
        # (tests run the Core one on SQLite too, so both stay exercised).
        self.answer_transaction = answer_transaction_kind(engine)

    # -- definitions -------------------------------------------------------------------------

    def test_definition(self, code: str) -> TestDefinition:
        """The awarding body's test for a unit, from the current catalogue's test specification."""
        with Session(self.engine) as session:
            row = session.exec(
                select(t.TestSpecification, t.Qualification.number)
                .join(t.Qualification, t.Qualification.id == t.TestSpecification.qualification_id)
                .join(t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
                .where(t.DocumentVersion.is_current, t.TestSpecification.unit_key == code.strip())
            ).first()
            if row is None:
                raise SittingError(f"no test specification for {code!r} in the catalogue")
            spec, qualification = row
            unit = session.get(t.Unit, spec.unit_id) if spec.unit_id else None
            blueprint = session.exec(
                select(t.TestBlueprintRow).where(t.TestBlueprintRow.test_id == spec.id).order_by(t.TestBlueprintRow.position)
            ).all()
            return TestDefinition(
                spec.unit_key, spec.unit_title, unit.key if unit else spec.unit_key, qualification,
                spec.total_questions, spec.duration_minutes, spec.pass_mark,
                {r.outcome_number: r.questions for r in blueprint}, AWARDING_BODY,
            )

    def centre_test(self, unit_ref: str, questions: int, minutes: int, pass_mark: int) -> TestDefinition:
        """A centre's own test of any unit with knowledge criteria; always labelled centre-set."""
        with Session(self.engine) as session:
            unit = session.exec(
                select(t.Unit).join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
                .where(t.DocumentVersion.is_current, (t.Unit.key == unit_ref) | (t.Unit.local_id == unit_ref))
            ).first()
            if unit is None:
                raise SittingError(f"no unit {unit_ref!r} in the catalogue")
            counts: dict[str, int] = {}
            for outcome in session.exec(select(t.Outcome).where(t.Outcome.unit_id == unit.id).order_by(t.Outcome.position)):
                criteria = session.exec(select(t.Criterion.id).where(t.Criterion.outcome_id == outcome.id)).all()
                counts[outcome.number] = len(criteria) if outcome.kind == "knowledge" else 0
            qualification = session.exec(
                select(t.Qualification.number).join(t.UnitMembership, t.UnitMembership.qualification_id == t.Qualification.id)
                .where(t.UnitMembership.unit_id == unit.id)
            ).first()
        try:
            blueprint = centre_blueprint(counts, questions)
            return TestDefinition(unit.local_id or unit.key, f"{unit.title} (centre-set)", unit.key, qualification or "",
                                  questions, minutes, pass_mark, blueprint, CENTRE)
        except TestRuleError as exc:
            raise SittingError(f"{unit_ref}: {exc}") from None

    # -- invigilator: set-up -----------------------------------------------------------------

    def create_sitting(self, test: TestDefinition, invigilator: str) -> tuple[int, str, str]:
        """Returns the sitting id, the candidates' start code and the invigilator's code (shown once)."""
        if not invigilator.strip():
            raise SittingError("a sitting needs the invigilator's name")
        self._pool(test)  # refuse a sitting the bank cannot supply
        start_code, invigilator_code = new_code(), new_code()
        with self._write("create the sitting") as session:
            sitting = t.Sitting(
                test_code=test.code, test_title=test.title, set_by=test.set_by, qualification=test.qualification,
                unit_key=test.unit_key, total_questions=test.total_questions, duration_minutes=test.duration_minutes,
                pass_mark=test.pass_mark, blueprint=json.dumps(test.blueprint), invigilator=invigilator.strip(),
                start_code_hash=_hash_code(start_code), invigilator_code_hash=_hash_code(invigilator_code),
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
            raise SittingError("a candidate needs a number and a name")
        if not 0 <= extra_time_percent <= 100:
            raise SittingError("extra time is a percentage from 0 to 100")
        if extra_time_percent and not extra_time_reason.strip():
            raise SittingError("extra time needs a reason (the access arrangement it implements)")
        if rest_breaks and not rest_breaks_reason.strip():
            raise SittingError("supervised rest breaks need a reason")
        with self._write("register the candidate") as session:
            sitting = self._sitting(session, sitting_id)
            existing = self._candidate(session, sitting_id, number, missing_ok=True)
            if existing is not None:
                if self._attempt(session, existing.id, missing_ok=True) is not None:
                    raise SittingError(f"candidate {number} has started: access arrangements are made before the test")
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

    # -- candidate ---------------------------------------------------------------------------

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
            if not _code_matches(start_code, sitting.start_code_hash):
                throttle.record(session, throttle.START_CODE, target, address, self.now())
                self._event(session, sitting.id, None, number.strip()[:40] or "?", "candidate", "start_code_refused",
                            data={"number": number.strip()[:40], "address": address})
                session.commit()
                raise SittingError("that start code is not right for this sitting")
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

    @_reading("read the test")
    def sitting_of(self, attempt_id: int) -> int:
        with Session(self.engine) as session:
            return self._attempt_context(session, attempt_id)[2].id

    @_reading("read the test")
    def view(self, attempt_id: int) -> AttemptView:
        with Session(self.engine) as session:
            attempt, candidate, sitting = self._attempt_context(session, attempt_id)
            form = form_from_json(attempt.form_seed, attempt.form)[0]
            latest = self._latest_answers(session, attempt.id)
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
            clock = _clock(attempt)
            return AttemptView(attempt.id, candidate.name, candidate.number, sitting.test_code, sitting.test_title,
                               sitting.set_by, attempt.status, clock.remaining(self.now()), questions,
                               attempt.viewing or 1)

    def save_answer(self, attempt_id: int, position: int, shown: str | None, flagged: bool | None = None) -> SavedAnswer:
        """Commit a choice (``shown`` is the letter on screen; None clears it). Returns only after commit.

        The hot path of a live test, one write transaction (see :mod:`tutor.storage.answer_writes`):
        read the attempt's clock, read the question's latest answer, move the clock, insert the
        answer, append it to the audit chain, commit (one fsync on SQLite). The form is parsed once
        per attempt and cached: it never changes after it is drawn.
        """
        if shown is not None and shown not in ("A", "B", "C", "D"):
            raise SittingError(f"answer {shown!r} is not one of A, B, C or D")
        expired = False
        with self.answer_transaction(self.engine, "save the answer") as store:
            status, clock, now, number = self._stored_clock(store, attempt_id)
            if status == "in_progress" and clock.expired(now):
                expired = True
            else:
                if status != "in_progress":
                    raise SittingError(f"the attempt is {status.replace('_', ' ')}: answers cannot be saved now")
                form, item_rows = self._cached_form(store, attempt_id)
                if not 1 <= position <= len(form.questions):
                    raise SittingError(f"there is no question {position}")
                question = form.questions[position - 1]
                previous_chosen, previous_flag = store.latest_answer(attempt_id, position) or (None, False)
                own = question.shown_to_own(shown) if shown else None
                if shown is None and flagged is not None:
                    own = previous_chosen  # flagging alone keeps the choice
                flag = previous_flag if flagged is None else flagged
                clock = _attached(clock, now)
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
            raise SittingError("time is up: the test was submitted with your saved answers; this answer was not saved")
        return SavedAnswer(position, shown, now, clock.remaining(now))

    def _cached_form(self, store, attempt_id: int) -> tuple[Form, list[int]]:
        cached = self._forms.get(attempt_id)
        if cached is None:
            cached = self._forms[attempt_id] = form_from_json(*store.attempt_form(attempt_id))
        return cached

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
            clock = _clock(attempt)
            now = self.now()
            if attempt.status == "in_progress":
                if clock.expired(now):
                    self._finish(session, sitting, attempt, "system", "expired", finished_at=clock.deadline())
                else:
                    _store_clock(attempt, _attached(clock, now))
                    if viewing is not None and 1 <= viewing <= sitting.total_questions:
                        attempt.viewing = viewing
                    session.add(attempt)
                session.commit()
            return AttemptState(attempt.status, _clock(attempt).remaining(now))

    def _stored_clock(self, store, attempt_id: int) -> tuple[str, AttemptClock, datetime, str]:
        """The attempt's status, its clock as stored, now, and the candidate's number, read in ``store``'s
        transaction (the answer and heartbeat hot paths)."""
        state = store.attempt_state(attempt_id)
        if state is None:
            raise SittingError(f"no attempt {attempt_id}")
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
            clock = _attached(clock, now)
            store.checkpoint_clock(attempt_id, clock.active_seconds, clock.running_since,
                                   viewing if viewing is not None and 1 <= viewing <= questions else None)
            store.commit()
            return clock.remaining(now)

    def state(self, attempt_id: int) -> AttemptState:
        """The attempt's status and time left: what a client's once-a-second tick follows (one short read;
        :meth:`view` reads the questions too)."""
        state = read_attempt_state(self.engine, attempt_id)
        if state is None:
            raise SittingError(f"no attempt {attempt_id}")
        status, allowed, active, running_since, _ = state
        return AttemptState(status, AttemptClock(allowed, active, as_utc(running_since)).remaining(self.now()))

    def submit(self, attempt_id: int, actor: str = "candidate") -> None:
        with self._write("submit the test") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if attempt.status == "submitted":
                return
            self._finish(session, sitting, attempt, actor, "submitted")
            session.commit()

    # -- invigilator: actions ----------------------------------------------------------------

    def pause(self, attempt_id: int, actor: str, reason: str = "", kind: str = "paused") -> None:
        """Stop an attempt's clock: an invigilator's pause, or a supervised rest break."""
        with self._write("pause the attempt") as session:
            attempt, candidate, sitting = self._attempt_context(session, attempt_id)
            if kind == "rest_break" and not candidate.rest_breaks_allowed:
                raise SittingError(f"candidate {candidate.number} has no supervised rest breaks arranged")
            self._move(attempt, "paused")
            _store_clock(attempt, _clock(attempt).stop(self.now()))
            session.add(attempt)
            self._event(session, sitting.id, attempt.id, actor, "invigilator", kind, reason)
            session.commit()

    def resume(self, attempt_id: int, actor: str, invigilator_code: str, reason: str = "") -> None:
        """Restart a paused or interrupted attempt's clock; needs the invigilator's code."""
        with self._write("resume the attempt") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if not _code_matches(invigilator_code, sitting.invigilator_code_hash):
                raise SittingError("that invigilator code is not right for this sitting")
            self._settle(session, sitting, attempt)
            was = attempt.status
            self._move(attempt, "in_progress")
            now = self.now()
            # The clock stays stopped until the candidate's client is back: its next heartbeat
            # or answer starts it, so time spent walking back to the desk is not lost.
            _store_clock(attempt, _clock(attempt).stop(now) if attempt.running_since else _clock(attempt))
            session.add(attempt)
            data = {}
            if was == "interrupted":
                # The interruption began at the dead client's last checkpoint, not when it was noticed.
                event = self._last_event(session, attempt.id, "interrupted")
                since = datetime.fromisoformat(json.loads(event.data)["since"]) if event else now
                data["interruption_seconds"] = (now - since).total_seconds()
            self._event(session, sitting.id, attempt.id, actor, "invigilator", "resumed", reason, data)
            session.commit()

    def add_time(self, attempt_id: int, minutes: float, actor: str, reason: str) -> None:
        if not reason.strip():
            raise SittingError("extra time needs a reason")
        with self._write("add time") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            if attempt.status in ("submitted", "voided"):
                raise SittingError(f"the attempt is {attempt.status}: time cannot be added")
            try:
                _store_clock(attempt, _clock(attempt).add_time(minutes * 60))
            except TestRuleError as exc:
                raise SittingError(str(exc)) from None
            session.add(attempt)
            self._event(session, sitting.id, attempt.id, actor, "invigilator", "time_added", reason, {"minutes": minutes})
            session.commit()

    def void(self, attempt_id: int, actor: str, reason: str) -> None:
        """Void an attempt for good: it is never marked or released. Cannot be undone."""
        if not reason.strip():
            raise SittingError("voiding an attempt needs a reason")
        with self._write("void the attempt") as session:
            attempt, _, sitting = self._attempt_context(session, attempt_id)
            self._move(attempt, "voided")
            if attempt.running_since is not None:
                _store_clock(attempt, _clock(attempt).stop(self.now()))
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

    def release_results(self, sitting_id: int, actor: str) -> None:
        with self._write("release the results") as session:
            sitting = self._sitting(session, sitting_id)
            sitting.results_released_at = self.now()
            sitting.released_by = actor
            session.add(sitting)
            self._event(session, sitting_id, None, actor, "invigilator", "results_released")
            session.commit()

    # -- reports -----------------------------------------------------------------------------

    @_reading("read the sitting")
    def status(self, sitting_id: int) -> list[CandidateStatus]:
        with Session(self.engine) as session:
            self._sitting(session, sitting_id)
            now, rows = self.now(), []
            for candidate in session.exec(select(t.Candidate).where(t.Candidate.sitting_id == sitting_id)
                                          .order_by(t.Candidate.number)):
                attempt = self._attempt(session, candidate.id, missing_ok=True)
                if attempt is None:
                    rows.append(CandidateStatus(candidate.number, candidate.name, "not started", 0, None, 0, 0.0,
                                                candidate.extra_time_percent))
                    continue
                answered = sum(1 for chosen, _ in self._latest_answers(session, attempt.id).values() if chosen)
                if _is_stale(attempt, now):
                    since = as_utc(attempt.running_since)
                    attempt = attempt.model_copy(update={"status": "interrupted", "running_since": None,
                                                         "active_seconds": _clock(attempt).stop(since).active_seconds})
                resumed = session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt.id,
                                                                 t.TestEvent.kind == "resumed")).all()
                lengths = [json.loads(e.data).get("interruption_seconds") for e in resumed]
                interruptions = session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt.id,
                                                                       t.TestEvent.kind == "interrupted")).all()
                rows.append(CandidateStatus(
                    candidate.number, candidate.name, attempt.status, answered, _clock(attempt).remaining(now),
                    len(interruptions), sum(x for x in lengths if x), candidate.extra_time_percent))
            return rows

    @_reading("read the results")
    def results(self, sitting_id: int, released_only: bool = True) -> list[CandidateResult]:
        with Session(self.engine) as session:
            sitting = self._sitting(session, sitting_id)
            if released_only and sitting.results_released_at is None:
                raise SittingError(f"the results of sitting {sitting_id} have not been released")
            out = []
            for candidate in session.exec(select(t.Candidate).where(t.Candidate.sitting_id == sitting_id)
                                          .order_by(t.Candidate.number)):
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

    @_reading("read the sitting's events")
    def events(self, sitting_id: int) -> list[t.TestEvent]:
        with Session(self.engine) as session:
            return list(session.exec(select(t.TestEvent).where(t.TestEvent.sitting_id == sitting_id)
                                     .order_by(t.TestEvent.id)))

    # -- internals ---------------------------------------------------------------------------

    def _write(self, what: str):
        return WriteTransaction(self.engine, what)

    def _pool(self, test: TestDefinition, session: Session | None = None) -> list[PoolItem]:
        """The test's secure pool, read in ``session`` when given (a start's write transaction: a second
        connection held at the same time would double the connections a sitting needs)."""
        if session is None:
            with Session(self.engine) as own:
                return self._pool(test, own)
        rows = bank_queries.secure_pool(session, {test.unit_key, test.code})
        pool = [PoolItem(r.item_id, r.version, r.outcome, r.criterion, r.enemies) for r in rows]
        for outcome, need in test.blueprint.items():
            have = sum(1 for p in pool if p.outcome == outcome)
            if have < need:
                raise SittingError(f"the bank has {have} approved secure items for outcome {outcome} of {test.code}; "
                                   f"a form needs {need}")
        return pool

    def _new_attempt(self, session: Session, sitting: t.Sitting, candidate: t.Candidate) -> t.Attempt:
        test = _definition(sitting)
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
        _store_clock(attempt, clock)
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

    def _interrupt(self, session: Session, sitting: t.Sitting, attempt: t.Attempt, candidate: t.Candidate) -> None:
        """The client that ran this attempt is gone: stop the clock at its last checkpoint."""
        last_checkpoint = as_utc(attempt.running_since) or self.now()
        attempt.active_seconds = _clock(attempt).stop(last_checkpoint).active_seconds
        attempt.running_since = None
        attempt.status = "interrupted"
        session.add(attempt)
        self._event(session, sitting.id, attempt.id, candidate.number, "system", "interrupted",
                    data={"since": last_checkpoint.isoformat(), "active_seconds": attempt.active_seconds})

    def _finish(self, session: Session, sitting: t.Sitting, attempt: t.Attempt, actor: str, kind: str,
                finished_at: datetime | None = None) -> None:
        self._move(attempt, "submitted")
        end = finished_at or self.now()
        _store_clock(attempt, _clock(attempt).stop(end) if attempt.running_since else _clock(attempt))
        attempt.finished_at = end
        result = self._score(session, sitting, attempt)
        attempt.raw_score, attempt.passed = result.raw, result.passed
        attempt.per_outcome = json.dumps({o: list(v) for o, v in result.per_outcome.items()})
        session.add(attempt)
        evidence = self._record_evidence(session, attempt, result, end)
        self._event(session, sitting.id, attempt.id, actor, "system" if actor == "system" else "candidate", kind,
                    data={"finished_at": end.isoformat(), "raw_score": result.raw, "evidence": evidence})

    def _record_evidence(self, session: Session, attempt: t.Attempt, result: TestResult, end: datetime) -> list:
        """Every question of the finished attempt, as marked, against the criterion its item tests; returns
        the rows as the audit entry records them: [id, position, bank item, criterion, chosen, correct]."""
        candidate = session.get(t.Candidate, attempt.candidate_id)
        form, item_rows = form_from_json(attempt.form_seed, attempt.form)
        answers = self._latest_answers(session, attempt.id)
        items = {r.id: r for r in session.exec(select(t.BankItem).where(t.BankItem.id.in_(set(item_rows))))}
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
        answers = {p: chosen for p, (chosen, _) in self._latest_answers(session, attempt.id).items() if chosen}
        return score(form, answers, keys, _definition(sitting))

    def _form_items(self, session: Session, form: Form, raw: bool = False) -> dict:
        wanted = {(q.item_id, q.version) for q in form.questions}
        rows = session.exec(select(t.BankItem).where(t.BankItem.item_id.in_({i for i, _ in wanted}))).all()
        found = {(r.item_id, r.version): (r.id, r.body if raw else json.loads(r.body))
                 for r in rows if (r.item_id, r.version) in wanted}
        if len(found) != len(wanted):
            raise SittingError("an item of this form is missing from the bank")
        return found

    def _settle(self, session: Session, sitting: t.Sitting, attempt: t.Attempt) -> None:
        """An attempt whose client stopped heartbeating long ago is interrupted, whoever looks first."""
        if _is_stale(attempt, self.now()):
            self._interrupt(session, sitting, attempt, session.get(t.Candidate, attempt.candidate_id))

    @staticmethod
    def _attempt_row(session: Session, attempt_id: int) -> t.Attempt:
        attempt = session.get(t.Attempt, attempt_id)
        if attempt is None:
            raise SittingError(f"no attempt {attempt_id}")
        return attempt

    @staticmethod
    def _sitting_of_attempt(session: Session, attempt: t.Attempt) -> t.Sitting:
        return session.get(t.Sitting, session.get(t.Candidate, attempt.candidate_id).sitting_id)

    def _latest_answers(self, session: Session, attempt_id: int) -> dict[int, tuple[str | None, bool]]:
        latest: dict[int, tuple[str | None, bool]] = {}
        for answer in session.exec(select(t.AttemptAnswer).where(t.AttemptAnswer.attempt_id == attempt_id)
                                   .order_by(t.AttemptAnswer.id)):
            latest[answer.position] = (answer.chosen, answer.flagged)
        return latest

    def _attempt_ids(self, sitting_id: int) -> list[tuple[int, str]]:
        with Session(self.engine) as session:
            return list(session.exec(select(t.Attempt.id, t.Attempt.status)
                                     .join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
                                     .where(t.Candidate.sitting_id == sitting_id)))

    @staticmethod
    def _move(attempt: t.Attempt, to: str) -> None:
        try:
            check_transition(attempt.status, to)
        except TestRuleError as exc:
            raise SittingError(str(exc)) from None
        attempt.status = to

    def _event(self, session: Session, sitting_id: int, attempt_id: int | None, actor: str, role: str, kind: str,
               reason: str = "", data: dict | None = None) -> None:
        now = self.now()
        session.add(t.TestEvent(sitting_id=sitting_id, attempt_id=attempt_id, at=now, actor=actor, role=role,
                                kind=kind, reason=reason.strip(), data=json.dumps(data or {})))
        audit_log.append(session.connection(), now, actor, f"test.{kind}",
                         f"attempt:{attempt_id}" if attempt_id else f"sitting:{sitting_id}",
                         {"sitting": sitting_id, "role": role, "reason": reason.strip(), **(data or {})})

    @staticmethod
    def _last_event(session: Session, attempt_id: int, kind: str) -> t.TestEvent | None:
        return session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt_id, t.TestEvent.kind == kind)
                            .order_by(t.TestEvent.id.desc())).first()

    @staticmethod
    def _sitting(session: Session, sitting_id: int) -> t.Sitting:
        sitting = session.get(t.Sitting, sitting_id)
        if sitting is None:
            raise SittingError(f"no sitting {sitting_id}")
        return sitting

    @staticmethod
    def _candidate(session: Session, sitting_id: int, number: str, missing_ok: bool = False) -> t.Candidate | None:
        candidate = session.exec(select(t.Candidate).where(t.Candidate.sitting_id == sitting_id,
                                                           t.Candidate.number == number.strip())).first()
        if candidate is None and not missing_ok:
            raise SittingError(f"no candidate {number} in sitting {sitting_id}")
        return candidate

    @staticmethod
    def _attempt(session: Session, candidate_id: int, missing_ok: bool = False) -> t.Attempt | None:
        attempt = session.exec(select(t.Attempt).where(t.Attempt.candidate_id == candidate_id)).first()
        if attempt is None and not missing_ok:
            raise SittingError("the candidate has not started")
        return attempt

    @staticmethod
    def _attempt_context(session: Session, attempt_id: int) -> tuple[t.Attempt, t.Candidate, t.Sitting]:
        attempt = SittingService._attempt_row(session, attempt_id)
        candidate = session.get(t.Candidate, attempt.candidate_id)
        return attempt, candidate, session.get(t.Sitting, candidate.sitting_id)


def _is_stale(attempt: t.Attempt, now: datetime) -> bool:
    """A running attempt whose client has not checked in for STALE_SECONDS has lost its client."""
    since = as_utc(attempt.running_since)
    return attempt.status == "in_progress" and since is not None and (now - since).total_seconds() > STALE_SECONDS


def _definition(sitting: t.Sitting) -> TestDefinition:
    return TestDefinition(sitting.test_code, sitting.test_title, sitting.unit_key, sitting.qualification,
                          sitting.total_questions, sitting.duration_minutes, sitting.pass_mark,
                          json.loads(sitting.blueprint), sitting.set_by if sitting.set_by in (AWARDING_BODY, CENTRE) else CENTRE)


def _clock(attempt: t.Attempt) -> AttemptClock:
    return AttemptClock(attempt.allowed_seconds, attempt.active_seconds, as_utc(attempt.running_since))


def _store_clock(attempt: t.Attempt, clock: AttemptClock) -> None:
    attempt.allowed_seconds = clock.allowed_seconds
    attempt.active_seconds = clock.active_seconds
    attempt.running_since = clock.running_since


def _attached(clock: AttemptClock, now: datetime) -> AttemptClock:
    """A live client's sign of life: start a stopped clock (after a resume), else checkpoint it."""
    return clock.checkpoint(now) if clock.running else clock.start(now)
