"""The audit chain vouches for the records: every row of an append-only table against the entry written with it.

The hash chain (:mod:`tutor.domain.audit`) proves that the log itself is unchanged. This module proves the
rest: each append-only row (test answers and evidence, practice exchanges, evidence judgements, decisions,
IQA samples and reviews, item status changes) is written in one transaction with an audit entry that names
the row's id and records what it says. Verification reads the entries, then the rows, and names the first
disagreement: a row changed behind the program's back (field and both values), a row deleted (its entry has
no row), or a row inserted (no entry names it).

Each table is described once, in :data:`LINKS`: which entries speak for its rows, and how a row and an
entry each show the fields they share. Memory is one digest per row, so a million responses verify in one
pass.

Results are then recomputed from the chain alone (:class:`_ChainResults`): each finished attempt's evidence
must hold, question by question, the latest answer the chain recorded for it; its raw score must be the
count of correct answers it records; and the attempt's stored score and pass/fail must be what the chain
gives (the pass mark as the sitting's creation entry recorded it). A score edited in the attempt table, where
no trigger guards it, is named.

Last, portfolios: the same pass over the chain feeds :class:`tutor.domain.portfolio_standing.ChainPortfolios`,
and the caller (:meth:`tutor.services.review.PortfolioRecord.verify_records`) compares each cohort member's
portfolio, built from the tables by the export's own code, with the standing the chain alone gives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from tutor.domain.audit import AuditRecord, stamp
from tutor.domain.portfolio_standing import PORTFOLIO_KINDS, ChainPortfolios
from tutor.storage import audit_log
from tutor.storage import tables as t

View = dict[str, object]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    """How one append-only table's rows are vouched for by the chain."""

    model: type  # the table's SQLModel class
    kinds: Callable[[str], bool]  # the entry kinds written with this table's rows
    from_entry: Callable[[AuditRecord, dict, dict], Iterator[tuple[int, View]]]  # -> (row id, fields)
    from_row: Callable[[object, dict], View]  # a row -> the same fields

    @property
    def table(self) -> str:
        return self.model.__tablename__


def _practice_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    yield data["exchange"], {
        "learner": entry.actor, "unit": data["unit"], "criterion": data["criterion"],
        "criterion_id": data["criterion_id"], "verdict": data["verdict"], "hints": data["hints"],
        "turn": data["turn"], "answer_sha256": data["answer_sha256"],
        "contradicted": [data.get("contradicted", []), data.get("misconceptions", [])], "at": entry.at}


def _practice_row(row, _units: dict) -> View:
    contradicted = json.loads(row.contradicted or "{}")
    return {"learner": row.learner, "unit": row.unit_key, "criterion": row.criterion_number,
            "criterion_id": row.criterion_id, "verdict": row.verdict, "hints": row.hints_used, "turn": row.turn,
            "answer_sha256": _sha(row.answer),
            "contradicted": [contradicted.get("points", []), contradicted.get("misconceptions", [])],
            "at": stamp(row.at)}


def _answer_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    if "answer_id" in data:  # entries written before answers were linked by id name no row
        yield data["answer_id"], {
            "attempt": int(entry.subject.removeprefix("attempt:")), "position": data["position"],
            "bank_item": data["bank_item"], "chosen": data["chosen"], "flagged": data["flagged"],
            "active_seconds": data["active_seconds"], "at": entry.at}


def _answer_row(row, _units: dict) -> View:
    return {"attempt": row.attempt_id, "position": row.position, "bank_item": row.bank_item_id,
            "chosen": row.chosen, "flagged": bool(row.flagged), "active_seconds": round(row.active_seconds, 3),
            "at": stamp(row.saved_at)}


def _evidence_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    for row_id, position, bank_item, criterion, chosen, correct in data.get("evidence", []):
        yield row_id, {"attempt": int(entry.subject.removeprefix("attempt:")), "position": position,
                       "bank_item": bank_item, "criterion_id": criterion, "chosen": chosen, "correct": correct,
                       "at": stamp(data["finished_at"])}


