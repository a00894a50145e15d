"""Appending to and reading the hash-chained audit log.

An entry is appended inside the caller's write transaction, after the rows it records, so the
log and the data commit together or not at all. The chain head is read inside that transaction;
on SQLite the write lock (BEGIN IMMEDIATE) serialises writers, on PostgreSQL a transaction-level
advisory lock does, and the primary key on ``seq`` refuses a fork either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection, Engine

from tutor.domain.audit import GENESIS, AuditRecord, canonical_json, entry_hash, stamp
from tutor.storage.tables import AuditEntry

AUDIT = AuditEntry.__table__
POSTGRES_AUDIT_LOCK = 0x7475746F72  # "tutor"

HEAD = select(AUDIT.c.seq, AUDIT.c.entry_hash).order_by(AUDIT.c.seq.desc()).limit(1)
"""The last entry's (seq, entry_hash); :func:`next_entry` takes its row."""
INSERT = insert(AUDIT).values({column.name: bindparam(column.name) for column in AUDIT.columns})
"""One entry, from the dict :func:`next_entry` returns."""


def append(connection: Connection, moment: datetime, actor: str, kind: str, subject: str, data: dict) -> str:
    """Add one entry to the chain in the connection's transaction; return its hash."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POSTGRES_AUDIT_LOCK})")
    entry = next_entry(connection.execute(HEAD).first(), moment, actor, kind, subject, data)
    connection.execute(INSERT, entry)
    return entry["entry_hash"]


def next_entry(head_row: tuple[int, str] | None, moment: datetime, actor: str, kind: str, subject: str,
               data: dict) -> dict:
    """The row that follows the chain's head (``(seq, entry_hash)`` of the last entry, or None)."""
    seq, prev = (head_row[0] + 1, head_row[1]) if head_row else (1, GENESIS)
    at, body = stamp(moment), canonical_json(data)
    return {"seq": seq, "at": at, "actor": actor, "kind": kind, "subject": subject, "data": body,
            "prev_hash": prev, "entry_hash": entry_hash(prev, seq, at, actor, kind, subject, body)}


def records(engine: Engine, batch: int = 5000) -> Iterator[AuditRecord]:
    """Every entry in stored order (by ``seq``), read in batches."""
    after = 0
    columns = (AUDIT.c.seq, AUDIT.c.at, AUDIT.c.actor, AUDIT.c.kind, AUDIT.c.subject, AUDIT.c.data,
               AUDIT.c.prev_hash, AUDIT.c.entry_hash)
    while True:
        with engine.connect() as connection:
            rows = connection.execute(select(*columns).where(AUDIT.c.seq > after).order_by(AUDIT.c.seq)
                                      .limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield AuditRecord(*row)
        after = rows[-1][0]


def entry(engine: Engine, seq: int) -> AuditRecord | None:
    """One entry by its number."""
    columns = (AUDIT.c.seq, AUDIT.c.at, AUDIT.c.actor, AUDIT.c.kind, AUDIT.c.subject, AUDIT.c.data,
               AUDIT.c.prev_hash, AUDIT.c.entry_hash)
    with engine.connect() as connection:
        row = connection.execute(select(*columns).where(AUDIT.c.seq == seq)).first()
    return AuditRecord(*row) if row else None


def rows_by_id(engine: Engine, table, batch: int = 5000) -> Iterator:
    """Every row of a table in id order, read in batches (the records the chain vouches for, and the units)."""
    after = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(select(table).where(table.c.id > after).order_by(table.c.id)
                                      .limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def head(engine: Engine) -> tuple[int, str]:
    """(number of entries, head hash)."""
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AUDIT)).scalar_one()
        row = connection.execute(HEAD).first()
    return count, (row[1] if row else GENESIS)


def entries_for(engine: Engine, subject_prefix: str, limit: int = 200) -> list[AuditRecord]:
    """The latest entries whose subject starts with ``subject_prefix`` (newest last)."""
    with engine.connect() as connection:
        rows = connection.execute(select(AUDIT).where(AUDIT.c.subject.startswith(subject_prefix))
                                  .order_by(AUDIT.c.seq.desc()).limit(limit)).all()
    return [AuditRecord(r.seq, r.at, r.actor, r.kind, r.subject, r.data, r.prev_hash, r.entry_hash)
            for r in reversed(rows)]
