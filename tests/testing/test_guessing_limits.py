"""Guessing start codes and passwords is held back per sitting (or account) and per client address, in the
database, so every process serving the centre counts together; a right code waits too while a limit holds."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tutor.domain.access import START_CODE_LIMITS
from tutor.services.sittings import SittingError
from tutor.storage import tables as t

INVIGILATOR = "Ms Invigilator"


@pytest.fixture
def sitting(service):
    sitting_id, start_code, _ = service.create_sitting(service.test_definition("2794-210"), INVIGILATOR)
    for number in ("C001", "C002"):
        service.register_candidate(sitting_id, number, f"Candidate {number}", INVIGILATOR)
    return sitting_id, start_code


def wrong(service, sitting_id: int, times: int, address: str | None, number: str = "C001") -> None:
    for _ in range(times):
        with pytest.raises(SittingError, match="start code is not right"):
            service.start(sitting_id, number, "WRONG1", address=address)


def test_one_computer_is_held_back_after_ten_wrong_codes_and_others_are_not(service, sitting, clock):
    sitting_id, start_code = sitting
    limit = START_CODE_LIMITS["address"]
    wrong(service, sitting_id, limit.failures, "10.0.0.7")
    with pytest.raises(SittingError, match="too many wrong start codes from this computer: try again in 10 minutes"):
        service.start(sitting_id, "C001", start_code, address="10.0.0.7")  # the right code waits too
    assert service.start(sitting_id, "C002", start_code, address="10.0.0.8")  # the next desk is not held back
    clock.advance(minutes=10, seconds=1)
    assert service.start(sitting_id, "C001", start_code, address="10.0.0.7")


def test_a_sitting_is_held_back_after_thirty_wrong_codes_from_anywhere(service, sitting, clock):
    sitting_id, start_code = sitting
    for desk in range(START_CODE_LIMITS["sitting"].failures):
        wrong(service, sitting_id, 1, f"10.0.1.{desk}")
    with pytest.raises(SittingError, match="too many wrong start codes from this sitting"):
        service.start(sitting_id, "C001", start_code, address="10.0.2.1")
    with pytest.raises(SittingError, match="too many wrong start codes from this sitting"):
        service.start(sitting_id, "C001", start_code)  # the command line (no address) too
    clock.advance(minutes=11)
    assert service.start(sitting_id, "C001", start_code)


def test_wrong_codes_are_in_the_sittings_events_with_the_address(service, sitting):
    sitting_id, _ = sitting
    wrong(service, sitting_id, 2, "10.0.3.1", number="C002")
    refused = [e for e in service.events(sitting_id) if e.kind == "start_code_refused"]
    assert [(e.actor, e.role) for e in refused] == [("C002", "candidate")] * 2
    assert '"address": "10.0.3.1"' in refused[0].data


def test_failures_older_than_a_day_are_forgotten(service, sitting, clock):
    sitting_id, _ = sitting
    wrong(service, sitting_id, 1, "10.0.4.1")
    clock.advance(days=1, minutes=1)
    wrong(service, sitting_id, 1, "10.0.4.2")
    with Session(service.engine) as session:
        addresses = session.exec(select(t.AccessFailure.address).where(
            t.AccessFailure.target == f"sitting:{sitting_id}")).all()
    assert addresses == ["10.0.4.2"]
