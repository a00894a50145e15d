"""The screens of an attempt that takes no answers: :class:`LockedScreen` (paused or interrupted,
waiting for the invigilator) and :class:`ResultScreen` (submitted, and the result once released)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from tutor.ui.candidate.widgets import TestBar


class LockedScreen(Screen):
    """Paused or interrupted: waiting for the invigilator; the app polls until the attempt runs again."""

    def compose(self) -> ComposeResult:
        yield TestBar(id="cand-bar")
        with Vertical(id="cand-locked-box"):
            yield Static(id="cand-locked")
        yield Static(self.app.test_text("keys.j2", screen="locked"), classes="cand-keys")

    def on_mount(self) -> None:
        self.show()

    def on_screen_resume(self) -> None:
        self.show()

    def show(self) -> None:
        try:
            text = self.query_one("#cand-locked", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        text.update(self.app.test_text("locked.j2", status=self.app.status))


class ResultScreen(Screen):
    """After submission: submitted, and the result once the invigilator releases it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="cand-result-box"):
            yield Static(id="cand-result")
        yield Static(self.app.test_text("keys.j2", screen="result"), classes="cand-keys")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        try:
            text = self.query_one("#cand-result", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        text.update(self.app.result_text())
