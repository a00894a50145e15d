"""Each role against the app's screens: who gets the coverage matrix, who may practise, and who
sees the judgement keys on a criterion's responses (the services refuse the rest anyway)."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tutor.ui.review import CoverageScreen
from tutor.ui.screens import HomeScreen

ROLES = ["learner", "tutor", "invigilator", "iqa", "admin"]


async def _home(pilot, app):
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, HomeScreen):
            return
    raise AssertionError("no home screen")


@pytest.mark.parametrize("role", ROLES)
async def test_coverage_opens_for_reviewers_and_learners_only(catalogue_url, role):
    app = make_app(catalogue_url, actor=f"{role}1", role=role)
    async with app.run_test(size=(120, 36)) as pilot:
        await _home(pilot, app)
        await pilot.press("m")
        await pilot.pause(0.2)
        if role == "invigilator":
            assert isinstance(app.screen, HomeScreen)
            assert any("Coverage is for" in n.message for n in app._notifications)
        else:
            assert isinstance(app.screen, CoverageScreen)
            assert app.screen.actor.role == role


@pytest.mark.parametrize("role", ROLES)
async def test_only_learners_practise(catalogue_url, role):
    app = make_app(catalogue_url, actor=f"{role}1", role=role)
    async with app.run_test(size=(120, 36)) as pilot:
        await _home(pilot, app)
        await pilot.press("c")
        await pilot.pause(0.2)
        refused = any("Practice is for learners" in n.message for n in app._notifications)
        assert refused == (role != "learner")
        await app.open_unit("2794-210")
        await pilot.press("p")
        await pilot.pause(0.2)
        assert sum("Practice is for learners" in n.message for n in app._notifications) == (
            0 if role == "learner" else 2)
