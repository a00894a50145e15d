"""The learner's record and the audit check: a portfolio of one qualification (every criterion's
evidence, decisions and their corrections, quality-assurance reviews) stamped with the audit
chain's head, and verifying the chain and the rows it vouches for."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session

from tutor.domain import audit as chain
from tutor.domain.access import Actor
from tutor.domain.portfolio import CriterionRecord, Decision, IqaRecord, Portfolio, UnitRecord
from tutor.domain.portfolio_standing import ChainPortfolios, Layout, first_difference, standing_of
from tutor.services.accounts import gate
from tutor.services.review.base import Column, ReviewError
from tutor.services.review.evidence import EvidenceReview
from tutor.storage import account_queries, audit_log, catalogue_queries, review_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction, as_utc


@dataclass(frozen=True)
class AuditCheck:
    report: chain.ChainReport


class PortfolioRecord(EvidenceReview):
    def portfolio(self, actor: Actor, learner: str, qualification: str | None = None) -> Portfolio:
        """The learner's record for one qualification (their cohort's, if not given)."""
        gate(self.engine, self.now, actor, "export.portfolio")
        with Session(self.engine) as session:
            self._check_reach(session, actor, learner)
            account = account_queries.account(session, learner)
            if qualification is None:
                qualification = review_queries.learner_qualification(session, learner)
                if qualification is None:
                    raise ReviewError(f"{learner} is in no cohort: name the qualification")
            qual = self._qualification(session, qualification)
            columns, lineage = self._layout(session, qual)
        count, head = audit_log.head(self.engine)
        records = self._portfolio_units(actor, learner, columns, lineage)
        now = self.now()
        with WriteTransaction(self.engine, "record the export") as session:
            audit_log.append(session.connection(), now, actor.username, "portfolio.cut", f"learner:{learner}",
                             {"qualification": qual.number, "audit_head": head, "audit_entries": count})
            session.commit()
        return Portfolio(learner, account.display_name if account else learner, qual.number, qual.title, now,
                         actor.username, head, count, records)

    def _layout(self, session: Session, qual: t.Qualification) -> tuple[list[Column], tuple[dict, dict]]:
        """The qualification's criteria in order, and every version's criterion and unit ids mapped to now's."""
        columns = self._columns(session, qual, None)
        return columns, self._lineage(session, qual, columns)

    def _portfolio_units(self, actor: Actor, learner: str, columns: list[Column],
                         lineage: tuple[dict[int, int], dict[int, int]]) -> tuple[UnitRecord, ...]:
        """The body of a learner's portfolio, read from the tables (permission and reach already checked):
        what the export writes, and what verification compares with the chain."""
        criterion_now, unit_now = lineage
        units: dict[int, list[Column]] = defaultdict(list)
        for column in columns:
            units[column.unit_id].append(column)
        records = []
        with Session(self.engine) as session:
            decisions = _decision_chains(session, learner, criterion_now, unit_now)
            iqa = _iqa_records(session, learner, unit_now)
            evidence = self._evidence(session, actor, learner, criterion_now,
                                      catalogue_queries.criterion_texts(session, list(criterion_now)))
            for unit_id, unit_columns in units.items():
                unit = session.get(t.Unit, unit_id)
                criteria = []
                for column in unit_columns:
                    chain_ = decisions.get((unit_id, column.criterion_id), [])
                    criteria.append(CriterionRecord(column.outcome, column.number, column.text, column.kind,
                                                    tuple(evidence.get(column.criterion_id, ())),
                                                    chain_[-1] if chain_ else None, tuple(chain_[:-1])))
                unit_chain = decisions.get((unit_id, None), [])
                records.append(UnitRecord(unit.key, unit.title, tuple(criteria), unit_chain[-1] if unit_chain else None,
                                          tuple(iqa.get(unit_id, []))))
        return tuple(records)

    def verify_audit(self, actor: Actor, anchored_head: str | None = None) -> chain.ChainReport:
        gate(self.engine, self.now, actor, "audit.verify")
        return chain.verify_chain(audit_log.records(self.engine), anchored_head)

    def verify_records(self, actor: Actor):
        """Every append-only row against the audit entry written with it (see :mod:`tutor.services.record_audit`)."""
        from tutor.services.record_audit import verify_records

        gate(self.engine, self.now, actor, "audit.verify")
        return verify_records(self.engine, lambda chain_: self._compare_portfolios(actor, chain_))

    def _compare_portfolios(self, actor: Actor, from_chain: ChainPortfolios) -> tuple[int, str]:
        """Every cohort member's portfolio in their cohort's qualification, built from the tables as the export
        builds it, against the standing the chain alone gives: (portfolios compared, the first difference)."""
        with Session(self.engine) as session:
            pairs = review_queries.cohort_qualifications(session)
            layouts = {}
            for number in dict.fromkeys(q for _, q in pairs):
                try:
                    columns, lineage = self._layout(session, self._qualification(session, number))
                except ReviewError:  # a cohort's qualification no longer in the catalogue: no portfolio to cut
                    continue
                place = {c.criterion_id: f"{c.unit_key} {c.number}" for c in columns}
                units = tuple(dict.fromkeys(c.unit_key for c in columns))
                layout = Layout({old: place[now] for old, now in lineage[0].items()}, units)
                order = [p for key in units for p in (key, *(place[c.criterion_id] for c in columns
                                                             if c.unit_key == key))]
                layouts[number] = (columns, lineage, layout, order)
        pairs = [(learner, number) for learner, number in pairs if number in layouts]
        for learner, number in pairs:
            columns, lineage, layout, order = layouts[number]
            found = first_difference(standing_of(self._portfolio_units(actor, learner, columns, lineage)),
                                     from_chain.standing(learner, layout), order)
            if found:
                place, field, stored, chained = found
                return len(pairs), (f"portfolio of {learner} in {number}, {place}: {field} is {stored!r} in the "
                                    f"records but {chained!r} by the audit chain")
        return len(pairs), ""


def _decision_chains(session: Session, learner: str, criterion_now: dict[int, int],
                     unit_now: dict[int, int]) -> dict[tuple[int, int | None], list[Decision]]:
    """Decisions by (unit, criterion) as they stand now, oldest first, whichever version they were made on."""
    chains: dict[tuple[int, int | None], list[Decision]] = defaultdict(list)
    for row in review_queries.learner_decisions(session, learner):
        criterion = criterion_now.get(row.criterion_id, row.criterion_id) if row.criterion_id else None
        chains[(unit_now.get(row.unit_id, row.unit_id), criterion)].append(Decision(
            row.id, row.decision, row.assessor, as_utc(row.at), row.comment, row.supersedes_id))
    return chains


def _iqa_records(session: Session, learner: str, unit_now: dict[int, int]) -> dict[int, list[IqaRecord]]:
    records: dict[int, list[IqaRecord]] = defaultdict(list)
    for row in review_queries.learner_iqa_reviews(session, learner):
        records[unit_now.get(row.unit_id, row.unit_id)].append(IqaRecord(row.agree, row.reviewer, as_utc(row.at),
                                                                        row.comment))
    return records
