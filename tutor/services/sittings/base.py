"""What every part of the sitting service shares: :class:`SittingError` (its words in
``templates/errors/sittings/``), the dataclasses it returns, the start and invigilator codes, the
attempt clock as stored, and :class:`SittingBase`: finding a sitting, candidate or attempt, drawing on
the secure pool, moving an attempt's status, stopping the clock of an attempt whose client is gone, and
recording every action as a :class:`~tutor.storage.tables.TestEvent` and in the audit chain.
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
from sqlmodel import Session

from tutor.domain.testing import (
    AWARDING_BODY,
    CENTRE,
    AttemptClock,
    Form,
    PoolItem,
    TestDefinition,
    TestResult,
    TestRuleError,
    check_transition,
)
from tutor.rendering import message
from tutor.storage import audit_log, bank_queries, sitting_queries
from tutor.storage import tables as t
from tutor.storage.answer_writes import answer_transaction_kind
from tutor.storage.engine import WriteTransaction, as_utc, describe_db_error, storage_error

STALE_SECONDS = 15
"""A running attempt with no heartbeat for this long has lost its client (clients beat every second)."""


class SittingError(Exception):
    """A request the sitting cannot accept; the message is one line for people."""

    @classmethod
    def of(cls, name: str, /, **fields: object) -> SittingError:
        """The error saying ``templates/errors/sittings/<name>.j2``."""
        return cls(message(f"sittings/{name}", **fields))


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


def reading(what: str):
    """A read method whose database failure (a server restarting, say) is a one-line StorageError, as a
    write's is: a client's tick reports it and tries again a second later."""

    def wrap(method):
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except SQLAlchemyError as exc:
                raise storage_error("use", "failed", what=what, reason=describe_db_error(exc)) from None

        return read

    return wrap


# -- codes -------------------------------------------------------------------------------------


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_code(code), stored_hash)


def new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    return "".join(secrets.choice(alphabet) for _ in range(6))


# -- the service's common ground ---------------------------------------------------------------


class SittingBase:
    """Sitting operations over one engine; ``now`` is the injected clock (aware UTC datetimes)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now
        self._forms: dict[int, tuple[Form, list[int]]] = {}  # attempt id -> its form (never changes once drawn)
        # The write transaction of the answer hot path: sqlite3 directly on SQLite, Core elsewhere
        # (tests run the Core one on SQLite too, so both stay exercised).
        self.answer_transaction = answer_transaction_kind(engine)

    def _write(self, what: str):
        return WriteTransaction(self.engine, what)

    # -- finding a sitting, a candidate, an attempt --------------------------------------------

    @staticmethod
    def _sitting(session: Session, sitting_id: int) -> t.Sitting:
        sitting = session.get(t.Sitting, sitting_id)
        if sitting is None:
            raise SittingError.of("no_sitting", sitting_id=sitting_id)
        return sitting

    @staticmethod
    def _candidate(session: Session, sitting_id: int, number: str, missing_ok: bool = False) -> t.Candidate | None:
        candidate = sitting_queries.candidate(session, sitting_id, number.strip())
        if candidate is None and not missing_ok:
            raise SittingError.of("no_candidate", number=number, sitting_id=sitting_id)
        return candidate

    @staticmethod
    def _attempt(session: Session, candidate_id: int, missing_ok: bool = False) -> t.Attempt | None:
        attempt = sitting_queries.attempt(session, candidate_id)
        if attempt is None and not missing_ok:
            raise SittingError.of("not_started")
        return attempt

    @staticmethod
    def _attempt_context(session: Session, attempt_id: int) -> tuple[t.Attempt, t.Candidate, t.Sitting]:
        attempt = session.get(t.Attempt, attempt_id)
        if attempt is None:
            raise SittingError.of("no_attempt", attempt_id=attempt_id)
        candidate = session.get(t.Candidate, attempt.candidate_id)
        return attempt, candidate, session.get(t.Sitting, candidate.sitting_id)

    # -- the bank ------------------------------------------------------------------------------

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
                raise SittingError.of("pool_too_small", have=have, outcome=outcome, test=test.code, need=need)
        return pool

    @staticmethod
    def _form_items(session: Session, form: Form, raw: bool = False) -> dict:
        """(item id, version) -> (row id, body) of each question of a form; the body parsed unless ``raw``."""
        wanted = {(q.item_id, q.version) for q in form.questions}
        rows = bank_queries.item_versions(session, {i for i, _ in wanted})
        found = {(r.item_id, r.version): (r.id, r.body if raw else json.loads(r.body))
                 for r in rows if (r.item_id, r.version) in wanted}
        if len(found) != len(wanted):
            raise SittingError.of("item_missing")
        return found

    # -- an attempt's status and clock ---------------------------------------------------------

    @staticmethod
    def _move(attempt: t.Attempt, to: str) -> None:
        try:
            check_transition(attempt.status, to)
        except TestRuleError as exc:
            raise SittingError(str(exc)) from None
        attempt.status = to

    def _interrupt(self, session: Session, sitting: t.Sitting, attempt: t.Attempt, candidate: t.Candidate) -> None:
        """The client that ran this attempt is gone: stop the clock at its last checkpoint."""
        last_checkpoint = as_utc(attempt.running_since) or self.now()
        attempt.active_seconds = clock_of(attempt).stop(last_checkpoint).active_seconds
        attempt.running_since = None
        attempt.status = "interrupted"
        session.add(attempt)
        self._event(session, sitting.id, attempt.id, candidate.number, "system", "interrupted",
                    data={"since": last_checkpoint.isoformat(), "active_seconds": attempt.active_seconds})

    def _settle(self, session: Session, sitting: t.Sitting, attempt: t.Attempt) -> None:
        """An attempt whose client stopped heartbeating long ago is interrupted, whoever looks first."""
        if is_stale(attempt, self.now()):
            self._interrupt(session, sitting, attempt, session.get(t.Candidate, attempt.candidate_id))

    # -- the record ----------------------------------------------------------------------------

    def _event(self, session: Session, sitting_id: int, attempt_id: int | None, actor: str, role: str, kind: str,
               reason: str = "", data: dict | None = None) -> None:
        now = self.now()
        session.add(t.TestEvent(sitting_id=sitting_id, attempt_id=attempt_id, at=now, actor=actor, role=role,
                                kind=kind, reason=reason.strip(), data=json.dumps(data or {})))
        audit_log.append(session.connection(), now, actor, f"test.{kind}",
                         f"attempt:{attempt_id}" if attempt_id else f"sitting:{sitting_id}",
                         {"sitting": sitting_id, "role": role, "reason": reason.strip(), **(data or {})})


