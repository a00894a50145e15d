"""Queries on failed tries at a start code or a password (``access_failure`` rows): counting a target's
or a client address's recent failures, recording one, and forgetting old ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from tutor.storage import tables as t
from tutor.storage.engine import as_utc


def recent_failures(session: Session, kind: str, since: datetime, *, target: str | None = None,
                    address: str | None = None) -> tuple[int, datetime | None]:
    """(how many, the oldest's time) of the failures of ``kind`` after ``since``, made at ``target`` or,
    given instead, from ``address``."""
    where = t.AccessFailure.address == address if target is None else t.AccessFailure.target == target
    count, oldest = session.exec(
        select(func.count(), func.min(t.AccessFailure.at))
        .where(t.AccessFailure.kind == kind, where, t.AccessFailure.at > since)
    ).one()
    return count, as_utc(oldest)


def add_failure(session: Session, kind: str, target: str, address: str | None, at: datetime) -> None:
    """One failure, in the caller's transaction (the target and address cut to their columns' lengths)."""
    session.add(t.AccessFailure(kind=kind, target=target[:80], address=(address or None) and address[:64], at=at))


def forget_failures(session: Session, before: datetime) -> None:
    """Delete the failures made before ``before``."""
    session.execute(delete(t.AccessFailure).where(t.AccessFailure.at < before))
