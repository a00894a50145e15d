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
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tutor.storage import audit_log
from tutor.storage import tables as t
from tutor.storage.engine import StorageError, write_failed

_ATTEMPT = t.Attempt.__table__
_CANDIDATE = t.Candidate.__table__
_ANSWER = t.AttemptAnswer.__table__
_AUDIT = t.AuditEntry.__table__

AUTOCHECKPOINT_PAGES = 1000
"""SQLite's default ``wal_autocheckpoint``, restored when a save's transaction ends."""

# -- Core (any database) ---------------------------------------------------------------------

_ATTEMPT_STATE = (sa.select(_ATTEMPT.c.status, _ATTEMPT.c.allowed_seconds, _ATTEMPT.c.active_seconds,
                            _ATTEMPT.c.running_since, _CANDIDATE.c.number)
                  .join(_CANDIDATE, _CANDIDATE.c.id == _ATTEMPT.c.candidate_id)
                  .where(_ATTEMPT.c.id == sa.bindparam("id")))
_ATTEMPT_FORM = sa.select(_ATTEMPT.c.form_seed, _ATTEMPT.c.form).where(_ATTEMPT.c.id == sa.bindparam("id"))
_LATEST_ANSWER = (sa.select(_ANSWER.c.chosen, _ANSWER.c.flagged)
                  .where(_ANSWER.c.attempt_id == sa.bindparam("attempt"),
                         _ANSWER.c.position == sa.bindparam("position"))
                  .order_by(_ANSWER.c.id.desc()).limit(1))
_UPDATE_CLOCK = (sa.update(_ATTEMPT).where(_ATTEMPT.c.id == sa.bindparam("attempt"))
                 .values(active_seconds=sa.bindparam("active"), running_since=sa.bindparam("since")))
_INSERT_ANSWER = sa.insert(_ANSWER)

# -- the same statements for sqlite3 (qmark parameters) --------------------------------------

_SQLITE_ATTEMPT_STATE = (
    "SELECT a.status, a.allowed_seconds, a.active_seconds, a.running_since, c.number "
    f"FROM {_ATTEMPT.name} AS a JOIN {_CANDIDATE.name} AS c ON c.id = a.candidate_id WHERE a.id = ?")
_SQLITE_ATTEMPT_FORM = f"SELECT form_seed, form FROM {_ATTEMPT.name} WHERE id = ?"
_SQLITE_LATEST_ANSWER = (f"SELECT chosen, flagged FROM {_ANSWER.name} WHERE attempt_id = ? AND position = ? "
                         "ORDER BY id DESC LIMIT 1")
_SQLITE_UPDATE_CLOCK = f"UPDATE {_ATTEMPT.name} SET active_seconds = ?, running_since = ? WHERE id = ?"
_SQLITE_INSERT_ANSWER = (f"INSERT INTO {_ANSWER.name} "
                         "(attempt_id, position, bank_item_id, chosen, flagged, saved_at, active_seconds) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)")
