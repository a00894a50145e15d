"""The Textual application: receives its database engine, paths and clock; does no work at import."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from sqlalchemy.engine import Engine
from textual.app import App
from textual.binding import Binding, BindingType
from textual.markup import escape

from tutor.clock import SystemClock
from tutor.rendering import TextRenderer
from tutor.services.bundled import needs_bundled_import
from tutor.services.catalogue import CatalogueService
from tutor.ui.commands import UnitCommands
from tutor.ui.screens import HomeScreen, LoadingScreen, UnitScreen


class TutorApp(App[int]):
    """tutor's terminal app. Opens on the qualification catalogue."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {UnitCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine, bank: Path, templates: Path, clock=None) -> None:
        super().__init__()
        self.clock = clock or SystemClock()
        self.bank = bank
        self.templates = templates
        self.catalogue = CatalogueService(engine, self.clock.now)
        self.renderer = TextRenderer(templates, filters={"literal": escape})

    def render_text(self, template: str, **context) -> str:
        return self.renderer.render(template, **context)

    def on_mount(self) -> None:
        if needs_bundled_import(self.catalogue, self.bank):
            self.push_screen(LoadingScreen())
        else:
            self.push_screen(HomeScreen())

    def open_unit(self, key: str):
        """Show one unit; awaitable, so tests and callers can wait until it is on screen."""
        return self.push_screen(UnitScreen(key))
