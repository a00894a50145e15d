"""Tutor review screens: the cohort coverage matrix, and the responses bearing on one criterion.

Both screens are given everything they need (the :class:`~tutor.services.review.ReviewService`,
the signed-in :class:`~tutor.domain.access.Actor`, what to show); the service checks every
permission and reach, the screens only leave out keys an actor could not use. Texts people read
come from ``templates/ui/review/*.j2`` through the host app's ``render_text`` (Textual markup,
document and tutor strings through ``|literal``). What a learner typed, and the question as it
was shown, are never put into markup: they are shown by widgets with markup off or as
:class:`rich.text.Text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color as TextualColor
from textual.color import ColorParseError
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Select, Static
from textual.widgets.data_table import RowKey

from tutor.domain.access import TUTOR, Actor, PermissionDenied
from tutor.domain.portfolio import DECISION_LABELS, DECISIONS, EvidenceItem
from tutor.services.review import (
    ACCEPTED,
    AUTO_CORRECT,
    CELL_STATES,
    DECIDED,
    NOT_STARTED,
    PRACTISED,
    Column,
    CoverageMatrix,
    Filters,
    ReviewError,
    ReviewService,
)
from tutor.storage.engine import StorageError

SYMBOLS = {NOT_STARTED: "·", PRACTISED: "○", AUTO_CORRECT: "◐", ACCEPTED: "●", DECIDED: "✔"}
"""One character per cell state; the legend under the matrix is rendered from these."""

# The theme colour of each state's symbol (a decision other than competent is shown as a warning).
_STATE_COLOURS = {NOT_STARTED: None, PRACTISED: "warning", AUTO_CORRECT: "text-primary", ACCEPTED: "success",
                  DECIDED: "success"}

ALL_UNITS = "*"
MODES = ("all", "practice", "test")
FIXED = 2  # the learner and summary columns, before the criteria
SERVICE_ERRORS = (ReviewError, PermissionDenied, StorageError)


def unit_short(key: str) -> str:
    """A unit's short code for a column label: the last part of its key ("2794-210" → "210")."""
    return re.split(r"[-/ ]", key.strip())[-1] or key


def parse_day(text: str) -> datetime:
    """A YYYY-MM-DD date as midnight UTC; ValueError if it is not one."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)


class _Texts:
    """Rendering the review templates through the host app's ``render_text``."""

    def text(self, template: str, **context) -> str:
        return self.app.render_text(f"ui/review/{template}", **context).strip()

    def label(self, label: str) -> str:
        return self.text("label.j2", label=label)

    def _style(self, variable: str | None, **extra) -> Style:
        """A Rich style in a theme colour (the cells of a DataTable are Rich text); dim if none."""
        try:
            colour = TextualColor.parse(self.app.get_css_variables()[variable]).rich_color
        except (KeyError, ColorParseError):
            return Style(dim=True, **extra)
        return Style(color=colour, **extra)


# -- the coverage matrix -------------------------------------------------------------------------