_SQLITE_AUDIT_HEAD = f"SELECT seq, entry_hash FROM {_AUDIT.name} ORDER BY seq DESC LIMIT 1"
_SQLITE_INSERT_AUDIT = (f"INSERT INTO {_AUDIT.name} (seq, at, actor, kind, subject, data, prev_hash, entry_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


class CoreAnswerTransaction:
    """One answer's write transaction in SQLAlchemy Core on one connection (any database)."""

    def __init__(self, engine: Engine, what: str) -> None:
        self.engine = engine
        self.what = what

    def __enter__(self) -> Self:
        try:
            self.connection = self.engine.connect().execution_options(write=True)
            self.connection.begin()
        except SQLAlchemyError as exc:
            raise write_failed(self.what, exc) from None
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        self.connection.close()  # rolls back anything not committed
        if isinstance(exc, SQLAlchemyError):
            raise write_failed(self.what, exc) from None
        return False

    def attempt_state(self, attempt_id: int) -> tuple | None:
        """(status, allowed_seconds, active_seconds, running_since, candidate number) or None."""
        row = self.connection.execute(_ATTEMPT_STATE, {"id": attempt_id}).first()
        return tuple(row) if row is not None else None

    def attempt_form(self, attempt_id: int) -> tuple[int, str]:
        """(form seed, form JSON)."""
        seed, data = self.connection.execute(_ATTEMPT_FORM, {"id": attempt_id}).one()
        return seed, data

    def latest_answer(self, attempt_id: int, position: int) -> tuple[str | None, bool] | None:
        row = self.connection.execute(_LATEST_ANSWER, {"attempt": attempt_id, "position": position}).first()
        return (row[0], bool(row[1])) if row is not None else None

    def move_clock(self, attempt_id: int, active_seconds: float, running_since: datetime | None) -> None:
        self.connection.execute(_UPDATE_CLOCK, {"attempt": attempt_id, "active": active_seconds,
                                                "since": running_since})

    def insert_answer(self, attempt_id: int, position: int, bank_item_id: int, chosen: str | None,
                      flagged: bool, saved_at: datetime, active_seconds: float) -> None:
        self.connection.execute(_INSERT_ANSWER, {
            "attempt_id": attempt_id, "position": position, "bank_item_id": bank_item_id, "chosen": chosen,
            "flagged": flagged, "saved_at": saved_at, "active_seconds": active_seconds})

    def append_audit(self, moment: datetime, actor: str, kind: str, subject: str, data: dict) -> str:
        return audit_log.append(self.connection, moment, actor, kind, subject, data)

    def commit(self) -> None:
        self.connection.commit()


class SqliteAnswerTransaction:
    """One answer's write transaction on the pool's ``sqlite3`` connection, without SQLAlchemy's
    per-statement work. Same methods and results as :class:`CoreAnswerTransaction`."""

    def __init__(self, engine: Engine, what: str) -> None:
        self.engine = engine
        self.what = what
        self._store_time, self._load_time = _time_converters(engine.dialect)

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

    def attempt_state(self, attempt_id: int) -> tuple | None:
        row = self._db.execute(_SQLITE_ATTEMPT_STATE, (attempt_id,)).fetchone()
        if row is None:
            return None
        status, allowed, active, running_since, number = row
        return status, allowed, active, self._load_time(running_since), number

    def attempt_form(self, attempt_id: int) -> tuple[int, str]:
        row = self._db.execute(_SQLITE_ATTEMPT_FORM, (attempt_id,)).fetchone()
        if row is None:
            raise StorageError(f"could not {self.what}: attempt {attempt_id} has no form; nothing was saved")
        return row[0], row[1]

    def latest_answer(self, attempt_id: int, position: int) -> tuple[str | None, bool] | None:
        row = self._db.execute(_SQLITE_LATEST_ANSWER, (attempt_id, position)).fetchone()
        return (row[0], bool(row[1])) if row is not None else None

    def move_clock(self, attempt_id: int, active_seconds: float, running_since: datetime | None) -> None:
        self._db.execute(_SQLITE_UPDATE_CLOCK, (active_seconds, self._store_time(running_since), attempt_id))

    def insert_answer(self, attempt_id: int, position: int, bank_item_id: int, chosen: str | None,
                      flagged: bool, saved_at: datetime, active_seconds: float) -> None:
        self._db.execute(_SQLITE_INSERT_ANSWER, (attempt_id, position, bank_item_id, chosen, int(flagged),
                                                 self._store_time(saved_at), active_seconds))

    def append_audit(self, moment: datetime, actor: str, kind: str, subject: str, data: dict) -> str:
        entry = audit_log.next_entry(self._db.execute(_SQLITE_AUDIT_HEAD).fetchone(),
                                     moment, actor, kind, subject, data)
        self._db.execute(_SQLITE_INSERT_AUDIT, (entry["seq"], entry["at"], entry["actor"], entry["kind"],
                                                entry["subject"], entry["data"], entry["prev_hash"],
                                                entry["entry_hash"]))
        return entry["entry_hash"]

    def commit(self) -> None:
        self._db.execute("COMMIT")


@cache
def _time_converters(dialect):
    """The datetime column type's own bind and result converters for this dialect: text written
    here is the ORM's, byte for byte, and reads back as the ORM reads it (aware, UTC)."""
    time_type = _ATTEMPT.c.running_since.type.dialect_impl(dialect)
    return time_type.bind_processor(dialect), time_type.result_processor(dialect, None)


AnswerTransaction = CoreAnswerTransaction | SqliteAnswerTransaction


def answer_transaction_kind(engine: Engine) -> type[CoreAnswerTransaction | SqliteAnswerTransaction]:
    """The fastest answer transaction the engine's database allows: ``sqlite3`` directly for
    SQLite, Core otherwise. Call the result with ``(engine, what)``."""
    if engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite":
        return SqliteAnswerTransaction
    return CoreAnswerTransaction
