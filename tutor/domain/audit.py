"""The hash chain of the audit log: how an entry is hashed and how a chain is verified.

Each entry stores the hash of the entry before it and its own hash,
``SHA-256(prev_hash | seq | at | actor | kind | subject | data)``, over the exact stored text
(``data`` is canonical JSON written once, never re-serialised), so editing any field, deleting
an entry or moving one to another place breaks a link that :func:`verify_chain` names.
Rewriting the whole chain is caught only against a head hash anchored elsewhere (an export).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

SEPARATOR = "\x1f"  # unit separator: cannot occur in the canonical JSON or the short fields unescaped


def stamp(moment: datetime | str | None) -> str | None:
    """A time as the chain stamps it (ISO 8601, UTC, microseconds); a naive time is taken as UTC, and a
    string is read as ISO 8601 first."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(data: dict) -> str:
    """One text for one value: sorted keys, no spaces, non-ASCII kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, kind: str, subject: str, data: str) -> str:
    fields = (prev_hash, str(seq), at, actor, kind, subject, data)
    return hashlib.sha256(SEPARATOR.join(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: str  # ISO 8601 UTC, as stored
    actor: str
    kind: str
    subject: str
    data: str  # canonical JSON, as stored
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str  # the last entry's hash (GENESIS for an empty log)
    broken_seq: int | None = None  # the first entry that does not hold
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.problem


def verify_chain(records: Iterable[AuditRecord], anchored_head: str | None = None) -> ChainReport:
    """Walk the chain in stored order; report the first entry whose link or hash does not hold.

    ``anchored_head`` is a head hash published earlier (in an export): it must still be in the
    chain, or the chain was rewritten or cut back since.
    """
    previous_hash, previous_seq, count = GENESIS, 0, 0
    seen_anchor = anchored_head is None or anchored_head == GENESIS
    for record in records:
        count += 1
        if record.seq <= previous_seq:
            return ChainReport(count, previous_hash, record.seq, f"entry {record.seq} is out of order")
        if record.prev_hash != previous_hash:
            return ChainReport(count, previous_hash, record.seq,
                               f"entry {record.seq} does not follow entry {previous_seq}: an entry was removed, "
                               "inserted or moved")
        expected = entry_hash(record.prev_hash, record.seq, record.at, record.actor, record.kind, record.subject,
                              record.data)
        if record.entry_hash != expected:
            return ChainReport(count, previous_hash, record.seq, f"entry {record.seq} was altered after it was written")
        previous_hash, previous_seq = record.entry_hash, record.seq
        if record.entry_hash == anchored_head:
            seen_anchor = True
    if not seen_anchor:
        return ChainReport(count, previous_hash, None,
                           f"the anchored head {anchored_head[:12]}… is not in the chain: the log was rewritten or cut back")
    return ChainReport(count, previous_hash)