def _evidence_row(row, _units: dict) -> View:
    return {"attempt": row.attempt_id, "position": row.position, "bank_item": row.bank_item_id,
            "criterion_id": row.criterion_id, "chosen": row.chosen, "correct": bool(row.correct),
            "at": stamp(row.at)}


def _judgement_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    yield data["decision_id"], {
        "learner": entry.subject.removeprefix("learner:"), "criterion_id": data["criterion"],
        "source": data["source"], "source_id": data["source_id"], "accepted": entry.kind == "evidence.accepted",
        "reference": data["reference"], "comment": data["comment"], "assessor": entry.actor,
        "supersedes": data["supersedes"], "at": entry.at}


def _judgement_row(row, _units: dict) -> View:
    return {"learner": row.learner, "criterion_id": row.criterion_id, "source": row.source,
            "source_id": row.source_id, "accepted": bool(row.accepted), "reference": row.reference,
            "comment": row.comment, "assessor": row.assessor, "supersedes": row.supersedes_id, "at": stamp(row.at)}


def _decision_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    yield data["decision_id"], {
        "learner": entry.subject.removeprefix("learner:"), "unit": data["unit"], "criterion_id": data["criterion"],
        "decision": data["decision"], "comment": data["comment"], "assessor": entry.actor,
        "supersedes": data["supersedes"], "at": entry.at}


def _decision_row(row, units: dict) -> View:
    return {"learner": row.learner, "unit": units.get(row.unit_id), "criterion_id": row.criterion_id,
            "decision": row.decision, "comment": row.comment, "assessor": row.assessor,
            "supersedes": row.supersedes_id, "at": stamp(row.at)}


def _plan_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    yield data["plan"], {"learner_percent": data["learner_percent"], "unit_percent": data["unit_percent"],
                         "seed": data["seed"], "sample": data["sample"], "by": entry.actor, "at": entry.at}


def _plan_row(row, _units: dict) -> View:
    return {"learner_percent": row.learner_percent, "unit_percent": row.unit_percent, "seed": row.seed,
            "sample": json.loads(row.sample), "by": row.created_by, "at": stamp(row.at)}


def _iqa_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    if "review_id" in data:
        yield data["review_id"], {
            "plan": data["plan"], "learner": entry.subject.removeprefix("learner:"), "unit": data["unit"],
            "agree": data["agree"], "comment": data["comment"], "reviewer": entry.actor,
            "supersedes": data["supersedes"], "at": entry.at}


def _iqa_row(row, units: dict) -> View:
    return {"plan": row.plan_id, "learner": row.learner, "unit": units.get(row.unit_id), "agree": bool(row.agree),
            "comment": row.comment, "reviewer": row.reviewer, "supersedes": row.supersedes_id, "at": stamp(row.at)}


def _status_entry(entry: AuditRecord, data: dict, _units: dict) -> Iterator[tuple[int, View]]:
    if "change_id" in data:
        yield data["change_id"], {"item": entry.subject.removeprefix("item:"), "status": data["status"],
                                  "reason": data["reason"], "actor": entry.actor, "at": entry.at}


def _status_row(row, _units: dict) -> View:
    return {"item": row.item_id, "status": row.status, "reason": row.reason, "actor": row.actor,
            "at": stamp(row.at)}


