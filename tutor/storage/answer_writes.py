"""The storage side of saving one test answer: the hot path of a live test.

One write transaction holds the handful of statements a save needs (read the attempt's clock and
form, read the question's latest answer, move the clock, insert the answer, append to the audit
chain, commit). :func:`answer_transaction_kind` picks one of two implementations of that shape:

* :class:`CoreAnswerTransaction`: SQLAlchemy Core on one connection; any database (PostgreSQL).
* :class:`SqliteAnswerTransaction`: the pool's DBAPI connection to SQLite driven directly. A
  save is five short statements and one fsync; SQLAlchemy's per-statement work was more than the
  fsync itself, so on SQLite the statements go straight to ``sqlite3`` (whose statement cache keeps
  them prepared). Values are converted with the column types' own bind and result processors, so
  rows written here read back through the ORM exactly like rows written by it. The transaction
  also turns off SQLite's automatic WAL checkpoint while it runs: a checkpoint copies the WAL into
  the database file and fsyncs it, two or three fsyncs that would land on whichever answer happened
  to cross the threshold. The next ordinary write (the client's heartbeat, once a second) runs it
  instead.

Any database failure becomes a one-line :class:`~tutor.storage.engine.StorageError` saying that
nothing was saved; the transaction is rolled back.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import cache
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tutor.storage import audit_log
from tutor.storage import tables as t
from tutor.storage.engine import describe_db_error, storage_error, write_failed

_ATTEMPT = t.Attempt.__table__
_CANDIDATE = t.Candidate.__table__
_ANSWER = t.AttemptAnswer.__table__

AUTOCHECKPOINT_PAGES = 1000
"""SQLite's default ``wal_autocheckpoint``, restored when a save's transaction ends."""

# Each statement is written once, in Core; the sqlite3 path runs the same statements compiled
# once for SQLite (named parameters, so the same parameter dicts serve both).
_ATTEMPT_STATE = (sa.select(_ATTEMPT.c.status, _ATTEMPT.c.allowed_seconds, _ATTEMPT.c.active_seconds,
                            _ATTEMPT.c.running_since, _CANDIDATE.c.number)
                  .join(_CANDIDATE, _CANDIDATE.c.id == _ATTEMPT.c.candidate_id)
                  .where(_ATTEMPT.c.id == sa.bindparam("attempt")))
_ATTEMPT_FORM = sa.select(_ATTEMPT.c.form_seed, _ATTEMPT.c.form).where(_ATTEMPT.c.id == sa.bindparam("attempt"))
_LATEST_ANSWER = (sa.select(_ANSWER.c.chosen, _ANSWER.c.flagged)
                  .where(_ANSWER.c.attempt_id == sa.bindparam("attempt"),
                         _ANSWER.c.position == sa.bindparam("position"))
                  .order_by(_ANSWER.c.id.desc()).limit(1))
_UPDATE_CLOCK = (sa.update(_ATTEMPT).where(_ATTEMPT.c.id == sa.bindparam("attempt"))
                 .values(active_seconds=sa.bindparam("active"), running_since=sa.bindparam("since"),
                         viewing=sa.bindparam("viewing")))
_CHECKPOINT_CLOCK = (sa.update(_ATTEMPT).where(_ATTEMPT.c.id == sa.bindparam("attempt"))
                     .values(active_seconds=sa.bindparam("active"), running_since=sa.bindparam("since")))
_INSERT_ANSWER = sa.insert(_ANSWER).values({name: sa.bindparam(name) for name in (
    "attempt_id", "position", "bank_item_id", "chosen", "flagged", "saved_at", "active_seconds")})


class _AnswerStatements:
    """The reads and writes of one save, over ``_run`` (statement, parameters) -> rows, with
    datetimes passed through ``_time_in`` / ``_time_out`` on the way to and from the database."""

    what: str

    def _run(self, statement, params: dict | None = None) -> list[tuple]:
        raise NotImplementedError

    def _time_in(self, moment: datetime | None):
        return moment

    def _time_out(self, stored) -> datetime | None:
        return stored

    def attempt_state(self, attempt_id: int) -> tuple | None:
        """(status, allowed_seconds, active_seconds, running_since, candidate number) or None."""
        rows = self._run(_ATTEMPT_STATE, {"attempt": attempt_id})
        if not rows:
            return None
        status, allowed, active, running_since, number = rows[0]
        return status, allowed, active, self._time_out(running_since), number

    def attempt_form(self, attempt_id: int) -> tuple[int, str]:
        """(form seed, form JSON)."""
        rows = self._run(_ATTEMPT_FORM, {"attempt": attempt_id})
        if not rows:
            raise storage_error("use", "no_form", what=self.what, attempt_id=attempt_id)
        return rows[0][0], rows[0][1]

    def latest_answer(self, attempt_id: int, position: int) -> tuple[str | None, bool] | None:
        rows = self._run(_LATEST_ANSWER, {"attempt": attempt_id, "position": position})
        return (rows[0][0], bool(rows[0][1])) if rows else None

    def move_clock(self, attempt_id: int, active_seconds: float, running_since: datetime | None,
                   viewing: int) -> None:
        """Move the clock, and note the question answered as the one on screen (in the same statement)."""
        self._run(_UPDATE_CLOCK, {"attempt": attempt_id, "active": active_seconds,
                                  "since": self._time_in(running_since), "viewing": viewing})

    def checkpoint_clock(self, attempt_id: int, active_seconds: float, running_since: datetime | None,
                         viewing: int | None) -> None:
        """A heartbeat's write: move the clock, and note the question on screen when there is one."""
        if viewing is not None:
            self.move_clock(attempt_id, active_seconds, running_since, viewing)
        else:
            self._run(_CHECKPOINT_CLOCK, {"attempt": attempt_id, "active": active_seconds,
                                          "since": self._time_in(running_since)})

    def insert_answer(self, attempt_id: int, position: int, bank_item_id: int, chosen: str | None,
                      flagged: bool, saved_at: datetime, active_seconds: float) -> int:
        """Insert the answer; its row id (the audit entry names it, so the chain vouches for the row)."""
        return self._insert(_INSERT_ANSWER, {"attempt_id": attempt_id, "position": position,
                                             "bank_item_id": bank_item_id, "chosen": chosen, "flagged": flagged,
                                             "saved_at": self._time_in(saved_at), "active_seconds": active_seconds})

    def _insert(self, statement, params: dict) -> int:
        raise NotImplementedError

    def _lock_audit(self) -> None:
        """Serialise appends to the audit chain until the commit (SQLite's write lock already does)."""

    def append_audit(self, moment: datetime, actor: str, kind: str, subject: str, data: dict) -> str:
        self._lock_audit()
        head = self._run(audit_log.HEAD)
        entry = audit_log.next_entry(head[0] if head else None, moment, actor, kind, subject, data)
        self._run(audit_log.INSERT, entry)
        return entry["entry_hash"]


