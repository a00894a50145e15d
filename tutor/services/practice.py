"""Chat practice storage: every exchange recorded the moment it happens, and review schedules.

Each exchange is committed in its own write transaction before the chat shows the next message,
so nothing a learner typed is lost if the program dies. Marks feed an fsrs card per criterion;
criteria due for review come first in the learner's next session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime

from fsrs import Card
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutor.bank.audit import BankAudit
from tutor.practice.engine import Exchange, PracticeEngine
from tutor.practice.marking import VERDICTS
from tutor.practice.review import review
from tutor.rendering import TextRenderer
from tutor.services.catalogue import NotFound
from tutor.storage import audit_log, catalogue_queries, practice_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction, as_utc

MARKED_TURNS = ("answer", "probe_answer")


class PracticeService:
    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def record(self, learner: str, exchange: Exchange) -> int:
        """Store one exchange (and, for a marked answer, update the criterion's review card)."""
        with WriteTransaction(self.engine, "save your answer") as session:
            now = self.now()
            row = t.PracticeExchange(
                learner=learner, qualification=exchange.qualification, unit_key=exchange.unit,
                outcome_number=exchange.outcome, criterion_number=exchange.criterion,
                criterion_id=self._criterion_id(session, exchange), prompt=exchange.prompt,
                bank_item_id=self._item_id(session, exchange), answer=exchange.answer, verdict=exchange.verdict,
                matched=json.dumps(list(exchange.matched)), hints_used=exchange.hints_used,
                contradicted=json.dumps({"points": list(exchange.contradicted),
                                         "misconceptions": list(exchange.misconceptions)}),
                seconds=exchange.seconds, turn=exchange.turn, mode=exchange.mode, at=now,
            )
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, learner, "practice.response", f"learner:{learner}",
                             {"exchange": row.id, "unit": exchange.unit, "criterion": exchange.criterion,
                              "criterion_id": row.criterion_id, "item": exchange.item_id,
                              "item_version": exchange.item_version, "turn": exchange.turn,
                              "verdict": exchange.verdict, "hints": exchange.hints_used,
                              "contradicted": list(exchange.contradicted),
                              "misconceptions": list(exchange.misconceptions),
                              "answer_sha256": hashlib.sha256(exchange.answer.encode()).hexdigest()})
            if exchange.turn in MARKED_TURNS and exchange.verdict in VERDICTS:
                self._review(session, learner, exchange, now)
            session.commit()
            return row.id

    def due(self, learner: str, qualification: str, unit: str) -> list[str]:
        """Criterion ids of the unit due for review now, most overdue first."""
        now = self.now()
        with Session(self.engine) as session:
            rows = practice_queries.review_cards(session, learner, qualification, unit)
        return [r.criterion_number for r in rows if as_utc(r.due) <= now]

    def practised(self, learner: str, qualification: str, unit: str) -> set[str]:
        """Criterion ids of the unit the learner has already answered (not merely skipped)."""
        with Session(self.engine) as session:
            return practice_queries.answered_criteria(session, learner, qualification, unit)

    def last_unit(self, learner: str) -> tuple[str, str] | None:
        """(qualification, unit) the learner practised last, to continue where they left off."""
        with Session(self.engine) as session:
            return practice_queries.last_unit(session, learner)

    def exchanges(self, learner: str) -> list[t.PracticeExchange]:
        with Session(self.engine) as session:
            return practice_queries.exchanges(session, learner)

    def _review(self, session: Session, learner: str, exchange: Exchange, now: datetime) -> None:
        row = practice_queries.review_card(session, learner, exchange.qualification, exchange.unit, exchange.criterion)
        cards = {exchange.criterion: Card.from_dict(json.loads(row.card))} if row else {}
        card = review(cards, exchange.criterion, exchange.verdict, now)
        if card is None:
            return
        row = row or t.ReviewCard(learner=learner, qualification=exchange.qualification, unit_key=exchange.unit,
                                  criterion_number=exchange.criterion, card="{}", due=now)
        row.card = json.dumps(card.to_dict())
        row.due = card.due
        session.add(row)

    @staticmethod
    def _criterion_id(session: Session, exchange: Exchange) -> int | None:
        return catalogue_queries.current_criterion_id(session, exchange.qualification, exchange.unit,
                                                      exchange.outcome, exchange.criterion)

    @staticmethod
    def _item_id(session: Session, exchange: Exchange) -> int | None:
        if not exchange.item_id:
            return None
        return practice_queries.item_row_id(session, exchange.item_id, exchange.item_version)



def practice_engine(audit: BankAudit, qualification: str, unit: str, due: Iterable[str], renderer: TextRenderer,
                    now: Callable[[], datetime], seed: int = 0, practised: Iterable[str] = ()) -> PracticeEngine:
    """An engine for one unit of one qualification: its criteria (due for review first, then the
    ones not yet practised, so a learner continues where they left off, then the rest), its
    sheets, its generated practice items (never a secure item) and its open prompts."""
    scope = audit.index.scope(qualification)
    key = scope.resolve(unit) if scope else None
    if key is None:
        raise NotFound(f"no unit {unit!r} in qualification {qualification!r}")
    done = set(practised)
    criteria = sorted((c for c in scope.criteria.values() if c.unit == key), key=lambda c: c.criterion in done)
    sheets = {c.criterion: e for c in criteria if c.kind == "knowledge" and (e := audit.sheet_for(c)) is not None}
    items = [i for e in sheets.values() for i in audit.items_for(e) if i.use == "practice"]
    prompts = {p.criterion.criterion: p for p in audit.prompts
               if p.criterion.qualification == qualification and p.criterion.unit == key}
    return PracticeEngine(criteria, sheets, items, prompts, set(due), renderer, seed=seed, clock=now)