LINKS: tuple[Link, ...] = (
    Link(t.AttemptAnswer, lambda k: k == "test.answer", _answer_entry, _answer_row),
    Link(t.TestEvidence, lambda k: k in ("test.submitted", "test.expired"), _evidence_entry, _evidence_row),
    Link(t.PracticeExchange, lambda k: k == "practice.response", _practice_entry, _practice_row),
    Link(t.EvidenceDecision, lambda k: k in ("evidence.accepted", "evidence.rejected"), _judgement_entry,
         _judgement_row),
    Link(t.AssessmentDecision, lambda k: k == "decision.recorded", _decision_entry, _decision_row),
    Link(t.SamplePlan, lambda k: k == "iqa.sampled", _plan_entry, _plan_row),
    Link(t.IqaReview, lambda k: k == "iqa.reviewed", _iqa_entry, _iqa_row),
    Link(t.ItemStatusChange, lambda k: k.startswith("bank.item_"), _status_entry, _status_row),
)


@dataclass(frozen=True)
class RecordsReport:
    """What verification found: rows checked per table, and the first disagreement (empty when none)."""

    checked: dict[str, int]
    problem: str = ""
    table: str = ""
    row_id: int | None = None
    entry_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def _digest(view: View) -> str:
    return hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()


class _ChainResults:
    """What the chain alone says about test results: the latest answer per question, each finished attempt's
    score and evidence, and each sitting's pass mark."""

    def __init__(self) -> None:
        self.latest: dict[int, dict[int, object]] = {}             # attempt -> position -> chosen
        self.finished: dict[int, tuple[int, dict, int]] = {}       # attempt -> (entry seq, data, sitting)
        self.pass_marks: dict[int, int] = {}                       # sitting -> pass mark

    def read(self, entry: AuditRecord, data: dict) -> None:
        if entry.kind == "test.answer":
            attempt = int(entry.subject.removeprefix("attempt:"))
            self.latest.setdefault(attempt, {})[data["position"]] = data["chosen"]
        elif entry.kind in ("test.submitted", "test.expired"):
            self.finished[int(entry.subject.removeprefix("attempt:"))] = (entry.seq, data, data["sitting"])
        elif entry.kind == "test.sitting_created" and "pass_mark" in data:
            self.pass_marks[data["sitting"]] = data["pass_mark"]

    def check(self, engine: Engine, checked: dict[str, int]) -> RecordsReport:
        for attempt_id, (seq, data, _) in sorted(self.finished.items()):
            answers = self.latest.get(attempt_id, {})
            evidence = data.get("evidence", [])
            for _row_id, position, _item, _criterion, chosen, _correct in evidence:
                if chosen != answers.get(position):
                    return RecordsReport(checked, f"attempt {attempt_id}: audit entry {seq} marks question {position} "
                                                  f"as answered {chosen!r}, but the chain's last answer to it is "
                                                  f"{answers.get(position)!r}", "attempt", attempt_id, seq)
            if evidence and data.get("raw_score") != sum(1 for *_, correct in evidence if correct):
                return RecordsReport(checked, f"attempt {attempt_id}: audit entry {seq} records a raw score of "
                                              f"{data.get('raw_score')} for {sum(1 for *_, c in evidence if c)} correct "
                                              f"answers", "attempt", attempt_id, seq)
        count = 0
        for row in audit_log.rows_by_id(engine, t.Attempt.__table__):
            if row.status != "submitted":
                continue
            count += 1
            found = self.finished.get(row.id)
            if found is None:
                return RecordsReport(checked, f"attempt {row.id} is submitted but no audit entry records its result",
                                     "attempt", row.id)
            seq, data, sitting = found
            if row.raw_score != data.get("raw_score"):
                return RecordsReport(checked, f"attempt {row.id}: raw_score is {row.raw_score!r} but audit entry {seq} "
                                              f"recorded {data.get('raw_score')!r} (changed behind the program's back)",
                                     "attempt", row.id, seq)
            if sitting in self.pass_marks and row.passed is not None \
                    and bool(row.passed) != (data["raw_score"] >= self.pass_marks[sitting]):
                return RecordsReport(checked, f"attempt {row.id}: passed is {bool(row.passed)!r} but its score "
                                              f"{data['raw_score']} against the pass mark of "
                                              f"{self.pass_marks[sitting]} the chain recorded says otherwise",
                                     "attempt", row.id, seq)
        checked["results"] = count
        return RecordsReport(checked)


