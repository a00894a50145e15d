"""The candidate's test screens, driven with the keyboard and a fake clock (a 60-minute test in milliseconds).

Every test sits a fresh sitting on the session's bank database. Snapshots pin the form's seed
and the clock, so they are stable; look at the SVGs when they change.
"""

from __future__ import annotations

import pytest

from tests.conftest import shown_keys
from tutor.paths import templates_dir
from tutor.services.sittings import SittingError
from tutor.ui.candidate import (
    CandidateApp,
    ConfirmSubmitScreen,
    LockedScreen,
    NavCell,
    QuestionScreen,
    ResultScreen,
    ReviewScreen,
)

SIZE = (110, 36)
INVIGILATOR = "Invigilator"
SEED = 20261123


@pytest.fixture
def sitting(service):
    sitting_id, start_code, invigilator_code = service.create_sitting(service.test_definition("2794-210"), INVIGILATOR)
    service.register_candidate(sitting_id, "C001", "Ann Candidate", INVIGILATOR)
    return sitting_id, start_code, invigilator_code


@pytest.fixture
def attempt_id(service, sitting):
    sitting_id, start_code, _ = sitting
    return service.start(sitting_id, "C001", start_code)


@pytest.fixture
def pinned_attempt_id(service, sitting, monkeypatch):
    """An attempt whose form is always the same one (the seed is pinned, and C001's attempts in other tests
    of this shared database do not count as earlier sittings to avoid), for snapshots."""
    monkeypatch.setattr("tutor.services.sittings.secrets.randbits", lambda bits: SEED)
    monkeypatch.setattr("tutor.services.sittings.bank_queries.earlier_attempts", lambda session, sitting, candidate: [])
    sitting_id, start_code, _ = sitting
    return service.start(sitting_id, "C001", start_code)


def candidate_app(service, attempt_id, clock) -> CandidateApp:
    """The app as ``tutor test`` builds it."""
    return CandidateApp(service, attempt_id, templates_dir(), clock)




def _plan(keys: dict[int, str], right: int) -> dict[int, str]:
    """The first ``right`` questions answered with the key, the rest with another letter."""
    return {p: k if p <= right else next(x for x in "ABCD" if x != k) for p, k in keys.items()}


def _key_for(letter: str, position: int) -> str:
    """Odd questions with a letter key, even ones with a number key: both ways are used."""
    return letter.lower() if position % 2 else str("ABCD".index(letter) + 1)


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def screen_text(screen) -> str:
    return "\n".join(str(w.render()) for w in screen.query("Static"))


async def test_a_candidate_sits_the_whole_test_and_sees_18_pass_once_released(service, sitting, attempt_id, clock):
    sitting_id = sitting[0]
    plan = _plan(shown_keys(service, attempt_id), right=18)
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = app.screen
        assert isinstance(questions, QuestionScreen) and questions.position == 1
        assert "2794-210" in text(questions, ".cand-bar-text") and "Ann Candidate" in text(questions, ".cand-bar-text")
        assert "60:00" in text(questions, ".cand-countdown")

        # Every question in turn; question 7 is skipped for now. Next with n and with the right arrow.
        for position in range(1, 26):
            assert questions.position == position
            if position != 7:
                await pilot.press(_key_for(plan[position], position))
                assert text(questions, "#cand-status").startswith("✓ Saved")
                assert app.chosen[position] == plan[position]
            clock.advance(seconds=30)
            if position < 25:
                await pilot.press("n" if position % 3 else "right")
        # Nothing about results while the test runs. The question's own stem is left out: an item may say
        # "keys" or "correct" (which form is drawn varies from run to run).
        during = "\n".join(str(w.render()) for w in questions.query("Static") if w.id != "cand-stem")
        assert not any(word in during for word in ("Score", "Pass", "Fail", "correct", "key"))

        # Previous twice, flag question 23.
        await pilot.press("p", "left")
        assert questions.position == 23
        await pilot.press("f")
        assert app.flagged[23] and "flagged" in text(questions, "#cand-head")
        cells = {c.position: c for c in questions.query(NavCell)}
        assert cells[23].has_class("flagged") and cells[23].has_class("current")
        assert not cells[7].has_class("answered") and cells[8].has_class("answered")

        # Review lists the unanswered and the flagged; choose 7 to go back and answer it.
        await pilot.press("r")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        listing = review.query_one("#cand-review-list")
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == ["7", "23"]
        summary = text(review, "#cand-review-summary")
        assert "answered 24 of 25" in summary and "Not answered: 7" in summary and "Flagged for review: 23" in summary
        await pilot.press("enter")
        assert app.screen is questions and questions.position == 7
        await pilot.press(_key_for(plan[7], 7))
        assert app.chosen[7] == plan[7]

        # Submit: review first, then the confirm dialog; "no" goes back, "yes" submits.
        await pilot.press("s")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        listing = review.query_one("#cand-review-list")
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == ["23"]
        await pilot.click("#cand-submit")
        assert isinstance(app.screen, ConfirmSubmitScreen)
        assert "1 question is flagged" in text(app.screen, "#cand-confirm-text")
        await pilot.press("n")
        assert app.screen is review and service.view(attempt_id).status == "in_progress"
        await pilot.press("s")
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        result = text(app.screen, "#cand-result")
        assert "Your test is submitted" in result and "when the invigilator releases them" in result
        assert "Score" not in result and "18" not in result

        # The invigilator releases the results; the screen shows them on its next tick.
        service.release_results(sitting_id, INVIGILATOR)
        app.tick()
        await pilot.pause()
        result = text(app.screen, "#cand-result")
        assert "18 / 25" in result and "Pass" in result and "Fail" not in result
        assert "Outcome 1" in result and "Outcome 4" in result
        assert "12:30" in result  # 25 questions × 30 seconds of the fake clock
    assert service.rescore(attempt_id).raw == 18
    assert service.view(attempt_id).status == "submitted"


