"""The Textual application: receives its database engine, paths and clock; does no work at import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.engine import Engine
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.markup import escape

from tutor.clock import SystemClock
from tutor.domain.access import Actor, allowed
from tutor.rendering import TextRenderer
from tutor.services.accounts import AccountService
from tutor.services.bundled import needs_bundled_import
from tutor.services.catalogue import CatalogueService
from tutor.services.guard import PRACTICE_PERMISSIONS, Guarded
from tutor.ui.commands import UnitCommands
from tutor.ui.screens import HomeScreen, LoadingScreen, UnitScreen

if TYPE_CHECKING:  # practice, review and the bank load on first use: the home screen needs none of them
    from tutor.bank.audit import BankAudit
    from tutor.services.practice import PracticeService
    from tutor.services.review import ReviewService


class TutorApp(App[int]):
    """tutor's terminal app. Opens on the qualification catalogue."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {UnitCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine, bank: Path, templates: Path, clock=None, actor: Actor | None = None,
                 os_user: str = "learner", hasher=None, require_login: bool = False) -> None:
        """``actor``: already signed in (tests). Otherwise, on a database that only ``os_user`` has an account
        on (or none yet: then it is created), the app opens as their learner account with no password; where
        anyone else has an account, or ``require_login`` (a shared database), the login screen asks.
        ``hasher`` is the password hasher (tests pass a cheap one)."""
        super().__init__()
        self.require_login = require_login
        self.clock = clock or SystemClock()
        self.engine = engine
        self.os_user = os_user
        self.accounts = AccountService(engine, self.clock.now, hasher)
        self._review: ReviewService | None = None
        self._practice_service: PracticeService | None = None
        self.actor: Actor | None = None
        self.practice = None
        if actor is not None:
            self.sign_in(actor)
        self._audit: BankAudit | None = None
        self.bank = bank
        self.templates = templates
        self.catalogue = CatalogueService(engine, self.clock.now)
        self.renderer = TextRenderer(templates, filters={"literal": escape})
        self.renderer_plain = TextRenderer(templates)  # practice texts are shown with markup off

    @property
    def review(self) -> ReviewService:
        if self._review is None:
            from tutor.services.review import ReviewService

            self._review = ReviewService(self.engine, self.clock.now)
        return self._review

    @property
    def _practice(self) -> PracticeService:
        if self._practice_service is None:
            from tutor.services.practice import PracticeService

            self._practice_service = PracticeService(self.engine, self.clock.now)
        return self._practice_service

    def render_text(self, template: str, **context) -> str:
        return self.renderer.render(template, **context)

    @property
    def learner(self) -> str:
        return self.actor.username if self.actor else ""

    def sign_in(self, actor: Actor) -> None:
        """From now on the app acts as ``actor``; practice goes through the permission gate."""
        self.actor = actor
        self.practice = Guarded(self._practice, actor, PRACTICE_PERMISSIONS, self.engine, self.clock.now,
                                own_work=True)
        self.sub_title = actor.label

    def on_mount(self) -> None:
        if needs_bundled_import(self.catalogue, self.bank):
            self.push_screen(LoadingScreen())
        else:
            self.after_loading()

    def after_loading(self) -> None:
        """The catalogue is ready: the home screen if signed in, else the login (creating the first
        accounts on a brand-new database, and saying how to sign in with them)."""
        if self.actor is None and not self.require_login:
            personal = self.accounts.personal_account(self.os_user)
            if personal is not None:
                self.sign_in(personal)
        if self.actor is not None:
            screen = HomeScreen()
        else:
            from tutor.ui.login import LoginScreen

            screen = LoginScreen(self.accounts.bootstrap(self.os_user))
        if isinstance(self.screen, LoadingScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def may(self, permission: str) -> bool:
        return self.actor is not None and allowed(self.actor.role, permission)

    def action_continue_practice(self) -> None:
        """Back to the unit practised last, at its first criterion not yet practised."""
        if not self.may("practice.own"):
            self.notify(self.render_text("ui/login/learners_only.j2", actor=self.actor).strip(), severity="warning")
            return
        last = self.practice.last_unit(self.learner)
        if last is None:
            self.notify(self.render_text("ui/practice/nothing_to_continue.j2").strip())
            return
        qualification, unit = last
        self.practise(qualification, unit, self.catalogue.unit(unit).title)

    def open_unit(self, key: str):
        """Show one unit; awaitable, so tests and callers can wait until it is on screen."""
        return self.push_screen(UnitScreen(key))

    def open_coverage(self, qualification: str, unit: str | None = None) -> None:
        """The coverage matrix of a qualification (or one unit) for the signed-in reviewer."""
        from tutor.ui.review import CoverageScreen

        if not (self.may("review.read") or self.may("review.own")):
            self.notify(self.render_text("ui/login/reviewers_only.j2", actor=self.actor).strip(), severity="warning")
            return
        self.push_screen(CoverageScreen(self.review, self.actor, qualification, unit=unit))

    def start_practice(self, qualification: str, unit: str, title: str) -> None:
        if not self.may("practice.own"):
            self.notify(self.render_text("ui/login/learners_only.j2", actor=self.actor).strip(), severity="warning")
            return
        self.practise(qualification, unit, title)

    @work(thread=True, exclusive=True, group="practice")
    def practise(self, qualification: str, unit: str, title: str) -> None:
        """Open chat practice on a unit: the bank is audited once (about a second), off the UI thread."""
        from tutor.bank.audit import audit_bank
        from tutor.services.practice import practice_engine
        from tutor.ui.practice import PracticeScreen

        if self._audit is None:
            self._audit = audit_bank(self.bank, self.templates)
        due = self.practice.due(self.learner, qualification, unit)
        practised = self.practice.practised(self.learner, qualification, unit)
        engine = practice_engine(self._audit, qualification, unit, due, self.renderer_plain, self.clock.now,
                                 practised=practised)
        screen = PracticeScreen(engine, self.practice, self.learner, title, self.templates)
        self.call_from_thread(self.push_screen, screen)
