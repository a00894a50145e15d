"""The tutor review screens: the coverage matrix and one criterion's responses, driven with Pilot.

Each test works on its own copy of the session's bank database: a tutor ``tina`` with a cohort on
603/2394/2 holding ``lee`` and ``lou``, and a few practice answers on unit 2794-210 recorded the
way the chat stores them. Snapshots pin the clock; look at the SVGs when they change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select
from textual.app import App
from textual.coordinate import Coordinate
from textual.markup import escape
from textual.widgets import DataTable, Input, Select, Static

from tests.conftest import copy_database
from tutor.domain.access import Actor
from tutor.paths import templates_dir
from tutor.practice.engine import Exchange
from tutor.rendering import TextRenderer
from tutor.services.accounts import SETUP, AccountService
from tutor.services.practice import PracticeService
from tutor.services.review import ReviewError, ReviewService
from tutor.storage import tables as t
from tutor.storage.engine import open_database
from tutor.ui.review import (
    FIXED,
    CoverageScreen,
    DecisionDialog,
    JudgeDialog,
    ResponsesScreen,
)

SIZE = (120, 36)
CSS = Path(__file__).resolve().parents[2] / "tutor" / "ui" / "tutor.tcss"
QUALIFICATION = "603/2394/2"
UNIT = "2794-210"
TINA = Actor("tina", "tutor", "Tina")
LEE = Actor("lee", "learner", "Lee")
HOSTILE = "[@click=app.quit]x[/] [bold]"
HOSTILE_PROMPT = "Explain [bold]why[/bold] customers complain. [@click=app.quit]go[/]"
UNIT_CRITERIA = 23  # unit 2794-210


class Host(App[None]):
    """A small app that provides ``render_text`` as :class:`~tutor.ui.app.TutorApp` does and shows one screen."""

    CSS_PATH = CSS
    TITLE = "tutor"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen) -> None:
        super().__init__()
        self.renderer = TextRenderer(templates_dir(), filters={"literal": escape})
        self.first = screen

    def render_text(self, template: str, **context) -> str:
        return self.renderer.render(template, **context)

    def on_mount(self) -> None:
        self.push_screen(self.first)


def answer(criterion: str, verdict: str, text: str, prompt: str = "", hints: int = 0) -> Exchange:
    outcome = criterion.split(".")[0]
    return Exchange(QUALIFICATION, UNIT, outcome, criterion, prompt or f"Question on {criterion}", None, None, text,
                    verdict, (0,), hints, 30.0, "answer")


@pytest.fixture
def review(bank_url, tmp_path, clock):
    """A ReviewService on a fresh copy of the bank with the cohort and some practice answers."""
    engine = open_database(copy_database(bank_url, tmp_path / "db"))
    accounts = AccountService(engine, clock.now, PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    for username, name, role in (("tina", "Tina", "tutor"), ("lee", "Lee", "learner"), ("lou", "Lou", "learner")):
        accounts.add_user(SETUP, username, name, role, f"{username}-password-long")
    accounts.add_cohort(SETUP, "cs-2026", QUALIFICATION, "tina")
    accounts.enrol(SETUP, "cs-2026", ["lee", "lou"])
    practice = PracticeService(engine, clock.now)
    for learner, exchange in (
        ("lee", answer("1.1", "partial", "It is about politics.", "What is meant by a PESTLE analysis?")),
        ("lee", answer("1.1", "secure", "Political, economic, social, technological, legal and environmental "
                                        "factors an organisation tracks.", "What is meant by a PESTLE analysis?",
                       hints=1)),
        ("lee", answer("1.2", "partial", HOSTILE, HOSTILE_PROMPT)),
        ("lou", answer("1.1", "secure", "The outside influences on an organisation.")),
        ("lou", answer("2.1", "partial", "Being polite.")),
    ):
        clock.advance(minutes=7)
        practice.record(learner, exchange)
    clock.advance(minutes=30)
    return ReviewService(engine, clock.now)


def matrix_screen(review, actor=TINA, unit=UNIT) -> tuple[Host, CoverageScreen]:
    screen = CoverageScreen(review, actor, QUALIFICATION, unit=unit)
    return Host(screen), screen


def table(screen) -> DataTable:
    return screen.query_one("#rv-matrix", DataTable)


def column_of(screen, number: str) -> int:
    """The table column of a criterion of unit 2794-210."""
    return FIXED + [(c.unit_key, c.number) for c in screen.matrix.columns].index((UNIT, number))


def cell(screen, learner: str, number: str) -> str:
    row = screen.matrix.learners.index(learner)
    return table(screen).get_cell_at(Coordinate(row, column_of(screen, number))).plain


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_cell(pilot, screen, learner: str, number: str) -> ResponsesScreen:
    grid = table(screen)
    grid.focus()
    grid.cursor_coordinate = Coordinate(screen.matrix.learners.index(learner), column_of(screen, number))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ResponsesScreen)
    return pilot.app.screen


def rows(review, table_class) -> list:
    with Session(review.engine) as session:
        return list(session.exec(select(table_class)))


# -- the matrix ----------------------------------------------------------------------------------


async def test_the_matrix_shows_each_learner_and_criterion_with_its_state(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = table(screen)
        assert screen.matrix.learners == ("lee", "lou")
        assert grid.row_count == 2 and len(grid.columns) == FIXED + UNIT_CRITERIA
        assert [c.label.plain for c in grid.ordered_columns[FIXED:FIXED + 2]] == ["210\n1.1", "210\n1.2"]
        assert [grid.get_cell_at(Coordinate(r, 0)).plain for r in range(2)] == ["lee", "lou"]
        assert cell(screen, "lee", "1.1") == "◐"  # a secure answer: marked correct
        assert cell(screen, "lee", "1.2") == "○"  # partial: practised
        assert cell(screen, "lee", "2.1") == "·"
        assert cell(screen, "lou", "1.1") == "◐" and cell(screen, "lou", "2.1") == "○"
        summary = grid.get_cell_at(Coordinate(0, 1)).plain
        assert summary.split() == ["1○", "1◐", "0●", "0✔"]
        assert "○ practised" in text(screen, "#rv-legend") and "● evidence accepted" in text(screen, "#rv-legend")
        assert "unit 2794-210" in text(screen, "#rv-title") and "2 learners × 23 criteria" in text(screen, "#rv-title")
        assert grid.has_focus and grid.cursor_coordinate == Coordinate(0, FIXED)
        assert not screen.query_one("#rv-notice").display


async def test_the_unit_and_mode_filters_rebuild_the_matrix(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        units = screen.query_one("#rv-unit", Select)
        assert units.value == UNIT
        units.value = "*"  # all units
        await pilot.pause()
        assert len(table(screen).columns) == FIXED + len(screen.matrix.columns) > FIXED + 200
        assert {c.unit_key for c in screen.matrix.columns} > {UNIT, "2794-201"}
        assert cell(screen, "lee", "1.1") == "◐"
        units.value = "2794-201"
        await pilot.pause()
        assert {c.unit_key for c in screen.matrix.columns} == {"2794-201"}
        assert table(screen).ordered_columns[FIXED].label.plain.startswith("201\n")
        units.value = UNIT
        await pilot.pause()
        screen.query_one("#rv-mode", Select).value = "test"  # no test answers yet: nothing started
        await pilot.pause()
        assert cell(screen, "lee", "1.1") == "·" and cell(screen, "lou", "2.1") == "·"
        assert "test only" in text(screen, "#rv-title")
        screen.query_one("#rv-mode", Select).value = "practice"
        await pilot.pause()
        assert cell(screen, "lee", "1.1") == "◐"


async def test_the_learner_and_date_filters(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen.query_one("#rv-learner", Input).focus()
        await pilot.press(*"ou", "enter")
        await pilot.pause()
        assert screen.matrix.learners == ("lou",) and table(screen).row_count == 1

        screen.query_one("#rv-learner", Input).value = "nobody"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.matrix.learners == ()
        assert "No learners to show with these filters" in text(screen, "#rv-empty")
        assert screen.query_one("#rv-empty").display and not table(screen).display

        screen.query_one("#rv-learner", Input).value = ""
        since = screen.query_one("#rv-since", Input)
        since.focus()
        await pilot.press(*"2026-13-01", "enter")  # not a date: a notice, the filter left off
        await pilot.pause()
        notice = screen.query_one("#rv-notice", Static)
        assert notice.display and '"2026-13-01" is not a date' in text(screen, "#rv-notice")
        assert screen.matrix.learners == ("lee", "lou") and cell(screen, "lee", "1.1") == "◐"

        since.value = "[b]x"  # typed text is shown as typed
        await pilot.press("enter")
        await pilot.pause()
        assert '"[b]x" is not a date' in text(screen, "#rv-notice")

        since.value = "2026-11-24"  # after every answer
        await pilot.press("enter")
        await pilot.pause()
        assert not notice.display
        assert cell(screen, "lee", "1.1") == "·" and "from 2026-11-24" in text(screen, "#rv-title")
        since.value = ""
        screen.query_one("#rv-until", Input).value = "2026-11-23"  # inclusive: the whole day
        await pilot.press("enter")
        await pilot.pause()
        assert cell(screen, "lee", "1.1") == "◐"


async def test_a_tutor_without_learners_sees_an_empty_matrix_and_a_bad_unit_is_a_notice(review):
    app, screen = matrix_screen(review, actor=Actor("tim", "tutor"), unit="9999-999")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen.matrix.learners == ()
        assert "No learners to show." in text(screen, "#rv-empty")
        # The unknown unit is not in the list: the matrix shows all units and says why.
        assert screen.query_one("#rv-unit", Select).value == "*"
        assert 'no unit "9999-999" in this qualification' in text(screen, "#rv-notice")
        assert len(screen.matrix.columns) > 200


async def test_a_unit_can_be_named_by_its_short_code(review):
    app, screen = matrix_screen(review, unit="210")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen.query_one("#rv-unit", Select).value == UNIT and len(screen.matrix.columns) == UNIT_CRITERIA
        assert not screen.query_one("#rv-notice").display


async def test_a_qualification_of_a_thousand_criteria_stays_quick(review, monkeypatch):
    """600/5469/4 has over a thousand criteria: rows go in with one add_rows call, and a cursor
    move renders the cells in view, not every cell of every line."""
    from tutor.ui.review import CoverageTable

    calls = {"add_rows": 0, "add_row": 0, "cells": 0}

    def counted(name):
        original = getattr(CoverageTable, name)

        def spy(self, *args, **kwargs):
            calls[name] += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(CoverageTable, name, spy)

    counted("add_rows")
    counted("add_row")
    screen = CoverageScreen(review, TINA, "600/5469/4")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = table(screen)
        assert len(screen.matrix.columns) > 1000 and len(grid.columns) == FIXED + len(screen.matrix.columns)
        assert calls["add_rows"] == 1 and calls["add_row"] == 2  # one call, one row per learner

        original = grid._render_cell

        def render_cell(*args, **kwargs):
            calls["cells"] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(grid, "_render_cell", render_cell)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert 0 < calls["cells"] < 600  # three redraws of 3 lines x ~25 columns in view, not 3 x 3 x 1000
        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor_coordinate.column == len(grid.columns) - 1
        last = screen.matrix.columns[-1]
        assert grid.scroll_x > 0 and f"{last.number}" in text(screen, "#rv-cell")


# -- responses -----------------------------------------------------------------------------------


async def test_selecting_a_cell_opens_its_responses(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.1")
        assert (responses.learner, responses.column.number) == ("lee", "1.1")
        grid = responses.query_one("#rv-responses", DataTable)
        assert grid.row_count == 2 and grid.has_focus
        assert [grid.get_cell_at(Coordinate(r, 2)).plain for r in range(2)] == ["partial", "secure"]
        assert "not judged" in grid.get_cell_at(Coordinate(0, 3)).plain
        assert "PESTLE" in text(responses, "#rv-question")
        assert text(responses, "#rv-answer") == "It is about politics."
        await pilot.press("down")
        assert "hints used: 1" in text(responses, "#rv-detail-meta")
        assert "practice (formative)" in text(responses, "#rv-detail-meta")
        assert "Political, economic" in text(responses, "#rv-answer")
        assert "state what is meant by a PESTLE analysis" in text(responses, "#rv-resp-title")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        # A click on the highlighted cell opens it too.
        grid = table(screen)
        grid.cursor_coordinate = Coordinate(1, column_of(screen, "2.1"))
        await pilot.pause()
        await pilot.click(grid, offset=_cell_offset(grid, grid.cursor_coordinate))
        await pilot.pause()
        assert isinstance(app.screen, ResponsesScreen) and app.screen.learner == "lou"
        assert app.screen.column.number == "2.1"


def _cell_offset(grid: DataTable, coordinate: Coordinate) -> tuple[int, int]:
    region = grid._get_cell_region(coordinate)
    return region.x + 1 - int(grid.scroll_x), region.y - int(grid.scroll_y)


async def test_a_cell_with_no_responses_says_so(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lou", "1.3")
        assert responses.query_one("#rv-resp-empty").display
        assert not responses.query_one("#rv-resp-body").display
        assert "No responses yet for this criterion." in text(responses, "#rv-resp-empty")
        assert responses.check_action("accept", ()) is None  # shown greyed: nothing to accept
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is responses


async def test_a_tutor_accepts_a_response_with_a_reference(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.1")
        await pilot.press("down", "a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, JudgeDialog) and dialog.query_one("#rv-reference", Input).has_focus
        await pilot.press("enter")  # no reference: the dialog stays and says so
        await pilot.pause()
        assert app.screen is dialog
        assert "reference number is required" in text(dialog, "#rv-dialog-error")
        await pilot.press(*"E-101", "tab", *"Full answer, no prompting", "enter")
        await pilot.pause()
        assert app.screen is responses
        decisions = rows(review, t.EvidenceDecision)
        assert [(d.learner, d.accepted, d.reference, d.comment, d.assessor) for d in decisions] == [
            ("lee", True, "E-101", "Full answer, no prompting", "tina")]
        assert decisions[0].criterion_id == responses.column.criterion_id
        assert responses.items[1].accepted and responses.items[1].reference == "E-101"
        grid = responses.query_one("#rv-responses", DataTable)
        assert grid.cursor_row == 1 and "accepted E-101" in grid.get_cell_at(Coordinate(1, 3)).plain
        assert "Accepted as evidence E-101 by tina" in text(responses, "#rv-detail-meta")
        assert any("Accepted as evidence E-101 for lee" in n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and cell(screen, "lee", "1.1") == "●"


async def test_a_tutor_rejects_a_response_with_a_comment(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.1")
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, JudgeDialog) and not dialog.query("#rv-reference")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and "say why" in text(dialog, "#rv-dialog-error")
        await pilot.press(*"Too thin", "enter")
        await pilot.pause()
        assert app.screen is responses
        assert [(d.accepted, d.comment) for d in rows(review, t.EvidenceDecision)] == [(False, "Too thin")]
        assert "rejected" in responses.query_one("#rv-responses", DataTable).get_cell_at(Coordinate(0, 3)).plain
        await pilot.press("escape")
        await pilot.pause()
        assert cell(screen, "lee", "1.1") == "◐"  # a rejection does not move the cell on


async def test_a_tutor_records_a_decision(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.2")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        dialog.query_one("#rv-comment", Input).focus()
        await pilot.press("enter")  # no decision chosen yet
        await pilot.pause()
        assert app.screen is dialog and "Choose a decision" in text(dialog, "#rv-dialog-error")
        dialog.query_one("#rv-decision", Select).value = "not_yet_competent"
        dialog.query_one("#rv-comment", Input).focus()
        await pilot.press("enter")  # not competent needs a comment
        await pilot.pause()
        assert app.screen is dialog and "comment is required" in text(dialog, "#rv-dialog-error")
        await pilot.press(*"Name two more factors", "enter")
        await pilot.pause()
        assert app.screen is responses
        assert "decision: Not yet competent" in text(responses, "#rv-resp-title")
        assert any("Decision recorded for lee" in n.message for n in app._notifications)

        # A later decision corrects the earlier one; competent needs no comment. Keyboard only.
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter", "down", "enter")  # open the list, from the prompt to "Competent"
        await pilot.pause()
        assert app.screen.query_one("#rv-decision", Select).value == "competent"
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.screen is responses
        decisions = rows(review, t.AssessmentDecision)
        assert [(d.learner, d.decision, d.comment, d.assessor) for d in decisions] == [
            ("lee", "not_yet_competent", "Name two more factors", "tina"), ("lee", "competent", "", "tina")]
        assert decisions[1].supersedes_id == decisions[0].id
        assert decisions[1].criterion_id == responses.column.criterion_id
        assert decisions[1].unit_id == responses.column.unit_id
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and cell(screen, "lee", "1.2") == "✔"
        assert screen.matrix.decisions[("lee", responses.column.criterion_id)] == "competent"


async def test_a_dialog_can_be_cancelled(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.1")
        await pilot.press("a", *"E-1", "escape")
        await pilot.pause()
        assert app.screen is responses and rows(review, t.EvidenceDecision) == []


async def test_a_service_refusal_is_a_notification_not_a_traceback(review, monkeypatch):
    def refuse(*args, **kwargs):
        raise ReviewError("no practice response 9 of lee on that criterion [b]")

    monkeypatch.setattr(review, "judge_evidence", refuse)
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.1")
        await pilot.press("a", *"E-1", "enter")
        await pilot.pause()
        assert app.screen is responses
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [n.message for n in errors] == ["no practice response 9 of lee on that criterion [b]"]
        assert not errors[0].markup


async def test_a_learner_sees_only_their_own_row_and_no_judgement_keys(review):
    app, screen = matrix_screen(review, actor=LEE)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen.matrix.learners == ("lee",) and table(screen).row_count == 1
        assert not screen.query("#rv-learner")
        responses = await open_cell(pilot, screen, "lee", "1.1")
        shown = {b.binding.action for b in responses.active_bindings.values() if b.binding.show and b.enabled}
        assert "back" in shown and not {"accept", "reject", "decide"} & shown
        for action in ("accept", "reject", "decide"):
            assert responses.check_action(action, ()) is False
        await pilot.press("a", "d", "r")
        await pilot.pause()
        assert app.screen is responses
        assert rows(review, t.EvidenceDecision) == [] and rows(review, t.AssessmentDecision) == []


async def test_typed_answers_and_questions_are_shown_literally(review):
    app, screen = matrix_screen(review)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        responses = await open_cell(pilot, screen, "lee", "1.2")
        assert text(responses, "#rv-answer") == HOSTILE
        assert text(responses, "#rv-question") == HOSTILE_PROMPT
        await pilot.click("#rv-answer")
        await pilot.click("#rv-question")
        await pilot.pause()
        assert app.is_running and app.screen is responses  # the [@click=app.quit] did nothing

        # A tutor's typed reference and comment are shown as typed, too.
        await pilot.press("a", *"[b]R1", "tab", *"[@click=app.quit]ok[/]", "enter")
        await pilot.pause()
        meta = text(responses, "#rv-detail-meta")
        assert "Accepted as evidence [b]R1 by tina" in meta and "[@click=app.quit]ok[/]" in meta
        assert "accepted [b]R1" in responses.query_one("#rv-responses", DataTable).get_cell_at(
            Coordinate(0, 3)).plain


# -- snapshots -----------------------------------------------------------------------------------


def test_snapshot_coverage_matrix(snap_compare, review):
    """Unit 2794-210 for lee and lou: lee 1.1 accepted (●), 1.2 decided (✔), lou 1.1 marked correct (◐),
    2.1 practised (○); the counts column, the filters above and the legend below; the cursor on lee 1.1."""
    column = review.criterion(QUALIFICATION, UNIT, "1.1")
    item = review.responses(TINA, "lee", column.criterion_id)[1]
    review.judge_evidence(TINA, "lee", column.criterion_id, item.source, item.source_id, True, "E-07")
    second = review.criterion(QUALIFICATION, UNIT, "1.2")
    review.decide(TINA, "lee", second.unit_id, second.criterion_id, "competent")
    app, _ = matrix_screen(review)
    assert snap_compare(app, terminal_size=SIZE)


def test_snapshot_responses(snap_compare, review):
    """lee on 2794-210 1.1: two practice answers, the second accepted as E-07 with a comment and
    highlighted; its question, answer, mark, hints and judgement in the detail pane; a, r, d in the footer."""
    column = review.criterion(QUALIFICATION, UNIT, "1.1")
    item = review.responses(TINA, "lee", column.criterion_id)[1]
    review.judge_evidence(TINA, "lee", column.criterion_id, item.source, item.source_id, True, "E-07",
                          "Covers all six factors.")

    async def open_responses(pilot):
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()

    app, _ = matrix_screen(review)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_responses)