async def test_saved_appears_only_after_the_commit(service, attempt_id, clock, monkeypatch):
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = app.screen
        committed = service.save_answer
        seen_while_saving = []

        def watched(*args, **kwargs):
            seen_while_saving.append(text(questions, "#cand-status"))
            return committed(*args, **kwargs)

        monkeypatch.setattr(service, "save_answer", watched)
        await pilot.press("1")
        assert seen_while_saving == [""]  # nothing said before the service returned
        assert text(questions, "#cand-status") == "✓ Saved: answer A to question 1"
        assert questions.query_one("#cand-status").has_class("saved")

        def failing(*args, **kwargs):
            raise SittingError("the database is busy: nothing was saved")

        monkeypatch.setattr(service, "save_answer", failing)
        await pilot.press("n", "b")
        await pilot.pause()
        status = questions.query_one("#cand-status")
        assert "the database is busy: nothing was saved" in str(status.render())
        assert "Saved" not in str(status.render())
        assert status.has_class("failed") and not status.has_class("saved")
        assert app.chosen[2] is None
        assert not {c.position: c for c in questions.query(NavCell)}[2].has_class("answered")
    assert [q.chosen for q in service.view(attempt_id).questions[:2]] == ["A", None]


async def test_countdown_warnings_and_expiry(service, attempt_id, clock):
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = app.screen
        assert "60:00" in text(questions, ".cand-countdown")
        clock.advance(seconds=1)
        app.tick()
        assert "59:59" in text(questions, ".cand-countdown")

        def warnings() -> list[str]:
            return [n.message for n in app._notifications if "minutes left" in n.message]

        clock.advance(minutes=49, seconds=59)
        app.tick()
        await pilot.pause()
        assert "10:00" in text(questions, ".cand-countdown")
        assert warnings() == [app.test_text("warning.j2", minutes=10)]
        assert warnings()[0].startswith("10 minutes left")
        clock.advance(minutes=1)
        app.tick()
        assert len(warnings()) == 1  # once only
        clock.advance(minutes=4)
        app.tick()
        await pilot.pause()
        assert [w.split(".")[0] for w in warnings()] == ["10 minutes left", "5 minutes left"]
        assert questions.query_one(".cand-countdown").has_class("low")

        clock.advance(minutes=5, seconds=1)  # past 60 minutes
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        assert "Time is up" in text(app.screen, "#cand-result")
        assert "Score" not in text(app.screen, "#cand-result")
    assert service.view(attempt_id).status == "submitted"


async def test_an_answer_after_the_time_is_refused_and_the_test_ends(service, attempt_id, clock):
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = app.screen
        clock.advance(minutes=61)  # no tick in between: the answer meets the deadline first
        await pilot.press("a")
        assert "time is up" in text(questions, "#cand-status") and "Saved" not in text(questions, "#cand-status")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen) and "Time is up" in text(app.screen, "#cand-result")
    assert all(q.chosen is None for q in service.view(attempt_id).questions)


async def test_a_locked_attempt_waits_for_the_invigilator(service, sitting, attempt_id, clock):
    sitting_id, start_code, invigilator_code = sitting
    clock.advance(minutes=5)
    service.heartbeat(attempt_id)
    assert service.start(sitting_id, "C001", start_code) == attempt_id  # the client came back: interrupted
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LockedScreen)
        assert "Waiting for the invigilator" in text(app.screen, "#cand-locked")
        assert "interrupted" in text(app.screen, "#cand-locked")
        await pilot.press("a", "n", "r")  # nothing to answer while locked
        clock.advance(minutes=3)
        app.tick()
        assert isinstance(app.screen, LockedScreen) and "55:00" in text(app.screen, ".cand-countdown")

        service.resume(attempt_id, INVIGILATOR, invigilator_code, "client restarted")
        app.tick()
        await pilot.pause()
        questions = app.screen
        assert isinstance(questions, QuestionScreen)
        await pilot.press("n", "c")
        assert questions.position == 2 and app.chosen[2] == "C"

        service.pause(attempt_id, INVIGILATOR, "fire alarm")
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, LockedScreen) and "paused" in text(app.screen, "#cand-locked")
        service.resume(attempt_id, INVIGILATOR, invigilator_code)
        app.tick()
        await pilot.pause()
        assert app.screen is questions and questions.position == 2
    assert service.view(attempt_id).questions[1].chosen == "C"