def is_stale(attempt: t.Attempt, now: datetime) -> bool:
    """A running attempt whose client has not checked in for STALE_SECONDS has lost its client."""
    since = as_utc(attempt.running_since)
    return attempt.status == "in_progress" and since is not None and (now - since).total_seconds() > STALE_SECONDS


def definition_of(sitting: t.Sitting) -> TestDefinition:
    """The test a sitting was created for, as it stored it."""
    return TestDefinition(sitting.test_code, sitting.test_title, sitting.unit_key, sitting.qualification,
                          sitting.total_questions, sitting.duration_minutes, sitting.pass_mark,
                          json.loads(sitting.blueprint), sitting.set_by if sitting.set_by in (AWARDING_BODY, CENTRE) else CENTRE)


def clock_of(attempt: t.Attempt) -> AttemptClock:
    return AttemptClock(attempt.allowed_seconds, attempt.active_seconds, as_utc(attempt.running_since))


def store_clock(attempt: t.Attempt, clock: AttemptClock) -> None:
    attempt.allowed_seconds = clock.allowed_seconds
    attempt.active_seconds = clock.active_seconds
    attempt.running_since = clock.running_since


def attached(clock: AttemptClock, now: datetime) -> AttemptClock:
    """A live client's sign of life: start a stopped clock (after a resume), else checkpoint it."""
    return clock.checkpoint(now) if clock.running else clock.start(now)
