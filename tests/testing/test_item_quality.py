"""Keeping the secure bank honest in use: resits draw unseen items, an item sent back to review leaves new
forms, and item statistics over every sitting match counts made by hand."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from tests.conftest import bundled_bank_database
from tutor.domain.access import Actor, PermissionDenied
from tutor.domain.item_analysis import item_usage
from tutor.storage import tables as t

ADMIN = Actor("admin", "admin")
TUTOR = Actor("tina", "tutor")


@pytest.fixture(scope="module")
def fresh_url(tmp_path_factory):
    """A database of its own: the statistics count every sitting in it."""
    return bundled_bank_database(tmp_path_factory.mktemp("quality"))


@pytest.fixture
def services(fresh_url, clock):
    from tutor.services.item_quality import ItemQualityService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    engine = open_database(fresh_url)
    return SittingService(engine, clock.now), ItemQualityService(engine, clock.now)


def _form_items(service, attempt_id: int) -> list[str]:
    with Session(service.engine) as session:
        return [entry[1] for entry in json.loads(session.get(t.Attempt, attempt_id).form)]


def _sit(service, number: str, learner: str | None = None) -> int:
    test = service.test_definition("2794-210")
    sitting_id, start_code, _ = service.create_sitting(test, "Ms Invigilator")
    service.register_candidate(sitting_id, number, "Resitting Candidate", "Ms Invigilator", learner=learner)
    return service.start(sitting_id, number, start_code)


def _events(service, attempt_id: int, kind: str) -> list[t.TestEvent]:
    with Session(service.engine) as session:
        return list(session.exec(select(t.TestEvent).where(t.TestEvent.attempt_id == attempt_id,
                                                             t.TestEvent.kind == kind)))


def test_resits_draw_no_item_seen_before_until_the_pool_runs_out_and_then_say_so(services, monkeypatch):
    """Draws use the audit's first seed sequence (0, 1, 2, ...), for which `tutor bank audit` guarantees at
    least eight forms in a row without a repeated item, declared enemies kept apart."""
    from itertools import count

    from tutor.bank.secure_audit import MIN_FRESH_FORMS

    seeds = count()
    monkeypatch.setattr("tutor.services.sittings.secrets.randbits", lambda bits: next(seeds))
    service, _ = services
    seen: set[str] = set()
    fresh = 0
    while True:
        attempt_id = _sit(service, "R100")
        items = set(_form_items(service, attempt_id))
        reused = items & seen
        if reused:
            break
        assert _events(service, attempt_id, "resit_shortfall") == []
        seen |= items
        fresh += 1
    assert fresh >= MIN_FRESH_FORMS
    (event,) = _events(service, attempt_id, "resit_shortfall")
    assert sorted(reused) == json.loads(event.data)["reused"]
    assert event.reason == f"{len(reused)} item(s) already seen in an earlier attempt"
    other = _sit(service, "R200")  # a different candidate is not a resit
    assert _events(service, other, "resit_shortfall") == []


def test_a_resit_is_recognised_by_learner_account_across_candidate_numbers(services):
    service, _ = services
    first = set(_form_items(service, _sit(service, "L1", learner="sam")))
    second_id = _sit(service, "L2", learner="sam")
    assert not first & set(_form_items(service, second_id))
    (started,) = _events(service, second_id, "started")
    assert len(json.loads(started.data)["earlier_attempts"]) == 1


def test_an_item_sent_back_to_review_leaves_new_forms_and_the_audit_trail_says_why(services):
    service, quality = services
    test = service.test_definition("2794-210")
    item = next(p for p in service._pool(test) if p.outcome == "1")
    with pytest.raises(PermissionDenied):
        quality.send_to_review(TUTOR, item.item_id, "facility 0.97")
    quality.send_to_review(ADMIN, item.item_id, "facility 0.97 over 40 candidates")
    assert item.item_id not in {p.item_id for p in service._pool(test)}
    with Session(service.engine) as session:
        (entry,) = session.exec(select(t.AuditEntry).where(t.AuditEntry.subject == f"item:{item.item_id}",
                                                            t.AuditEntry.kind == "bank.item_review")).all()
    assert json.loads(entry.data)["reason"] == "facility 0.97 over 40 candidates" and entry.actor == "admin"
    quality.return_to_use(ADMIN, item.item_id, "rewritten distractor C reviewed")
    assert item.item_id in {p.item_id for p in service._pool(test)}


@pytest.mark.parametrize(("item_id", "reason", "message"), [
    ("no-such-item", "x", "no item no-such-item in the question bank"),
    ("210-1.1-S11", "  ", "give the reason"),
    ("210-1.1-S11", "x" * 1001, "the reason has 1001 characters; at most 1000 are kept"),
])
def test_bad_requests_are_refused_in_one_line(services, item_id, reason, message):
    from tutor.services.item_quality import ItemQualityError

    _, quality = services
    with pytest.raises(ItemQualityError, match=message):
        quality.send_to_review(ADMIN, item_id, reason)


def test_statistics_over_sittings_count_each_choice_by_the_items_own_letter(services):
    service, quality = services
    before = {r.item_id: r.usage for r in quality.item_statistics(ADMIN, "2794-210")}
    test = service.test_definition("2794-210")
    sitting_id, start_code, _ = service.create_sitting(test, "Ms Invigilator")
    chosen_own: dict[str, list[str | None]] = {}
    for n, number in enumerate(("S1", "S2", "S3")):
        service.register_candidate(sitting_id, number, f"Candidate {n}", "Ms Invigilator")
        attempt_id = service.start(sitting_id, number, start_code)
        view = service.view(attempt_id)
        with Session(service.engine) as session:
            form = json.loads(session.get(t.Attempt, attempt_id).form)
        for question, entry in zip(view.questions, form, strict=True):
            if question.position % 5 == n:  # leave some unanswered
                chosen_own.setdefault(entry[1], []).append(None)
                continue
            shown = "ABCD"[(question.position + n) % 4]
            service.save_answer(attempt_id, question.position, shown)
            chosen_own.setdefault(entry[1], []).append(entry[5]["ABCD".index(shown)])
        service.submit(attempt_id)
    after = {r.item_id: r for r in quality.item_statistics(TUTOR, "2794-210")}
    for item_id, letters in chosen_own.items():
        usage = after[item_id].usage
        earlier = before.get(item_id)
        assert usage.seen == len(letters) + (earlier.seen if earlier else 0)
        assert usage.omitted == letters.count(None) + (earlier.omitted if earlier else 0)
        for letter in "ABCD":
            assert usage.choices[letter] == letters.count(letter) + (earlier.choices[letter] if earlier else 0)


# -- the statistics themselves, computed by hand ---------------------------------------------------

ATTEMPTS = {  # item X keyed A, Y keyed B, Z keyed C; totals 3, 2, 1, 1
    "1": [("X", "A", True), ("Y", "B", True), ("Z", "C", True)],
    "2": [("X", "A", True), ("Y", "C", False), ("Z", "C", True)],
    "3": [("X", "B", False), ("Y", "B", True), ("Z", None, False)],
    "4": [("X", "A", True), ("Y", "A", False), ("Z", "D", False)],
}


def test_item_statistics_match_hand_computed_values():
    x, y, z = item_usage(ATTEMPTS, {"X": "A", "Y": "B", "Z": "C"}, min_seen=1)
    # X: marks 1,1,0,1; rest scores 2,1,1,0: Sxy = 4*3 - 3*4 = 0, so r = 0.
    assert (x.seen, x.correct, x.facility, x.discrimination) == (4, 3, 0.75, 0.0)
    assert (x.choices, x.omitted) == ({"A": 3, "B": 1, "C": 0, "D": 0}, 0)
    assert x.flags == ("discrimination below 0.10", "distractors C, D chosen by under 5%")
    # Y: marks 1,0,1,0; rest 2,2,0,1: r = (4*2 - 2*5) / sqrt((4*2 - 4) * (4*9 - 25)) = -2 / sqrt(44).
    assert y.facility == 0.5 and y.discrimination == pytest.approx(-2 / 44 ** 0.5)
    assert y.choices == {"A": 1, "B": 2, "C": 1, "D": 0}
    assert y.flags == ("discrimination below 0.10", "distractor D chosen by under 5%")
    # Z: marks 1,1,0,0; rest 2,1,1,1: r = (4*3 - 2*5) / sqrt(4 * (4*7 - 25)) = 2 / sqrt(12).
    assert z.discrimination == pytest.approx(2 / 12 ** 0.5)
    assert (z.choices, z.omitted) == ({"A": 0, "B": 0, "C": 2, "D": 1}, 1)
    assert z.flags == ("distractors A, B chosen by under 5%",)


def test_facility_flags_at_both_ends():
    attempts = {str(n): [("EASY", "A", True), ("HARD", "B", False), ("MID", "A" if n % 2 else "B", n % 2 == 1)]
                for n in range(10)}
    easy, hard, _ = sorted(item_usage(attempts, {"EASY": "A", "HARD": "A", "MID": "A"}, min_seen=10),
                           key=lambda u: ["EASY", "HARD", "MID"].index(u.key))
    assert "facility above 0.90" in easy.flags and easy.discrimination is None
    assert "facility below 0.20" in hard.flags


def test_an_item_seen_by_too_few_candidates_is_not_judged():
    (x, _, _) = item_usage(ATTEMPTS, {"X": "A", "Y": "B", "Z": "C"})  # four candidates, fewer than 20
    assert x.flags == ("seen by fewer than 20: not judged",) and x.facility == 0.75