class CoverageTable(DataTable):
    """The matrix: a DataTable that renders only the columns in view.

    Textual's DataTable renders every cell of a line and then crops the line to the screen, so
    each cursor move over a qualification of a thousand criteria rendered a thousand cells per
    line. This renders the fixed columns and the columns in view, and stands one blank run in for
    the rest (the same widths, so scrolling, clicks and the cursor are unchanged). It follows
    ``DataTable._render_line_in_row`` of Textual 8.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Responses"),  # DataTable's own, shown in the footer
    ]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """As DataTable's, with a cell's width taken from its text: no console measure of each of
        thousands of one-character cells. Every row of the matrix is one line high."""
        columns = self.ordered_columns
        for row_key in new_rows:
            row_index = self._row_locations.get(row_key)
            if row_index is None:  # removed before the table was idle
                continue
            for column, cell in zip(columns, self.get_row_at(row_index), strict=False):
                width = cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
                column.content_width = max(column.content_width, width)
        width = sum(column.get_render_width(self) for column in columns) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + (self.header_height if self.show_header else 0))

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style, cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[list, list]:
        columns = self.ordered_columns
        widths = [column.get_render_width(self) for column in columns]
        fixed = self.fixed_columns
        scroll_x = int(self.scroll_x)
        left = scroll_x + sum(widths[:fixed])  # the part of a line on screen, as _render_line crops it
        right = scroll_x + self.size.width
        shown: list[int] = []
        x = 0
        for index, width in enumerate(widths):
            if x + width > left and x < right:
                shown.append(index)
            x += width
        cursor_type = self.cursor_type
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location, cursor_type, self.show_cursor,
                     self._show_hover_cursor, self._update_count, self._pseudo_class_state,
                     shown[0] if shown else -1, shown[-1] if shown else -1)
        if cache_key in self._row_render_cache:
            return self._row_render_cache[cache_key]

        should_highlight = self._should_highlight
        render_cell = self._render_cell
        header_style = self.get_component_styles("datatable--header").rich_style
        row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1

        fixed_row = []
        if fixed:
            if row_key is self._header_row_key:
                fixed_style = header_style
            else:
                fixed_style = self.get_component_styles("datatable--fixed").rich_style
                fixed_style += Style.from_meta({"fixed": True})
            for column_index in range(fixed):
                location = Coordinate(row_index, column_index)
                fixed_row.append(render_cell(
                    row_index, column_index, fixed_style, widths[column_index],
                    cursor=should_highlight(cursor_location, location, cursor_type),
                    hover=should_highlight(hover_location, location, cursor_type))[line_no])

        row_style = self._get_row_style(row_index, base_style)
        scrollable_row: list[list[Segment]] = []
        if shown:
            before = sum(widths[:shown[0]])
            if before:
                scrollable_row.append([Segment(" " * before, row_style)])
            for column_index in shown:
                location = Coordinate(row_index, column_index)
                scrollable_row.append(render_cell(
                    row_index, column_index, row_style, widths[column_index],
                    cursor=should_highlight(cursor_location, location, cursor_type),
                    hover=should_highlight(hover_location, location, cursor_type))[line_no])
            after = sum(widths[shown[-1] + 1:])
            if after:
                scrollable_row.append([Segment(" " * after, row_style)])

        # Extend the row's style to the right edge of the widget (cell cursor: faded, as DataTable does).
        remaining_space = max(0, self.size.width - sum(widths[fixed:]) - self._row_label_column_width)
        if row_style.bgcolor is not None:
            faded = TextualColor.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(" " * remaining_space, extend_style)])

        row_pair = (fixed_row, scrollable_row)
        self._row_render_cache[cache_key] = row_pair
        return row_pair


class CoverageScreen(_Texts, Screen):
    """Learners × criteria of a qualification (or one unit): each cell's furthest state.

    Filters (unit, learner name, dates, practice or test) rebuild the matrix through
    :meth:`ReviewService.coverage`; Enter on a cell (or a click on the highlighted cell)
    opens :class:`ResponsesScreen` for that learner and criterion.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filters", "Filters"),
        Binding("ctrl+r", "reload", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, service: ReviewService, actor: Actor, qualification: str, unit: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.actor = actor
        self.qualification = qualification
        self.unit = unit
        self.matrix: CoverageMatrix | None = None
        self.units: list[str] = []
        self._built = False
        self._applied: Filters | None = None  # the filters the matrix on screen was built with
        self._stale = False  # a responses screen was opened: judgements may have changed
        self._unknown_unit: str | None = None  # asked for, not in the qualification: all units are shown

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.units = self._unit_keys()
        if self.unit is not None and self.unit not in self.units:  # a unit code, or one not in the qualification
            wanted = self.unit.strip().lower()
            found = next((k for k in self.units if wanted in (k.lower(), unit_short(k).lower())), None)
            if found is None and self.units:
                self._unknown_unit = self.unit
            self.unit = found
        yield Header()
        yield Static(id="rv-title")
        with Horizontal(id="rv-filters"):
            unit_value = self.unit if self.unit in self.units else ALL_UNITS
            yield from self._field("unit", Select(
                [(self.label("all_units"), ALL_UNITS), *((escape(k), k) for k in self.units)], value=unit_value,
                allow_blank=False, compact=True, id="rv-unit", classes="rv-filter"))
            learner = self._field("learner_filter", Input(
                placeholder=self.label("learner_placeholder"), compact=True, id="rv-learner", classes="rv-filter"))
            if self.actor.role != "learner":  # a learner's matrix has one row: their own
                yield from learner
            for name in ("since", "until"):
                yield from self._field(name, Input(placeholder=self.label("date_placeholder"), max_length=10,
                                                   compact=True, id=f"rv-{name}", classes="rv-filter rv-date"))
            yield from self._field("mode", Select([(self.label(f"mode_{m}"), m) for m in MODES], value="all",
                                                  allow_blank=False, compact=True, id="rv-mode", classes="rv-filter"))
        yield Static(id="rv-notice", markup=False)
        with Vertical(id="rv-matrix-box"):
            yield CoverageTable(id="rv-matrix", cursor_type="cell", header_height=2, fixed_columns=FIXED,
                                zebra_stripes=True)
            yield Static(id="rv-empty")
        yield Static(id="rv-cell")
        yield Static(self.text("legend.j2", symbols=SYMBOLS), id="rv-legend")
        yield Footer()

    def _field(self, label: str, widget: Input | Select) -> list[Static | Input | Select]:
        return [Static(self.label(label), classes="rv-filter-label"), widget]

    def on_mount(self) -> None:
        self.rebuild()
        self._built = True
        self.query_one("#rv-matrix", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self._stale:  # back from the responses: judgements and decisions may have changed
            self._stale = False
            self.rebuild()

    def _unit_keys(self) -> list[str]:
        """The qualification's unit keys, in order (a matrix with no learners costs one query)."""
        try:
            skeleton = self.service.coverage(self.actor, self.qualification, Filters(learners=()))
        except SERVICE_ERRORS:
            return []  # rebuild() says what is wrong
        return list(dict.fromkeys(c.unit_key for c in skeleton.columns))

    # -- filters ---------------------------------------------------------------------------------

    def filters(self) -> tuple[Filters, list[str]]:
        """The filters as set on screen, and a notice line for each that cannot be used."""
        notices: list[str] = []
        unit = self.query_one("#rv-unit", Select).value
        mode = self.query_one("#rv-mode", Select).value
        learners = None
        boxes = self.query("#rv-learner")
        wanted = boxes.first(Input).value.strip().lower() if boxes else ""
        if wanted:
            try:
                visible = self.service.visible_learners(self.actor)
            except SERVICE_ERRORS as exc:
                visible, notices = [], [*notices, str(exc)]
            learners = tuple(name for name in visible if wanted in name.lower())
        days: dict[str, datetime | None] = {}
        for name in ("since", "until"):
            value = self.query_one(f"#rv-{name}", Input).value.strip()
            days[name] = None
            if value:
                try:
                    days[name] = parse_day(value)
                except ValueError:
                    notices.append(self.text("notice.j2", problem="date", what=self.label(name), value=value))
        since, until = days["since"], days["until"]
        if until is not None:
            until += timedelta(days=1)  # "until" is inclusive: up to the end of that day
        if since is not None and until is not None and since >= until:
            notices.append(self.text("notice.j2", problem="range"))
        filters = Filters(unit=None if unit in (ALL_UNITS, Select.BLANK) else str(unit), learners=learners,
                          since=since, until=until, mode=None if mode in ("all", Select.BLANK) else str(mode))
        return filters, notices

    @on(Select.Changed, ".rv-filter")
    def _select_changed(self, event: Select.Changed) -> None:
        if self._built and self.filters()[0] != self._applied:
            self.rebuild()

    @on(Input.Submitted, ".rv-filter")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.rebuild()

    # -- the matrix ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Ask the service again with the filters on screen, and redraw the title and the table."""
        filters, notices = self.filters()
        if self._unknown_unit is not None:  # said once, on the first matrix
            notices.insert(0, self.text("notice.j2", problem="unit", value=self._unknown_unit))
            self._unknown_unit = None
        try:
            matrix = self.service.coverage(self.actor, self.qualification, filters)
        except SERVICE_ERRORS as exc:
            self._notice([*notices, str(exc)])
            self.notify(str(exc), severity="error", markup=False)
            return
        self._notice(notices)
        self.matrix = matrix
        self._applied = filters
        self.query_one("#rv-title", Static).update(self.text(
            "coverage_title.j2", matrix=matrix, unit=filters.unit, mode=filters.mode,
            since=filters.since.date().isoformat() if filters.since else None,
            until=(filters.until - timedelta(days=1)).date().isoformat() if filters.until else None))
        self._fill(matrix, filtered=filters.learners is not None)

    def _notice(self, lines: list[str]) -> None:
        notice = self.query_one("#rv-notice", Static)
        notice.update(" ".join(lines))
        notice.display = bool(lines)

    def _fill(self, matrix: CoverageMatrix, filtered: bool) -> None:
        table = self.query_one("#rv-matrix", DataTable)
        old = table.cursor_coordinate if table.row_count else Coordinate(0, FIXED)
        cells = {state: Text(SYMBOLS[state], style=self._style(_STATE_COLOURS[state], bold=state == DECIDED),
                             justify="center") for state in CELL_STATES}
        decided_other = Text(SYMBOLS[DECIDED], style=self._style("warning", bold=True), justify="center")
        table.clear(columns=True)
        columns: list[tuple[Text, str]] = [(Text(self.label("learner")), "learner"),
                                           (Text(self.label("summary")), "summary")]
        columns.extend((Text(self.text("column.j2", short=unit_short(c.unit_key), column=c)), str(c.criterion_id))
                       for c in matrix.columns)
        table.add_columns(*columns)
        rows = []
        for learner in matrix.learners:
            row: list[object] = [Text(learner), Text(self.text("summary.j2", counts=matrix.counts(learner),
                                                               symbols=SYMBOLS))]
            for column in matrix.columns:
                state = matrix.state(learner, column.criterion_id)
                if state == DECIDED and matrix.decisions.get((learner, column.criterion_id)) != "competent":
                    row.append(decided_other)
                else:
                    row.append(cells[state])
            rows.append(row)
        table.add_rows(rows)
        empty = self.query_one("#rv-empty", Static)
        if not matrix.learners or not matrix.columns:
            empty.update(self.text("empty.j2", what="learners" if not matrix.learners else "criteria",
                                   filtered=filtered))
        empty.display = not matrix.learners or not matrix.columns
        table.display = not empty.display
        if table.row_count:
            table.cursor_coordinate = Coordinate(min(old.row, table.row_count - 1),
                                                 min(max(old.column, FIXED), len(table.columns) - 1))
        self._show_cell(table.cursor_coordinate if table.row_count else None)

    @on(DataTable.CellHighlighted, "#rv-matrix")
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_cell(event.coordinate)

    def _show_cell(self, coordinate: Coordinate | None) -> None:
        """The line under the matrix: the highlighted cell's learner, criterion wording and state."""
        line = self.query_one("#rv-cell", Static)
        found = self.cell(coordinate) if coordinate is not None else None
        line.display = found is not None
        if found is not None:
            learner, column = found
            state = self.matrix.state(learner, column.criterion_id)
            decision = self.matrix.decisions.get((learner, column.criterion_id))
            line.update(self.text("cell.j2", learner=learner, column=column, state=state, symbol=SYMBOLS[state],
                                  decision=DECISION_LABELS.get(decision or "")))

    # -- opening a cell --------------------------------------------------------------------------

    def cell(self, coordinate: Coordinate) -> tuple[str, Column] | None:
        """The (learner, criterion) of a cell of the matrix, or None for the learner and summary columns."""
        matrix = self.matrix
        if matrix is None or coordinate.column < FIXED or coordinate.row >= len(matrix.learners):
            return None
        index = coordinate.column - FIXED
        if index >= len(matrix.columns):
            return None
        return matrix.learners[coordinate.row], matrix.columns[index]

    @on(DataTable.CellSelected, "#rv-matrix")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.open(event.coordinate)

    def open(self, coordinate: Coordinate) -> None:
        found = self.cell(coordinate)
        if found is None:
            return
        learner, column = found
        decision = self.matrix.decisions.get((learner, column.criterion_id))
        self._stale = True
        self.app.push_screen(ResponsesScreen(self.service, self.actor, learner, column, decision=decision))

    # -- keys ------------------------------------------------------------------------------------

    def action_filters(self) -> None:
        self.query_one("#rv-unit", Select).focus()

    def action_reload(self) -> None:
        self.rebuild()

    def action_back(self) -> None:
        table = self.query_one("#rv-matrix", DataTable)
        if self.focused is not table and table.display:
            table.focus()
        else:
            self.app.pop_screen()


# -- one criterion's responses -------------------------------------------------------------------


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


# -- dialogs -------------------------------------------------------------------------------------


class _Dialog(_Texts, ModalScreen[tuple[str, str] | None]):
    """A small form over the responses: Enter (or Save) checks and returns it, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, learner: str, column: Column) -> None:
        super().__init__()
        self.learner = learner
        self.column = column

    def buttons(self) -> ComposeResult:
        yield Static(id="rv-dialog-error")
        with Horizontal(classes="rv-dialog-buttons"):
            yield Button(self.label("ok"), id="rv-save", variant="primary")
            yield Button(self.label("cancel"), id="rv-cancel")
        yield Static(self.text("keys.j2"), classes="rv-dialog-keys")

    def complain(self, what: str) -> None:
        error = self.query_one("#rv-dialog-error", Static)
        error.update(self.text("required.j2", what=what))
        error.display = True

    def answer(self) -> tuple[str, str] | None:
        raise NotImplementedError

    @on(Input.Submitted)
    @on(Button.Pressed, "#rv-save")
    def action_save(self) -> None:
        answer = self.answer()
        if answer is not None:
            self.dismiss(answer)

    @on(Button.Pressed, "#rv-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class JudgeDialog(_Dialog):
    """Accept a response (a reference number is required, a comment optional) or reject it (a comment)."""

    def __init__(self, learner: str, column: Column, accepted: bool) -> None:
        super().__init__(learner, column)
        self.accepted = accepted

    def compose(self) -> ComposeResult:
        with Vertical(classes="rv-dialog"):
            yield Static(self.text("modal.j2", what="accept" if self.accepted else "reject", learner=self.learner,
                                   column=self.column), classes="rv-dialog-title")
            if self.accepted:
                reference = Input(id="rv-reference", max_length=60)
                reference.border_title = self.label("reference")
                yield reference
            comment = Input(id="rv-comment", max_length=2000)
            comment.border_title = self.label("comment")
            yield comment
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#rv-dialog-error").display = False
        self.query_one("#rv-reference" if self.accepted else "#rv-comment", Input).focus()

    def answer(self) -> tuple[str, str] | None:
        comment = self.query_one("#rv-comment", Input).value.strip()
        if not self.accepted:
            if not comment:
                self.complain("reject_comment")
                return None
            return "", comment
        reference = self.query_one("#rv-reference", Input).value.strip()
        if not reference:
            self.complain("reference")
            self.query_one("#rv-reference", Input).focus()
            return None
        return reference, comment


class DecisionDialog(_Dialog):
    """One of the three decisions, with a comment (required unless competent)."""

    def __init__(self, learner: str, column: Column, current: str | None = None) -> None:
        super().__init__(learner, column)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="rv-dialog"):
            yield Static(self.text("modal.j2", what="decide", learner=self.learner, column=self.column),
                         classes="rv-dialog-title")
            choice = Select([(DECISION_LABELS[d], d) for d in DECISIONS], prompt=self.label("decision"),
                            id="rv-decision")
            choice.border_title = self.label("decision")
            yield choice
            comment = Input(id="rv-comment", max_length=2000)
            comment.border_title = self.label("comment")
            yield comment
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#rv-dialog-error").display = False
        self.query_one("#rv-decision", Select).focus()

    def answer(self) -> tuple[str, str] | None:
        decision = self.query_one("#rv-decision", Select).value
        comment = self.query_one("#rv-comment", Input).value.strip()
        if decision not in DECISIONS:
            self.complain("decision")
            self.query_one("#rv-decision", Select).focus()
            return None
        if decision != "competent" and not comment:
            self.complain("comment")
            self.query_one("#rv-comment", Input).focus()
            return None
        return str(decision), comment
