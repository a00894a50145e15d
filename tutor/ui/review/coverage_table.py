"""The coverage matrix's table: a DataTable that draws only the cells in view, so a qualification of
a thousand criteria stays quick to move about in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.color import Color as TextualColor
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


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
