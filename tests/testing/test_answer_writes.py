"""The two answer transactions (sqlite3 directly, and SQLAlchemy Core) store the same thing, give
the database back as they found it, and save nothing when the database fails."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import copy_database, shown_keys
from tutor.services.sittings import SittingError, SittingService
from tutor.storage import audit_log
from tutor.storage.answer_writes import (
    AUTOCHECKPOINT_PAGES,
    CoreAnswerTransaction,
    SqliteAnswerTransaction,
    answer_transaction_kind,
)
from tutor.storage.engine import StorageError, open_database
from tutor.domain.audit import verify_chain

KINDS = {"sqlite3": SqliteAnswerTransaction, "core": CoreAnswerTransaction}


@pytest.fixture
def service(bank_url, clock, tmp_path):
    """A sitting service on a private copy of the bank (tests here add triggers to it)."""
    return SittingService(open_database(copy_database(bank_url, tmp_path / "answers.db")), clock.now)


def start(service: SittingService, number: str) -> int:
    test = service.test_definition("2794-210")
    sitting_id, start_code, _ = service.create_sitting(test, "Ms Invigilator")
    service.register_candidate(sitting_id, number, f"Candidate {number}", "Ms Invigilator")
    return service.start(sitting_id, number, start_code)


def stored(service: SittingService, attempt_id: int) -> tuple[list[tuple], tuple]:
    """The answer rows and the attempt's clock exactly as the database holds them (text and types)."""
    with service.engine.connect() as connection:
        answers = connection.execute(text(
            "SELECT position, chosen IS NULL, flagged, typeof(flagged), saved_at, typeof(saved_at), "
            "active_seconds, typeof(active_seconds) FROM attempt_answer WHERE attempt_id = :a ORDER BY id"),
            {"a": attempt_id}).all()
        clock = connection.execute(text(
            "SELECT active_seconds, running_since, typeof(running_since) FROM attempt WHERE id = :a"),
            {"a": attempt_id}).one()
    return [tuple(row) for row in answers], tuple(clock)


def test_sqlite_gets_the_sqlite3_transaction(service):
    assert answer_transaction_kind(service.engine) is SqliteAnswerTransaction


def test_both_transactions_store_the_same_rows_that_the_orm_reads_back(service, clock):
    results = {}
    opening = clock.current
    for name, kind in KINDS.items():
        clock.current = opening  # each attempt sees the same times
        service.answer_transaction = kind
        attempt_id = start(service, name)
        keys = shown_keys(service, attempt_id)
        clock.advance(seconds=7)
        service.save_answer(attempt_id, 1, keys[1])
        clock.advance(seconds=3, microseconds=250)
        service.save_answer(attempt_id, 2, None, flagged=True)
        service.save_answer(attempt_id, 1, None)
        view = service.view(attempt_id)  # the ORM's reading of what was written
        assert (view.questions[0].chosen, view.questions[1].flagged) == (None, True)
        assert view.remaining_seconds == pytest.approx(3600 - 10.00025)
        results[name] = stored(service, attempt_id)
    assert results["sqlite3"] == results["core"]
    answers, (active, running_since, kind) = results["sqlite3"]
    assert answers[0][4:6] == ("2026-11-23 09:00:07.000000", "text")
    assert (answers[0][2:4], kind) == ((0, "integer"), "text")
    report = verify_chain(audit_log.records(service.engine))
    assert report.ok, report


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_a_failing_database_saves_nothing_and_says_so_in_one_line(service, kind):
    service.answer_transaction = kind
    attempt_id = start(service, "F1")
    service.save_answer(attempt_id, 1, "A")
    before = stored(service, attempt_id)
    with service.engine.begin() as connection:  # the audit insert, the last statement, fails
        connection.exec_driver_sql("CREATE TRIGGER audit_full BEFORE INSERT ON audit_entry "
                                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    with pytest.raises(StorageError) as failure:
        service.save_answer(attempt_id, 2, "B")
    assert str(failure.value) == ("could not save the answer: the disk is full: nothing was saved from this step; "
                                  "free some space and try again; nothing was saved")
    assert stored(service, attempt_id) == before
    with service.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_full")
    service.save_answer(attempt_id, 2, "B")  # the connection is usable again
    assert len(stored(service, attempt_id)[0]) == 2


def test_the_sqlite3_transaction_leaves_automatic_checkpoints_on(service):
    """Checkpoints are off only inside a save; every pooled connection is handed back with them on,
    whether the save succeeded or was refused."""
    service.answer_transaction = SqliteAnswerTransaction
    attempt_id = start(service, "P1")
    service.save_answer(attempt_id, 1, "A")
    with pytest.raises(SittingError, match="no question 26"):
        service.save_answer(attempt_id, 26, "A")
    pool = service.engine.pool
    held = [service.engine.raw_connection() for _ in range(pool.checkedin())]
    try:
        for connection in held:
            pages = connection.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            assert (pages, connection.driver_connection.in_transaction) == (AUTOCHECKPOINT_PAGES, False)
    finally:
        for connection in held:
            connection.close()
