"""Keeping a secure bank honest once it is in use: item statistics over every sitting, and an
admin sending an item back to review (out of new forms, with a reason in the audit trail)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutor.domain.access import Actor
from tutor.domain.item_analysis import ItemUsage, item_usage
from tutor.services.accounts import gate
from tutor.storage import audit_log, bank_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction

REVIEW, APPROVED = "review", "approved"
MAX_REASON = 1000  # item_status_change.reason


class ItemQualityError(Exception):
    """A request about an item that cannot be met; the message is one line for people."""


@dataclass(frozen=True)
class ItemStatisticsRow:
    item_id: str
    version: str
    outcome: str
    criterion: str
    in_review: bool
    usage: ItemUsage


class ItemQualityService:
    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def item_statistics(self, actor: Actor, test_code: str | None = None) -> list[ItemStatisticsRow]:
        """Every item version shown in a submitted attempt, over all sittings (of one test, if given)."""
        gate(self.engine, self.now, actor, "sitting.analyse")
        with Session(self.engine) as session:
            rows = bank_queries.test_responses(session, test_code)
            held = bank_queries.in_review(session)
        attempts: dict[str, list[tuple[str, str | None, bool]]] = {}
        answers: dict[str, str] = {}
        meta: dict[str, tuple[str, str, str, str]] = {}
        for row in rows:
            key = f"{row.item_id}@{row.version}"
            attempts.setdefault(str(row.attempt_id), []).append((key, row.chosen, row.correct))
            if key not in answers:
                answers[key] = json.loads(row.body).get("key") or ""
                meta[key] = (row.item_id, row.version, row.outcome, row.criterion)
        return [ItemStatisticsRow(*meta[u.key], meta[u.key][0] in held, u) for u in item_usage(attempts, answers)]

    def send_to_review(self, actor: Actor, item_id: str, reason: str) -> None:
        """Take an item out of new forms until it is returned; forms already drawn keep it."""
        self._change(actor, item_id, reason, REVIEW)

    def return_to_use(self, actor: Actor, item_id: str, reason: str) -> None:
        self._change(actor, item_id, reason, APPROVED)

    def _change(self, actor: Actor, item_id: str, reason: str, status: str) -> None:
        gate(self.engine, self.now, actor, "bank.manage")
        reason, item_id = reason.strip(), item_id.strip()
        if not reason:
            raise ItemQualityError("give the reason (--reason)")
        if len(reason) > MAX_REASON:
            raise ItemQualityError(f"the reason has {len(reason)} characters; at most {MAX_REASON} are kept")
        with WriteTransaction(self.engine, "record the item's status") as session:
            item = bank_queries.current_item(session, item_id)
            if item is None:
                raise ItemQualityError(f"no item {item_id} in the question bank")
            if item.use != "secure":
                raise ItemQualityError(f"item {item_id} is a practice item: only secure items are drawn on forms")
            held = item_id in bank_queries.in_review(session)
            if status == REVIEW and held:
                raise ItemQualityError(f"item {item_id} is already in review")
            if status == APPROVED and not held:
                raise ItemQualityError(f"item {item_id} is not in review")
            now = self.now()
            change = t.ItemStatusChange(item_id=item_id, status=status, reason=reason, actor=actor.username, at=now)
            session.add(change)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, f"bank.item_{status}", f"item:{item_id}",
                             {"version": item.version, "status": status, "reason": reason, "change_id": change.id})
            session.commit()
