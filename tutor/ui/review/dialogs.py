"""The review dialogs: accepting or rejecting a response as evidence, and deciding a criterion.

Each is one :class:`_Dialog` frame (title, the dialog's own fields, a comment, error line and
buttons); a dialog gives only its title's wording, its fields and how its answer is checked.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from tutor.domain.portfolio import DECISION_LABELS, DECISIONS
from tutor.services.review import Column
from tutor.ui.review.texts import _Texts


class _Dialog(_Texts, ModalScreen[tuple[str, str] | None]):
    """A small form over the responses: Enter (or Save) checks and returns it, Escape cancels.

    The frame is the same for every dialog: its title (``modal.j2`` with :attr:`what`), the fields
    of :meth:`fields`, a comment, the error line and the buttons; :attr:`first_field` is focused first.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]
    what = ""
    first_field = "#rv-comment"

    def __init__(self, learner: str, column: Column) -> None:
        super().__init__()
        self.learner = learner
        self.column = column

    def compose(self) -> ComposeResult:
        with Vertical(classes="rv-dialog"):
            yield Static(self.text("modal.j2", what=self.what, learner=self.learner, column=self.column),
                         classes="rv-dialog-title")
            yield from self.fields()
            yield self.titled(Input(id="rv-comment", max_length=2000), "comment")
            yield from self.buttons()

    def fields(self) -> ComposeResult:
        """The dialog's own fields, between its title and the comment."""
        yield from ()

    def titled(self, widget: Widget, label: str) -> Widget:
        """``widget`` with ``label`` in its border."""
        widget.border_title = self.label(label)
        return widget

    def buttons(self) -> ComposeResult:
        yield Static(id="rv-dialog-error")
        with Horizontal(classes="rv-dialog-buttons"):
            yield Button(self.label("ok"), id="rv-save", variant="primary")
            yield Button(self.label("cancel"), id="rv-cancel")
        yield Static(self.text("keys.j2"), classes="rv-dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#rv-dialog-error").display = False
        self.query_one(self.first_field).focus()

    def complain(self, what: str, field: str | None = None) -> None:
        """Say what is missing (and put the cursor in ``field``, if given)."""
        error = self.query_one("#rv-dialog-error", Static)
        error.update(self.text("required.j2", what=what))
        error.display = True
        if field is not None:
            self.query_one(field).focus()

    def answer(self) -> tuple[str, str] | None:
        raise NotImplementedError

    @on(Input.Submitted)
    @on(Button.Pressed, "#rv-save")
    def action_save(self) -> None:
        answer = self.answer()
        if answer is not None:
            self.dismiss(answer)

    @on(Button.Pressed, "#rv-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class JudgeDialog(_Dialog):
    """Accept a response (a reference number is required, a comment optional) or reject it (a comment)."""

    def __init__(self, learner: str, column: Column, accepted: bool) -> None:
        super().__init__(learner, column)
        self.accepted = accepted
        self.what = "accept" if accepted else "reject"
        self.first_field = "#rv-reference" if accepted else "#rv-comment"

    def fields(self) -> ComposeResult:
        if self.accepted:
            yield self.titled(Input(id="rv-reference", max_length=60), "reference")

    def answer(self) -> tuple[str, str] | None:
        comment = self.query_one("#rv-comment", Input).value.strip()
        if not self.accepted:
            if not comment:
                self.complain("reject_comment")
                return None
            return "", comment
        reference = self.query_one("#rv-reference", Input).value.strip()
        if not reference:
            self.complain("reference", "#rv-reference")
            return None
        return reference, comment


class DecisionDialog(_Dialog):
    """One of the three decisions, with a comment (required unless competent)."""

    what = "decide"
    first_field = "#rv-decision"

    def __init__(self, learner: str, column: Column, current: str | None = None) -> None:
        super().__init__(learner, column)
        self.current = current

    def fields(self) -> ComposeResult:
        yield self.titled(Select([(DECISION_LABELS[d], d) for d in DECISIONS], prompt=self.label("decision"),
                                 id="rv-decision"), "decision")

    def answer(self) -> tuple[str, str] | None:
        decision = self.query_one("#rv-decision", Select).value
        comment = self.query_one("#rv-comment", Input).value.strip()
        if decision not in DECISIONS:
            self.complain("decision", "#rv-decision")
            return None
        if decision != "competent" and not comment:
            self.complain("comment", "#rv-comment")
            return None
        return str(decision), comment
