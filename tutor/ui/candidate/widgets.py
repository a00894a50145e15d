"""What every test screen of the candidate's shows: :class:`TestBar`, the header with the test, the
candidate and the countdown; and the states (``LOCKED``) and threshold (``LOW_TIME``) it draws by."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Static

from tutor.domain.testing import format_remaining

LOW_TIME = 300  # the countdown turns amber from here
LOCKED = ("paused", "interrupted")


class TestBar(Horizontal):
    """The header of every test screen: test code and title, the candidate, the countdown."""

    __test__ = False

    def compose(self) -> ComposeResult:
        app = self.app
        view = app.view
        yield Static(app.test_text("bar.j2", code=view.test_code, title=view.test_title, set_by=view.set_by,
                                     number=view.candidate_number, candidate=view.candidate), classes="cand-bar-text")
        yield Static(classes="cand-countdown")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        app = self.app
        try:
            countdown = self.query_one(".cand-countdown", Static)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        countdown.update(app.test_text("countdown.j2", remaining=format_remaining(app.remaining),
                                         stopped=app.status in LOCKED))
        countdown.set_class(app.remaining <= LOW_TIME, "low")
