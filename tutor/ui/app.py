"""The Textual application: receives its database engine, paths and clock; does no work at import."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from sqlalchemy.engine import Engine
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.markup import escape

from tutor.bank.audit import BankAudit, audit_bank
from tutor.clock import SystemClock
from tutor.rendering import TextRenderer
from tutor.services.bundled import needs_bundled_import
from tutor.services.catalogue import CatalogueService
from tutor.services.practice import PracticeService, practice_engine
from tutor.ui.commands import UnitCommands
from tutor.ui.practice import PracticeScreen
from tutor.ui.screens import HomeScreen, LoadingScreen, UnitScreen


class TutorApp(App[int]):
    """tutor's terminal app. Opens on the qualification catalogue."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {UnitCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine, bank: Path, templates: Path, clock=None, learner: str = "learner") -> None:
        super().__init__()
        self.clock = clock or SystemClock()
        self.learner = learner
        self.practice = PracticeService(engine, self.clock.now)
        self._audit: BankAudit | None = None
        self.bank = bank
        self.templates = templates
        self.catalogue = CatalogueService(engine, self.clock.now)
        self.renderer = TextRenderer(templates, filters={"literal": escape})
        self.renderer_plain = TextRenderer(templates)  # practice texts are shown with markup off

    def render_text(self, template: str, **context) -> str:
        return self.renderer.render(template, **context)

    def on_mount(self) -> None:
        if needs_bundled_import(self.catalogue, self.bank):
            self.push_screen(LoadingScreen())
        else:
            self.push_screen(HomeScreen())

    def action_continue_practice(self) -> None:
        """Back to the unit practised last, at its first criterion not yet practised."""
        last = self.practice.last_unit(self.learner)
        if last is None:
            self.notify(self.render_text("ui/practice/nothing_to_continue.j2").strip())
            return
        qualification, unit = last
        self.practise(qualification, unit, self.catalogue.unit(unit).title)

    def open_unit(self, key: str):
        """Show one unit; awaitable, so tests and callers can wait until it is on screen."""
        return self.push_screen(UnitScreen(key))

    @work(thread=True, exclusive=True, group="practice")
    def practise(self, qualification: str, unit: str, title: str) -> None:
        """Open chat practice on a unit: the bank is audited once (about a second), off the UI thread."""
        if self._audit is None:
            self._audit = audit_bank(self.bank, self.templates)
        due = self.practice.due(self.learner, qualification, unit)
        practised = self.practice.practised(self.learner, qualification, unit)
        engine = practice_engine(self._audit, qualification, unit, due, self.renderer_plain, self.clock.now,
                                 practised=practised)
        screen = PracticeScreen(engine, self.practice, self.learner, title, self.templates)
        self.call_from_thread(self.push_screen, screen)
