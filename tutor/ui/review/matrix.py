"""The coverage matrix screen: learners × criteria of a qualification (or one unit), each cell's
furthest state, with filters (unit, learner, dates, practice or test) and the highlighted cell
said in words under it; a cell opens its responses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from tutor.domain.access import Actor
from tutor.domain.portfolio import DECISION_LABELS
from tutor.services.review import CellState, Column, CoverageMatrix, Filters, ReviewService
from tutor.ui.review.coverage_table import CoverageTable
from tutor.ui.review.responses import ResponsesScreen
from tutor.ui.review.texts import SERVICE_ERRORS, _Texts

SYMBOLS = {CellState.NOT_STARTED: "·", CellState.PRACTISED: "○", CellState.AUTO_CORRECT: "◐", CellState.ACCEPTED: "●",
           CellState.DECIDED: "✔"}
"""One character per cell state; the legend under the matrix is rendered from these."""

# The theme colour of each state's symbol (a decision other than competent is shown as a warning).
_STATE_COLOURS = {CellState.NOT_STARTED: None, CellState.PRACTISED: "warning", CellState.AUTO_CORRECT: "text-primary",
                  CellState.ACCEPTED: "success", CellState.DECIDED: "success"}

ALL_UNITS = "*"
MODES = ("all", "practice", "test")
FIXED = 2  # the learner and summary columns, before the criteria


def unit_short(key: str) -> str:
    """A unit's short code for a column label: the last part of its key ("2794-210" → "210")."""
    return re.split(r"[-/ ]", key.strip())[-1] or key


def parse_day(text: str) -> datetime:
    """A YYYY-MM-DD date as midnight UTC; ValueError if it is not one."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)


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
        cells = {state: Text(SYMBOLS[state], justify="center",
                             style=self._style(_STATE_COLOURS[state], bold=state == CellState.DECIDED))
                 for state in CellState.ORDER}
        decided_other = Text(SYMBOLS[CellState.DECIDED], style=self._style("warning", bold=True), justify="center")
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
                if state == CellState.DECIDED and matrix.decisions.get((learner, column.criterion_id)) != "competent":
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