def verify_records(engine: Engine, portfolios: Callable[[ChainPortfolios], tuple[int, str]] | None = None,
                   batch: int = 5000) -> RecordsReport:
    """Check every append-only row against its audit entry, then every finished attempt's result against
    the chain alone, then (given ``portfolios``, which compares the tables' portfolios with what the chain
    says and returns how many it compared and the first difference) every portfolio; the first mismatch is
    named."""
    units = {row.id: row.key for row in audit_log.rows_by_id(engine, t.Unit.__table__)}
    expected: dict[str, dict[int, tuple[int, str]]] = {link.table: {} for link in LINKS}
    results, chain_portfolios = _ChainResults(), ChainPortfolios()
    for entry in audit_log.records(engine):
        try:
            data = json.loads(entry.data)
        except ValueError:
            data = None  # each reader below names the entry it cannot read
        if entry.kind.startswith("test."):
            try:
                results.read(entry, data)
            except (KeyError, TypeError, ValueError, AttributeError):
                return RecordsReport({}, f"audit entry {entry.seq} ({entry.kind}) does not say which attempt or "
                                         f"question it records", "attempt", None, entry.seq)
        for link in LINKS:
            if link.kinds(entry.kind):
                try:
                    for row_id, view in link.from_entry(entry, data, units):
                        expected[link.table][row_id] = (entry.seq, _digest(view))
                except (KeyError, TypeError, ValueError, AttributeError):
                    return RecordsReport({}, f"audit entry {entry.seq} ({entry.kind}) does not say which "
                                             f"{link.table} row it records", link.table, None, entry.seq)
        if portfolios is not None and entry.kind in PORTFOLIO_KINDS:
            try:
                chain_portfolios.read(entry, data)
            except (KeyError, TypeError, ValueError, AttributeError):
                return RecordsReport({}, f"audit entry {entry.seq} ({entry.kind}) does not say whose portfolio "
                                         f"it records", "portfolio", None, entry.seq)
    checked: dict[str, int] = {}
    for link in LINKS:
        wanted, count = expected[link.table], 0
        for row in audit_log.rows_by_id(engine, link.model.__table__, batch):
            count += 1
            found = wanted.pop(row.id, None)
            if found is None:
                return RecordsReport(checked, f"{link.table} row {row.id} has no audit entry (a row added "
                                              f"behind the program's back)", link.table, row.id)
            seq, digest = found
            mine = link.from_row(row, units)
            if _digest(mine) != digest:
                return _mismatch(engine, link, row.id, seq, mine, units, checked)
        checked[link.table] = count
        if wanted:
            row_id, (seq, _) = min(wanted.items())
            return RecordsReport(checked, f"{link.table} row {row_id} is missing: audit entry {seq} records it "
                                          f"(a row deleted behind the program's back)", link.table, row_id, seq)
    report = results.check(engine, checked)
    if not report.ok or portfolios is None:
        return report
    checked["portfolios"], problem = portfolios(chain_portfolios)
    return RecordsReport(checked, problem, "portfolio" if problem else "")


def _mismatch(engine: Engine, link: Link, row_id: int, seq: int, mine: View, units: dict,
              checked: dict[str, int]) -> RecordsReport:
    """Name the field a changed row disagrees on, reading back the one entry that recorded it."""
    entry = audit_log.entry(engine, seq)
    recorded = dict(link.from_entry(entry, json.loads(entry.data), units))[row_id]
    field = next((name for name in recorded if recorded[name] != mine.get(name)), "?")
    return RecordsReport(checked, f"{link.table} row {row_id}: {field} is {mine.get(field)!r} but audit entry {seq} "
                                  f"recorded {recorded.get(field)!r} (changed behind the program's back)",
                         link.table, row_id, seq)
