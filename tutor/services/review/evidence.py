"""The evidence side of review: the coverage matrix (learners × criteria, each cell's furthest
state) and every response of a learner bearing on one criterion, as the learner saw it, with the
latest judgement of each."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlmodel import Session

from tutor.domain.access import LEARNER, Actor
from tutor.domain.portfolio import EvidenceItem, answer_mark, practice_mark
from tutor.domain.testing import LETTERS, Form, form_from_json
from tutor.services.review.base import CellState, Column, Filters, ReviewBase
from tutor.storage import catalogue_queries, evidence_queries
from tutor.storage import tables as t
from tutor.storage.engine import as_utc


@dataclass(frozen=True)
class CoverageMatrix:
    qualification: str
    title: str
    learners: tuple[str, ...]
    columns: tuple[Column, ...]
    states: dict[tuple[str, int], str]  # (learner, criterion id) -> state; absent means not started
    decisions: dict[tuple[str, int], str]  # (learner, criterion id) -> latest criterion decision

    def state(self, learner: str, criterion_id: int) -> str:
        return self.states.get((learner, criterion_id), CellState.NOT_STARTED)

    def counts(self, learner: str) -> dict[str, int]:
        counts = dict.fromkeys(CellState.ORDER, 0)
        for column in self.columns:
            counts[self.state(learner, column.criterion_id)] += 1
        return counts


class EvidenceReview(ReviewBase):
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
                rank = {s: i for i, s in enumerate(CellState.ORDER)}

                def lift(key: tuple[str, int], state: str) -> None:
                    if rank[state] > rank[states.get(key, CellState.NOT_STARTED)]:
                        states[key] = state

                for learner, criterion, correct in self._response_summary(session, learners, ids, filters):
                    lift((learner, lineage[criterion]), CellState.AUTO_CORRECT if correct else CellState.PRACTISED)
                for learner, criterion in evidence_queries.accepted(session, learners, ids):
                    lift((learner, lineage[criterion]), CellState.ACCEPTED)
                for learner, criterion, decision in evidence_queries.criterion_decisions(session, learners, ids):
                    decisions[(learner, lineage[criterion])] = decision  # in id order: the latest wins
                    lift((learner, lineage[criterion]), CellState.DECIDED)
            return CoverageMatrix(qual.number, qual.title, tuple(learners), tuple(columns), states, decisions)

    @staticmethod
    def _response_summary(session: Session, learners: list[str], ids: list[int],
                          filters: Filters) -> Iterable[tuple[str, int, bool]]:
        if filters.mode in (None, "practice"):
            yield from evidence_queries.practice_marks(session, learners, ids, filters.since, filters.until)
        if filters.mode in (None, "test"):
            yield from evidence_queries.test_marks(session, learners, ids, filters.since, filters.until)

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
        versions = catalogue_queries.criterion_versions(session, criterion_id)
        return self._evidence(session, actor, learner, dict.fromkeys(versions, criterion_id), versions,
                              filters).get(criterion_id, [])

    def _evidence(self, session: Session, actor: Actor, learner: str, lineage: dict[int, int],
                  wording: dict[int, str], filters: Filters = Filters()) -> dict[int, list[EvidenceItem]]:
        """A learner's responses on many criteria at once, by the criterion they count for now (``lineage``:
        every version's criterion id -> now's; ``wording``: each version's text), each list oldest first:
        three queries whatever the number of criteria (a portfolio's 500 criteria, or one)."""
        judgements: dict[tuple[int, str, int], t.EvidenceDecision] = {}  # (criterion now, source, id) -> latest
        for row in evidence_queries.judgement_rows(session, learner, list(lineage)):
            judgements[(lineage[row.criterion_id], row.source, row.source_id)] = row

        def wording_then(recorded_against: int | None, now: int) -> str:
            """The criterion's wording when a response was recorded, if it has changed since."""
            then = wording.get(recorded_against, "") if recorded_against != now else ""
            return then if then and then != wording.get(now) else ""

        items: dict[int, list[EvidenceItem]] = defaultdict(list)
        if filters.mode in (None, "practice"):
            bodies = {}
            for row in evidence_queries.practice_responses(session, learner, list(lineage), filters.since,
                                                           filters.until):
                question, now = row.prompt, lineage[row.criterion_id]
                if row.bank_item_id is not None:
                    body = bodies.get(row.bank_item_id) or bodies.setdefault(
                        row.bank_item_id, json.loads(session.get(t.BankItem, row.bank_item_id).body))
                    question = _item_text(body)
                items[now].append(_with_judgement(EvidenceItem(
                    "practice", row.id, as_utc(row.at), question, row.answer, practice_mark(row.verdict),
                    row.hints_used, criterion_wording=wording_then(row.criterion_id, now)),
                    judgements.get((now, "practice", row.id))))
        if filters.mode in (None, "test"):
            forms: dict[int, Form] = {}  # attempt id -> its form: the option order the candidate saw
            for row in evidence_queries.test_answers(session, learner, list(lineage), filters.since, filters.until):
                now = lineage[row.criterion_id]
                body = json.loads(session.get(t.BankItem, row.bank_item_id).body)
                if row.attempt_id not in forms:
                    attempt = session.get(t.Attempt, row.attempt_id)
                    forms[row.attempt_id] = form_from_json(attempt.form_seed, attempt.form)[0]
                shown = forms[row.attempt_id].questions[row.position - 1]
                chosen = (f"{shown.own_to_shown(row.chosen)}. {body['options'][row.chosen]}" if row.chosen
                          else "(no answer)")
                mark = answer_mark(bool(row.correct), learner=actor.role == LEARNER)
                items[now].append(_with_judgement(EvidenceItem(
                    "test", row.id, as_utc(row.at), _item_text(body, shown.option_order), chosen, mark, 0,
                    criterion_wording=wording_then(row.criterion_id, now)), judgements.get((now, "test", row.id))))
        for found in items.values():
            found.sort(key=lambda item: item.at)
        return items


def _item_text(body: dict, option_order: tuple[str, ...] | None = None) -> str:
    """The question as shown: its stem and options, in the order and under the letters the person
    saw (a test form shuffles them; ``option_order[i]`` is the item's own letter shown i-th)."""
    own = body.get("options", {})
    order = option_order or tuple(sorted(own))
    options = "\n".join(f"{LETTERS[i]}. {own[letter]}" for i, letter in enumerate(order))
    return f"{body.get('stem', '')}\n{options}".strip()


def _with_judgement(item: EvidenceItem, judgement: t.EvidenceDecision | None) -> EvidenceItem:
    if judgement is None:
        return item
    return replace(item, accepted=judgement.accepted, reference=judgement.reference, judged_by=judgement.assessor,
                   judged_at=as_utc(judgement.at), judgement_comment=judgement.comment)
