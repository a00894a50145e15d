"""All database tables, in one place.

The catalogue is versioned by document: importing a specification whose reading changed
adds a new :class:`DocumentVersion` with a complete new set of qualification, unit, outcome
and criterion rows, and keeps the old ones, so evidence recorded against a criterion always
points at the exact wording the learner saw. An unchanged re-import adds nothing.

Over 500 lines because the schema stays in one place on purpose: every table and its constraints are
read together when :data:`SCHEMA_VERSION` is bumped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutor.storage.schema_version import SCHEMA_VERSION as SCHEMA_VERSION  # bump it there with the tables


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, such as the schema version."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class DocumentVersion(SQLModel, table=True):
    """One imported version of one specification document."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("identity", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(index=True, max_length=200)  # the qualification numbers it holds
    version: int
    family: str = Field(max_length=40)
    title: str = Field(max_length=300)
    fingerprint: str = Field(index=True, max_length=64)  # hash of the reading's content
    source_name: str = Field(max_length=300)
    errata_applied: int = 0
    imported_at: datetime
    is_current: bool = Field(default=True, index=True)


class Qualification(SQLModel, table=True):
    __tablename__ = "qualification"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document_version.id", index=True, ondelete="CASCADE")
    position: int
    number: str = Field(index=True, max_length=40)
    title: str = Field(max_length=300)
    awarding_body: str = Field(max_length=120)
    level: int | None = None
    glh: int | None = None
    tqt: int | None = None
    credits: int | None = None
    accreditation_start: str | None = Field(default=None, max_length=40)
    rules_text: str = Field(default="", sa_column=Column(Text, nullable=False))


class RuleGroup(SQLModel, table=True):
    """One group of a qualification's rules of combination."""

    __tablename__ = "rule_group"
    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True, ondelete="CASCADE")
    position: int
    name: str = Field(max_length=120)
    kind: str = Field(max_length=40)  # mandatory | optional | e.g. "restricted optional ICT" (Pearson)
    min_credits: int | None = None
    max_credits: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False))


class Unit(SQLModel, table=True):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("document_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document_version.id", index=True, ondelete="CASCADE")
    position: int
    key: str = Field(index=True, max_length=40)  # regulator reference, else the body's code
    ref: str | None = Field(default=None, max_length=40)
    local_id: str | None = Field(default=None, max_length=40)
    title: str = Field(max_length=300)
    level: int | None = None
    glh: int | None = None
    credit: int | None = None
    group_text: str = Field(default="", max_length=300)
    guidance: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_line: int | None = None


class UnitMembership(SQLModel, table=True):
    """A unit's place in one qualification; the same unit may sit in several, in different groups."""

    __tablename__ = "unit_membership"
    __table_args__ = (UniqueConstraint("qualification_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="CASCADE")
    position: int
    group_name: str = Field(max_length=120)
    group_kind: str = Field(max_length=40)
    table_line: int | None = None
    table_ref: str | None = Field(default=None, max_length=40)
    table_credit: int | None = None


class AssessmentMethod(SQLModel, table=True):
    __tablename__ = "assessment_method"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class Outcome(SQLModel, table=True):
    __tablename__ = "outcome"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="CASCADE")
    position: int
    number: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=20)  # knowledge | competence


class Criterion(SQLModel, table=True):
    """An assessment criterion, at one exact version of its wording."""

    __tablename__ = "criterion"
    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="outcome.id", index=True, ondelete="CASCADE")
    position: int
    number: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))


class RangeTerm(SQLModel, table=True):
    """One item of a unit's range (the list of things a criterion's wording covers)."""

    __tablename__ = "range_term"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="CASCADE")
    position: int
    heading: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))


class TestSpecification(SQLModel, table=True):
    """An externally set test of one unit, e.g. 2794-210: 25 questions, 60 minutes, pass 18."""

    __tablename__ = "test_specification"
    __test__ = False
    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True, ondelete="CASCADE")
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="CASCADE")
    unit_key: str = Field(max_length=40)
    unit_title: str = Field(max_length=300)
    format: str = Field(max_length=120)
    duration_minutes: int
    total_questions: int
    pass_mark: int
    pass_mark_text: str = Field(default="", max_length=300)
    grading: str = Field(default="", max_length=60)
    materials: str | None = Field(default=None, max_length=200)


