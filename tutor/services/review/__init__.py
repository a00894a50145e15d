"""Tutor review: coverage, responses, evidence judgements, assessment decisions, IQA sampling,
item analysis of sittings, the portfolio record and the audit check.

Every method takes the signed-in :class:`~tutor.domain.access.Actor` and checks its permission
here, in the service, and its reach: a learner sees only their own work and never a test item's
key, a tutor sees the learners of their cohorts, quality assurers and admins see everyone.
Decisions are never changed: a correction is a new row that points at the row it replaces.

:class:`ReviewService` is put together from one part per responsibility, each a module here:

- :mod:`~tutor.services.review.base`: errors, filters, cell states; reach and finding criteria;
- :mod:`~tutor.services.review.evidence`: the coverage matrix and a criterion's responses;
- :mod:`~tutor.services.review.decisions`: judging evidence, deciding criteria and units;
- :mod:`~tutor.services.review.iqa`: sampling a cohort and reviewing the sample;
- :mod:`~tutor.services.review.analysis`: item analysis of a sitting;
- :mod:`~tutor.services.review.portfolio`: the learner's record and the audit check.

Their queries live in :mod:`tutor.storage.evidence_queries`, :mod:`tutor.storage.review_queries`
and :mod:`tutor.storage.catalogue_queries`.
"""

from __future__ import annotations

from tutor.services.review.analysis import ItemRow, SittingAnalysis, SittingReview
from tutor.services.review.base import (
    ACCEPTED,
    AUTO_CORRECT,
    CELL_STATES,
    DECIDED,
    NOT_STARTED,
    PRACTISED,
    CellState,
    Column,
    Filters,
    ReviewError,
)
from tutor.services.review.decisions import Decisions
from tutor.services.review.evidence import CoverageMatrix
from tutor.services.review.iqa import QualityAssurance, SampleEntry, SamplePlanView, sample_entries
from tutor.services.review.portfolio import AuditCheck, PortfolioRecord
from tutor.storage.evidence_queries import CORRECT_VERDICTS, RESPONSE_TURNS

__all__ = [
    "ACCEPTED", "AUTO_CORRECT", "CELL_STATES", "CORRECT_VERDICTS", "DECIDED", "NOT_STARTED", "PRACTISED",
    "RESPONSE_TURNS", "AuditCheck", "CellState", "Column", "CoverageMatrix", "Filters", "ItemRow", "ReviewError",
    "ReviewService", "SampleEntry", "SamplePlanView", "SittingAnalysis", "sample_entries",
]


class ReviewService(PortfolioRecord, Decisions, QualityAssurance, SittingReview):
    """Review over one engine; ``now`` is the injected clock. Its methods come from the parts above."""
