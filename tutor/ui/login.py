"""The login screen (and, on a brand-new database, the one-time list of the first accounts)."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from tutor.services.accounts import AccountError
from tutor.storage.engine import StorageError


class LoginScreen(Screen):
    """User name and password. A wrong name, a wrong password and a locked account read alike."""

    SUB_TITLE = "Sign in"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, first_accounts: dict[str, str] | None = None) -> None:
        super().__init__()
        self.first_accounts = first_accounts

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login"):
            if self.first_accounts:
                yield Static(self.app.render_text("ui/login/first_run.j2", passwords=self.first_accounts).rstrip(),
                             id="first-run")
            yield Static(self.app.render_text("ui/login/title.j2").rstrip(), id="login-title")
            yield Input(placeholder="user name", id="login-user")
            yield Input(placeholder="password", password=True, id="login-password")
            yield Static("", id="login-problem", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#login-user", Input).focus()

    @on(Input.Submitted, "#login-user")
    def _to_password(self) -> None:
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    def _submit(self) -> None:
        name = self.query_one("#login-user", Input).value
        password = self.query_one("#login-password", Input).value
        self.query_one("#login-problem", Static).update(self.app.render_text("ui/login/checking.j2").strip())
        self.check(name, password)

    @work(thread=True, exclusive=True)
    def check(self, name: str, password: str) -> None:
        # argon2 takes about a tenth of a second by design: off the UI thread.
        try:
            actor = self.app.accounts.login(name, password)
        except (AccountError, StorageError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._signed_in, actor)

    def _failed(self, message: str) -> None:
        self.query_one("#login-problem", Static).update(message)
        password = self.query_one("#login-password", Input)
        password.value = ""
        password.focus()

    def _signed_in(self, actor) -> None:
        from tutor.ui.screens import HomeScreen

        self.app.sign_in(actor)
        self.app.notify(self.app.render_text("ui/login/signed_in.j2", actor=actor).strip())
        self.app.switch_screen(HomeScreen())
