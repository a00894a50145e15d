"""What every part of the review service shares: its errors, filters and cell states, and the
:class:`ReviewBase` it is built on: the reach check (who may see whose work, a refusal written to
the log) and finding qualifications, units and criteria in the catalogue, across the versions of a
specification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutor.domain.access import ADMIN, IQA, LEARNER, TUTOR, Actor, PermissionDenied
from tutor.services.accounts import gate
from tutor.storage import audit_log, catalogue_queries, review_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction

class CellState:
    """A criterion's state for a learner (plain strings); ``ORDER`` is the order a criterion moves through
    them. Modules that work with the states take this one name rather than each state."""

    NOT_STARTED = "not_started"
    PRACTISED = "practised"
    AUTO_CORRECT = "auto_correct"
    ACCEPTED = "accepted"
    DECIDED = "decided"
    ORDER = (NOT_STARTED, PRACTISED, AUTO_CORRECT, ACCEPTED, DECIDED)


NOT_STARTED, PRACTISED, AUTO_CORRECT, ACCEPTED, DECIDED = CellState.ORDER
CELL_STATES = CellState.ORDER
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


class ReviewBase:
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
            return review_queries.tutor_learners(session, actor.username)
        if actor.role in (IQA, ADMIN):
            return review_queries.learner_accounts(session, LEARNER)
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

    # -- catalogue -----------------------------------------------------------------------------

    def unit_id(self, qualification: str, unit: str) -> int:
        with Session(self.engine) as session:
            return self._unit(session, qualification, unit).id

    def criterion(self, qualification: str, unit: str, number: str) -> Column:
        with Session(self.engine) as session:
            return self._criterion(session, qualification, unit, number)

    @staticmethod
    def _qualification(session: Session, number: str) -> t.Qualification:
        qual = catalogue_queries.current_qualification(session, number.strip())
        if qual is None:
            raise ReviewError(f"no qualification {number.strip()!r} in the catalogue")
        return qual

    def _columns(self, session: Session, qual: t.Qualification, unit: str | None,
                 number: str | None = None) -> list[Column]:
        """The qualification's criteria in order (or one unit's, or one criterion of a unit)."""
        rows = catalogue_queries.qualification_criteria(session, qual.id, None if unit is None else unit.strip(),
                                                        None if number is None else number.strip())
        if unit is not None and not rows and number is None:
            raise ReviewError(f"no unit {unit.strip()!r} in qualification {qual.number}")
        return [Column(r.criterion_id, r.unit_id, r.unit_key, r.outcome, r.number, r.kind, r.text) for r in rows]

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
        earlier = catalogue_queries.earlier_criteria(session, document, {c.unit_key for c in columns})
        for criterion_id, unit_id, unit_key, outcome, number in earlier:
            now = current.get((unit_key, outcome, number))
            if now is not None:
                criteria[criterion_id] = now.criterion_id
                units[unit_id] = now.unit_id
        return criteria, units
