"""One criterion's responses: every response of one learner bearing on it, the highlighted one in
full (the question as it was shown and the answer as typed, never as markup), and a tutor's keys
to judge a response or decide the criterion through :mod:`tutor.ui.review.dialogs`."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tutor.domain.access import TUTOR, Actor
from tutor.domain.portfolio import DECISION_LABELS, EvidenceItem
from tutor.services.review import Column, ReviewService
from tutor.ui.review.dialogs import DecisionDialog, JudgeDialog
from tutor.ui.review.texts import SERVICE_ERRORS, _Texts


class ResponsesScreen(_Texts, Screen):
    """Every response of one learner bearing on one criterion, with the highlighted one in full.

    A tutor accepts (``a``) or rejects (``r``) the highlighted response as evidence and records a
    decision on the criterion (``d``); other roles see no such keys, and the service refuses them
    anyway. ``decision`` is the criterion's latest decision, if the caller knows it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("a", "accept", "Accept as evidence"),
        Binding("r", "reject", "Reject"),
        Binding("d", "decide", "Decision"),
    ]

    def __init__(self, service: ReviewService, actor: Actor, learner: str, column: Column,
                 decision: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.actor = actor
        self.learner = learner
        self.column = column
        self.decision = decision
        self.items: list[EvidenceItem] = []

    @property
    def may_decide(self) -> bool:
        return self.actor.role == TUTOR

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "reject", "decide") and not self.may_decide:
            return False
        if action in ("accept", "reject") and not self.items:
            return None  # shown, but greyed out: nothing to judge
        return True

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="rv-resp-title")
        with Horizontal(id="rv-resp-body"):
            yield DataTable(id="rv-responses", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="rv-detail", can_focus=False):
                yield Static(id="rv-detail-meta")
                yield Static(self.text("heading.j2", what="question"), classes="rv-heading")
                yield Static(id="rv-question", markup=False)
                yield Static(self.text("heading.j2", what="answer"), classes="rv-heading")
                yield Static(id="rv-answer", markup=False)
        yield Static(self.text("empty.j2", what="responses"), id="rv-resp-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#rv-responses", DataTable)
        table.add_columns(*(Text(self.label(name)) for name in ("when", "source", "mark", "judgement")))
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Fetch the responses again (after a judgement) and redraw, keeping the highlighted row."""
        try:
            self.items = self.service.responses(self.actor, self.learner, self.column.criterion_id)
        except SERVICE_ERRORS as exc:
            self.items = []
            self.notify(str(exc), severity="error", markup=False)
        self._show_title()
        table = self.query_one("#rv-responses", DataTable)
        row = table.cursor_row if table.row_count else 0
        table.clear()
        judged = {None: self._style(None), True: self._style("text-success"), False: self._style("text-error")}
        table.add_rows([
            Text(item.at.strftime("%Y-%m-%d %H:%M")),
            Text(self.text("source.j2", source=item.source, short=True)),
            Text(item.automatic_mark),
            Text(self.text("judgement.j2", item=item), style=judged[item.accepted]),
        ] for item in self.items)
        has = bool(self.items)
        self.query_one("#rv-resp-body").display = has
        self.query_one("#rv-resp-empty").display = not has
        if has:
            table.move_cursor(row=min(row, len(self.items) - 1), animate=False)
            self._show_detail()
        self.refresh_bindings()

    def _show_title(self) -> None:
        self.query_one("#rv-resp-title", Static).update(self.text(
            "responses_title.j2", learner=self.learner, column=self.column, count=len(self.items),
            decision=self.decision, labels=DECISION_LABELS))

    @property
    def current(self) -> EvidenceItem | None:
        table = self.query_one("#rv-responses", DataTable)
        if not self.items or not table.row_count:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    @on(DataTable.RowHighlighted, "#rv-responses")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.current
        if item is None:
            return
        position = self.items.index(item) + 1
        source = self.text("source.j2", source=item.source, short=False)
        self.query_one("#rv-detail-meta", Static).update(self.text("detail.j2", item=item, source=source,
                                                                   position=position, count=len(self.items)))
        self.query_one("#rv-question", Static).update(Text(item.question))
        self.query_one("#rv-answer", Static).update(Text(item.answer))

    # -- judgements and decisions ----------------------------------------------------------------

    def action_accept(self) -> None:
        self._judge(True)

    def action_reject(self) -> None:
        self._judge(False)

    def _judge(self, accepted: bool) -> None:
        item = self.current
        if item is None or not self.may_decide:
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            reference, comment = answer
            try:
                self.service.judge_evidence(self.actor, self.learner, self.column.criterion_id, item.source,
                                            item.source_id, accepted, reference, comment)
            except SERVICE_ERRORS as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.reload()
            self.notify(self.text("done.j2", what="accepted" if accepted else "rejected", reference=reference,
                                  learner=self.learner, column=self.column))

        self.app.push_screen(JudgeDialog(self.learner, self.column, accepted), callback=done)

    def action_decide(self) -> None:
        if not self.may_decide:
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            decision, comment = answer
            try:
                self.service.decide(self.actor, self.learner, self.column.unit_id, self.column.criterion_id,
                                    decision, comment)
            except SERVICE_ERRORS as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.decision = decision
            self.reload()
            self.notify(self.text("done.j2", what="decided", label=DECISION_LABELS[decision], learner=self.learner,
                                  column=self.column))

        self.app.push_screen(DecisionDialog(self.learner, self.column, self.decision), callback=done)

    def action_back(self) -> None:
        self.app.pop_screen()
