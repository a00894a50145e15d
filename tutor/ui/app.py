"""The Textual application: receives its database engine, paths and clock; does no work at import.

On a person's own SQLite database it can start quicker: given a :class:`~tutor.services.start.QuickStart`
(the home screen's rows, read with ``sqlite3``) and a function that opens the engine, it shows the home
screen at once and loads the engine and the services in a worker thread right after the first paint. Until
they are loaded an action that needs them waits its turn (:meth:`TutorApp.when_ready`), in the order asked.
Importing this module loads neither SQLAlchemy nor the services: they come with the engine.
"""

from __future__ import annotations

import os

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import Screen

from tutor.clock import SystemClock
from tutor.domain.access import Actor, allowed
from tutor.rendering import TextRenderer
from tutor.ui.commands import UnitCommands
from tutor.ui.screens import HomeScreen, LoadingScreen, UnitScreen

if TYPE_CHECKING:  # the services, practice, review and the bank load on first use: the home screen needs none
    from sqlalchemy.engine import Engine

    from tutor.bank.audit import BankAudit
    from tutor.services.accounts import AccountService
    from tutor.services.catalogue import CatalogueService
    from tutor.services.practice import PracticeService
    from tutor.services.review import ReviewService
    from tutor.services.start import QuickStart


class TutorApp(App[int]):
    """tutor's terminal app. Opens on the qualification catalogue."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {UnitCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine | None, bank: Path, templates: Path, clock=None, actor: Actor | None = None,
                 os_user: str = "learner", hasher=None, require_login: bool = False, *,
                 start: QuickStart | None = None, open_engine: Callable[[], Engine] | None = None) -> None:
        """``actor``: already signed in (tests). Otherwise, on a database that only ``os_user`` has an account
        on (or none yet: then it is created), the app opens as their learner account with no password; where
        anyone else has an account, or ``require_login`` (a shared database), the login screen asks.
        ``hasher`` is the password hasher (tests pass a cheap one). ``start`` with ``open_engine`` instead of
        ``engine``: the quick start (signed in as ``start.actor``, the engine opened behind the home screen)."""
        super().__init__()
        if (engine is None) == (open_engine is None) or (start is None) != (open_engine is None):
            raise ValueError("an engine, or a quick start with the function that opens its engine")
        self.require_login = require_login
        self.clock = clock or SystemClock()
        self.os_user = os_user
        self._hasher = hasher
        self._start = start
        self._open_engine = open_engine
        self._waiting: list[Callable[[], object]] | None = [] if engine is None else None
        self.engine: Engine | None = None
        self.accounts: AccountService | None = None
        self.catalogue: CatalogueService | None = None
        self._review: ReviewService | None = None
        self._practice_service: PracticeService | None = None
        self.actor: Actor | None = None
        self.practice = None
        self._audit: BankAudit | None = None
        self.bank = bank
        self.templates = templates
        self.renderer = TextRenderer(templates, filters={"literal": escape})
        self.renderer_plain = TextRenderer(templates)  # practice texts are shown with markup off
        if engine is not None:
            self._attach(engine)
        if start is not None:
            actor = start.actor
        if actor is not None:
            self.sign_in(actor)

    def _attach(self, engine: Engine) -> None:
        """The services on ``engine`` (SQLAlchemy and the tables load here)."""
        from tutor.services.accounts import AccountService
        from tutor.services.catalogue import CatalogueService

        self.engine = engine
        self.accounts = AccountService(engine, self.clock.now, self._hasher)
        self.catalogue = CatalogueService(engine, self.clock.now)
        if self.actor is not None:
            self._guard_practice()

    @property
    def services_ready(self) -> bool:
        return self._waiting is None

    def when_ready(self, action: Callable[[], object]) -> None:
        """Run ``action`` now if the services are loaded, else as soon as they are, after those asked before
        it (a key pressed on the first screen is never lost and never meets a missing service)."""
        if self._waiting is None:
            action()
        else:
            self._waiting.append(action)

    @work(thread=True, exclusive=True, group="services")
    def _load_services(self) -> None:
        """The quick start's engine opened, and the services' modules imported, off the UI thread (right after
        the first paint); the services are then made on the UI thread, which finds their modules loaded."""
        import tutor.services.accounts
        import tutor.services.catalogue
        import tutor.services.guard
        import tutor.services.practice  # noqa: F401
        from tutor.storage.engine import StorageError

        try:
            engine = self._open_engine()
        except StorageError as exc:  # said as the full start would have said it, then the app ends
            line = f"tutor: error: {exc}"  # a path or a driver's words may hold "[": printed as text, not markup
            self._from_worker(lambda: self.exit(return_code=1, message=Text(line)))
            return
        except Exception as exc:  # a bug: one line, as the command line says one (TUTOR_DEBUG shows Textual's)
            if os.environ.get("TUTOR_DEBUG"):
                raise
            line = f"tutor: internal error: {type(exc).__name__}: {exc} (set TUTOR_DEBUG=1 for details)"
            self._from_worker(lambda: self.exit(return_code=1, message=Text(line)))
            return
        self._from_worker(lambda: self._services_loaded(engine))

    def _from_worker(self, callback: Callable[[], object]) -> None:
        try:
            self.call_from_thread(callback)
        except RuntimeError:  # the app ended (q pressed) while the services were loading: nothing waits
            pass

    def _services_loaded(self, engine: Engine) -> None:
        self._attach(engine)
        waiting, self._waiting = self._waiting or [], None
        for action in waiting:
            action()

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
        if self.engine is not None:
            self._guard_practice()
        self.sub_title = actor.label

    def _guard_practice(self) -> None:
        from tutor.services.guard import PRACTICE_PERMISSIONS, Guarded

        self.practice = Guarded(self._practice, self.actor, PRACTICE_PERMISSIONS, self.engine, self.clock.now,
                                own_work=True)

    def get_default_screen(self) -> Screen:
        """The quick start's home screen is the app's first (one screen to draw, not an empty one under it)."""
        if self._start is not None:
            return HomeScreen(self._start.qualifications)
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self._start is not None:
            self.call_after_refresh(self._load_services)
            return
        from tutor.services.bundled import needs_bundled_import

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
        self.when_ready(self._continue_practice)

    def _continue_practice(self) -> None:
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
        self.when_ready(lambda: self._open_coverage(qualification, unit))

    def _open_coverage(self, qualification: str, unit: str | None) -> None:
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