class CoreAnswerTransaction(_AnswerStatements):
    """One answer's write transaction in SQLAlchemy Core on one connection (any database).

    ``durable=False`` (a heartbeat's clock checkpoint) lets PostgreSQL return from the commit before its WAL
    is flushed (``synchronous_commit`` off for this transaction only): a server crash can lose the last
    fraction of a second of checkpoints, which gives the candidate that time back, never takes it; answers
    are always committed durably."""

    def __init__(self, engine: Engine, what: str, durable: bool = True) -> None:
        self.engine = engine
        self.what = what
        self.durable = durable

    def __enter__(self) -> Self:
        try:
            self.connection = self.engine.connect().execution_options(write=True)
            self.connection.begin()
            if not self.durable and self.connection.dialect.name == "postgresql":
                self.connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        except SQLAlchemyError as exc:
            raise write_failed(self.what, exc) from None
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        self.connection.close()  # rolls back anything not committed
        if isinstance(exc, SQLAlchemyError):
            raise write_failed(self.what, exc) from None
        return False

    def _run(self, statement, params: dict | None = None) -> list[tuple]:
        result = self.connection.execute(statement, params)
        return [tuple(row) for row in result] if result.returns_rows else []

    def _insert(self, statement, params: dict) -> int:
        return self.connection.execute(statement, params).inserted_primary_key[0]

    def _lock_audit(self) -> None:
        if self.connection.dialect.name == "postgresql":  # as audit_log.append does: else two saves fork the chain
            self.connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({audit_log.POSTGRES_AUDIT_LOCK})")

    def commit(self) -> None:
        self.connection.commit()


