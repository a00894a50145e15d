"""A learner's portfolio record, as handed to quality assurers: per unit and criterion, the
evidence, the assessor's decisions and dates, and the head hash of the audit chain it was cut from.

Plain data, built by :mod:`tutor.services.review` and written by :mod:`tutor.export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from tutor.rendering import bundled_text

DECISIONS = ("competent", "not_yet_competent", "insufficient_evidence")
"""The decisions the specifications ask assessors to record, per criterion and per unit."""

RESPONSE_TURNS = ("answer", "probe_answer", "choice", "note")
"""Practice turns that are responses, and so evidence (commands and empty lines are not)."""

@cache  # a handful of marks, asked for each response of each portfolio
def practice_mark(verdict: str | None) -> str:
    """The automatic mark a practice response is shown with, from the marker's verdict
    (``templates/review/mark.j2``)."""
    return bundled_text("review/mark.j2", source="practice", verdict=verdict)


@cache
def answer_mark(correct: bool, learner: bool = False) -> str:
    """The automatic mark of a test answer (``templates/review/mark.j2``): a learner is not told whether it
    was right."""
    return bundled_text("review/mark.j2", source="test", learner=learner, correct=correct)


DECISION_LABELS = {
    "competent": "Competent",
    "not_yet_competent": "Not yet competent",
    "insufficient_evidence": "Insufficient evidence",
}


@dataclass(frozen=True)
class Decision:
    """A decision on a criterion or a unit (the latest of its chain of corrections)."""

    decision_id: int
    decision: str  # one of DECISIONS
    assessor: str
    at: datetime
    comment: str
    supersedes_id: int | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """One response bearing on a criterion, with the assessor's judgement of it if any."""

    source: str  # "practice" (formative, unsupervised) | "test" (invigilated)
    source_id: int
    at: datetime
    question: str  # as shown
    answer: str  # as given (for a test item: the option text chosen)
    automatic_mark: str  # e.g. "secure", "partial", "correct", "incorrect", "recorded for the tutor"
    hints_used: int
    accepted: bool | None = None  # None: not yet judged
    reference: str = ""  # the evidence reference number
    judged_by: str = ""
    judged_at: datetime | None = None
    judgement_comment: str = ""
    criterion_wording: str = ""  # the criterion's wording when this was recorded, if the specification changed it since


@dataclass(frozen=True)
class CriterionRecord:
    outcome: str
    number: str
    text: str
    kind: str  # knowledge | competence
    evidence: tuple[EvidenceItem, ...]
    decision: Decision | None
    history: tuple[Decision, ...] = ()  # earlier decisions this one corrected, oldest first


@dataclass(frozen=True)
class IqaRecord:
    agree: bool
    reviewer: str
    at: datetime
    comment: str


@dataclass(frozen=True)
class UnitRecord:
    key: str
    title: str
    criteria: tuple[CriterionRecord, ...]
    decision: Decision | None
    iqa: tuple[IqaRecord, ...] = ()


@dataclass(frozen=True)
class Portfolio:
    learner: str  # username
    learner_name: str
    qualification_number: str
    qualification_title: str
    generated_at: datetime
    generated_by: str
    audit_head: str  # the audit chain's head hash when the record was cut
    audit_entries: int
    units: tuple[UnitRecord, ...]
