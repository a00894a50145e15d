"""The whole tutor journey in the real app: sign in, open the matrix, drill into a criterion,
accept a response as evidence, record a decision; the portfolio export then contains both."""

from __future__ import annotations

import json

from argon2 import PasswordHasher
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Select

from tests.conftest import SPECIFICATIONS, copy_database
from tutor.clock import FakeClock
from tutor.export import write_portfolio
from tutor.paths import templates_dir
from tutor.practice.engine import Exchange
from tutor.services.accounts import SETUP, AccountService
from tutor.services.practice import PracticeService
from tutor.storage.engine import open_database
from tutor.ui.app import TutorApp
from tutor.ui.login import LoginScreen
from tutor.ui.review import FIXED, CoverageScreen, DecisionDialog, JudgeDialog, ResponsesScreen
from tutor.ui.screens import HomeScreen

QUALIFICATION, UNIT = "603/2394/2", "2794-210"
HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


async def settle(pilot, condition, what: str) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError(f"never reached: {what}")


async def test_tutor_signs_in_reviews_accepts_decides_and_the_export_holds_it(bank_url, tmp_path):
    clock = FakeClock()
    engine = open_database(copy_database(bank_url, tmp_path / "flow.db"))
    accounts = AccountService(engine, clock.now, HASHER)
    accounts.add_user(SETUP, "tina", "Tina Tutor", "tutor", "tina-password-long")
    accounts.add_user(SETUP, "lee", "Lee Learner", "learner", "lee-password-long")
    accounts.add_cohort(SETUP, "cs-2026", QUALIFICATION, "tina")
    accounts.enrol(SETUP, "cs-2026", ["lee"])
    PracticeService(engine, clock.now).record("lee", Exchange(
        QUALIFICATION, UNIT, "1", "1.1", "What is meant by a PESTLE analysis?", None, None,
        "Political, economic, social, technological, legal and environmental factors.", "secure", (0, 1), 0, 40.0,
        "answer"))

    app = TutorApp(engine, SPECIFICATIONS.parent, templates_dir(), clock, hasher=HASHER)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        assert not app.screen.query("#first-run")  # accounts exist: no first-run passwords shown
        await pilot.press(*"tina", "enter", *"wrong-password", "enter")
        await settle(pilot, lambda: "wrong user name or password" in str(
            app.screen.query_one("#login-problem").render()), "the refusal")
        await pilot.press(*"tina-password-long", "enter")
        await settle(pilot, lambda: isinstance(app.screen, HomeScreen), "the home screen")
        assert app.actor.username == "tina" and app.actor.role == "tutor"

        await pilot.press("m")  # the first row is 603/2394/2
        await settle(pilot, lambda: isinstance(app.screen, CoverageScreen), "the coverage matrix")
        matrix = app.screen
        assert matrix.matrix.learners == ("lee",)
        column = FIXED + [(c.unit_key, c.number) for c in matrix.matrix.columns].index((UNIT, "1.1"))
        grid = matrix.query_one("#rv-matrix", DataTable)
        grid.focus()
        grid.cursor_coordinate = Coordinate(0, column)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ResponsesScreen), "the responses")
        responses = app.screen

        await pilot.press("a")
        await settle(pilot, lambda: isinstance(app.screen, JudgeDialog), "the accept dialog")
        await pilot.press(*"EV-2794-1", "tab", *"All six factors named", "enter")
        await settle(pilot, lambda: app.screen is responses, "back on the responses")

        await pilot.press("d")
        await settle(pilot, lambda: isinstance(app.screen, DecisionDialog), "the decision dialog")
        app.screen.query_one("#rv-decision", Select).value = "competent"
        app.screen.query_one("#rv-comment", Input).focus()
        await pilot.press(*"Secure knowledge", "enter")
        await settle(pilot, lambda: app.screen is responses, "back on the responses")
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is matrix, "back on the matrix")
        assert matrix.matrix.state("lee", responses.column.criterion_id) == "decided"

    tina = app.actor
    portfolio = app.review.portfolio(tina, "lee")
    path = write_portfolio(portfolio, "json", tmp_path / "lee.json", templates_dir())
    document = json.loads(path.read_text(encoding="utf-8"))
    text = json.dumps(document)
    assert "EV-2794-1" in text and "All six factors named" in text and "Secure knowledge" in text
    assert document["audit"]["head"] == portfolio.audit_head