class TestBlueprintRow(SQLModel, table=True):
    """How many of a test's questions come from one outcome."""

    __tablename__ = "test_blueprint_row"
    __test__ = False
    id: int | None = Field(default=None, primary_key=True)
    test_id: int = Field(foreign_key="test_specification.id", index=True, ondelete="CASCADE")
    position: int
    outcome_number: str = Field(max_length=20)
    title: str = Field(max_length=300)
    questions: int
    percentage: int


class BankItem(SQLModel, table=True):
    """One version of one question, exactly as learners see it. Its text is never changed: an edited
    item is a new version, and responses point at the version they answered. Its standing (status,
    use, declared enemies) follows the bank."""

    __tablename__ = "bank_item"
    __table_args__ = (UniqueConstraint("item_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(index=True, max_length=120)
    version: str = Field(max_length=32)
    qualification: str = Field(max_length=40)
    unit_key: str = Field(index=True, max_length=40)
    outcome_number: str = Field(max_length=20)
    criterion_number: str = Field(max_length=20)
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id", ondelete="SET NULL")
    kind: str = Field(max_length=20)
    use: str = Field(index=True, max_length=20)  # secure | practice
    status: str = Field(max_length=20)
    difficulty: int | None = None
    body: str = Field(sa_column=Column(Text, nullable=False))  # the item as JSON (stem, options, key ...)
    loaded_at: datetime
    is_current: bool = Field(default=True, index=True)


class ItemStatusChange(SQLModel, table=True):
    """An admin sends a secure item back to review (out of new forms) or returns it to use, with a
    reason; the latest row per item is its status in tests. Never updated."""

    __tablename__ = "item_status_change"
    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(index=True, max_length=120)
    status: str = Field(max_length=20)  # review | approved
    reason: str = Field(max_length=1000)
    actor: str = Field(max_length=60)
    at: datetime


class Sitting(SQLModel, table=True):
    """An invigilated session of one test, with its candidates."""

    __tablename__ = "sitting"
    id: int | None = Field(default=None, primary_key=True)
    test_code: str = Field(max_length=40)
    test_title: str = Field(max_length=300)
    set_by: str = Field(max_length=20)
    qualification: str = Field(max_length=40)
    unit_key: str = Field(max_length=40)
    total_questions: int
    duration_minutes: int
    pass_mark: int
    blueprint: str = Field(max_length=400)  # JSON: outcome -> questions
    invigilator: str = Field(max_length=120)
    start_code_hash: str = Field(max_length=128)
    invigilator_code_hash: str = Field(max_length=128)
    created_at: datetime
    results_released_at: datetime | None = None
    released_by: str | None = Field(default=None, max_length=120)


class Candidate(SQLModel, table=True):
    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("sitting_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    sitting_id: int = Field(foreign_key="sitting.id", index=True, ondelete="CASCADE")
    number: str = Field(max_length=40)
    name: str = Field(max_length=200)
    extra_time_percent: int = 0
    extra_time_reason: str = Field(default="", max_length=500)
    rest_breaks_allowed: bool = False
    rest_breaks_reason: str = Field(default="", max_length=500)
    learner: str | None = Field(default=None, index=True, max_length=60)  # the learner account, when known


class Attempt(SQLModel, table=True):
    """One candidate's attempt: the form drawn (rebuildable from its seed) and the clock."""

    __tablename__ = "attempt"
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", unique=True, ondelete="CASCADE")
    form_seed: int
    form: str = Field(sa_column=Column(Text, nullable=False))  # JSON of the form's questions
    status: str = Field(max_length=20, index=True)
    allowed_seconds: float
    active_seconds: float = 0.0
    running_since: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    raw_score: int | None = None
    passed: bool | None = None
    per_outcome: str | None = Field(default=None, max_length=400)  # JSON: outcome -> [correct, of]
    viewing: int | None = None  # the question on the candidate's screen at the last heartbeat or answer


class AttemptAnswer(SQLModel, table=True):
    """Every answer a candidate chose, in order; the latest per question counts. Never updated."""

    __tablename__ = "attempt_answer"
    # One index serves both the latest answer of a question and every answer of an attempt; a
    # second on attempt_id alone would only add a page to every answer's commit.
    __table_args__ = (Index("ix_attempt_answer_latest", "attempt_id", "position", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", ondelete="CASCADE")
    position: int
    bank_item_id: int = Field(foreign_key="bank_item.id")
    chosen: str | None = Field(default=None, max_length=1)  # the item's own letter; None clears
    flagged: bool = False
    saved_at: datetime
    active_seconds: float  # test time used when it was saved


class TestEvent(SQLModel, table=True):
    """The audit trail of a sitting: who did what, when, and why."""

    __tablename__ = "test_event"
    __test__ = False
    id: int | None = Field(default=None, primary_key=True)
    sitting_id: int = Field(foreign_key="sitting.id", index=True, ondelete="CASCADE")
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id", index=True, ondelete="CASCADE")
    at: datetime
    actor: str = Field(max_length=120)
    role: str = Field(max_length=20)  # candidate | invigilator | system
    kind: str = Field(max_length=40)
    reason: str = Field(default="", max_length=500)
    data: str = Field(default="{}", max_length=2000)


class PracticeExchange(SQLModel, table=True):
    """One learner turn of chat practice, stored as it happens: formative evidence against the
    exact criterion version (and item version) it bears on. Never updated."""

    __tablename__ = "practice_exchange"
    # Covers the coverage matrix's summary query (criterion IN, learner IN, turn IN, optional date range,
    # grouped by learner and criterion) without touching the table.
    __table_args__ = (Index("ix_practice_exchange_coverage", "criterion_id", "learner", "turn", "verdict", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    learner: str = Field(index=True, max_length=120)
    qualification: str = Field(max_length=40)
    unit_key: str = Field(index=True, max_length=40)
    outcome_number: str = Field(max_length=20)
    criterion_number: str = Field(max_length=20)
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id", ondelete="SET NULL")
    prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    bank_item_id: int | None = Field(default=None, foreign_key="bank_item.id", ondelete="SET NULL")
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    verdict: str | None = Field(default=None, max_length=20)
    matched: str = Field(default="[]", max_length=200)  # JSON list of key-point indexes
    # JSON: key points said the wrong way round and misconceptions stated ({"points": [...], "misconceptions": [...]})
    contradicted: str = Field(default="{}", max_length=400)
    hints_used: int = 0
    seconds: float = 0.0
    turn: str = Field(max_length=20)
    mode: str = Field(default="practice", max_length=20)  # formative, unsupervised
    at: datetime


class ReviewCard(SQLModel, table=True):
    """A learner's spaced-review state for one criterion (an fsrs card as JSON)."""

    __tablename__ = "review_card"
    __table_args__ = (UniqueConstraint("learner", "qualification", "unit_key", "criterion_number"),)
    id: int | None = Field(default=None, primary_key=True)
    learner: str = Field(index=True, max_length=120)
    qualification: str = Field(max_length=40)
    unit_key: str = Field(max_length=40)
    criterion_number: str = Field(max_length=20)
    card: str = Field(sa_column=Column(Text, nullable=False))
    due: datetime


# -- accounts, review and the audit log (schema version 2) ----------------------------------------


class UserAccount(SQLModel, table=True):
    """A person who signs in: learner, tutor (assessor), invigilator, internal quality assurer or admin.
    The password is kept only as an argon2id hash."""

    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=60)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    created_at: datetime
    created_by: str = Field(max_length=60)
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True


class Cohort(SQLModel, table=True):
    """A group of learners on one qualification, with the tutor who assesses them."""

    __tablename__ = "cohort"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    qualification: str = Field(max_length=40)  # the qualification number
    tutor: str = Field(index=True, max_length=60)
    created_at: datetime


class CohortMember(SQLModel, table=True):
    __tablename__ = "cohort_member"
    __table_args__ = (UniqueConstraint("cohort_id", "learner"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    learner: str = Field(index=True, max_length=60)


class TestEvidence(SQLModel, table=True):
    """One question of a finished attempt as marked: test evidence against its criterion. Never updated."""

    __tablename__ = "test_evidence"
    __test__ = False
    __table_args__ = (Index("ix_test_evidence_learner_criterion", "learner", "criterion_id"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    learner: str | None = Field(default=None, max_length=60)
    candidate_number: str = Field(max_length=40)
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id", ondelete="SET NULL")
    bank_item_id: int = Field(foreign_key="bank_item.id")
    position: int
    chosen: str | None = Field(default=None, max_length=1)  # the item's own letter
    correct: bool
    at: datetime  # when the attempt finished


class EvidenceDecision(SQLModel, table=True):
    """An assessor accepts or rejects one response as evidence for a criterion. A correction is a
    new row whose ``supersedes_id`` points at the row it replaces; no row is ever changed."""

    __tablename__ = "evidence_decision"
    __table_args__ = (Index("ix_evidence_decision_learner_criterion", "learner", "criterion_id"),)
    id: int | None = Field(default=None, primary_key=True)
    learner: str = Field(max_length=60)
    criterion_id: int = Field(foreign_key="criterion.id")
    source: str = Field(max_length=20)  # practice | test
    source_id: int  # practice_exchange.id or test_evidence.id
    accepted: bool
    reference: str = Field(max_length=60)  # the evidence reference number
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    assessor: str = Field(max_length=60)
    at: datetime
    supersedes_id: int | None = Field(default=None, foreign_key="evidence_decision.id")


class AssessmentDecision(SQLModel, table=True):
    """An assessor's decision on a criterion (``criterion_id`` set) or a whole unit: competent, not yet
    competent or insufficient evidence. Corrections are new rows pointing at the old."""

    __tablename__ = "assessment_decision"
    __table_args__ = (Index("ix_assessment_decision_learner_unit", "learner", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    learner: str = Field(max_length=60)
    unit_id: int = Field(foreign_key="unit.id")
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id")
    decision: str = Field(max_length=30)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    assessor: str = Field(max_length=60)
    at: datetime
    supersedes_id: int | None = Field(default=None, foreign_key="assessment_decision.id")


class SamplePlan(SQLModel, table=True):
    """An internal quality assurer's sampling plan: the percentages, the seed and what was drawn."""

    __tablename__ = "sample_plan"
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id")
    learner_percent: int
    unit_percent: int
    seed: int
    sample: str = Field(sa_column=Column(Text, nullable=False))  # JSON: [[learner, unit key], ...]
    created_by: str = Field(max_length=60)
    at: datetime


class IqaReview(SQLModel, table=True):
    """An internal quality assurer agrees or disagrees with the assessment of a sampled learner's unit."""

    __tablename__ = "iqa_review"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="sample_plan.id", index=True)
    learner: str = Field(max_length=60)
    unit_id: int = Field(foreign_key="unit.id")
    agree: bool
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    reviewer: str = Field(max_length=60)
    at: datetime
    supersedes_id: int | None = Field(default=None, foreign_key="iqa_review.id")


class AuditEntry(SQLModel, table=True):
    """The hash-chained audit log (see :mod:`tutor.domain.audit`). Append-only: triggers refuse
    UPDATE and DELETE, and the chain shows any change made around them."""

    __tablename__ = "audit_entry"
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str = Field(max_length=40)  # ISO 8601 UTC, hashed as stored
    actor: str = Field(max_length=60)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    data: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON, hashed as stored
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)


class AccessFailure(SQLModel, table=True):
    """A wrong start code or password, kept to hold back guessing per sitting or account and per client
    address (schema version 7). Rows older than the longest limit's window no longer count."""

    __tablename__ = "access_failure"
    __table_args__ = (Index("ix_access_failure_target", "kind", "target", "at"),
                      Index("ix_access_failure_address", "kind", "address", "at"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # start_code | password
    target: str = Field(max_length=80)  # sitting:<id> | account:<name>
    address: str | None = Field(default=None, max_length=64)  # the client's address, when known
    at: datetime


APPEND_ONLY_TABLES = ("audit_entry", "attempt_answer", "practice_exchange", "test_evidence", "evidence_decision",
                      "assessment_decision", "iqa_review", "sample_plan", "item_status_change")
"""Tables whose rows are never changed once written; the database refuses UPDATE and DELETE on them."""