async def test_item_and_candidate_text_is_shown_literally(service, sitting, clock):
    sitting_id, start_code, _ = sitting
    service.register_candidate(sitting_id, "C009", "Ann [b]Bracket[/b]", INVIGILATOR)
    attempt_id = service.start(sitting_id, "C009", start_code)
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Ann [b]Bracket[/b]" in text(app.screen, ".cand-bar-text")
        stem = service.view(attempt_id).questions[0].stem
        assert text(app.screen, "#cand-stem") == stem


# -- snapshots -------------------------------------------------------------------------------


def test_snapshot_question_with_countdown(snap_compare, service, pinned_attempt_id, clock):
    """Question 3 of 25 with 47:26 left: answer C chosen and saved; the navigator shows 1 and 3 answered,
    2 flagged, 3 current."""
    clock.advance(minutes=12, seconds=34)

    async def answer_some(pilot):
        await pilot.pause()
        await pilot.press("2", "right", "f", "n", "3")

    assert snap_compare(candidate_app(service, pinned_attempt_id, clock), terminal_size=SIZE, run_before=answer_some)


def test_snapshot_review(snap_compare, service, pinned_attempt_id, clock):
    """Review: 20 of 25 answered; 21-25 not answered, 4 flagged; the buttons below the list."""
    keys = shown_keys(service, pinned_attempt_id)
    for position in range(1, 21):
        service.save_answer(pinned_attempt_id, position, keys[position])
    service.heartbeat(pinned_attempt_id, 1)  # back on question 1 when the screen opens
    clock.advance(minutes=31)

    async def review(pilot):
        await pilot.pause()
        await pilot.press("n", "n", "n", "f", "r")

    assert snap_compare(candidate_app(service, pinned_attempt_id, clock), terminal_size=SIZE, run_before=review)


def test_snapshot_result_released(snap_compare, service, sitting, pinned_attempt_id, clock):
    """Released: 18 / 25, Pass (green), marks by outcome, 16:40 used."""
    plan = _plan(shown_keys(service, pinned_attempt_id), right=18)
    for position, letter in plan.items():
        service.save_answer(pinned_attempt_id, position, letter)
        clock.advance(seconds=40)
    service.submit(pinned_attempt_id)
    service.release_results(sitting[0], INVIGILATOR)
    assert snap_compare(candidate_app(service, pinned_attempt_id, clock), terminal_size=SIZE)


async def test_the_navigator_jumps_to_a_question_on_click(service, attempt_id, clock):
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = app.screen
        cells = {c.position: c for c in questions.query(NavCell)}
        await pilot.click(cells[17])
        assert questions.position == 17 and cells[17].has_class("current") and not cells[1].has_class("current")
        assert "Question 17 of 25" in text(questions, "#cand-head")
        await pilot.press(*"n" * 9)  # to 25, then past the last question: the review
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        assert app.screen is questions and questions.position == 25


async def test_a_resumed_candidate_lands_on_the_question_they_were_on_with_their_flags(service, sitting, attempt_id,
                                                                                       clock):
    """The client dies on question 7 (question 3 answered and flagged, 7 only looked at); a new client, once
    the invigilator resumes the attempt, opens on question 7 with the flag and the answer kept."""
    sitting_id, start_code, invigilator_code = sitting
    app = candidate_app(service, attempt_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "n", "b", "f", "n", "n", "n", "n")
        assert app.screen.position == 7 and app.flagged[3] and app.chosen[3] == "B"
        clock.advance(seconds=1)
        app.tick()  # the heartbeat carries the question on screen
    clock.advance(minutes=2)  # the machine is gone: no heartbeat
    assert service.start(sitting_id, "C001", start_code) == attempt_id
    service.resume(attempt_id, INVIGILATOR, invigilator_code, "client restarted")
    again = candidate_app(service, attempt_id, clock)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        questions = again.screen
        assert isinstance(questions, QuestionScreen)
        assert questions.position == 7 and "Question 7 of 25" in text(questions, "#cand-head")
        assert again.flagged[3] and again.chosen[3] == "B"
    again.tick()  # a last timer tick after the screens are gone (a slow machine's shutdown) does nothing


def test_the_question_on_screen_is_noted_only_within_the_form(service, attempt_id):
    for viewing, kept in ((12, 12), (0, 12), (26, 12), (None, 12), (25, 25)):
        service.heartbeat(attempt_id, viewing)
        assert service.view(attempt_id).viewing == kept
    service.save_answer(attempt_id, 4, "A")
    assert service.view(attempt_id).viewing == 4
