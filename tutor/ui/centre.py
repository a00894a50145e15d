"""A browser session of ``tutor serve``: the start screen, then a candidate's test or an account's screens.

Every session signs in here, whatever the database: a candidate with the sitting, their candidate number
and the start code the invigilator gives out (the test screens of :mod:`tutor.ui.candidate` follow); anyone
with an account with their user name and password (the screens of :class:`~tutor.ui.app.TutorApp` follow).
There is no personal account and no first-run account list over the network. The start code and the password
are checked by the services, which hold back guessing per sitting or account and per the browser's address
(``address``, which the web server passes in).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from sqlalchemy.engine import Engine
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Mount
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from tutor.services.accounts import AccountError
from tutor.services.bundled import needs_bundled_import
from tutor.services.sittings import SittingError, SittingService
from tutor.storage.engine import StorageError
from tutor.ui.app import TutorApp
from tutor.ui.candidate import CandidateSession

MAX_SITTING = 2**63 - 1
# Each form's boxes in order: Enter moves to the next, and on the last one starts or signs in.
TEST_BOXES = ("start-sitting", "start-number", "start-code")
ACCOUNT_BOXES = ("start-user", "start-password")


class CentreApp(CandidateSession, TutorApp):
    """One browser session. ``sittings`` is the sitting service on ``engine``; ``address`` the browser's."""

    TITLE = "tutor"
    ENABLE_COMMAND_PALETTE = False  # offered once an account has signed in, never to a candidate

    def __init__(self, engine: Engine, sittings: SittingService, bank: Path, templates: Path, clock,
                 address: str | None = None, hasher=None) -> None:
        super().__init__(engine=engine, bank=bank, templates=templates, clock=clock, require_login=True,
                         hasher=hasher)
        self.init_candidate(sittings, None, templates, clock)
        self.address = address or None

    def on_mount(self, event: Mount) -> None:
        event.prevent_default()  # not TutorApp's: no personal account, no first-run accounts, no loading here
        if needs_bundled_import(self.catalogue, self.bank):  # `tutor serve` loads it before serving
            self.push_screen(NotReadyScreen())
        else:
            self.push_screen(StartScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # During a test Q is a neighbour of the answer keys, never the end of the session.
        if action == "quit" and self.attempt_id is not None and self.current_mode != "result":
            return False
        return super().check_action(action, parameters)

    def sign_in(self, actor) -> None:
        super().sign_in(actor)
        self.use_command_palette = True

    def start_test(self, attempt_id: int) -> str | None:
        """The candidate's start code was right: the test screens (or, for an attempt whose client went away,
        the wait for the invigilator). Returns the line to show instead when the attempt cannot be read."""
        if self.attempt_id is not None:
            return None
        problem = self.begin_attempt(attempt_id)
        if problem:
            self.attempt_id = None
        return problem


class StartScreen(Screen):
    """Sit a test (sitting, candidate number, start code) or sign in (user name, password)."""

    SUB_TITLE = "Start"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        text = self.app.render_text
        yield Header()
        yield Static(text("ui/centre/title.j2").rstrip(), id="start-title")
        with Horizontal(id="start-panels"):
            with Vertical(id="start-test", classes="start-panel"):
                yield Static(text("ui/centre/test_panel.j2").rstrip())
                yield Input(placeholder="sitting (a number)", id="start-sitting")
                yield Input(placeholder="candidate number", id="start-number")
                yield Input(placeholder="start code", password=True, id="start-code")
            with Vertical(id="start-account", classes="start-panel"):
                yield Static(text("ui/centre/account_panel.j2").rstrip())
                yield Input(placeholder="user name", id="start-user")
                yield Input(placeholder="password", password=True, id="start-password")
        yield Static("", id="start-problem", markup=False)
        yield Static(text("ui/centre/keys.j2").rstrip(), id="start-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start-sitting", Input).focus()

    def _box(self, box_id: str) -> Input:
        return self.query_one(f"#{box_id}", Input)

    def _say(self, line: str) -> None:
        self.query_one("#start-problem", Static).update(line.strip())

    @on(Input.Submitted)
    def _next_or_go(self, event: Input.Submitted) -> None:
        box = event.input.id
        boxes = TEST_BOXES if box in TEST_BOXES else ACCOUNT_BOXES
        if box != boxes[-1]:
            self._box(boxes[boxes.index(box) + 1]).focus()
            return
        missing = next((b for b in boxes if not self._box(b).value.strip()), None)
        if missing:
            self._say(self.app.render_text("ui/centre/missing.j2", field=missing.removeprefix("start-")))
            self._box(missing).focus()
            return
        if boxes is TEST_BOXES:
            text = self._box("start-sitting").value.strip()
            if not text.isdigit() or not 1 <= int(text) <= MAX_SITTING:
                self._say(self.app.render_text("ui/centre/bad_sitting.j2"))
                self._box("start-sitting").focus()
                return
            self._say(self.app.render_text("ui/centre/starting.j2"))
            self.start(int(text), self._box("start-number").value, self._box("start-code").value)
        else:
            self._say(self.app.render_text("ui/centre/starting.j2"))
            self.check(self._box("start-user").value, self._box("start-password").value)

    @work(thread=True, exclusive=True, group="start")
    def start(self, sitting_id: int, number: str, code: str) -> None:
        try:
            attempt_id = self.app.service.start(sitting_id, number, code, address=self.app.address)
        except (SittingError, StorageError) as exc:
            self.app.call_from_thread(self._refused, "start-code", str(exc))
            return
        self.app.call_from_thread(self._started, attempt_id)

    def _started(self, attempt_id: int) -> None:
        problem = self.app.start_test(attempt_id)
        if problem:
            self._refused("start-code", problem)

    @work(thread=True, exclusive=True, group="start")
    def check(self, name: str, password: str) -> None:
        # argon2 takes about a tenth of a second by design: off the UI thread.
        try:
            actor = self.app.accounts.login(name, password, address=self.app.address)
        except (AccountError, StorageError) as exc:
            self.app.call_from_thread(self._refused, "start-password", str(exc))
            return
        self.app.call_from_thread(self._signed_in, actor)

    def _refused(self, box_id: str, message: str) -> None:
        self._say(message)
        box = self._box(box_id)
        box.value = ""  # a secret is never left in a box after it was refused
        box.focus()

    def _signed_in(self, actor) -> None:
        from tutor.ui.screens import HomeScreen

        self.app.sign_in(actor)
        self.app.notify(self.app.render_text("ui/login/signed_in.j2", actor=actor).strip())
        self.app.switch_screen(HomeScreen())


class NotReadyScreen(Screen):
    """The database has no catalogue yet: the server should have loaded it before serving."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.app.render_text("ui/centre/not_ready.j2").rstrip(), id="start-title")
        yield Footer()