class SqliteAnswerTransaction(_AnswerStatements):
    """One answer's write transaction on the pool's ``sqlite3`` connection, without SQLAlchemy's
    per-statement work. Same statements and results as :class:`CoreAnswerTransaction`."""

    def __init__(self, engine: Engine, what: str) -> None:
        self.engine = engine
        self.what = what
        self._time_in, self._time_out = _time_converters(engine.dialect)

    def __enter__(self) -> Self:
        try:
            self._pooled = self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise write_failed(self.what, exc) from None
        self._db: sqlite3.Connection = self._pooled.driver_connection
        try:
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._release()
            raise write_failed(self.what, exc) from None
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        self._release()
        if isinstance(exc, sqlite3.Error):
            raise write_failed(self.what, exc) from None
        return False

    def _release(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        except sqlite3.Error:
            self._pooled.invalidate()  # a connection in an unknown state is not handed out again
        finally:
            self._pooled.close()  # back to the pool

    def _run(self, statement, params: dict | None = None) -> list[tuple]:
        sql, fixed = _compiled_for_sqlite(statement)
        return self._db.execute(sql, {**fixed, **params} if params else fixed).fetchall()

    def _insert(self, statement, params: dict) -> int:
        sql, fixed = _compiled_for_sqlite(statement)
        return self._db.execute(sql, {**fixed, **params}).lastrowid

    def commit(self) -> None:
        self._db.execute("COMMIT")


_SQLITE_NAMED = sqlite_dialect.dialect(paramstyle="named")


@cache
def _compiled_for_sqlite(statement) -> tuple[str, dict]:
    """A Core statement as SQLite SQL with ``:name`` parameters, and the values it fixes itself
    (a LIMIT, say). Compiled once per statement."""
    compiled = statement.compile(dialect=_SQLITE_NAMED)
    return str(compiled), {name: value for name, value in compiled.params.items() if value is not None}


@cache
def _time_converters(dialect):
    """The datetime column type's own bind and result converters for this dialect: text written
    here is the ORM's, byte for byte, and reads back as the ORM reads it (aware, UTC)."""
    time_type = _ATTEMPT.c.running_since.type.dialect_impl(dialect)
    return time_type.bind_processor(dialect), time_type.result_processor(dialect, None)


def answer_transaction_kind(engine: Engine) -> type[CoreAnswerTransaction | SqliteAnswerTransaction]:
    """The fastest answer transaction the engine's database allows: ``sqlite3`` directly for
    SQLite, Core otherwise. Call the result with ``(engine, what)``."""
    if engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite":
        return SqliteAnswerTransaction
    return CoreAnswerTransaction


def read_attempt_state(engine: Engine, attempt_id: int) -> tuple | None:
    """(status, allowed_seconds, active_seconds, running_since, candidate number) of an attempt, or None: one
    short read, no write lock (a client's once-a-second tick follows it)."""
    try:
        with engine.connect() as connection:
            row = connection.execute(_ATTEMPT_STATE, {"attempt": attempt_id}).first()
    except SQLAlchemyError as exc:
        raise storage_error("use", "read_attempt", reason=describe_db_error(exc)) from None
    return tuple(row) if row is not None else None
