"""Tutor review: coverage, responses, evidence judgements, assessment decisions, IQA sampling,
item analysis of sittings, the portfolio record and the audit check.

Every method takes the signed-in :class:`~tutor.domain.access.Actor` and checks its permission
here, in the service, and its reach: a learner sees only their own work and never a test item's
key, a tutor sees the learners of their cohorts, quality assurers and admins see everyone.
Decisions are never changed: a correction is a new row that points at the row it replaces.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import case, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tutor.domain import audit as chain
from tutor.domain.access import ADMIN, IQA, LEARNER, TUTOR, Actor, PermissionDenied
from tutor.domain.item_analysis import FormStatistics, analyse_forms
from tutor.domain.portfolio import (
    DECISIONS,
    CriterionRecord,
    Decision,
    EvidenceItem,
    IqaRecord,
    Portfolio,
    UnitRecord,
)
from tutor.domain.testing import LETTERS, Form, form_from_json
from tutor.services.accounts import gate
from tutor.storage import audit_log
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction, as_utc

RESPONSE_TURNS = ("answer", "probe_answer", "choice", "note")
"""Practice turns that are responses (commands and empty lines are not evidence)."""
CORRECT_VERDICTS = ("secure", "right")

NOT_STARTED, PRACTISED, AUTO_CORRECT, ACCEPTED, DECIDED = (
    "not_started", "practised", "auto_correct", "accepted", "decided")
CELL_STATES = (NOT_STARTED, PRACTISED, AUTO_CORRECT, ACCEPTED, DECIDED)
"""A criterion's state for a learner, in the order a criterion moves through them."""


class ReviewError(Exception):
    """A review request that cannot be met; the message is one line for people."""


@dataclass(frozen=True)
class Column:
    criterion_id: int
    unit_id: int
    unit_key: str
    outcome: str
    number: str
    kind: str  # knowledge | competence
    text: str


@dataclass(frozen=True)
class Filters:
    unit: str | None = None  # unit key or code
    learners: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    mode: str | None = None  # practice | test


@dataclass(frozen=True)
class CoverageMatrix:
    qualification: str
    title: str
    learners: tuple[str, ...]
    columns: tuple[Column, ...]
    states: dict[tuple[str, int], str]  # (learner, criterion id) -> state; absent means not started
    decisions: dict[tuple[str, int], str]  # (learner, criterion id) -> latest criterion decision

    def state(self, learner: str, criterion_id: int) -> str:
        return self.states.get((learner, criterion_id), NOT_STARTED)

    def counts(self, learner: str) -> dict[str, int]:
        counts = dict.fromkeys(CELL_STATES, 0)
        for column in self.columns:
            counts[self.state(learner, column.criterion_id)] += 1
        return counts


@dataclass(frozen=True)
class SampleEntry:
    learner: str
    unit_key: str
    unit_title: str


@dataclass(frozen=True)
class SamplePlanView:
    plan_id: int
    cohort: str
    learner_percent: int
    unit_percent: int
    seed: int
    entries: tuple[SampleEntry, ...]
    created_by: str
    at: datetime


@dataclass(frozen=True)
class ItemRow:
    position: int
    item_id: str
    version: str
    outcome: str
    criterion: str
    stats: object  # ItemStatistics


@dataclass(frozen=True)
class SittingAnalysis:
    sitting_id: int
    test_code: str
    candidates: int
    form: FormStatistics
    items: tuple[ItemRow, ...]


@dataclass(frozen=True)
class AuditCheck:
    report: chain.ChainReport


