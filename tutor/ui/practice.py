"""The chat-practice screen: a learner practises one unit's criteria in a conversation.

A transcript of messages, an input line and a side panel of the unit's criteria with their state
this session. Every learner turn goes through :class:`~tutor.practice.engine.PracticeEngine`;
each exchange is committed by :meth:`PracticeService.record` *before* the reply is shown, and a
failed save says so in the transcript. The engine's texts come from templates but carry the
learner's words, so assistant and learner text are both shown literally (never as markup);
only the screen's own labels (``templates/ui/practice/*.j2``) are Textual markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from tutor.practice.engine import (
    AssistantMessage,
    EngineFinished,
    Exchange,
    PracticeEngine,
    Turn,
)
from tutor.rendering import TextRenderer
from tutor.services.practice import MARKED_TURNS, PracticeService
from tutor.storage.engine import StorageError

# Verdicts that mean the learner has practised a criterion (marked or recorded for the tutor).
PRACTISED = ("secure", "partial", "not_yet", "contradicted", "thin", "none", "right", "wrong", "for_tutor", "note")
STATES = ("not_started", "practised", "secure", "due")


def criterion_states(exchanges: list[Exchange], criteria: list[str], due: list[str]) -> dict[str, str]:
    """Each criterion's state from the stored exchanges: a secure mark → secure, any answer →
    practised, due for review (and not yet practised) → due, else not started."""
    states = {c: ("due" if c in due else "not_started") for c in criteria}
    for exchange in exchanges:
        c = exchange.criterion
        if c not in states or states[c] == "secure":
            continue
        if exchange.turn in MARKED_TURNS and exchange.verdict == "secure":
            states[c] = "secure"
        elif exchange.verdict in PRACTISED:
            states[c] = "practised"
    return states


class ChatMessage(Static):
    """One message in the transcript, always shown literally."""

    def __init__(self, text: str, who: str, kind: str = "") -> None:
        classes = f"chat-msg chat-{who}" + (f" chat-kind-{kind.replace('_', '-')}" if kind else "")
        super().__init__(text, markup=False, classes=classes)
        self.who = who
        self.kind = kind


class CriterionRow(Static):
    """One criterion in the side panel."""

    def __init__(self, number: str) -> None:
        super().__init__(classes="chat-crit")
        self.number = number


class PracticeScreen(Screen):
    """Chat practice over one unit. ``title`` names the unit in the header."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
    ]

    def __init__(self, engine: PracticeEngine, service: PracticeService, learner: str, title: str,
                 templates: Path | None = None) -> None:
        super().__init__()
        if templates is None:
            from tutor.paths import templates_dir

            templates = templates_dir()
        self.engine = engine
        self.service = service
        self.learner = learner
        self.title_text = title
        self.renderer = TextRenderer(templates, filters={"literal": escape})
        self.saved: list[Exchange] = []   # the exchanges committed to the database this session

    def render_text(self, template: str, **context) -> str:
        return self.renderer.render(f"ui/practice/{template}", **context).strip()

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.render_text("title.j2", title=self.title_text), id="chat-title")
        with Horizontal(id="chat-body"):
            with Vertical(id="chat-main"):
                yield VerticalScroll(id="chat-transcript", can_focus=False)
                yield Input(placeholder=self.render_text("placeholder.j2", finished=False), id="chat-input")
            with VerticalScroll(id="chat-panel", can_focus=False):
                yield Static(id="chat-panel-title")
                for c in self.engine.order:
                    row = CriterionRow(c.criterion)
                    row.tooltip = Content(self.render_text("criterion_tip.j2", unit=c.unit, number=c.criterion,
                                                           text=c.text))
                    yield row
        yield Static(self.render_text("keys.j2"), id="chat-keys")

    async def on_mount(self) -> None:
        if not self.engine.started:
            await self._show_turn(self.engine.start())
        self._show_panel()
        self._check_finished()
        self.query_one("#chat-input", Input).focus()

    # -- the conversation --------------------------------------------------------------------

    @on(Input.Submitted, "#chat-input")
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.send(event.value)

    async def send(self, text: str) -> None:
        """One learner turn: respond, store the exchange, then show what was said."""
        box = self.query_one("#chat-input", Input)
        if self.engine.finished:
            self._check_finished()
            return
        try:
            turn = self.engine.respond(text)
        except EngineFinished:
            self._check_finished()
            return
        box.value = ""
        problem = None
        if turn.exchange is not None:
            try:
                self.service.record(self.learner, turn.exchange)
            except StorageError as exc:
                problem = str(exc)
            else:
                self.saved.append(turn.exchange)
        learner = ChatMessage(text, "learner")
        learner.set_class(problem is not None, "chat-unsaved")
        widgets: list[Widget] = [learner]
        if problem is not None:
            widgets.append(Static(self.render_text("save_failed.j2", message=problem), classes="chat-error"))
        await self._show_turn(turn, before=widgets)
        self._show_panel()
        self._check_finished()

    async def _show_turn(self, turn: Turn, before: list[Widget] | None = None) -> None:
        transcript = self.query_one("#chat-transcript", VerticalScroll)
        widgets = [*(before or []), *(self._assistant(m) for m in turn.messages)]
        await transcript.mount_all(widgets)
        self.call_after_refresh(transcript.scroll_end, animate=False)

    @staticmethod
    def _assistant(message: AssistantMessage) -> ChatMessage:
        return ChatMessage(message.text, "assistant", message.kind)

    def _check_finished(self) -> None:
        if self.engine.finished:
            box = self.query_one("#chat-input", Input)
            box.placeholder = self.render_text("placeholder.j2", finished=True)
            box.disabled = True

    # -- the side panel ----------------------------------------------------------------------

    def states(self) -> dict[str, str]:
        return criterion_states(self.saved, [c.criterion for c in self.engine.order], self.engine.due)

    def _show_panel(self) -> None:
        states = self.states()
        current = self.engine.current.criterion if self.engine.current and not self.engine.finished else None
        done = sum(1 for s in states.values() if s in ("practised", "secure"))
        self.query_one("#chat-panel-title", Static).update(
            self.render_text("panel_title.j2", done=done, total=len(states)))
        for row in self.query(CriterionRow):
            state = states[row.number]
            row.update(self.render_text("criterion.j2", number=row.number, state=state, current=row.number == current))
            for name in STATES:
                row.set_class(name == state, f"chat-state-{name.replace('_', '-')}")
            row.set_class(row.number == current, "chat-current")
        for row in self.query(CriterionRow).filter(".chat-current"):
            self.query_one("#chat-panel", VerticalScroll).scroll_to_widget(row, animate=False)

    # -- keys --------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()
