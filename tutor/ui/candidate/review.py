"""Before submitting: the review of unanswered and flagged questions (:class:`ReviewScreen`) and the
yes-or-no dialog that submits the test (:class:`ConfirmSubmitScreen`)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tutor.ui.candidate.widgets import TestBar


class ReviewScreen(Screen[int | None]):
    """Unanswered and flagged questions; go back to one, or submit (after a confirm dialog)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,r", "back", show=False),
        Binding("s", "submit", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        unanswered, flagged = app.unanswered(), app.flagged_positions()
        yield TestBar(id="cand-bar")
        with Vertical(id="cand-review"):
            yield Static(app.test_text("review.j2", answered=len(app.answered()), total=app.total,
                                         unanswered=unanswered, flagged=flagged), id="cand-review-summary")
            positions = sorted(set(unanswered) | set(flagged))
            yield OptionList(*(
                Option(app.test_text("review_option.j2", position=p, answered=bool(app.chosen.get(p)),
                                       flagged=bool(app.flagged.get(p))), id=str(p))
                for p in positions
            ), id="cand-review-list")
            with Horizontal(id="cand-review-buttons"):
                yield Button(app.test_text("label.j2", label="back"), id="cand-back")
                yield Button(app.test_text("label.j2", label="submit"), id="cand-submit", variant="primary")
        yield Static(app.test_text("keys.j2", screen="review"), classes="cand-keys")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.display = listing.option_count > 0
        (listing if listing.option_count else self.query_one("#cand-submit", Button)).focus()

    @on(OptionList.OptionSelected, "#cand-review-list")
    def _question_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    @on(Button.Pressed, "#cand-back")
    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cand-submit")
    def action_submit(self) -> None:
        self.app.push_screen(ConfirmSubmitScreen(), callback=self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self.app.submit_test()


class ConfirmSubmitScreen(ModalScreen[bool]):
    """Yes or no: submit the test now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", show=False),
        Binding("n,escape", "answer(False)", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        with Vertical(id="cand-confirm"):
            yield Static(app.test_text("confirm.j2", unanswered=len(app.unanswered()),
                                         flagged=len(app.flagged_positions())), id="cand-confirm-text")
            with Horizontal(id="cand-confirm-buttons"):
                yield Button(app.test_text("label.j2", label="yes"), id="cand-yes", variant="primary")
                yield Button(app.test_text("label.j2", label="no"), id="cand-no")
            yield Static(app.test_text("keys.j2", screen="confirm"), classes="cand-confirm-keys")

    def on_mount(self) -> None:
        self.query_one("#cand-no", Button).focus()  # the safe choice is the default

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#cand-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cand-no")
    def _no(self) -> None:
        self.dismiss(False)