class ReviewService:
    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    # -- reach ---------------------------------------------------------------------------------

    def visible_learners(self, actor: Actor) -> list[str]:
        """Learner accounts the actor may review."""
        with Session(self.engine) as session:
            return self._visible(session, actor)

    def _visible(self, session: Session, actor: Actor) -> list[str]:
        if actor.role == LEARNER:
            return [actor.username]
        if actor.role == TUTOR:
            return list(session.exec(
                select(t.CohortMember.learner).join(t.Cohort, t.Cohort.id == t.CohortMember.cohort_id)
                .where(t.Cohort.tutor == actor.username).distinct().order_by(t.CohortMember.learner)))
        if actor.role in (IQA, ADMIN):
            return list(session.exec(select(t.UserAccount.username).where(t.UserAccount.role == LEARNER)
                                     .order_by(t.UserAccount.username)))
        return []

    def _read_gate(self, actor: Actor) -> None:
        gate(self.engine, self.now, actor, "review.own" if actor.role == LEARNER else "review.read")

    def _check_reach(self, session: Session, actor: Actor, learner: str) -> None:
        if learner not in self._visible(session, actor):
            self._deny(actor, f"{actor.label} may not see the work of {learner}", learner)

    def _require_reach(self, actor: Actor, learner: str) -> None:
        """Checked before a write transaction opens: a refusal is itself written to the log."""
        with Session(self.engine) as session:
            self._check_reach(session, actor, learner)

    def _deny(self, actor: Actor, message: str, learner: str) -> None:
        with WriteTransaction(self.engine, "record the refusal") as session:
            audit_log.append(session.connection(), self.now(), actor.username, "permission.denied",
                             f"learner:{learner}", {"role": actor.role, "reason": "reach"})
            session.commit()
        raise PermissionDenied(message)

    # -- catalogue helpers ---------------------------------------------------------------------

    @staticmethod
    def _qualification(session: Session, number: str) -> t.Qualification:
        qual = session.exec(select(t.Qualification).join(
            t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
            .where(t.DocumentVersion.is_current, t.Qualification.number == number.strip())).first()
        if qual is None:
            raise ReviewError(f"no qualification {number.strip()!r} in the catalogue")
        return qual

    def _columns(self, session: Session, qual: t.Qualification, unit: str | None,
                 number: str | None = None) -> list[Column]:
        """The qualification's criteria in order (or one unit's, or one criterion of a unit)."""
        query = (select(t.Criterion.id, t.Unit.id, t.Unit.key, t.Unit.local_id, t.Outcome.number, t.Criterion.number,
                        t.Outcome.kind, t.Criterion.text)
                 .join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
                 .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
                 .join(t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
                 .where(t.UnitMembership.qualification_id == qual.id)
                 .order_by(t.UnitMembership.position, t.Outcome.position, t.Criterion.position))
        if unit is not None:
            wanted = unit.strip().lower()
            query = query.where(or_(func.lower(t.Unit.key) == wanted, func.lower(t.Unit.local_id) == wanted))
        if number is not None:
            query = query.where(t.Criterion.number == number.strip())
        rows = session.exec(query).all()
        if unit is not None and not rows and number is None:
            raise ReviewError(f"no unit {unit.strip()!r} in qualification {qual.number}")
        return [Column(r[0], r[1], r[2], r[4], r[5], r[6], r[7]) for r in rows]

    def _unit(self, session: Session, qualification: str, unit: str) -> t.Unit:
        qual = self._qualification(session, qualification)
        columns = self._columns(session, qual, unit)
        return session.get(t.Unit, columns[0].unit_id)

    def _criterion(self, session: Session, qualification: str, unit: str, number: str) -> Column:
        qual = self._qualification(session, qualification)
        columns = self._columns(session, qual, unit, number)
        if not columns:
            self._columns(session, qual, unit)  # names an unknown unit
            raise ReviewError(f"no criterion {number.strip()} in unit {unit.strip()}")
        return columns[0]

    @staticmethod
    def _lineage(session: Session, qual: t.Qualification, columns: list[Column]) -> tuple[dict[int, int], dict[int, int]]:
        """Criterion and unit ids of every imported version of the qualification's document, mapped
        to the current ones (same unit key, outcome number and criterion number): evidence and
        decisions recorded against an earlier version of the specification still count, against
        the criterion as it stands now."""
        criteria = {c.criterion_id: c.criterion_id for c in columns}
        units = {c.unit_id: c.unit_id for c in columns}
        current = {(c.unit_key, c.outcome, c.number): c for c in columns}
        document = session.get(t.DocumentVersion, qual.document_id)
        earlier = _criteria_in_documents(t.Criterion.id, t.Unit.id, t.Unit.key, t.Outcome.number, t.Criterion.number
                                         ).where(t.DocumentVersion.identity == document.identity,
                                                 t.DocumentVersion.id != document.id,
                                                 t.Unit.key.in_({c.unit_key for c in columns}))
        for criterion_id, unit_id, unit_key, outcome, number in session.exec(earlier):
            now = current.get((unit_key, outcome, number))
            if now is not None:
                criteria[criterion_id] = now.criterion_id
                units[unit_id] = now.unit_id
        return criteria, units

    @staticmethod
    def _unit_versions_of(session: Session, unit: t.Unit) -> list[int]:
        """The ids of one unit in every imported version of its document (itself included)."""
        identity = select(t.DocumentVersion.identity).where(t.DocumentVersion.id == unit.document_id).scalar_subquery()
        ids = session.exec(select(t.Unit.id).join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id)
                           .where(t.DocumentVersion.identity == identity, t.Unit.key == unit.key)).all()
        return sorted(set(ids) | {unit.id})

    @staticmethod
    def _versions_of(session: Session, criterion_id: int) -> dict[int, str]:
        """One criterion in every imported version of its document (itself included): id -> wording."""
        row = session.exec(_criteria_in_documents(t.Unit.key, t.Outcome.number, t.Criterion.number,
                                                  t.DocumentVersion.identity)
                           .where(t.Criterion.id == criterion_id)).first()
        if row is None:
            return {criterion_id: ""}
        unit_key, outcome, number, identity = row
        return dict(session.exec(_criteria_in_documents(t.Criterion.id, t.Criterion.text)
                                 .where(t.DocumentVersion.identity == identity, t.Unit.key == unit_key,
                                        t.Outcome.number == outcome, t.Criterion.number == number)).all())

    # -- coverage ------------------------------------------------------------------------------

    def coverage(self, actor: Actor, qualification: str, filters: Filters = Filters()) -> CoverageMatrix:
        """Learners × criteria of a qualification (or one unit): each cell's furthest state."""
        self._read_gate(actor)
        with Session(self.engine) as session:
            qual = self._qualification(session, qualification)
            columns = self._columns(session, qual, filters.unit)
            visible = self._visible(session, actor)
            if filters.learners is not None:
                hidden = [name for name in filters.learners if name not in visible]
                if hidden:
                    self._deny(actor, f"{actor.label} may not see the work of {hidden[0]}", hidden[0])
                learners = [name for name in visible if name in set(filters.learners)]
            else:
                learners = visible
            lineage, _ = self._lineage(session, qual, columns)
            ids = list(lineage)
            states: dict[tuple[str, int], str] = {}
            decisions: dict[tuple[str, int], str] = {}
            if learners and ids:
                rank = {s: i for i, s in enumerate(CELL_STATES)}

                def lift(key: tuple[str, int], state: str) -> None:
                    if rank[state] > rank[states.get(key, NOT_STARTED)]:
                        states[key] = state

                for learner, criterion, correct in self._response_summary(session, learners, ids, filters):
                    lift((learner, lineage[criterion]), AUTO_CORRECT if correct else PRACTISED)
                for learner, criterion in self._accepted(session, learners, ids):
                    lift((learner, lineage[criterion]), ACCEPTED)
                for learner, criterion, decision in self._criterion_decisions(session, learners, ids):
                    decisions[(learner, lineage[criterion])] = decision  # in id order: the latest wins
                    lift((learner, lineage[criterion]), DECIDED)
            return CoverageMatrix(qual.number, qual.title, tuple(learners), tuple(columns), states, decisions)

    def _response_summary(self, session: Session, learners: list[str], ids: list[int],
                          filters: Filters) -> Iterable[tuple[str, int, bool]]:
        everyone = None if len(learners) > 900 else learners  # a long IN list costs more than it saves
        if filters.mode in (None, "practice"):
            pe = t.PracticeExchange
            correct = func.max(case((pe.verdict.in_(CORRECT_VERDICTS), 1), else_=0))
            query = (select(pe.learner, pe.criterion_id, correct)
                     .where(pe.criterion_id.in_(ids), pe.turn.in_(RESPONSE_TURNS))
                     .group_by(pe.learner, pe.criterion_id))
            if everyone is not None:
                query = query.where(pe.learner.in_(everyone))
            query = _dated(query, pe.at, filters)
            wanted = set(learners)
            for learner, criterion, right in session.exec(query):
                if learner in wanted:
                    yield learner, criterion, bool(right)
        if filters.mode in (None, "test"):
            te = t.TestEvidence
            correct = func.max(case((te.correct, 1), else_=0))
            query = (select(te.learner, te.criterion_id, correct).where(te.criterion_id.in_(ids))
                     .group_by(te.learner, te.criterion_id))
            if everyone is not None:
                query = query.where(te.learner.in_(everyone))
            wanted = set(learners)
            for learner, criterion, right in session.exec(_dated(query, te.at, filters)):
                if learner in wanted:
                    yield learner, criterion, bool(right)

    def _accepted(self, session: Session, learners: list[str], ids: list[int]) -> Iterable[tuple[str, int]]:
        ed = t.EvidenceDecision
        superseded = select(ed.supersedes_id).where(ed.supersedes_id.is_not(None))
        query = (select(ed.learner, ed.criterion_id).where(ed.learner.in_(learners), ed.criterion_id.in_(ids),
                                                           ed.accepted, ed.id.not_in(superseded)).distinct())
        return session.exec(query)

    def _criterion_decisions(self, session: Session, learners: list[str],
                             ids: list[int]) -> Iterable[tuple[str, int, str]]:
        ad = t.AssessmentDecision
        superseded = select(ad.supersedes_id).where(ad.supersedes_id.is_not(None))
        query = (select(ad.learner, ad.criterion_id, ad.decision).where(
            ad.learner.in_(learners), ad.criterion_id.in_(ids), ad.id.not_in(superseded)).order_by(ad.id))
        return session.exec(query)

    # -- responses -----------------------------------------------------------------------------

    def responses(self, actor: Actor, learner: str, criterion_id: int, filters: Filters = Filters()) -> list[EvidenceItem]:
        """Every response of a learner bearing on one criterion (chat and test), oldest first,
        with the latest judgement of each. A learner is not shown whether a test answer was right."""
        self._read_gate(actor)
        with Session(self.engine) as session:
            self._check_reach(session, actor, learner)
            return self._responses(session, actor, learner, criterion_id, filters)

    def _responses(self, session: Session, actor: Actor, learner: str, criterion_id: int,
                   filters: Filters = Filters()) -> list[EvidenceItem]:
        """The query behind :meth:`responses`, for callers that have checked permission and reach."""
        versions = self._versions_of(session, criterion_id)
        judgements = self._judgements(session, learner, list(versions))

        def wording_then(recorded_against: int | None) -> str:
            """The criterion's wording when a response was recorded, if it has changed since."""
            then = versions.get(recorded_against, "") if recorded_against != criterion_id else ""
            return then if then and then != versions.get(criterion_id) else ""

        items: list[EvidenceItem] = []
        if filters.mode in (None, "practice"):
            pe = t.PracticeExchange
            query = _dated(select(pe).where(pe.learner == learner, pe.criterion_id.in_(list(versions)),
                                            pe.turn.in_(RESPONSE_TURNS)).order_by(pe.id), pe.at, filters)
            bodies = {}
            for row in session.exec(query):
                question = row.prompt
                if row.bank_item_id is not None:
                    body = bodies.get(row.bank_item_id) or bodies.setdefault(
                        row.bank_item_id, json.loads(session.get(t.BankItem, row.bank_item_id).body))
                    question = _item_text(body)
                items.append(_with_judgement(EvidenceItem(
                    "practice", row.id, as_utc(row.at), question, row.answer, _practice_mark(row.verdict),
                    row.hints_used, criterion_wording=wording_then(row.criterion_id)),
                    judgements.get(("practice", row.id))))
        if filters.mode in (None, "test"):
            te = t.TestEvidence
            query = _dated(select(te).where(te.learner == learner, te.criterion_id.in_(list(versions)))
                           .order_by(te.id), te.at, filters)
            forms: dict[int, Form] = {}  # attempt id -> its form: the option order the candidate saw
            for row in session.exec(query):
                body = json.loads(session.get(t.BankItem, row.bank_item_id).body)
                if row.attempt_id not in forms:
                    attempt = session.get(t.Attempt, row.attempt_id)
                    forms[row.attempt_id] = form_from_json(attempt.form_seed, attempt.form)[0]
                shown = forms[row.attempt_id].questions[row.position - 1]
                chosen = (f"{shown.own_to_shown(row.chosen)}. {body['options'][row.chosen]}" if row.chosen
                          else "(no answer)")
                mark = "test answer" if actor.role == LEARNER else ("correct" if row.correct else "incorrect")
                items.append(_with_judgement(EvidenceItem(
                    "test", row.id, as_utc(row.at), _item_text(body, shown.option_order), chosen, mark, 0,
                    criterion_wording=wording_then(row.criterion_id)), judgements.get(("test", row.id))))
        items.sort(key=lambda item: item.at)
        return items

    @staticmethod
    def _judgements(session: Session, learner: str, versions: list[int]) -> dict[tuple[str, int], t.EvidenceDecision]:
        latest: dict[tuple[str, int], t.EvidenceDecision] = {}
        for row in session.exec(select(t.EvidenceDecision).where(
                t.EvidenceDecision.learner == learner, t.EvidenceDecision.criterion_id.in_(versions))
                .order_by(t.EvidenceDecision.id)):
            latest[(row.source, row.source_id)] = row
        return latest

    # -- decisions -----------------------------------------------------------------------------

    def judge_evidence(self, actor: Actor, learner: str, criterion_id: int, source: str, source_id: int,
                       accepted: bool, reference: str, comment: str = "") -> int:
        """Accept or reject one response as evidence for a criterion. A second judgement of the
        same response is a correction: a new row pointing at the one it replaces."""
        gate(self.engine, self.now, actor, "review.decide")
        if source not in ("practice", "test"):
            raise ReviewError("evidence comes from practice or a test")
        if accepted and not reference.strip():
            raise ReviewError("accepted evidence needs an evidence reference number")
        self._require_reach(actor, learner)
        with WriteTransaction(self.engine, "record the judgement") as session:
            versions = list(self._versions_of(session, criterion_id))
            row = session.get(t.PracticeExchange if source == "practice" else t.TestEvidence, source_id)
            if row is None or row.learner != learner or row.criterion_id not in versions:
                raise ReviewError(f"no {source} response {source_id} of {learner} on that criterion")
            previous = session.exec(select(t.EvidenceDecision.id).where(
                t.EvidenceDecision.learner == learner, t.EvidenceDecision.criterion_id.in_(versions),
                t.EvidenceDecision.source == source, t.EvidenceDecision.source_id == source_id)
                .order_by(t.EvidenceDecision.id.desc())).first()
            now = self.now()
            row = t.EvidenceDecision(learner=learner, criterion_id=criterion_id, source=source, source_id=source_id,
                                     accepted=accepted, reference=reference.strip(), comment=comment.strip(),
                                     assessor=actor.username, at=now, supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username,
                             "evidence.accepted" if accepted else "evidence.rejected", f"learner:{learner}",
                             {"criterion": criterion_id, "source": source, "source_id": source_id,
                              "reference": reference.strip(), "comment": comment.strip(), "supersedes": previous,
                              "decision_id": row.id})
            session.commit()
            return row.id

    def decide(self, actor: Actor, learner: str, unit_id: int, criterion_id: int | None, decision: str,
               comment: str = "") -> int:
        """Record a decision on a criterion (``criterion_id``) or the whole unit; a later decision on
        the same criterion or unit corrects the earlier one and points at it."""
        gate(self.engine, self.now, actor, "review.decide")
        if decision not in DECISIONS:
            raise ReviewError(f"a decision is one of {', '.join(DECISIONS)}")
        if decision != "competent" and not comment.strip():
            raise ReviewError("say what is missing: a decision other than competent needs a comment")
        self._require_reach(actor, learner)
        with WriteTransaction(self.engine, "record the decision") as session:
            unit = session.get(t.Unit, unit_id)
            if unit is None:
                raise ReviewError(f"no unit {unit_id}")
            if criterion_id is not None:
                found = session.exec(select(t.Criterion.id).join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
                                     .where(t.Criterion.id == criterion_id, t.Outcome.unit_id == unit_id)).first()
                if found is None:
                    raise ReviewError("that criterion is not in that unit")
            ad = t.AssessmentDecision
            # The decision it corrects may have been made on an earlier version of the specification.
            scope = (ad.criterion_id.in_(list(self._versions_of(session, criterion_id))) if criterion_id is not None
                     else ad.criterion_id.is_(None))
            previous = session.exec(select(ad.id).where(ad.learner == learner,
                                                        ad.unit_id.in_(self._unit_versions_of(session, unit)), scope)
                                    .order_by(ad.id.desc())).first()
            now = self.now()
            row = ad(learner=learner, unit_id=unit_id, criterion_id=criterion_id, decision=decision,
                     comment=comment.strip(), assessor=actor.username, at=now, supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "decision.recorded", f"learner:{learner}",
                             {"unit": unit.key, "criterion": criterion_id, "decision": decision,
                              "comment": comment.strip(), "supersedes": previous, "decision_id": row.id})
            session.commit()
            return row.id

    def unit_id(self, qualification: str, unit: str) -> int:
        with Session(self.engine) as session:
            return self._unit(session, qualification, unit).id

    def criterion(self, qualification: str, unit: str, number: str) -> Column:
        with Session(self.engine) as session:
            return self._criterion(session, qualification, unit, number)

    # -- internal quality assurance ------------------------------------------------------------

    def draw_sample(self, actor: Actor, cohort: str, learner_percent: int, unit_percent: int,
                    seed: int | None = None) -> SamplePlanView:
        """Choose a percentage of a cohort's learners and of its qualification's units at random
        (at least one of each); the seed and the draw are stored."""
        gate(self.engine, self.now, actor, "iqa.sample")
        for value in (learner_percent, unit_percent):
            if not 1 <= value <= 100:
                raise ReviewError("sampling percentages are from 1 to 100")
        seed = secrets.randbits(31) if seed is None else seed
        with WriteTransaction(self.engine, "record the sampling plan") as session:
            row = session.exec(select(t.Cohort).where(t.Cohort.name == cohort.strip())).first()
            if row is None:
                raise ReviewError(f"no cohort {cohort.strip()!r}")
            learners = sorted(session.exec(select(t.CohortMember.learner).where(t.CohortMember.cohort_id == row.id)))
            if not learners:
                raise ReviewError(f"cohort {row.name} has no learners to sample")
            qual = self._qualification(session, row.qualification)
            units = session.exec(select(t.Unit.key, t.Unit.title).join(
                t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
                .where(t.UnitMembership.qualification_id == qual.id).order_by(t.UnitMembership.position)).all()
            entries = sample_entries(learners, [(k, title) for k, title in units], learner_percent, unit_percent, seed)
            now = self.now()
            plan = t.SamplePlan(cohort_id=row.id, learner_percent=learner_percent, unit_percent=unit_percent,
                                seed=seed, sample=json.dumps([[e.learner, e.unit_key] for e in entries]),
                                created_by=actor.username, at=now)
            session.add(plan)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "iqa.sampled", f"cohort:{row.name}",
                             {"plan": plan.id, "learner_percent": learner_percent, "unit_percent": unit_percent,
                              "seed": seed, "sample": [[e.learner, e.unit_key] for e in entries]})
            session.commit()
            return SamplePlanView(plan.id, row.name, learner_percent, unit_percent, seed, tuple(entries),
                                  actor.username, now)

    def iqa_review(self, actor: Actor, plan_id: int, learner: str, unit_key: str, agree: bool, comment: str) -> int:
        """Agree or disagree with the assessment of a sampled learner's unit (a later review of the
        same pair corrects the earlier and points at it)."""
        gate(self.engine, self.now, actor, "iqa.review")
        if not comment.strip():
            raise ReviewError("a quality-assurance review needs a comment")
        with WriteTransaction(self.engine, "record the review") as session:
            plan = session.get(t.SamplePlan, plan_id)
            if plan is None:
                raise ReviewError(f"no sampling plan {plan_id}")
            if [learner, unit_key] not in json.loads(plan.sample):
                raise ReviewError(f"{learner} / {unit_key} is not in sampling plan {plan_id}")
            cohort = session.get(t.Cohort, plan.cohort_id)
            unit = self._unit(session, cohort.qualification, unit_key)
            previous = session.exec(select(t.IqaReview.id).where(
                t.IqaReview.plan_id == plan_id, t.IqaReview.learner == learner, t.IqaReview.unit_id == unit.id)
                .order_by(t.IqaReview.id.desc())).first()
            now = self.now()
            row = t.IqaReview(plan_id=plan_id, learner=learner, unit_id=unit.id, agree=agree, comment=comment.strip(),
                              reviewer=actor.username, at=now, supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "iqa.reviewed", f"learner:{learner}",
                             {"plan": plan_id, "unit": unit_key, "agree": agree, "comment": comment.strip(),
                              "supersedes": previous, "review_id": row.id})
            session.commit()
            return row.id

    # -- test review ---------------------------------------------------------------------------

    def analyse_sitting(self, actor: Actor, sitting_id: int) -> SittingAnalysis:
        """Item analysis of a sitting's submitted attempts (voided ones left out)."""
        gate(self.engine, self.now, actor, "sitting.analyse")
        with Session(self.engine) as session:
            sitting = session.get(t.Sitting, sitting_id)
            if sitting is None:
                raise ReviewError(f"no sitting {sitting_id}")
            rows = session.exec(
                select(t.TestEvidence, t.BankItem.item_id, t.BankItem.version, t.BankItem.outcome_number,
                       t.BankItem.criterion_number, t.Attempt.candidate_id)
                .join(t.Attempt, t.Attempt.id == t.TestEvidence.attempt_id)
                .join(t.Candidate, t.Candidate.id == t.Attempt.candidate_id)
                .join(t.BankItem, t.BankItem.id == t.TestEvidence.bank_item_id)
                .where(t.Candidate.sitting_id == sitting_id, t.Attempt.status == "submitted")).all()
        forms: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
        meta: dict[str, tuple[int, str, str, str, str]] = {}
        for evidence, item_id, version, outcome, criterion, candidate in rows:
            key = f"{item_id}@{version}"
            forms[str(candidate)].append((evidence.position, key, evidence.correct))
            meta.setdefault(key, (evidence.position, item_id, version, outcome, criterion))
        if not forms:
            raise ReviewError(f"sitting {sitting_id} has no submitted attempts to analyse")
        form = analyse_forms({c: [(key, right) for _, key, right in sorted(qs)] for c, qs in forms.items()})
        rows_by_key = (ItemRow(meta[s.key][0], meta[s.key][1], meta[s.key][2], meta[s.key][3], meta[s.key][4], s)
                       for s in form.items)
        # In the order of the specification: outcome, then criterion (1.2 before 1.10), then item.
        items = tuple(sorted(rows_by_key, key=lambda row: (_numbers(row.outcome), _numbers(row.criterion),
                                                            row.item_id, row.version)))
        return SittingAnalysis(sitting_id, sitting.test_code, form.candidates, form, items)

    # -- portfolio and audit -------------------------------------------------------------------

    def portfolio(self, actor: Actor, learner: str, qualification: str | None = None) -> Portfolio:
        """The learner's record for one qualification (their cohort's, if not given)."""
        gate(self.engine, self.now, actor, "export.portfolio")
        with Session(self.engine) as session:
            self._check_reach(session, actor, learner)
            account = session.exec(select(t.UserAccount).where(t.UserAccount.username == learner)).first()
            if qualification is None:
                qualification = session.exec(select(t.Cohort.qualification).join(
                    t.CohortMember, t.CohortMember.cohort_id == t.Cohort.id)
                    .where(t.CohortMember.learner == learner)).first()
                if qualification is None:
                    raise ReviewError(f"{learner} is in no cohort: name the qualification")
            qual = self._qualification(session, qualification)
            columns = self._columns(session, qual, None)
            criterion_now, unit_now = self._lineage(session, qual, columns)
        count, head = audit_log.head(self.engine)
        units: dict[int, list[Column]] = defaultdict(list)
        for column in columns:
            units[column.unit_id].append(column)
        records = []
        with Session(self.engine) as session:
            decisions = self._decision_chains(session, learner, criterion_now, unit_now)
            iqa = self._iqa_records(session, learner, unit_now)
            for unit_id, unit_columns in units.items():
                unit = session.get(t.Unit, unit_id)
                criteria = []
                for column in unit_columns:
                    evidence = tuple(self._responses(session, actor, learner, column.criterion_id))
                    chain_ = decisions.get((unit_id, column.criterion_id), [])
                    criteria.append(CriterionRecord(column.outcome, column.number, column.text, column.kind, evidence,
                                                    chain_[-1] if chain_ else None, tuple(chain_[:-1])))
                unit_chain = decisions.get((unit_id, None), [])
                records.append(UnitRecord(unit.key, unit.title, tuple(criteria), unit_chain[-1] if unit_chain else None,
                                          tuple(iqa.get(unit_id, []))))
        now = self.now()
        with WriteTransaction(self.engine, "record the export") as session:
            audit_log.append(session.connection(), now, actor.username, "portfolio.cut", f"learner:{learner}",
                             {"qualification": qual.number, "audit_head": head, "audit_entries": count})
            session.commit()
        return Portfolio(learner, account.display_name if account else learner, qual.number, qual.title, now,
                         actor.username, head, count, tuple(records))

    @staticmethod
    def _decision_chains(session: Session, learner: str, criterion_now: dict[int, int],
                         unit_now: dict[int, int]) -> dict[tuple[int, int | None], list[Decision]]:
        """Decisions by (unit, criterion) as they stand now, oldest first, whichever version they were made on."""
        chains: dict[tuple[int, int | None], list[Decision]] = defaultdict(list)
        for row in session.exec(select(t.AssessmentDecision).where(t.AssessmentDecision.learner == learner)
                                .order_by(t.AssessmentDecision.id)):
            criterion = criterion_now.get(row.criterion_id, row.criterion_id) if row.criterion_id else None
            chains[(unit_now.get(row.unit_id, row.unit_id), criterion)].append(Decision(
                row.id, row.decision, row.assessor, as_utc(row.at), row.comment, row.supersedes_id))
        return chains

    @staticmethod
    def _iqa_records(session: Session, learner: str, unit_now: dict[int, int]) -> dict[int, list[IqaRecord]]:
        records: dict[int, list[IqaRecord]] = defaultdict(list)
        for row in session.exec(select(t.IqaReview).where(t.IqaReview.learner == learner).order_by(t.IqaReview.id)):
            records[unit_now.get(row.unit_id, row.unit_id)].append(IqaRecord(row.agree, row.reviewer, as_utc(row.at),
                                                                            row.comment))
        return records

    def verify_audit(self, actor: Actor, anchored_head: str | None = None) -> chain.ChainReport:
        gate(self.engine, self.now, actor, "audit.verify")
        return chain.verify_chain(audit_log.records(self.engine), anchored_head)

    def verify_records(self, actor: Actor):
        """Every append-only row against the audit entry written with it (see :mod:`tutor.services.record_audit`)."""
        from tutor.services.record_audit import verify_records

        gate(self.engine, self.now, actor, "audit.verify")
        return verify_records(self.engine)


def sample_entries(learners: list[str], units: list[tuple[str, str]], learner_percent: int, unit_percent: int,
                   seed: int) -> list[SampleEntry]:
    """The sample a seed draws: ceil(percent) of the learners, and for each of them ceil(percent)
    of the units (at least one of each). Same inputs, same sample."""
    rng = random.Random(seed)
    take_learners = max(1, -(-len(learners) * learner_percent // 100))
    take_units = max(1, -(-len(units) * unit_percent // 100))
    entries = []
    for learner in sorted(rng.sample(sorted(learners), take_learners)):
        for key, title in sorted(rng.sample(units, min(take_units, len(units)))):
            entries.append(SampleEntry(learner, key, title))
    return entries


def _dated(query, column, filters: Filters):
    if filters.since is not None:
        query = query.where(column >= filters.since)
    if filters.until is not None:
        query = query.where(column < filters.until)
    return query


def _criteria_in_documents(*columns):
    """A select of ``columns`` over criteria joined to their outcome, unit and document version."""
    return (select(*columns).select_from(t.Criterion).join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
            .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
            .join(t.DocumentVersion, t.DocumentVersion.id == t.Unit.document_id))


def _numbers(dotted: str) -> tuple[int | str, ...]:
    """"1.10" -> (1, 10): numbers sort as numbers, anything else as text after them."""
    return tuple(int(part) if part.isdigit() else 10**9 for part in dotted.split(".")) + (dotted,)


def _item_text(body: dict, option_order: tuple[str, ...] | None = None) -> str:
    """The question as shown: its stem and options, in the order and under the letters the person
    saw (a test form shuffles them; ``option_order[i]`` is the item's own letter shown i-th)."""
    own = body.get("options", {})
    order = option_order or tuple(sorted(own))
    options = "\n".join(f"{LETTERS[i]}. {own[letter]}" for i, letter in enumerate(order))
    return f"{body.get('stem', '')}\n{options}".strip()


def _practice_mark(verdict: str | None) -> str:
    return {"secure": "secure", "partial": "partial", "not_yet": "not yet", "contradicted": "contradicted",
            "thin": "not yet", "none": "not yet",
            "right": "correct", "wrong": "incorrect", "for_tutor": "recorded for the tutor",
            "note": "workplace note"}.get(verdict or "", verdict or "")


def _with_judgement(item: EvidenceItem, judgement: t.EvidenceDecision | None) -> EvidenceItem:
    if judgement is None:
        return item
    return replace(item, accepted=judgement.accepted, reference=judgement.reference, judged_by=judgement.assessor,
                   judged_at=as_utc(judgement.at), judgement_comment=judgement.comment)

