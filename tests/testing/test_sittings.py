"""Sittings through the service, with a fake clock: durability, the clock, invigilator actions, results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tests.conftest import shown_keys
from tutor.services.sittings import SittingError
from tutor.storage import tables as t


@pytest.fixture(params=["sqlite3", "core"])
def service(bank_url, clock, request):
    """The sitting service, saving answers through each of the two answer transactions: sqlite3
    directly (what SQLite gets) and SQLAlchemy Core (what PostgreSQL gets)."""
    from tutor.services.sittings import SittingService
    from tutor.storage.answer_writes import CoreAnswerTransaction, SqliteAnswerTransaction
    from tutor.storage.engine import open_database

    service = SittingService(open_database(bank_url), clock.now)
    service.answer_transaction = SqliteAnswerTransaction if request.param == "sqlite3" else CoreAnswerTransaction
    return service


@pytest.fixture
def sitting(service):
    test = service.test_definition("2794-210")
    sitting_id, start_code, invigilator_code = service.create_sitting(test, "Ms Invigilator")
    service.register_candidate(sitting_id, "C001", "Ann Candidate", "Ms Invigilator")
    service.register_candidate(sitting_id, "C002", "Ben Candidate", "Ms Invigilator", extra_time_percent=25,
                               extra_time_reason="JCQ access arrangement: 25% extra time",
                               rest_breaks=True, rest_breaks_reason="medical: supervised rest breaks")
    return sitting_id, start_code, invigilator_code




def test_the_2794_210_definition_comes_from_the_catalogue(service):
    test = service.test_definition("2794-210")
    assert (test.total_questions, test.duration_minutes, test.pass_mark) == (25, 60, 18)
    assert test.blueprint == {"1": 5, "2": 5, "3": 8, "4": 7}
    assert test.set_by == "awarding body"


def test_a_candidate_sees_no_key_and_scores_17_fail_18_pass(service, sitting, clock):
    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    view = service.view(attempt_id)
    assert len(view.questions) == 25 and view.remaining_seconds == 3600
    assert all(set(q.__dict__) == {"position", "stem", "options", "chosen", "flagged"} for q in view.questions)
    keys = shown_keys(service, attempt_id)
    for position in range(1, 26):
        right = position <= 17
        chosen = keys[position] if right else next(x for x in "ABCD" if x != keys[position])
        saved = service.save_answer(attempt_id, position, chosen)
        assert saved.chosen == chosen
        clock.advance(seconds=30)
    service.submit(attempt_id)
    with pytest.raises(SittingError, match="not been released"):
        service.results(sitting_id)
    service.release_results(sitting_id, "Ms Invigilator")
    (ann,) = [r for r in service.results(sitting_id) if r.number == "C001"]
    assert (ann.result.raw, ann.result.passed) == (17, False)
    assert service.rescore(attempt_id) == ann.result


def test_changing_an_answer_keeps_every_save_and_marks_the_last(service, sitting):
    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    keys = shown_keys(service, attempt_id)
    wrong = next(x for x in "ABCD" if x != keys[1])
    service.save_answer(attempt_id, 1, wrong)
    service.save_answer(attempt_id, 1, keys[1])
    service.save_answer(attempt_id, 2, None, flagged=True)
    view = service.view(attempt_id)
    assert (view.questions[0].chosen, view.questions[1].flagged) == (keys[1], True)
    assert service.rescore(attempt_id).raw == 1
    with Session(service.engine) as session:
        assert len(session.exec(select(t.AttemptAnswer).where(t.AttemptAnswer.attempt_id == attempt_id)).all()) == 3


def test_extra_time_and_rest_breaks(service, sitting, clock):
    sitting_id, start_code, invigilator_code = sitting
    attempt_id = service.start(sitting_id, "C002", start_code)
    assert service.view(attempt_id).remaining_seconds == 75 * 60
    clock.advance(minutes=10)
    service.pause(attempt_id, "Ms Invigilator", "rest break", kind="rest_break")
    clock.advance(minutes=5)
    assert service.view(attempt_id).remaining_seconds == 65 * 60
    service.resume(attempt_id, "Ms Invigilator", invigilator_code)
    clock.advance(minutes=1)  # back at the desk: the clock waits for the candidate's client
    assert service.view(attempt_id).remaining_seconds == 65 * 60
    service.heartbeat(attempt_id)
    clock.advance(minutes=5)
    assert service.view(attempt_id).remaining_seconds == 60 * 60
    with pytest.raises(SittingError, match="no supervised rest breaks"):
        other = service.start(sitting_id, "C001", start_code)
        service.pause(other, "Ms Invigilator", kind="rest_break")


def test_expiry_submits_and_a_late_answer_is_refused(service, sitting, clock):
    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    service.save_answer(attempt_id, 1, "A")
    started = clock.now()
    clock.advance(minutes=61)
    with pytest.raises(SittingError, match="time is up"):
        service.save_answer(attempt_id, 2, "B")
    with Session(service.engine) as session:
        attempt = session.get(t.Attempt, attempt_id)
        assert attempt.status == "submitted"
        assert attempt.finished_at.replace(tzinfo=started.tzinfo) == started + timedelta(minutes=60)
        answers = session.exec(select(t.AttemptAnswer).where(t.AttemptAnswer.attempt_id == attempt_id)).all()
        assert [a.position for a in answers] == [1]


def test_heartbeat_auto_submits_at_the_deadline(service, sitting, clock):
    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    clock.advance(minutes=59, seconds=59)
    assert service.heartbeat(attempt_id) == 1
    clock.advance(seconds=1)
    assert service.heartbeat(attempt_id) == 0
    assert service.view(attempt_id).status == "submitted"


def test_a_crashed_client_cannot_resume_alone_and_loses_no_time(service, sitting, clock):
    sitting_id, start_code, invigilator_code = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    clock.advance(minutes=20)
    service.heartbeat(attempt_id)  # the last sign of life
    clock.advance(minutes=3)  # the client is dead for three minutes
    assert service.start(sitting_id, "C001", start_code) == attempt_id
    assert service.view(attempt_id).status == "interrupted"
    with pytest.raises(SittingError, match="answers cannot be saved"):
        service.save_answer(attempt_id, 1, "A")
    with pytest.raises(SittingError, match="invigilator code is not right"):
        service.resume(attempt_id, "C001", "WRONG1")
    service.resume(attempt_id, "Ms Invigilator", invigilator_code, "client crashed")
    assert service.view(attempt_id).remaining_seconds == 40 * 60
    assert service.start(sitting_id, "C001", start_code) == attempt_id  # the client comes back: attached
    assert service.view(attempt_id).status == "in_progress"
    (row,) = [s for s in service.status(sitting_id) if s.number == "C001"]
    assert (row.interruptions, row.interrupted_seconds) == (1, 180)


def test_invigilator_actions_are_recorded_with_who_when_why(service, sitting, clock):
    sitting_id, start_code, invigilator_code = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    with pytest.raises(SittingError, match="needs a reason"):
        service.add_time(attempt_id, 5, "Ms Invigilator", "")
    with pytest.raises(SittingError, match="at most 240 minutes"):
        service.add_time(attempt_id, 99999999999, "Ms Invigilator", "fire alarm")
    service.add_time(attempt_id, 5, "Ms Invigilator", "fire alarm")
    assert service.view(attempt_id).remaining_seconds == 65 * 60
    assert service.pause_all(sitting_id, "Ms Invigilator", "fire alarm") == 1
    assert service.resume_all(sitting_id, "Ms Invigilator", invigilator_code) == 1
    with pytest.raises(SittingError, match="needs a reason"):
        service.void(attempt_id, "Ms Invigilator", " ")
    service.void(attempt_id, "Ms Invigilator", "malpractice: notes found")
    with pytest.raises(SittingError, match="voided cannot become"):
        service.resume(attempt_id, "Ms Invigilator", invigilator_code)
    # (C001 sits in many sittings of this shared database, so the system may also record a resit shortfall.)
    kinds = [(e.kind, e.actor, e.reason) for e in service.events(sitting_id)
             if e.attempt_id == attempt_id and e.role != "system"]
    assert kinds == [
        ("started", "C001", ""), ("time_added", "Ms Invigilator", "fire alarm"),
        ("paused", "Ms Invigilator", "fire alarm"), ("resumed", "Ms Invigilator", ""),
        ("voided", "Ms Invigilator", "malpractice: notes found"),
    ]
    assert all(e.at is not None for e in service.events(sitting_id))


def test_access_arrangements_need_reasons_and_come_before_the_start(service, sitting):
    sitting_id, start_code, _ = sitting
    with pytest.raises(SittingError, match="extra time needs a reason"):
        service.register_candidate(sitting_id, "C003", "Cat", "Ms Invigilator", extra_time_percent=25)
    service.start(sitting_id, "C001", start_code)
    with pytest.raises(SittingError, match="has started"):
        service.register_candidate(sitting_id, "C001", "Ann", "Ms Invigilator", extra_time_percent=25,
                                   extra_time_reason="late request")


@pytest.mark.parametrize("answer", ["E", "1", "", "AB"])
def test_a_wrong_answer_format_is_refused(service, sitting, answer):
    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    with pytest.raises(SittingError, match="is not one of A, B, C or D"):
        service.save_answer(attempt_id, 1, answer)


def test_a_wrong_start_code_is_refused(service, sitting):
    sitting_id, _, _ = sitting
    with pytest.raises(SittingError, match="start code is not right"):
        service.start(sitting_id, "C001", "NOPE99")


def test_a_centre_set_test_is_labelled_as_the_centres(service):
    test = service.centre_test("2794-210", 12, 30, 8)
    assert test.set_by == "centre" and "(centre-set)" in test.title
    assert sum(test.blueprint.values()) == 12
    sitting_id, start_code, _ = service.create_sitting(test, "Centre tutor")
    service.register_candidate(sitting_id, "X1", "Xena", "Centre tutor")
    view = service.view(service.start(sitting_id, "X1", start_code))
    assert (view.set_by, len(view.questions), view.remaining_seconds) == ("centre", 12, 30 * 60)


def test_a_centre_test_of_a_unit_with_no_secure_items_is_refused(service):
    with pytest.raises(SittingError, match="approved secure items"):
        service.create_sitting(service.centre_test("2794-201", 5, 10, 3), "Centre tutor")
    with pytest.raises(SittingError, match="no knowledge criteria"):
        service.centre_test("2794-206", 5, 10, 3)


def test_a_silent_client_is_reported_interrupted_and_can_be_resumed(service, sitting, clock):
    """Nobody restarted the program: the invigilator still sees the interruption and can resume."""
    sitting_id, start_code, invigilator_code = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    clock.advance(minutes=10)
    service.heartbeat(attempt_id)
    clock.advance(minutes=2)  # no heartbeat since: the client is gone
    (row,) = [s for s in service.status(sitting_id) if s.number == "C001"]
    assert (row.status, row.remaining_seconds) == ("interrupted", 50 * 60)
    service.resume(attempt_id, "Ms Invigilator", invigilator_code)
    assert service.view(attempt_id).remaining_seconds == 50 * 60


def test_the_heartbeat_keeps_the_question_on_screen_and_state_follows_the_clock(service, sitting, clock):
    from tutor.services.sittings import AttemptState

    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    for viewing, kept in ((12, 12), (0, 12), (26, 12), (None, 12), (25, 25)):
        service.heartbeat(attempt_id, viewing)
        assert service.view(attempt_id).viewing == kept
    clock.advance(seconds=30)
    assert service.state(attempt_id) == AttemptState("in_progress", 3570)
    assert service.heartbeat(attempt_id) == 3570
    service.pause(attempt_id, "Ms Invigilator")
    clock.advance(seconds=30)
    assert service.state(attempt_id) == AttemptState("paused", 3570) and service.heartbeat(attempt_id) == 3570
    with pytest.raises(SittingError, match="no attempt 999999"):
        service.state(999999)


def test_a_database_that_cannot_be_reached_is_one_line_for_the_tick(service, sitting, monkeypatch):
    """A server restarting under a candidate: the tick's reads fail as StorageError, which the screen shows."""
    from sqlalchemy import create_engine

    from tutor.storage.engine import StorageError

    sitting_id, start_code, _ = sitting
    attempt_id = service.start(sitting_id, "C001", start_code)
    monkeypatch.setattr(service, "engine", create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                                         connect_args={"connect_timeout": 2}))
    for read in (service.state, service.view, service.sitting_of):
        with pytest.raises(StorageError, match="^could not read the"):
            read(attempt_id)
