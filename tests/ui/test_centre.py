"""A browser session's app (`tutor serve`), driven with Pilot: the start screen is the only way in, for
candidates and account holders alike, whatever the database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from tests.conftest import copy_database
from tests.review.conftest import cheap_hasher
from tutor.domain.access import START_CODE_LIMITS
from tutor.paths import bank_dir, templates_dir
from tutor.services.accounts import SETUP, AccountService
from tutor.services.sittings import SittingService
from tutor.storage import tables as t
from tutor.storage.engine import open_database
from tutor.ui.candidate import LockedScreen, QuestionScreen
from tutor.ui.centre import CentreApp, StartScreen
from tutor.ui.screens import HomeScreen

INVIGILATOR = "Ms Invigilator"
SIZE = (120, 40)


@pytest.fixture
def centre(bank_url, tmp_path, clock):
    """A new centre database: the bank, one sitting with one candidate, no accounts yet."""
    engine = open_database(copy_database(bank_url, tmp_path / "centre.db"))
    sittings = SittingService(engine, clock.now)
    sitting_id, start_code, invigilator_code = sittings.create_sitting(sittings.test_definition("2794-210"),
                                                                       INVIGILATOR)
    sittings.register_candidate(sitting_id, "C001", "Ann Candidate", INVIGILATOR)
    return engine, sittings, sitting_id, start_code


def session_app(centre, clock, address: str | None = "10.1.2.3") -> CentreApp:
    engine, sittings, _, _ = centre
    return CentreApp(engine, sittings, bank_dir(),
                     templates_dir(), clock, address=address, hasher=cheap_hasher())


async def fill(pilot, *values: str) -> None:
    for value in values:
        for character in value:
            await pilot.press(character)
        await pilot.press("enter")
    await pilot.pause(0.3)


async def until(pilot, condition, what: str) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError(f"never: {what}")


async def test_a_session_on_a_database_without_accounts_creates_none_and_shows_no_password(centre, clock):
    app = session_app(centre, clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen), "the start screen")
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Sit a test" in text and "password" not in text.split("Sign in")[0]
        assert app.actor is None
    with Session(centre[0]) as session:
        assert session.exec(select(func.count()).select_from(t.UserAccount)).one() == 0


async def test_a_candidate_starts_and_q_never_ends_the_test(centre, clock):
    _, sittings, sitting_id, start_code = centre
    app = session_app(centre, clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen), "the start screen")
        await fill(pilot, str(sitting_id), "C001", start_code.lower())  # codes are not case-sensitive
        await until(pilot, lambda: isinstance(app.screen, QuestionScreen), "the first question")
        assert not app.use_command_palette
        await pilot.press("q")
        await pilot.press("b")
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, QuestionScreen)
    attempt = sittings.attempt_id(sitting_id, "C001")
    assert sittings.view(attempt).questions[0].chosen == "B"


async def test_a_returning_candidate_waits_for_the_invigilator(centre, clock):
    _, sittings, sitting_id, start_code = centre
    sittings.start(sitting_id, "C001", start_code)  # an earlier client, gone while the clock ran
    app = session_app(centre, clock)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, str(sitting_id), "C001", start_code)
        await until(pilot, lambda: isinstance(app.screen, LockedScreen), "the wait for the invigilator")


@pytest.mark.parametrize(("values", "message"), [
    (("twelve", "C001", "CODE12"), "The sitting is a number"),
    (("99999999999999999999999", "C001", "CODE12"), "The sitting is a number"),
    (("1", "", "CODE12"), "Fill in your candidate number first"),
    (("4242", "C001", "CODE12"), "no sitting 4242"),
])
async def test_bad_start_details_get_one_line(centre, clock, values, message):
    app = session_app(centre, clock)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, *values)
        await until(pilot, lambda: message in str(app.screen.query_one("#start-problem").render()), message)
        assert isinstance(app.screen, StartScreen)


async def test_wrong_codes_from_this_computer_are_held_back(centre, clock):
    _, sittings, sitting_id, start_code = centre
    for _ in range(START_CODE_LIMITS["address"].failures):
        with pytest.raises(Exception, match="not right"):
            sittings.start(sitting_id, "C001", "WRONG1", address="10.9.9.9")
    app = session_app(centre, clock, address="10.9.9.9")
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, str(sitting_id), "C001", start_code)
        problem = lambda: str(app.screen.query_one("#start-problem").render())  # noqa: E731
        await until(pilot, lambda: "from this computer" in problem(), "held back")
        assert app.screen.query_one("#start-code").value == ""  # a refused code is not left in its box


async def test_an_account_signs_in_and_gets_the_catalogue(centre, clock):
    engine = centre[0]
    AccountService(engine, clock.now, cheap_hasher()).add_user(SETUP, "tina", "Tina Tutor", "tutor",
                                                                "tina-password-1")
    app = session_app(centre, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "tab", "tab")
        await fill(pilot, "tina", "not-her-password")
        await until(pilot, lambda: "wrong user name or password" in str(app.screen.query_one("#start-problem")
                                                                         .render()), "refused")
        await fill(pilot, "tina-password-1")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen), "the catalogue")
        assert app.actor.username == "tina" and app.use_command_palette
