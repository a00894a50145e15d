"""Exports for quality assurers: a learner's portfolio record as HTML, CSV or JSON.

:mod:`tutor.export.portfolio` renders a :class:`tutor.domain.portfolio.Portfolio`;
:mod:`tutor.export.safety` keeps what is written safe: spreadsheet cells that never run as
formulas, output paths checked before use, files written whole or not at all. Every failure
is an :class:`ExportError` with a one-line message. The templates directory is always passed in.
"""

from tutor.export.portfolio import (
    CSV_COLUMNS,
    FORMAT,
    FORMAT_VERSION,
    FORMATS,
    HTML_TEMPLATE,
    portfolio_document,
    render_csv,
    render_html,
    render_json,
    write_portfolio,
)
from tutor.export.safety import (
    ExportError,
    check_output_path,
    safe_cell,
    write_atomically,
)

__all__ = [
    "CSV_COLUMNS",
    "FORMAT",
    "FORMATS",
    "FORMAT_VERSION",
    "HTML_TEMPLATE",
    "ExportError",
    "check_output_path",
    "portfolio_document",
    "render_csv",
    "render_html",
    "render_json",
    "safe_cell",
    "write_atomically",
    "write_portfolio",
]
