"""Tutor review screens: the cohort coverage matrix, and the responses bearing on one criterion.

Both screens are given everything they need (the :class:`~tutor.services.review.ReviewService`,
the signed-in :class:`~tutor.domain.access.Actor`, what to show); the service checks every
permission and reach, the screens only leave out keys an actor could not use. Texts people read
come from ``templates/ui/review/*.j2`` through the host app's ``render_text`` (Textual markup,
document and tutor strings through ``|literal``). What a learner typed, and the question as it
was shown, are never put into markup: they are shown by widgets with markup off or as
:class:`rich.text.Text`.

The modules: :mod:`~tutor.ui.review.matrix` (the coverage screen) with its table
:mod:`~tutor.ui.review.coverage_table`, :mod:`~tutor.ui.review.responses` (one criterion's
responses), :mod:`~tutor.ui.review.dialogs` (judging a response, deciding a criterion) and
:mod:`~tutor.ui.review.texts` (what they share).
"""

from __future__ import annotations

from tutor.ui.review.coverage_table import CoverageTable
from tutor.ui.review.dialogs import DecisionDialog, JudgeDialog
from tutor.ui.review.matrix import ALL_UNITS, FIXED, MODES, SYMBOLS, CoverageScreen, parse_day, unit_short
from tutor.ui.review.responses import ResponsesScreen
from tutor.ui.review.texts import SERVICE_ERRORS

__all__ = [
    "ALL_UNITS", "FIXED", "MODES", "SERVICE_ERRORS", "SYMBOLS", "CoverageScreen", "CoverageTable", "DecisionDialog",
    "JudgeDialog", "ResponsesScreen", "parse_day", "unit_short",
]
