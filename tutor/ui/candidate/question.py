"""The question screen: one question at a time with the navigator beside it (:class:`QuestionScreen`,
:class:`NavCell`), and :class:`SaveFailed`, the refusal of a save it shows in place of "Saved"."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.events import Click
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.domain.testing import LETTERS
from tutor.ui.candidate.review import ReviewScreen
from tutor.ui.candidate.widgets import TestBar


class SaveFailed(Exception):
    """A save the service refused; the message is the rendered line to show."""


class NavCell(Static):
    """One question number in the navigator; click to go to it."""

    def __init__(self, position: int) -> None:
        super().__init__(classes="cand-cell")
        self.position = position

    def on_click(self, event: Click) -> None:
        event.stop()
        screen = self.screen
        if isinstance(screen, QuestionScreen):
            screen.go(self.position)


class QuestionScreen(Screen):
    """One question at a time, with the navigator beside it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(f"{n},{letter.lower()}", f"choose('{letter}')", show=False) for n, letter in
          zip("1234", LETTERS, strict=True)),
        Binding("n,right", "next", show=False),
        Binding("p,left", "previous", show=False),
        Binding("f", "flag", show=False),
        Binding("r,s", "review", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.position = 1

    def compose(self) -> ComposeResult:
        app = self.app
        yield TestBar(id="cand-bar")
        with Horizontal(id="cand-body"):
            with VerticalScroll(id="cand-question", can_focus=False):
                yield Static(id="cand-head")
                yield Static(id="cand-stem")
                yield OptionList(id="cand-options")
                yield Static(id="cand-status")
            with Vertical(id="cand-nav"):
                yield Static(id="cand-nav-title")
                with Grid(id="cand-grid"):
                    for position in range(1, app.total + 1):
                        yield NavCell(position)
                yield Static(app.test_text("nav_legend.j2"), id="cand-legend")
        yield Static(app.test_text("keys.j2", screen="question"), classes="cand-keys")

    def on_mount(self) -> None:
        # a resumed candidate (a new client after a crash) reopens on the question they last had on screen
        self.position = min(max(1, self.app.view.viewing), self.app.total)
        self.show()
        self.query_one(OptionList).focus()

    @property
    def question(self):
        return self.app.view.questions[self.position - 1]

    def show(self, status: str = "", ok: bool = True) -> None:
        """Draw the current question from the app's record; ``status`` is the saved/not-saved line."""
        app, question = self.app, self.question
        if not self.query("#cand-options"):  # not composed yet: on_mount draws it
            return
        chosen = app.chosen.get(self.position)
        self.query_one("#cand-head", Static).update(app.test_text(
            "question_head.j2", position=self.position, total=app.total, flagged=app.flagged.get(self.position)))
        self.query_one("#cand-stem", Static).update(app.test_text("stem.j2", stem=question.stem))
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.set_options(
            Option(app.test_text("option.j2", letter=letter, text=text, chosen=letter == chosen), id=letter)
            for letter, text in question.options.items()
        )
        letters = list(question.options)
        if chosen in letters:
            options.highlighted = letters.index(chosen)
        else:  # after a flag, stay on the option the candidate was looking at
            options.highlighted = highlighted if status and highlighted is not None else 0
        line = self.query_one("#cand-status", Static)
        line.update(status)
        line.set_class(bool(status) and ok, "saved")
        line.set_class(bool(status) and not ok, "failed")
        self._show_navigator()

    def _show_navigator(self) -> None:
        app = self.app
        self.query_one("#cand-nav-title", Static).update(
            app.test_text("navigator.j2", answered=len(app.answered()), total=app.total))
        for cell in self.query(NavCell):
            answered, flagged = bool(app.chosen.get(cell.position)), bool(app.flagged.get(cell.position))
            cell.update(app.test_text("nav_cell.j2", position=cell.position, answered=answered, flagged=flagged))
            cell.set_class(answered, "answered")
            cell.set_class(flagged, "flagged")
            cell.set_class(cell.position == self.position, "current")

    def go(self, position: int) -> None:
        if 1 <= position <= self.app.total and position != self.position:
            self.position = position
            self.show()
            self.query_one(OptionList).scroll_home(animate=False)

    def _save(self, **change) -> None:
        try:
            line = self.app.save(self.position, **change)
        except SaveFailed as exc:
            self.show(str(exc), ok=False)
            return
        self.show(line)

    def action_choose(self, letter: str) -> None:
        if letter in self.question.options:
            self._save(letter=letter)

    @on(OptionList.OptionSelected, "#cand-options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._save(letter=event.option.id)

    def action_flag(self) -> None:
        self._save(flag=not self.app.flagged.get(self.position, False))

    def action_next(self) -> None:
        if self.position < self.app.total:
            self.go(self.position + 1)
        else:
            self.action_review()

    def action_previous(self) -> None:
        self.go(self.position - 1)

    def action_review(self) -> None:
        self.app.push_screen(ReviewScreen(), callback=self._back_from_review)

    def _back_from_review(self, position: int | None) -> None:
        if position:
            self.go(position)
