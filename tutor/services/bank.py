"""Loading the question bank into the database by item id and version.

An item whose content is unchanged keeps its row; an edited item gets a new row (a new version)
and the old one stays, marked not current, so every recorded response still points at the exact
text the learner saw. Items that left the bank are marked not current, never deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from tutor.bank.model import Item
from tutor.storage import bank_queries
from tutor.storage import tables as t
from tutor.storage.engine import describe_db_error, storage_error


@dataclass(frozen=True)
class BankLoadResult:
    added: int
    new_versions: int
    unchanged: int
    withdrawn: int


def _imported(body: str) -> bool:
    return json.loads(body).get("provenance", {}).get("kind") == "imported"


def load_items(engine: Engine, items: list[Item], now: Callable[[], datetime]) -> BankLoadResult:
    """Store every item's current version in one transaction."""
    try:
        with Session(engine) as session:
            current = bank_queries.current_items(session)
            stored = bank_queries.stored_items(session)
            criteria = bank_queries.criterion_index(session)
            added = new_versions = unchanged = 0
            for item in items:
                row = current.pop(item.id, None)
                if row is not None and row.version == item.version:
                    body = json.dumps(item.to_dict(), ensure_ascii=False)
                    if (row.status, row.use, row.body) != (item.status, item.use, body):
                        # Same question, new standing (retired, approved, enemies declared): the text the
                        # learner saw is unchanged, so the version and every response to it stay.
                        row.status, row.use, row.difficulty, row.body = item.status, item.use, item.difficulty, body
                        session.add(row)
                    unchanged += 1
                    continue
                if row is not None:
                    row.is_current = False
                    session.add(row)
                    new_versions += 1
                else:
                    added += 1
                earlier = stored.get((item.id, item.version))
                if earlier is not None:  # an item brought back exactly as it was before
                    earlier.is_current = True
                    session.add(earlier)
                    continue
                session.add(t.BankItem(
                    item_id=item.id, version=item.version, qualification=item.ref.qualification,
                    unit_key=item.ref.unit, outcome_number=item.ref.outcome, criterion_number=item.ref.criterion,
                    criterion_id=criteria.get((item.ref.unit, item.ref.outcome, item.ref.criterion)),
                    kind=item.kind, use=item.use, status=item.status, difficulty=item.difficulty,
                    body=json.dumps(item.to_dict(), ensure_ascii=False), loaded_at=now(),
                ))
            withdrawn = 0
            for row in current.values():
                if _imported(row.body):  # imported drafts are not the bundle's: it never withdraws them
                    continue
                row.is_current = False
                session.add(row)
                withdrawn += 1
            session.commit()
            return BankLoadResult(added, new_versions, unchanged, withdrawn)
    except SQLAlchemyError as exc:
        raise storage_error("use", "save", what="the question bank", reason=describe_db_error(exc)) from None
