"""The chat-practice screen on unit 2794-210, driven with the keyboard and a fake clock.

Each test stores its evidence in its own copy of the session's bank database. Snapshots pin the
engine's seed and the clock, so they are stable; look at the SVGs when they change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session
from textual.app import App
from textual.widgets import Input

from tests.conftest import copy_database
from tests.practice.test_engine import make
from tests.practice.test_practice_service import FULL_1_1
from tutor.services.practice import PracticeService
from tutor.storage import tables as t
from tutor.storage.engine import StorageError, open_database
from tutor.ui.practice import ChatMessage, CriterionRow, PracticeScreen

SIZE = (110, 36)
LEARNER = "learner-ui"
TITLE = "2794-210 Principles of customer service"
CSS = Path(__file__).resolve().parents[2] / "tutor" / "ui" / "tutor.tcss"


class Host(App[None]):
    """A small app that only shows the practice screen (the real app wires it in elsewhere)."""

    CSS_PATH = CSS
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen: PracticeScreen) -> None:
        super().__init__()
        self.practice = screen

    def on_mount(self) -> None:
        self.push_screen(self.practice)


@pytest.fixture
def practice(bank_url, tmp_path, clock):
    """(host app, screen, service) on a fresh copy of the bank database."""

    def build(due=()):
        service = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
        screen = PracticeScreen(make(due=due, clock=clock), service, LEARNER, TITLE)
        return Host(screen), screen, service

    return build


async def say(pilot, text: str, type_it: bool = True) -> None:
    """The learner types ``text`` (or, for a long answer, pastes it) and presses Enter."""
    box = pilot.app.screen.query_one("#chat-input", Input)
    if type_it:
        await pilot.press(*text)
    else:
        box.insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.pause()


async def click_message(pilot, message: ChatMessage) -> None:
    """Scroll a message into view and click it."""
    pilot.app.screen.query_one("#chat-transcript").scroll_to_widget(message, animate=False, top=True)
    await pilot.pause()
    await pilot.click(message)
    await pilot.pause()


def messages(screen) -> list[tuple[str, str]]:
    return [(m.who, m.kind) for m in screen.query(ChatMessage)]


def states(screen) -> dict[str, str]:
    return screen.states()


async def test_a_conversation_is_stored_turn_by_turn(practice, clock):
    app, screen, service = practice()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen is screen
        assert messages(screen) == [("assistant", "question")]
        assert screen.query_one("#chat-input", Input).has_focus
        assert "1.1" in str(screen.query(ChatMessage).first().render())
        current = screen.query(CriterionRow).filter(".chat-current")
        assert [r.number for r in current] == ["1.1"]

        clock.advance(seconds=40)
        await say(pilot, FULL_1_1, type_it=False)
        assert messages(screen)[1:] == [("learner", ""), ("assistant", "feedback"), ("assistant", "model_answer"),
                                        ("assistant", "mcq")]
        assert str(screen.query(ChatMessage)[1].render()) == FULL_1_1
        assert "A secure answer" in str(screen.query(ChatMessage)[2].render())
        assert states(screen)["1.1"] == "secure"
        assert screen.query_one("#chat-input", Input).value == ""

        clock.advance(seconds=10)
        await say(pilot, "a")
        assert messages(screen)[-2:] == [("assistant", "mcq_result"), ("assistant", "question")]
        assert [r.number for r in screen.query(CriterionRow).filter(".chat-current")] == ["1.2"]

        await say(pilot, "/hint")
        assert messages(screen)[-1] == ("assistant", "hint")
        await say(pilot, "/skip")
        assert messages(screen)[-2:] == [("assistant", "skipped"), ("assistant", "question")]
        assert [r.number for r in screen.query(CriterionRow).filter(".chat-current")] == ["1.3"]
        assert states(screen)["1.2"] == "not_started" and states(screen)["1.3"] == "not_started"
        row = {r.number: r for r in screen.query(CriterionRow)}["1.1"]
        assert row.has_class("chat-state-secure") and "secure" in str(row.render())

        # The transcript follows the conversation: the last message is in view.
        transcript = screen.query_one("#chat-transcript")
        assert transcript.scroll_y == transcript.max_scroll_y

        await pilot.press("escape")
        assert app.screen is not screen

    rows = service.exchanges(LEARNER)
    assert [(r.criterion_number, r.turn, r.verdict, r.hints_used) for r in rows] == [
        ("1.1", "answer", "secure", 0),
        ("1.1", "choice", "right", 0),
        ("1.2", "command", None, 1),
        ("1.2", "command", "skipped", 1),
    ]
    assert rows[0].answer == FULL_1_1 and json.loads(rows[0].matched) and rows[0].seconds == 40
    assert rows[1].answer == "A" and rows[1].bank_item_id is not None
    assert [r.answer for r in rows[2:]] == ["/hint", "/skip"]
    assert all(r.unit_key == "2794-210" and r.mode == "practice" for r in rows)


async def test_learner_markup_is_shown_literally(practice):
    app, screen, service = practice()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await say(pilot, "[@click=app.quit]x[/]", type_it=False)
        await say(pilot, "[bold]", type_it=False)
        learner = [m for m in screen.query(ChatMessage) if m.who == "learner"]
        assert [str(m.render()) for m in learner] == ["[@click=app.quit]x[/]", "[bold]"]
        await click_message(pilot, learner[0])
        assert app.is_running and app.screen is screen
        assert messages(screen)[-1] == ("assistant", "choose_letter")  # "[bold]" is no letter
    assert [r.answer for r in service.exchanges(LEARNER)] == ["[@click=app.quit]x[/]", "[bold]"]


async def test_learner_words_quoted_in_feedback_stay_literal(practice):
    app, screen, _ = practice()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await say(pilot, "[bold]its a pestle thing[/] for [@click=app.quit]managers[/]", type_it=False)
        assert messages(screen)[-1] == ("assistant", "probe")
        await say(pilot, "[bold]political[/] and [@click=app.quit]economic[/] and social", type_it=False)
        feedback = next(m for m in screen.query(ChatMessage) if m.kind == "feedback")
        assert '(you said: "political[/] and [@click=app.quit]economic' in str(feedback.render())
        await click_message(pilot, feedback)
        assert app.is_running and app.screen is screen


async def test_a_failed_save_says_so_and_is_not_counted(practice, monkeypatch):
    app, screen, service = practice()

    def failing(learner, exchange):
        raise StorageError("the database is locked: your answer was not saved")

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        monkeypatch.setattr(service, "record", failing)
        await say(pilot, FULL_1_1, type_it=False)
        error = screen.query_one(".chat-error")
        assert "Not saved" in str(error.render()) and "database is locked" in str(error.render())
        assert screen.query(ChatMessage).filter(".chat-learner").first().has_class("chat-unsaved")
        assert states(screen)["1.1"] == "not_started" and screen.saved == []
    assert service.exchanges(LEARNER) == []


async def test_quit_ends_the_session_and_disables_the_input(practice):
    app, screen, service = practice()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await say(pilot, "/quit")
        assert messages(screen)[-1] == ("assistant", "end")
        assert screen.engine.finished and screen.query_one("#chat-input", Input).disabled
    assert [r.answer for r in service.exchanges(LEARNER)] == ["/quit"]


def test_snapshot_feedback_turn(snap_compare, practice, clock):
    """1.1 answered, scrolled back to the answer: secure (the question asks what PESTLE is: one point is a
    complete answer), the feedback names the points made (with the learner's words) and the others to add,
    then the model answer; 1.1 is secure and current in the panel."""
    app, _, _ = practice()

    async def answer(pilot):
        await pilot.pause()
        clock.advance(seconds=30)
        await say(pilot, "It is about political, economic and social factors, when planning a new product.",
                  type_it=False)
        screen = pilot.app.screen  # scroll back to the learner's answer, to see the feedback on it
        learner = screen.query(ChatMessage).filter(".chat-learner").last()
        screen.query_one("#chat-transcript").scroll_to_widget(learner, animate=False, top=True)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=answer)


def test_snapshot_progress_panel(snap_compare, practice, clock):
    """2.1 and 3.2 due for review (asked first): 2.1 practised, 3.2 skipped (still due); 1.1 secure,
    1.2 skipped, 1.3 practised; /progress in the transcript; 1.4 current."""
    app, _, _ = practice(due={"2.1", "3.2"})

    async def several(pilot):
        await pilot.pause()
        for text in ("not sure", "no idea", "B", "/skip", FULL_1_1, "A", "/skip", "dunno really", "C", "/progress"):
            clock.advance(seconds=20)
            await say(pilot, text, type_it=False)

    assert snap_compare(app, terminal_size=SIZE, run_before=several)


async def test_a_whole_unit_of_2794_210_is_practised_and_every_turn_stored(practice):
    """A full conversation through all 23 criteria of 2794-210: open answers (thin ones are probed),
    the practice MCQ after each, answers kept for the tutor; then the stored evidence is checked."""
    app, screen, service = practice()
    async with app.run_test(size=(110, 36)) as pilot:
        engine = screen.engine
        for _ in range(200):
            if engine.finished:
                break
            last = screen.query(ChatMessage).last()
            if last.kind in ("mcq", "choose_letter"):
                await say(pilot, "a")
            else:
                await say(pilot, "It helps the organisation and its customers because staff know what to do", type_it=False)
        assert engine.finished
        assert screen.query_one("#chat-input", Input).disabled
    rows = service.exchanges(LEARNER)
    criteria = [c.criterion for c in engine.order]
    assert len(criteria) == 23
    assert [c for c in criteria if c not in {r.criterion_number for r in rows}] == []
    assert {r.mode for r in rows} == {"practice"}
    assert all(r.criterion_id is not None for r in rows)
    choices = [r for r in rows if r.turn == "choice"]
    assert choices and all(r.bank_item_id is not None for r in choices)
    with Session(service.engine) as session:
        uses = {session.get(t.BankItem, r.bank_item_id).use for r in choices}
    assert uses == {"practice"}  # no secure item is ever served in practice


async def test_an_answer_that_contradicts_a_key_point_is_named_recorded_and_not_credited(practice, clock):
    """The learner uses the key point's own words to say the opposite: the feedback names what was said the
    wrong way round (in the learner's words), the stored exchange records the contradicted point, and the
    criterion is not marked secure."""
    app, screen, service = practice()
    answer = "it doesnt track the environment the business works in, its about the staff"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        clock.advance(seconds=20)
        await say(pilot, answer, type_it=False)
        feedback = next(str(m.render()) for m in screen.query(ChatMessage) if m.kind == "feedback")
        assert "says the opposite of what is right" in feedback
        assert 'you said "' in feedback and "track the environment" in feedback and "but in fact:" in feedback
        assert "A secure answer" not in feedback and "Points you made" not in feedback
        assert states(screen)["1.1"] != "secure"
    (row, *_) = service.exchanges(LEARNER)
    assert (row.criterion_number, row.verdict, json.loads(row.matched)) == ("1.1", "contradicted", [])
    assert json.loads(row.contradicted) == {"points": [1], "misconceptions": []}


@pytest.mark.parametrize(("qualification", "unit", "criterion"), [
    ("600/5469/4", "F/601/1609", "3.1"),   # Highfield Level 2 NVQ Certificate in Customer Service
    ("600/1226/2", "A/503/0388", "4.2"),   # Pearson Level 3 NVQ Diploma in Contact Centre Operations
])
async def test_a_criterion_of_another_qualification_is_practised_end_to_end(bank_url, tmp_path, clock,
                                                                          qualification, unit, criterion):
    """Highfield and Pearson Level 3: the learner answers in their own words, is marked against the sheet,
    gets a practice item of one of the generator's forms, answers it, and every turn is stored against the
    exact criterion of their own qualification."""
    from tests.practice.test_engine import AUDIT, RENDERER
    from tutor.practice.engine import item_layout
    from tutor.services.practice import practice_engine

    service = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
    engine = practice_engine(AUDIT, qualification, unit, [criterion], RENDERER, clock.now)
    sheet = engine.sheets[criterion]
    screen = PracticeScreen(engine, service, LEARNER, unit)
    answer = f"{sheet.key_points[0].point} Also, {sheet.key_points[1].point[0].lower()}{sheet.key_points[1].point[1:]}"
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert f"{unit} {criterion}" in str(screen.query(ChatMessage).first().render())
        clock.advance(seconds=30)
        await say(pilot, answer, type_it=False)
        assert messages(screen)[-3:] == [("assistant", "feedback"), ("assistant", "model_answer"), ("assistant", "mcq")]
        feedback = next(str(m.render()) for m in screen.query(ChatMessage) if m.kind == "feedback")
        assert "A secure answer" in feedback and sheet.key_points[0].short in feedback
        assert states(screen)[criterion] == "secure"
        item = engine._state.item
        assert item is not None and item.use == "practice"
        await say(pilot, item_layout(item).key.lower())
        assert messages(screen)[-2][1] == "mcq_result"
        assert next(str(m.render()) for m in reversed(screen.query(ChatMessage)) if m.kind == "mcq_result").startswith("Right")
    first, choice = service.exchanges(LEARNER)[:2]
    assert (first.qualification, first.unit_key, first.criterion_number, first.verdict) == (
        qualification, unit, criterion, "secure")
    assert set(json.loads(first.matched)) >= {0, 1}
    assert (choice.verdict, choice.criterion_number) == ("right", criterion) and choice.bank_item_id is not None
